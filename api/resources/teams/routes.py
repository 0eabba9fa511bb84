"""Teams of an organization (admins manage them; members see their own)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Page

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint, page_of
from api.resources.teams.schemas import TEAM_EXAMPLE, TeamInSchema, TeamPatchSchema, TeamSchema
from api.services import membership

blp = Blueprint("teams", __name__, description="Teams: who learns together.")


@blp.route("/teams")
class Teams(MethodView):
    @blp.access()
    @blp.response(200, TeamSchema(many=True), example=[TEAM_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page) -> list:
        """List teams (admins: all; others: their own)"""
        return page_of(pagination_parameters, membership.list_teams, actor=current_user())

    @blp.access(ADMIN)
    @blp.arguments(TeamInSchema, example={"name": "Customer Success"})
    @blp.response(201, TeamSchema, example=TEAM_EXAMPLE)
    @blp.links(
        201,
        GetTeam=("get_team", {"team_id": "$response.body#/id"}),
        UpdateTeam=("update_team", {"team_id": "$response.body#/id"}),
    )
    @blp.errors(409)
    def post(self, data: dict) -> object:
        """Create a team"""
        return membership.create_team(
            deps.session(), actor=current_user(), name=data["name"], now=deps.now()
        )


@blp.route("/teams/<id:team_id>")
class TeamById(MethodView):
    @blp.access()
    @blp.response(200, TeamSchema, example=TEAM_EXAMPLE)
    @blp.errors(404)
    def get(self, team_id: int) -> object:
        """Read a team"""
        return membership.get_team(deps.session(), actor=current_user(), team_id=team_id)

    @blp.access(ADMIN)
    @blp.arguments(TeamPatchSchema, example={"regenerate_join_code": True})
    @blp.response(200, TeamSchema, example=TEAM_EXAMPLE)
    @blp.errors(404, 409)
    def patch(self, changes: dict, team_id: int) -> object:
        """Rename a team or issue a new join code"""
        return membership.update_team(
            deps.session(), actor=current_user(), team_id=team_id, changes=changes
        )
