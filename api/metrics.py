"""Prometheus metrics for operators: the outbox as it stands in the database.

Read from the database at scrape time, so every web and worker process reports the
same figures without shared state.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from api import deps
from api.config import Config
from api.errors import Unauthorized
from api.services.outbox import outbox_stats

metrics = Blueprint("metrics", __name__)


class OutboxCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        stats = outbox_stats(deps.session(), organization_id=None, now=deps.now())
        rows = GaugeMetricFamily(
            "bitewise_outbox_notifications",
            "Notifications by status and kind",
            labels=["status", "kind"],
        )
        for row in stats["by_status"]:
            rows.add_metric([row["status"], row["kind"]], row["count"])
        yield rows
        yield GaugeMetricFamily(
            "bitewise_outbox_oldest_due_seconds",
            "Age of the oldest notification due and not yet sent",
            value=stats["oldest_due_age_seconds"],
        )
        yield GaugeMetricFamily(
            "bitewise_push_sent_last_5_minutes",
            "Pushes sent in the last five minutes",
            value=stats["sent_last_5_minutes"],
        )
        failures = GaugeMetricFamily(
            "bitewise_push_failures_last_24h",
            "Pushes not sent in the last day, by reason",
            labels=["reason"],
        )
        for row in stats["failures_last_24h"]:
            failures.add_metric([row["reason"]], row["count"])
        yield failures


@metrics.route("/metrics")
def scrape() -> Response:
    config: Config = current_app.config["BITEWISE"]
    if config.metrics_token:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(supplied.encode(), config.metrics_token.encode()):
            raise Unauthorized(
                "Send 'Authorization: Bearer <metrics token>'.", code="metrics_token"
            )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OutboxCollector())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
