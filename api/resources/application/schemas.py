from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.resources.common import Id, Out, UtcDateTime

VISIBILITY = validate.OneOf(["private", "team", "anonymous"])


class ReflectionInSchema(ma.Schema):
    body = ma.fields.String(required=True, validate=validate.Length(1, 4000))
    visibility = ma.fields.String(
        validate=VISIBILITY,
        load_default="private",
        metadata={"description": "private (default), team (with your name) or anonymous"},
    )
    module_id = Id(allow_none=True)


class ReflectionPatchSchema(ma.Schema):
    body = ma.fields.String(validate=validate.Length(1, 4000))
    visibility = ma.fields.String(validate=VISIBILITY)


class ReflectionSchema(Out):
    id = ma.fields.String(attribute="public_id")
    body = ma.fields.String()
    visibility = ma.fields.String(validate=VISIBILITY)
    module_id = ma.fields.Integer(allow_none=True)
    shared_on = ma.fields.Date(allow_none=True)
    hidden = ma.fields.Function(
        lambda r: r.hidden_at is not None,
        metadata={"type": "boolean", "description": "Hidden from the team by a moderator"},
    )
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class OutcomeReflectionSchema(ma.Schema):
    body = ma.fields.String(required=True, validate=validate.Length(1, 4000))
    visibility = ma.fields.String(validate=VISIBILITY, load_default="private")


class OutcomeSchema(ma.Schema):
    outcome = ma.fields.String(
        required=True, validate=validate.OneOf(["worked", "mixed", "not_yet"])
    )
    reason = ma.fields.String(validate=validate.Length(max=1000), allow_none=True)
    reflection = ma.fields.Nested(OutcomeReflectionSchema, allow_none=True)


class PromptSchema(Out):
    id = ma.fields.Integer()
    module_id = ma.fields.Integer()
    module_title = ma.fields.String()
    prompt = ma.fields.String(metadata={"description": "Try this at work"})
    reflection_question = ma.fields.String()
    status = ma.fields.String(
        validate=validate.OneOf(["open", "answered", "let_go"]),
        metadata={"description": "open, answered or let_go (after a third 'not yet')"},
    )
    apply_on = ma.fields.Date()
    follow_up_on = ma.fields.Date()
    postponed = ma.fields.Integer()
    outcome = ma.fields.String(
        allow_none=True, validate=validate.OneOf(["worked", "mixed", "not_yet"])
    )


REFLECTION_EXAMPLE = {
    "id": "9f0c1e6b2a7d4c3e8b5a1f2d3c4b5a69",
    "body": "Naming the behaviour, not the person, kept the conversation calm.",
    "visibility": "anonymous",
    "module_id": 2,
    "shared_on": "2026-11-24",
    "hidden": False,
    "created_at": "2026-11-24T15:02:11Z",
    "updated_at": "2026-11-24T15:02:11Z",
}
PROMPT_EXAMPLE = {
    "id": 4,
    "module_id": 2,
    "module_title": "Giving useful feedback",
    "prompt": "Today, give one colleague feedback using Situation-Behaviour-Impact.",
    "reflection_question": "How did they respond?",
    "status": "open",
    "apply_on": "2026-11-26",
    "follow_up_on": "2026-11-27",
    "postponed": 0,
    "outcome": None,
}
