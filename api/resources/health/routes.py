"""Liveness and readiness, for load balancers and the operator on call."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api import deps
from api.blueprint import Blueprint
from api.errors import Unavailable

blp = Blueprint("health", __name__, description="Process and database health (no auth).")


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"example": "ok"})


@blp.route("/healthz")
@blp.doc(security=[])
@blp.response(200, HealthSchema, example={"status": "ok"})
def healthz() -> dict:
    """The process is up"""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.doc(security=[])
@blp.response(200, HealthSchema, example={"status": "ok"})
@blp.errors(503)
def readyz() -> dict:
    """The database answers; take traffic"""
    try:
        deps.session().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise Unavailable("The database does not answer.", code="database_unavailable") from exc
    return {"status": "ok"}
