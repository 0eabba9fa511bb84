"""xAPI statements for a learning record store (admins)."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Page

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint, page_of
from api.resources.common import Out, UtcDateTime
from api.services import xapi

blp = Blueprint(
    "xapi",
    __name__,
    description="Learning activity as xAPI statements (completed, answered, tried at work); "
    "never reflections. Pseudonymous actors, stable statement ids.",
)


class XapiQuerySchema(ma.Schema):
    since = UtcDateTime(metadata={"description": "Default: 7 days before until"})
    until = UtcDateTime(metadata={"description": "Default: now; at most 31 days after since"})


class StatementSchema(Out):
    id = ma.fields.String()
    actor = ma.fields.Dict()
    verb = ma.fields.Dict()
    object_ = ma.fields.Dict(data_key="object", attribute="object")
    timestamp = ma.fields.String()
    result = ma.fields.Dict(metadata={"optional": True, "description": "Answers and outcomes only"})


EXAMPLE = {
    "id": "0b8a5f6e-2c4d-5e7f-9a1b-3c5d7e9f1a2b",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://api.example", "name": "3"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed"}},
    "object": {
        "objectType": "Activity",
        "id": "https://api.example/modules/2",
        "definition": {
            "name": {"en": "Giving useful feedback"},
            "type": "http://adlnet.gov/expapi/activities/module",
        },
    },
    "timestamp": "2026-11-24T15:02:11Z",
}


@blp.route("/xapi/statements")
class Statements(MethodView):
    @blp.access(ADMIN)
    @blp.arguments(XapiQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, StatementSchema(many=True), example=[EXAMPLE])
    @blp.paginate()
    @blp.errors(422)
    def get(self, pagination_parameters: Page, since=None, until=None) -> list:
        """The organization's learning activity as xAPI statements, oldest first"""
        return page_of(
            pagination_parameters,
            xapi.statements,
            actor=current_user(),
            base_url=current_app.config["BITEWISE"].base_url,
            since=since,
            until=until,
            now=deps.now(),
        )
