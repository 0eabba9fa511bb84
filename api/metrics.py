"""Prometheus metrics for operators at ``/metrics``.

HTTP requests (rate, latency histogram, errors; by endpoint template and status) come from
prometheus-flask-exporter. Under gunicorn each worker writes them to
``PROMETHEUS_MULTIPROC_DIR`` (gunicorn.conf.py sets it) and a scrape sums all workers.
Outbox figures are read from the database at scrape time, so every process reports the
same figures without shared state.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from api import deps
from api.config import Config
from api.errors import Unauthorized
from api.services.outbox import outbox_stats

metrics = Blueprint("metrics", __name__)
REQUESTS = "bitewise.http_metrics"


def init_request_metrics(app: Flask) -> None:
    """Count and time every request by its URL rule (``/modules/<id:module_id>``, so the
    label set stays small), method and status."""
    from prometheus_flask_exporter import PrometheusMetrics

    registry = CollectorRegistry(auto_describe=True)  # one per app: tests build many apps
    app.extensions[REQUESTS] = registry
    PrometheusMetrics(
        app,
        path=None,  # served below, behind the metrics token
        registry=registry,
        group_by="url_rule",
        defaults_prefix="bitewise",
        excluded_paths=["^/metrics$", "^/docs/assets/"],
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    )


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
    if config.prometheus_multiproc_dir:
        multiprocess.MultiProcessCollector(registry)  # every gunicorn worker's requests
    else:
        registry.register(_Requests(current_app.extensions[REQUESTS]))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class _Requests(Collector):
    """This process's request metrics, added to a scrape's registry."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator:
        return iter(self.source.collect())
