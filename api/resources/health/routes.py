"""Liveness and readiness, for load balancers and the operator on call."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from api import deps
from api.blueprint import Blueprint
from api.errors import Unavailable
from api.metrics import ALIVE_WITHIN
from api.models import WorkerHeartbeat
from api.resources.common import Out

blp = Blueprint("health", __name__, description="Process and database health (no auth).")


class HealthSchema(Out):
    status = ma.fields.String(required=True, metadata={"example": "ok"})


class ReadySchema(HealthSchema):
    workers_alive = ma.fields.Integer(
        required=True,
        metadata={
            "description": "Workers (planner and dispatcher) that said they were alive in the "
            "last minute. 0 is worth an alert: pushes stop, the API goes on."
        },
    )
    planner_last_success_age_seconds = ma.fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Seconds since a planner run last finished (null: never)"},
    )


@blp.route("/healthz")
@blp.doc(security=[])
@blp.response(200, HealthSchema, example={"status": "ok"})
def healthz() -> dict:
    """The process is up"""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.doc(security=[])
@blp.response(
    200,
    ReadySchema,
    example={"status": "ok", "workers_alive": 2, "planner_last_success_age_seconds": 41.5},
)
@blp.errors(503)
def readyz() -> dict:
    """The database answers; take traffic

    Also says whether workers are alive: a dead worker does not make the API unready, but
    the operator sees it here and in `/metrics` before pushes age.
    """
    session = deps.session()
    try:
        session.execute(text("SELECT 1"))
        beats = session.execute(
            select(WorkerHeartbeat.beat_at, WorkerHeartbeat.planned_at).where(
                WorkerHeartbeat.stopped_at.is_(None)
            )
        ).all()
    except SQLAlchemyError as exc:
        raise Unavailable("The database does not answer.", code="database_unavailable") from exc
    now = deps.now()
    planned = [p for _, p in beats if p is not None]
    return {
        "status": "ok",
        "workers_alive": sum(1 for beat, _ in beats if now - beat <= ALIVE_WITHIN),
        "planner_last_success_age_seconds": (now - max(planned)).total_seconds()
        if planned
        else None,
    }
