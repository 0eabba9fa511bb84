"""Members of the organization: admins invite them and set their role and team."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Page

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint, page_of
from api.resources.users.schemas import (
    USER_EXAMPLE,
    InviteSchema,
    UserPatchSchema,
    UserQuerySchema,
    UserSchema,
)
from api.services import membership

blp = Blueprint(
    "users",
    __name__,
    description="Members. An invited person is linked at their first sign-in with the same "
    "verified email.",
)


@blp.route("/users")
class Users(MethodView):
    @blp.access(ADMIN)
    @blp.arguments(UserQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, UserSchema(many=True), example=[USER_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page, team_id: int | None = None, role=None) -> list:
        """List members and invitations"""
        return page_of(
            pagination_parameters,
            membership.list_users,
            actor=current_user(),
            team_id=team_id,
            role=role,
        )

    @blp.access(ADMIN)
    @blp.arguments(
        InviteSchema,
        example={"email": "sam@demo.bitewise.example", "role": "learner", "team_id": 1},
    )
    @blp.response(201, UserSchema, example=USER_EXAMPLE)
    @blp.links(
        201,
        GetUser=("get_user", {"user_id": "$response.body#/id"}),
        UpdateUser=("update_user", {"user_id": "$response.body#/id"}),
    )
    @blp.errors(404, 409)
    def post(self, data: dict) -> object:
        """Invite someone by email"""
        return membership.invite_user(
            deps.session(), actor=current_user(), data=data, now=deps.now()
        )


@blp.route("/users/<id:user_id>")
class UserById(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, UserSchema, example=USER_EXAMPLE)
    @blp.errors(404)
    def get(self, user_id: int) -> object:
        """Read a member"""
        return membership.get_user(deps.session(), actor=current_user(), user_id=user_id)

    @blp.access(ADMIN)
    @blp.arguments(UserPatchSchema, example={"role": "manager", "team_id": 1})
    @blp.response(200, UserSchema, example=USER_EXAMPLE)
    @blp.errors(404, 422)
    def patch(self, changes: dict, user_id: int) -> object:
        """Change a member's role, team or profile"""
        return membership.update_user(
            deps.session(), actor=current_user(), user_id=user_id, changes=changes, now=deps.now()
        )
