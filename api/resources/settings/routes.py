"""Organization-wide practice settings (admins)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint
from api.resources.common import Out
from api.resources.settings.schemas import (
    SETTINGS_EXAMPLE,
    SettingsPatchSchema,
    SettingsSchema,
)
from api.services import settings

blp = Blueprint(
    "settings",
    __name__,
    description="How much and when the organization practises: target retention, session "
    "length, daily allowances, practice days and holidays.",
)


@blp.route("/organization/settings")
class Settings(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, SettingsSchema, example=SETTINGS_EXAMPLE)
    def get(self) -> object:
        """Read the practice settings"""
        return settings.get_settings(deps.session(), actor=current_user())

    @blp.access(ADMIN)
    @blp.arguments(
        SettingsPatchSchema, example={"target_retention": 0.85, "holidays": ["2026-12-24"]}
    )
    @blp.response(200, SettingsSchema, example=SETTINGS_EXAMPLE)
    @blp.errors(422)
    def patch(self, changes: dict) -> object:
        """Change practice settings (applies to the next decision; history is untouched)"""
        return settings.update_settings(deps.session(), actor=current_user(), changes=changes)


class RetentionSchema(Out):
    current = ma.fields.Float(required=True, metadata={"description": "The setting in force"})
    recommended = ma.fields.Float(
        required=True,
        metadata={"description": "Most remembered per minute of practice (fsrs-rs simulation)"},
    )
    remembered_per_minute_current = ma.fields.Float(required=True)
    remembered_per_minute_recommended = ma.fields.Float(required=True)
    items = ma.fields.Integer(
        required=True, metadata={"description": "Items simulated: the organization's live items"}
    )
    days = ma.fields.Integer(required=True, metadata={"description": "Days simulated"})


@blp.route("/organization/settings/retention")
class Retention(MethodView):
    @blp.access(ADMIN)
    @blp.response(
        200,
        RetentionSchema,
        example={
            "current": 0.9,
            "recommended": 0.8,
            "remembered_per_minute_current": 0.36,
            "remembered_per_minute_recommended": 0.52,
            "items": 150,
            "days": 365,
        },
    )
    def get(self) -> object:
        """The target retention that keeps the most remembered per minute, beside ours

        A year of practice under the organization's adopted FSRS-6 weights (the defaults
        until a fit is adopted) and its daily limits, simulated by fsrs-rs-python for each
        retention; nothing changes until an admin sets `target_retention`.
        """
        return settings.retention_advice(deps.session(), actor=current_user())
