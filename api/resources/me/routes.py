"""The signed-in person: profile, and joining a team with its code."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from api import deps
from api.auth import current_user, verified_claims
from api.blueprint import Blueprint
from api.limits import per_identity, per_ip, per_user
from api.models import User
from api.resources.me.schemas import ME_EXAMPLE, JoinSchema, MePatchSchema, MeSchema
from api.services import membership, personal_data

blp = Blueprint("me", __name__, description="The signed-in person's own profile.")


@blp.route("/me")
class Me(MethodView):
    @blp.access()
    @blp.limit(per_user("60/minute"))
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
    @blp.limit(per_identity("10/minute"), per_ip("60/minute"))
    @blp.arguments(JoinSchema, example={"join_code": "K7PQ2XMA"})
    @blp.response(201, MeSchema, example=ME_EXAMPLE)
    @blp.errors(404, 409)
    def post(self, data: dict) -> User:
        """Join a team with the code a colleague shared (first sign-in without invitation)"""
        return membership.join_with_code(
            deps.session(), claims=verified_claims(), join_code=data["join_code"], now=deps.now()
        )


class PersonalDataSchema(ma.Schema):
    profile = ma.fields.Dict()
    enrollments = ma.fields.List(ma.fields.Dict())
    lesson_progress = ma.fields.List(ma.fields.Dict())
    review_logs = ma.fields.List(ma.fields.Dict(), metadata={"description": "Every answer"})
    memory_states = ma.fields.List(ma.fields.Dict())
    recap_logs = ma.fields.List(ma.fields.Dict())
    reflections = ma.fields.List(ma.fields.Dict(), metadata={"description": "Shared ones too"})
    application_prompts = ma.fields.List(ma.fields.Dict())
    team_questions = ma.fields.List(ma.fields.Dict(), metadata={"description": "Anonymous too"})
    team_answers = ma.fields.List(ma.fields.Dict())
    devices = ma.fields.List(ma.fields.Dict())
    notifications = ma.fields.List(ma.fields.Dict())
    reminder_preferences = ma.fields.List(ma.fields.Dict())
    parameter_sets = ma.fields.List(ma.fields.Dict())


class EraseSchema(ma.Schema):
    confirm = ma.fields.String(
        required=True,
        validate=validate.Equal("delete my data", error="Send confirm: 'delete my data'."),
    )


@blp.route("/me/export")
class Export(MethodView):
    @blp.access()
    @blp.response(
        200,
        PersonalDataSchema,
        example={"profile": {"id": 2, "email": "lena@demo.bitewise.example"}, "review_logs": []},
    )
    def get(self) -> dict:
        """Everything Bitewise holds about me (reviews, memory, reflections, pushes, ...)"""
        return personal_data.export(deps.session(), user=current_user())


@blp.route("/me/erase")
class Erase(MethodView):
    @blp.access()
    @blp.arguments(EraseSchema, example={"confirm": "delete my data"})
    @blp.response(204)
    @blp.errors(422)
    def post(self, _data: dict) -> None:
        """Delete my data; only anonymous group figures remain (I can no longer sign in)"""
        personal_data.erase(deps.session(), user=current_user(), now=deps.now())
