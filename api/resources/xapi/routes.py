"""xAPI statements for a learning record store (admins)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from flask.views import MethodView
from marshmallow import validate

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint
from api.resources.common import Out, UtcDateTime
from api.services import xapi

blp = Blueprint(
    "xapi",
    __name__,
    description="Learning activity as xAPI statements (completed; with the organization's "
    "consent answered and tried at work); never reflections. Pseudonymous actors, statements "
    "that never change once written, incremental by stored time.",
)


class XapiQuerySchema(ma.Schema):
    since = UtcDateTime(
        metadata={"description": "Stored at or after (default: 7 days before until)"}
    )
    until = UtcDateTime(
        metadata={"description": "Stored before (default: now; at most 31 days after since)"}
    )
    cursor = ma.fields.Integer(
        load_default=0,
        validate=validate.Range(0, 2**62),
        metadata={"description": "From the `more` link of the previous page"},
    )
    limit = ma.fields.Integer(
        load_default=100, validate=validate.Range(1, 500), metadata={"description": "Page size"}
    )


class StatementSchema(Out):
    id = ma.fields.String()
    actor = ma.fields.Dict()
    verb = ma.fields.Dict()
    object_ = ma.fields.Dict(data_key="object", attribute="object")
    timestamp = ma.fields.String(metadata={"description": "The day only (00:00 UTC)"})
    result = ma.fields.Dict(metadata={"optional": True, "description": "Not on voiding ones"})
    context = ma.fields.Dict(
        metadata={"optional": True, "description": "Parent module, registration"}
    )


class StatementPageSchema(Out):
    statements = ma.fields.List(ma.fields.Nested(StatementSchema))
    more = ma.fields.String(
        metadata={"description": "The next page's address, or empty when this is the last"}
    )


EXAMPLE = {
    "id": "0b8a5f6e-2c4d-5e7f-9a1b-3c5d7e9f1a2b",
    "actor": {
        "objectType": "Agent",
        "account": {
            "homePage": "https://xapi.bitewise.app/o/1",
            "name": "d41731b42888099567bf39bf546ef673",
        },
    },
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
    "object": {
        "objectType": "Activity",
        "id": "https://xapi.bitewise.app/o/1/modules/2",
        "definition": {
            "name": {"en": "Giving useful feedback"},
            "type": "http://adlnet.gov/expapi/activities/module",
        },
    },
    "result": {"completion": True},
    "context": {"platform": "Bitewise"},
    "timestamp": "2026-11-24T00:00:00Z",
}


@blp.route("/xapi/statements")
class Statements(MethodView):
    @blp.access(ADMIN)
    @blp.arguments(XapiQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, StatementPageSchema, example={"statements": [EXAMPLE], "more": ""})
    @blp.errors(422)
    def get(self, cursor: int, limit: int, since=None, until=None) -> dict[str, Any]:
        """The organization's learning activity as xAPI statements, in the order stored"""
        found, next_cursor = xapi.statements(
            deps.session(),
            actor=current_user(),
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
            now=deps.now(),
        )
        more = ""
        if next_cursor is not None:
            query = {k: v for k, v in request.args.items() if k != "cursor"}
            more = f"{request.path}?{urlencode({**query, 'cursor': next_cursor})}"
        return {"statements": found, "more": more}
