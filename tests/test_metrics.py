"""/metrics: the outbox as Prometheus sees it, behind a token when one is set."""

from __future__ import annotations

import datetime as dt
import os

import pytest
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
    NotificationFactory(status="obsolete", last_error="no longer enough due")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    # One charset, as Prometheus parses it (mimetype= had added a second).
    assert response.headers["Content-Type"].count("charset") == 1
    values = samples(response.get_data(as_text=True))
    assert (
        values[("bitewise_outbox_notifications", (("kind", "recap"), ("status", "pending")))] == 1
    )
    assert values[("bitewise_outbox_oldest_due_seconds", ())] == 90
    assert values[("bitewise_push_sent_total", ())] == 1
    assert values[("bitewise_push_failed_total", (("reason", "invalid_argument"),))] == 1
    # Dropped on purpose is not a failure: an alert on failures must not fire for it.
    assert values[("bitewise_push_dropped_total", (("reason", "no longer enough due"),))] == 1


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


def test_workers_show_in_metrics_and_readiness(
    client: FlaskClient, db: Session, clock, engine
) -> None:
    from api.models import WorkerHeartbeat

    db.add_all(
        [
            WorkerHeartbeat(
                worker_id="host-a:1",
                started_at=clock.now() - dt.timedelta(hours=1),
                beat_at=clock.now() - dt.timedelta(seconds=5),
                planned_at=clock.now() - dt.timedelta(minutes=2),
                plan_seconds=1.5,
                plan_failures=0,
                quota_pauses=2,
                retries=7,
            ),
            WorkerHeartbeat(  # silent for ten minutes: dead
                worker_id="host-b:2",
                started_at=clock.now() - dt.timedelta(hours=1),
                beat_at=clock.now() - dt.timedelta(minutes=10),
                plan_failures=3,
                quota_pauses=0,
                retries=0,
            ),
        ]
    )
    db.flush()
    values = samples(client.get("/metrics").get_data(as_text=True))
    assert values[("bitewise_workers_alive", ())] == 1
    assert values[("bitewise_worker_heartbeat_age_seconds", (("worker", "host-b:2"),))] == 600
    assert values[("bitewise_planner_last_success_age_seconds", ())] == 120
    assert values[("bitewise_planner_last_duration_seconds", ())] == 1.5
    assert values[("bitewise_push_quota_pauses_total", (("worker", "host-a:1"),))] == 2
    assert values[("bitewise_push_retries_total", (("worker", "host-a:1"),))] == 7
    assert values[("bitewise_planner_failures_total", (("worker", "host-b:2"),))] == 3
    assert values[("bitewise_database_up", ())] == 1
    ready = client.get("/readyz").get_json()
    assert ready["workers_alive"] == 1 and ready["planner_last_success_age_seconds"] == 120


def test_junk_methods_do_not_grow_the_series(client: FlaskClient, db: Session) -> None:
    """The method label copied whatever a client sent: unauthenticated junk methods made
    new series without bound."""
    for junk in ("FOO", "BAR", "SPAM", "PROPFIND"):
        response = client.open("/healthz", method=junk)
        assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"
    text = client.get("/metrics").get_data(as_text=True)
    methods = {
        s.labels.get("method") for f in text_string_to_metric_families(text) for s in f.samples
    }
    assert methods - {None} <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def test_promtool_accepts_the_metrics(client: FlaskClient, db: Session, clock) -> None:
    """Prometheus' own checker (Debian's prometheus package; bin/test installs it)."""
    import shutil
    import subprocess

    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("BITEWISE_REQUIRE_PROMTOOL") == "1":
            pytest.fail("promtool is missing: bin/test installs Debian's prometheus package")
        pytest.skip("promtool is not installed")
    NotificationFactory(status="failed", last_error="invalid_argument: bad token")
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "" and checked.stderr.strip() == ""
