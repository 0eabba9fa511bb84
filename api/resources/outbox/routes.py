"""The notification outbox, for the organization's admins (operators: /metrics)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint
from api.resources.common import Out, UtcDateTime
from api.services import outbox

blp = Blueprint("outbox", __name__, description="Push delivery: depth, age, rate, failures.")


class StatusCountSchema(Out):
    status = ma.fields.String()
    kind = ma.fields.String()
    count = ma.fields.Integer()


class ReasonCountSchema(Out):
    reason = ma.fields.String()
    count = ma.fields.Integer()


class PushRowSchema(Out):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer(metadata={"description": "GET /users/{id} names them"})
    kind = ma.fields.String(validate=validate.OneOf(["practice", "recap", "apply", "follow_up"]))
    status = ma.fields.String(
        validate=validate.OneOf(["pending", "claimed", "sent", "failed", "stale", "obsolete"])
    )
    send_at = UtcDateTime(metadata={"description": "When it is (or was) due"})
    sent_at = UtcDateTime(allow_none=True)
    last_error = ma.fields.String(
        allow_none=True, metadata={"description": "Why it failed, was dropped or moved"}
    )


class OutboxSchema(Out):
    by_status = ma.fields.List(ma.fields.Nested(StatusCountSchema))
    oldest_due_age_seconds = ma.fields.Float()
    sent_last_5_minutes = ma.fields.Integer()
    sent_per_minute_last_hour = ma.fields.Float()
    failures_last_24h = ma.fields.List(
        ma.fields.Nested(ReasonCountSchema),
        metadata={"description": "Refused by FCM or the device"},
    )
    dropped_last_24h = ma.fields.List(
        ma.fields.Nested(ReasonCountSchema),
        metadata={"description": "Not sent on purpose: practised meanwhile, settings, too late"},
    )
    pushes = ma.fields.List(
        ma.fields.Nested(PushRowSchema),
        metadata={"description": "The next 50 due and the latest 50 done: which goes to whom"},
    )


EXAMPLE = {
    "by_status": [
        {"status": "pending", "kind": "practice", "count": 120},
        {"status": "sent", "kind": "practice", "count": 5400},
    ],
    "oldest_due_age_seconds": 2.5,
    "sent_last_5_minutes": 310,
    "sent_per_minute_last_hour": 58.4,
    "failures_last_24h": [{"reason": "unregistered", "count": 12}],
    "dropped_last_24h": [{"reason": "no longer enough due", "count": 30}],
    "pushes": [
        {
            "id": 812,
            "user_id": 3,
            "kind": "practice",
            "status": "pending",
            "send_at": "2026-11-24T07:30:05Z",
            "sent_at": None,
            "last_error": None,
        }
    ],
}


@blp.route("/outbox")
class Outbox(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, OutboxSchema, example=EXAMPLE)
    def get(self) -> dict:
        """Outbox figures for my organization"""
        return outbox.organization_outbox(deps.session(), actor=current_user(), now=deps.now())
