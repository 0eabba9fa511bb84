from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.models import Role
from api.resources.common import Id, Locale, TimeZone, UtcDateTime


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    email = ma.fields.Email(
        required=True,
        allow_none=True,
        validate=validate.Length(max=320),
        metadata={"description": "null: joined with a code under an unverified address"},
    )
    display_name = ma.fields.String(validate=validate.Length(max=200))
    role = ma.fields.Enum(Role, by_value=True, load_default=Role.LEARNER)
    team_id = Id(allow_none=True)
    time_zone = TimeZone(load_default="UTC")
    locale = Locale(load_default="en")
    invited_at = UtcDateTime(dump_only=True)
    joined_at = UtcDateTime(dump_only=True, allow_none=True)


class InviteSchema(UserSchema):
    """An invitation names an address: never null on the way in."""

    email = ma.fields.Email(required=True, validate=validate.Length(max=320))


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
    "invited_at": "2026-11-02T09:00:00+00:00",
    "joined_at": None,
}
