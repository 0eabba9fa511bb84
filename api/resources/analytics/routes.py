"""Analytics for managers and admins: aggregates over groups large enough to hide anyone."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api import deps
from api.auth import current_user
from api.blueprint import Blueprint
from api.models import Role
from api.resources.common import Day, Id
from api.services import analytics

blp = Blueprint(
    "analytics",
    __name__,
    description="Team and module figures: never an individual's answers, ratings or memory, "
    "and withheld for groups smaller than the organization's minimum (default 5, at least 3).",
)


class AnalyticsQuerySchema(ma.Schema):
    team_id = Id(metadata={"description": "Managers: always their own team"})
    module_id = Id(metadata={"description": "Learners enrolled in this module, its items"})
    since = Day(metadata={"description": "First day counted (UTC). Default: 8 weeks before until"})
    until = Day(
        metadata={
            "description": "Last day counted (UTC). Default: today; at most 366 days after since"
        }
    )


class GroupSchema(ma.Schema):
    team_id = ma.fields.Integer(allow_none=True)
    module_id = ma.fields.Integer(allow_none=True)
    since = ma.fields.Date()
    until = ma.fields.Date()
    learners = ma.fields.Integer(allow_none=True, metadata={"description": "null when withheld"})
    min_group_size = ma.fields.Integer()


class WeekSchema(ma.Schema):
    week = ma.fields.Date(metadata={"description": "Monday of the week"})
    active_learners = ma.fields.Integer()


class HardItemSchema(ma.Schema):
    item_id = ma.fields.Integer()
    prompt = ma.fields.String()
    learners = ma.fields.Integer()
    mean_difficulty = ma.fields.Float(metadata={"description": "FSRS difficulty, 1 to 10"})
    lapse_rate = ma.fields.Float(metadata={"description": "Forgotten reviews per review"})


class ReportSchema(ma.Schema):
    group = ma.fields.Nested(GroupSchema)
    withheld = ma.fields.Boolean()
    reason = ma.fields.String(allow_none=True)
    enrollment = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    participation = ma.fields.List(ma.fields.Nested(WeekSchema))
    recall = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Float(allow_none=True),
        metadata={"description": "null unless at least K learners have practised"},
    )
    application = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(allow_none=True),
        metadata={"description": "null unless at least K learners answered"},
    )
    hard_items = ma.fields.List(ma.fields.Nested(HardItemSchema))


EXAMPLE = {
    "group": {
        "team_id": 1,
        "module_id": 2,
        "since": "2026-10-01",
        "until": "2026-11-25",
        "learners": 8,
        "min_group_size": 5,
    },
    "withheld": False,
    "reason": None,
    "enrollment": {"enrollments": 8, "completed": 6},
    "participation": [{"week": "2026-11-16", "active_learners": 5}],
    "recall": {"now": 0.88, "in_30_days": 0.64},
    "application": {"worked": 4, "mixed": 1, "not_yet": 2},
    "hard_items": [
        {
            "item_id": 9,
            "prompt": "Which part of SBI is observable?",
            "learners": 7,
            "mean_difficulty": 6.8,
            "lapse_rate": 0.31,
        }
    ],
}


@blp.route("/analytics")
class Analytics(MethodView):
    @blp.access((Role.MANAGER, Role.ADMIN))
    @blp.arguments(AnalyticsQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ReportSchema, example=EXAMPLE)
    @blp.errors(404)
    def get(
        self, team_id: int | None = None, module_id: int | None = None, since=None, until=None
    ) -> dict:
        """Figures for a team (or the organization), optionally one module and a date range"""
        return analytics.group_report(
            deps.session(),
            actor=current_user(),
            team_id=team_id,
            module_id=module_id,
            since=since,
            until=until,
            now=deps.now(),
        )
