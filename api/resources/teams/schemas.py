from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.resources.common import Out, UtcDateTime


class TeamInSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=validate.Length(1, 200))
    join_code = ma.fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class TeamSchema(Out, TeamInSchema):
    pass


class TeamPatchSchema(ma.Schema):
    name = ma.fields.String(validate=validate.Length(1, 200))
    regenerate_join_code = ma.fields.Boolean(
        metadata={"description": "Issue a new join code; the old one stops working."}
    )


TEAM_EXAMPLE = {
    "id": 1,
    "name": "Customer Success",
    "join_code": "K7PQ2XMA",
    "created_at": "2026-11-02T09:00:00Z",
}
