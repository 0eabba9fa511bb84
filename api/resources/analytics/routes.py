"""Analytics for managers and admins: aggregates over groups large enough to hide anyone."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api import deps
from api.auth import current_user
from api.blueprint import Blueprint
from api.models import Role
from api.resources.common import Day, Id, Out, UtcDateTime
from api.services import analytics

blp = Blueprint(
    "analytics",
    __name__,
    description="Team and module figures, released once a week: never an individual's "
    "answers, ratings or memory; each figure over at least the organization's minimum of "
    "learners with data (default 5, at least 3), and noised (differential privacy) so that "
    "no comparison of two answers singles anyone out.",
)


class AnalyticsQuerySchema(ma.Schema):
    team_id = Id(metadata={"description": "Managers: always their own team"})
    module_id = Id(metadata={"description": "Learners enrolled in this module, its items"})
    since = Day(
        metadata={
            "description": "A day of the first week counted (weeks run Monday to Sunday, UTC). "
            "Default: 8 weeks before until"
        }
    )
    until = Day(
        metadata={
            "description": "A day of the last week counted; only weeks that have ended are "
            "released. Default: today; at most 366 days after since"
        }
    )


class GroupSchema(Out):
    team_id = ma.fields.Integer(allow_none=True)
    module_id = ma.fields.Integer(allow_none=True)
    since = ma.fields.Date(metadata={"description": "Monday of the first week counted"})
    until = ma.fields.Date(metadata={"description": "Sunday of the last week counted"})
    learners = ma.fields.Integer(
        allow_none=True,
        metadata={
            "description": "Learners who have signed in and are enrolled (in the module), at "
            "the latest release; null when withheld"
        },
    )
    min_group_size = ma.fields.Integer()


class WeekSchema(Out):
    week = ma.fields.Date(metadata={"description": "Monday of the week"})
    active_learners = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Learners who practised that week, noised; null: withheld"},
    )


class HardItemSchema(Out):
    item_id = ma.fields.Integer()
    prompt = ma.fields.String()
    learners = ma.fields.Integer()
    mean_difficulty = ma.fields.Float(metadata={"description": "FSRS difficulty, 1 to 10"})
    lapse_rate = ma.fields.Float(metadata={"description": "Forgotten reviews per review"})


class MarginsSchema(Out):
    active_learners = ma.fields.Float(
        metadata={"description": "90 % of weekly counts are within this of the true count"}
    )
    recall = ma.fields.Float(
        allow_none=True,
        metadata={"description": "90 % of recall figures are within this of the true mean"},
    )


class ReportSchema(Out):
    """Only ``group``, ``withheld``, ``reason`` and ``epsilon`` when withheld."""

    group = ma.fields.Nested(GroupSchema)
    withheld = ma.fields.Boolean()
    reason = ma.fields.String(allow_none=True)
    released_at = UtcDateTime(
        metadata={
            "optional": True,
            "description": "When the latest week shown was released: figures of state "
            "(enrollment, recall, hard items) describe that moment",
        }
    )
    epsilon = ma.fields.Float(
        metadata={"description": "Differential-privacy loss of each released figure"}
    )
    margins = ma.fields.Nested(MarginsSchema, metadata={"optional": True})
    enrollment = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={
            "optional": True,
            "description": "Exact: admins see enrollments per person anyway",
        },
    )
    participation = ma.fields.List(ma.fields.Nested(WeekSchema), metadata={"optional": True})
    recall = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Float(allow_none=True),
        metadata={
            "optional": True,
            "description": "Noised; null unless at least K learners have practised",
        },
    )
    application = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(allow_none=True),
        metadata={
            "optional": True,
            "description": "Outcomes answered in the weeks shown, noised; null unless at least "
            "K learners answered in one of them",
        },
    )
    hard_items = ma.fields.List(ma.fields.Nested(HardItemSchema), metadata={"optional": True})


EXAMPLE = {
    "group": {
        "team_id": 1,
        "module_id": 2,
        "since": "2026-09-28",
        "until": "2026-11-22",
        "learners": 8,
        "min_group_size": 5,
    },
    "withheld": False,
    "reason": None,
    "released_at": "2026-11-23T00:05:00Z",
    "epsilon": 1.0,
    "margins": {"active_learners": 2.3, "recall": 0.288},
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
        """Figures for a team (or the organization), optionally one module, by week

        Weeks run Monday to Sunday (UTC) and are released once, after they end, for every
        team and the whole organization at once; asking again returns the same figures.
        Practice figures carry noise (ε per figure, `margins` says how much); enrollment
        counts are exact. A group of fewer than K learners with data is withheld.
        """
        return analytics.group_report(
            deps.session(),
            actor=current_user(),
            team_id=team_id,
            module_id=module_id,
            since=since,
            until=until,
            now=deps.now(),
        )
