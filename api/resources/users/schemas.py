from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.models import Role
from api.resources.common import Id, Locale, Out, TimeZone, UtcDateTime


class InviteSchema(ma.Schema):
    """An invitation names an address: never null on the way in."""

    email = ma.fields.Email(required=True, validate=validate.Length(max=320))
    display_name = ma.fields.String(validate=validate.Length(max=200))
    role = ma.fields.Enum(Role, by_value=True, load_default=Role.LEARNER)
    team_id = Id(allow_none=True)
    time_zone = TimeZone(load_default="UTC")
    locale = Locale(load_default="en")


class UserSchema(Out, InviteSchema):
    id = ma.fields.Integer(dump_only=True)
    email = ma.fields.Email(  # nullable on the way out only
        allow_none=True,
        metadata={"description": "null: joined with a code under an unverified address"},
    )
    invited_at = UtcDateTime(dump_only=True)
    joined_at = UtcDateTime(dump_only=True, allow_none=True)


class UserPatchSchema(ma.Schema):
    display_name = ma.fields.String(validate=validate.Length(max=200))
    role = ma.fields.Enum(Role, by_value=True)
    team_id = Id(allow_none=True)
    time_zone = TimeZone()
    locale = Locale()


class UserQuerySchema(ma.Schema):
    team_id = Id(metadata={"description": "Only members of this team"})
    role = ma.fields.Enum(Role, by_value=True, metadata={"description": "Only this role"})


USER_EXAMPLE = {
    "id": 3,
    "email": "sam@demo.bitewise.example",
    "display_name": "Sam Okafor",
    "role": "learner",
    "team_id": 1,
    "time_zone": "America/New_York",
    "locale": "en",
    "invited_at": "2026-11-02T09:00:00Z",
    "joined_at": None,
}
