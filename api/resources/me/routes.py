"""The signed-in person: profile, and joining a team with its code."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from api import deps
from api.auth import current_user, verified_claims
from api.blueprint import Blueprint
from api.limits import per_identity, per_ip, per_user
from api.models import Role, User
from api.resources.common import Out, UtcDateTime
from api.resources.me.schemas import ME_EXAMPLE, JoinSchema, MePatchSchema, MeSchema
from api.services import membership, personal_data, privacy

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


class PersonalDataSchema(Out):
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
        example={
            "profile": {"id": 2, "email": "lena@demo.bitewise.example"},
            **{key: [] for key in PersonalDataSchema._declared_fields if key != "profile"},
        },
    )
    def get(self) -> dict:
        """Everything Bitewise holds about me (reviews, memory, reflections, pushes, ...)"""
        return personal_data.export(deps.session(), user=current_user())


@blp.route("/me/erase")
class Erase(MethodView):
    @blp.access()
    @blp.arguments(EraseSchema, example={"confirm": "delete my data"})
    @blp.response(204)
    @blp.errors(409, 422)
    def post(self, _data: dict) -> None:
        """Leave my organization and delete my data

        Only anonymous group figures remain, and my anonymous posts, tied to nobody.
        Statements already exported to a learning record store are voided in the next
        export. The last admin must hand over first (409 `last_admin`). Afterwards I can
        accept another organization's invitation or join with a code.
        """
        personal_data.erase(deps.session(), user=current_user(), now=deps.now())


class PrivacyLineSchema(Out):
    who = ma.fields.String(required=True)
    sees = ma.fields.String(required=True)


class PrivacySchema(Out):
    organization = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    xapi_scope = ma.fields.String(
        required=True, metadata={"description": "completions or activity"}
    )
    min_group_size = ma.fields.Integer(required=True)
    sees = ma.fields.List(ma.fields.Nested(PrivacyLineSchema), required=True)
    never = ma.fields.List(ma.fields.String(), required=True)
    on_erasure = ma.fields.String(required=True)


@blp.route("/me/privacy")
class Privacy(MethodView):
    @blp.access()
    @blp.response(
        200,
        PrivacySchema,
        example={
            "organization": "Demo Co",
            "role": "learner",
            "xapi_scope": "completions",
            "min_group_size": 5,
            "sees": [{"who": "admins", "sees": "Your name, email, role, team, ..."}],
            "never": ["Your private reflections."],
            "on_erasure": "POST /me/erase deletes ...",
        },
    )
    def get(self) -> dict:
        """What my organization can see about me, under its settings of today"""
        return privacy.statement(deps.session(), user=current_user())


class InvitationSchema(Out):
    id = ma.fields.Integer(required=True)
    organization = ma.fields.String(required=True, attribute="organization.name")
    role = ma.fields.Enum(Role, by_value=True, required=True)
    invited_at = UtcDateTime(required=True)


@blp.route("/me/invitations")
class Invitations(MethodView):
    @blp.access(member=False)
    @blp.response(
        200,
        InvitationSchema(many=True),
        example=[
            {
                "id": 7,
                "organization": "Demo Co",
                "role": "learner",
                "invited_at": "2026-11-02T09:00:00Z",
            }
        ],
    )
    def get(self) -> list[User]:
        """Invitations to my verified email, in any organization

        When several organizations invite one address, signing in answers 409
        `choose_organization` until the person accepts one of these.
        """
        return membership.pending_invitations(deps.session(), claims=verified_claims())


@blp.route("/me/invitations/<id:invitation_id>/accept")
class AcceptInvitation(MethodView):
    @blp.access(member=False)
    @blp.response(200, MeSchema, example=ME_EXAMPLE)
    @blp.errors(404, 409)
    def post(self, invitation_id: int) -> User:
        """Accept one invitation to my verified email and become a member there"""
        return membership.accept_invitation(
            deps.session(), claims=verified_claims(), invitation_id=invitation_id, now=deps.now()
        )
