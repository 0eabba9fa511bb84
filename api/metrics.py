"""Prometheus metrics for operators at ``/metrics``.

Workers say they are alive in ``worker_heartbeats`` every 10 s; their heartbeat ages,
retries, quota pauses and the planner's last run are read from there.

HTTP requests (rate, latency histogram, errors; by endpoint template and status) come from
prometheus-flask-exporter. Under gunicorn each worker writes them to
``PROMETHEUS_MULTIPROC_DIR`` (gunicorn.conf.py sets it) and a scrape sums all workers.
Outbox figures are read from the database at scrape time, so every process reports the
same figures without shared state.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from api import deps
from api.config import Config
from api.errors import Unauthorized
from api.models import WorkerHeartbeat
from api.services.outbox import outbox_stats, totals

metrics = Blueprint("metrics", __name__)
REQUESTS = "bitewise.http_metrics"
ALIVE_WITHIN = dt.timedelta(seconds=60)


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


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time. While the database is away they are
    left out and ``bitewise_database_up`` says 0: the process's own metrics (requests,
    their errors and latency) are served all the same, when they matter most."""

    def collect(self) -> Iterator[Metric]:
        session = deps.session()
        try:
            families = list(self._outbox(session)) + list(self._workers(session))
        except DBAPIError:
            session.rollback()
            yield GaugeMetricFamily(
                "bitewise_database_up", "Whether the database answered this scrape", value=0
            )
            return
        yield GaugeMetricFamily(
            "bitewise_database_up", "Whether the database answered this scrape", value=1
        )
        yield from families

    def _workers(self, session: Session) -> Iterator[Metric]:
        now = deps.now()
        beats = list(session.scalars(select(WorkerHeartbeat)))
        age = GaugeMetricFamily(
            "bitewise_worker_heartbeat_age_seconds",
            "Seconds since each worker last said it was alive",
            labels=["worker"],
        )
        pauses = CounterMetricFamily(
            "bitewise_push_quota_pauses",
            "Times a worker paused sending because FCM answered 429",
            labels=["worker"],
        )
        retries = CounterMetricFamily(
            "bitewise_push_retries", "Pushes a worker put back for a retry", labels=["worker"]
        )
        planner_failures = CounterMetricFamily(
            "bitewise_planner_failures", "Planner runs that failed", labels=["worker"]
        )
        running = [b for b in beats if b.stopped_at is None]
        for beat in running:
            age.add_metric([beat.worker_id], (now - beat.beat_at).total_seconds())
            pauses.add_metric([beat.worker_id], beat.quota_pauses)
            retries.add_metric([beat.worker_id], beat.retries)
            planner_failures.add_metric([beat.worker_id], beat.plan_failures)
        yield age
        yield pauses
        yield retries
        yield planner_failures
        yield GaugeMetricFamily(
            "bitewise_workers_alive",
            f"Workers that said they were alive in the last {ALIVE_WITHIN.seconds} s",
            value=sum(1 for b in running if now - b.beat_at <= ALIVE_WITHIN),
        )
        planned = [b for b in beats if b.planned_at is not None]
        if planned:
            last = max(planned, key=lambda b: b.planned_at or now)
            assert last.planned_at is not None
            yield GaugeMetricFamily(
                "bitewise_planner_last_success_age_seconds",
                "Seconds since a planner run last finished",
                value=(now - last.planned_at).total_seconds(),
            )
            yield GaugeMetricFamily(
                "bitewise_planner_last_duration_seconds",
                "How long the last finished planner run took",
                value=last.plan_seconds or 0.0,
            )

    def _outbox(self, session: Session) -> Iterator[Metric]:
        stats = outbox_stats(session, organization_id=None, now=deps.now())
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
        counts = totals(session)
        yield CounterMetricFamily(
            "bitewise_push_sent", "Pushes FCM accepted, ever", value=counts["sent"]
        )
        failed = CounterMetricFamily(
            "bitewise_push_failed", "Pushes FCM or the device refused, by reason", labels=["reason"]
        )
        for reason, count in sorted(counts["failed"].items()):
            failed.add_metric([reason], count)
        yield failed
        dropped = CounterMetricFamily(
            "bitewise_push_dropped",
            "Pushes not sent on purpose (practised, settings changed, too late), by reason",
            labels=["reason"],
        )
        for reason, count in sorted(counts["dropped"].items()):
            dropped.add_metric([reason], count)
        yield dropped


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
    registry.register(DatabaseCollector())
    if config.prometheus_multiproc_dir:
        multiprocess.MultiProcessCollector(registry)  # every gunicorn worker's requests
    else:
        registry.register(_Requests(current_app.extensions[REQUESTS]))
        registry.register(_Requests(REGISTRY))  # this process's own gauges
    # content_type, not mimetype: the constant carries its charset already, and mimetype=
    # added a second one, which Prometheus refuses to parse.
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _Requests(Collector):
    """This process's request metrics, added to a scrape's registry."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator:
        return iter(self.source.collect())
