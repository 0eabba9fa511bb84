"""/metrics: the outbox as Prometheus sees it, behind a token when one is set."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from api import create_app
from tests.factories import NotificationFactory


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_outbox_metrics(client: FlaskClient, db: Session, clock) -> None:
    NotificationFactory(send_at=clock.now() - dt.timedelta(seconds=90))
    NotificationFactory(status="sent", sent_at=clock.now() - dt.timedelta(minutes=2))
    NotificationFactory(status="failed", last_error="invalid_argument: bad token")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    values = samples(response.get_data(as_text=True))
    assert (
        values[("bitewise_outbox_notifications", (("kind", "recap"), ("status", "pending")))] == 1
    )
    assert values[("bitewise_outbox_oldest_due_seconds", ())] == 90
    assert values[("bitewise_push_sent_last_5_minutes", ())] == 1
    assert values[("bitewise_push_failures_last_24h", (("reason", "invalid_argument"),))] == 1


def test_metrics_need_the_token_when_one_is_set(config, connection, clock, db: Session) -> None:
    client = create_app(
        config.with_overrides(metrics_token="s3cret"), bind=connection, clock=clock
    ).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_request_rate_latency_and_errors_by_endpoint(client: FlaskClient, db: Session) -> None:
    for _ in range(3):
        client.get("/healthz")
    client.get("/modules/12")  # no token: 401
    client.get("/nowhere")
    values = samples(client.get("/metrics").get_data(as_text=True))
    ok = (("method", "GET"), ("status", "200"), ("url_rule", "/healthz"))
    assert values[("bitewise_http_request_duration_seconds_count", ok)] == 3
    bucket = values[("bitewise_http_request_duration_seconds_bucket", (("le", "5.0"), *ok))]
    assert bucket == 3
    denied = (("method", "GET"), ("status", "401"), ("url_rule", "/modules/<id:module_id>"))
    assert values[("bitewise_http_request_duration_seconds_count", denied)] == 1
    assert values[("bitewise_http_request_total", (("method", "GET"), ("status", "401")))] >= 1
