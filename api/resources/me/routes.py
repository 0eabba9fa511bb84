"""The signed-in person: profile, and joining a team with its code."""

from __future__ import annotations

from flask.views import MethodView

from api import deps
from api.auth import current_user, verified_claims
from api.blueprint import Blueprint
from api.models import User
from api.resources.me.schemas import ME_EXAMPLE, JoinSchema, MePatchSchema, MeSchema
from api.services import membership

blp = Blueprint("me", __name__, description="The signed-in person's own profile.")


@blp.route("/me")
class Me(MethodView):
    @blp.access()
    @blp.response(200, MeSchema, example=ME_EXAMPLE)
    def get(self) -> User:
        """Who am I?"""
        return current_user()

    @blp.access()
    @blp.arguments(MePatchSchema, example={"time_zone": "Europe/Berlin", "locale": "de-DE"})
    @blp.response(200, MeSchema, example=ME_EXAMPLE)
    def patch(self, changes: dict) -> User:
        """Change my name, time zone or locale"""
        return membership.update_profile(deps.session(), user=current_user(), changes=changes)


@blp.route("/join")
class Join(MethodView):
    @blp.access(member=False)
    @blp.arguments(JoinSchema, example={"join_code": "K7PQ2XMA"})
    @blp.response(201, MeSchema, example=ME_EXAMPLE)
    @blp.errors(404, 409)
    def post(self, data: dict) -> User:
        """Join a team with the code a colleague shared (first sign-in without invitation)"""
        return membership.join_with_code(
            deps.session(), claims=verified_claims(), join_code=data["join_code"], now=deps.now()
        )
