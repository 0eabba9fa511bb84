from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.models import Role
from api.resources.common import Locale, Out, TimeZone


class MeSchema(Out):
    id = ma.fields.Integer(dump_only=True)
    organization_id = ma.fields.Integer(dump_only=True)
    team_id = ma.fields.Integer(dump_only=True, allow_none=True)
    email = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "null: joined with a code under an unverified address"},
    )
    display_name = ma.fields.String()
    role = ma.fields.Enum(Role, by_value=True, dump_only=True)
    time_zone = ma.fields.String()
    locale = ma.fields.String()


class MePatchSchema(ma.Schema):
    display_name = ma.fields.String(validate=validate.Length(max=200))
    time_zone = TimeZone()
    locale = Locale()


class JoinSchema(ma.Schema):
    join_code = ma.fields.String(required=True, validate=validate.Length(4, 32))


ME_EXAMPLE = {
    "id": 2,
    "organization_id": 1,
    "team_id": 1,
    "email": "lena@demo.bitewise.example",
    "display_name": "Lena Ortiz",
    "role": "learner",
    "time_zone": "Europe/Berlin",
    "locale": "en",
}
