"""Organization-wide practice settings (admins)."""

from __future__ import annotations

from flask.views import MethodView

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint
from api.resources.settings.schemas import SETTINGS_EXAMPLE, SettingsSchema
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
    @blp.arguments(SettingsSchema, example={"target_retention": 0.85, "holidays": ["2026-12-24"]})
    @blp.response(200, SettingsSchema, example=SETTINGS_EXAMPLE)
    @blp.errors(422)
    def patch(self, changes: dict) -> object:
        """Change practice settings (applies to the next decision; history is untouched)"""
        return settings.update_settings(deps.session(), actor=current_user(), changes=changes)
