"""The notification outbox, for the organization's admins (operators: /metrics)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint
from api.resources.common import Out
from api.services import outbox

blp = Blueprint("outbox", __name__, description="Push delivery: depth, age, rate, failures.")


class StatusCountSchema(Out):
    status = ma.fields.String()
    kind = ma.fields.String()
    count = ma.fields.Integer()


class ReasonCountSchema(Out):
    reason = ma.fields.String()
    count = ma.fields.Integer()


class OutboxSchema(Out):
    by_status = ma.fields.List(ma.fields.Nested(StatusCountSchema))
    oldest_due_age_seconds = ma.fields.Float()
    sent_last_5_minutes = ma.fields.Integer()
    sent_per_minute_last_hour = ma.fields.Float()
    failures_last_24h = ma.fields.List(ma.fields.Nested(ReasonCountSchema))


EXAMPLE = {
    "by_status": [
        {"status": "pending", "kind": "practice", "count": 120},
        {"status": "sent", "kind": "practice", "count": 5400},
    ],
    "oldest_due_age_seconds": 2.5,
    "sent_last_5_minutes": 310,
    "sent_per_minute_last_hour": 58.4,
    "failures_last_24h": [{"reason": "unregistered", "count": 12}],
}


@blp.route("/outbox")
class Outbox(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, OutboxSchema, example=EXAMPLE)
    def get(self) -> dict:
        """Outbox figures for my organization"""
        return outbox.organization_outbox(deps.session(), actor=current_user(), now=deps.now())
