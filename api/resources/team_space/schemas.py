from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.resources.common import Id, Out, UtcDateTime

POST_ID = "9f0c1e6b2a7d4c3e8b5a1f2d3c4b5a69"


class AuthorSchema(Out):
    id = ma.fields.Integer()
    display_name = ma.fields.String()


class FeedEntrySchema(Out):
    kind = ma.fields.String(
        validate=validate.OneOf(["reflection", "question"]),
        metadata={"description": "reflection or question"},
    )
    id = ma.fields.String(metadata={"description": "Random; says nothing about order or author"})
    body = ma.fields.String()
    shared_on = ma.fields.Date(metadata={"description": "The day only"})
    module_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Named reflections only"}
    )
    author = ma.fields.Nested(
        AuthorSchema, allow_none=True, metadata={"description": "null: anonymous"}
    )
    answers = ma.fields.Integer(
        allow_none=True, metadata={"description": "Questions: how many answers it has"}
    )
    mine = ma.fields.Boolean(metadata={"description": "Yours (only you see true)"})


class TeamQuerySchema(ma.Schema):
    team_id = Id(metadata={"description": "Admins: another team of the organization"})


class QuestionInSchema(ma.Schema):
    body = ma.fields.String(required=True, validate=validate.Length(1, 2000))
    anonymous = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Nobody, managers included, sees who asked"},
    )


class AnswerInSchema(ma.Schema):
    body = ma.fields.String(required=True, validate=validate.Length(1, 4000))


class AnswerSchema(Out):
    id = ma.fields.String()
    body = ma.fields.String()
    author = ma.fields.Nested(AuthorSchema)
    created_at = UtcDateTime()
    useful = ma.fields.Boolean(metadata={"description": "Marked useful by a manager"})
    item_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The practice item made from it"}
    )
    mine = ma.fields.Boolean()


class QuestionSchema(Out):
    id = ma.fields.String()
    body = ma.fields.String()
    asked_on = ma.fields.Date(metadata={"description": "The day only"})
    author = ma.fields.Nested(
        AuthorSchema, allow_none=True, metadata={"description": "null: anonymous"}
    )
    mine = ma.fields.Boolean(metadata={"description": "Yours (only you see true)"})
    answers = ma.fields.List(ma.fields.Nested(AnswerSchema))


class AnswerItemSchema(ma.Schema):
    lesson_id = Id(required=True, metadata={"description": "The lesson the item joins"})
    prompt = ma.fields.String(
        validate=validate.Length(1, 2000), metadata={"description": "Default: the question"}
    )
    model_answer = ma.fields.String(
        validate=validate.Length(1, 4000), metadata={"description": "Default: the answer"}
    )
    explanation = ma.fields.String(validate=validate.Length(max=4000))


class ModerationInSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(1, 1000))


class ModerationSchema(Out):
    id = ma.fields.Integer()
    team_id = ma.fields.Integer()
    post_id = ma.fields.String()
    post_kind = ma.fields.String(validate=validate.OneOf(["reflection", "question", "answer"]))
    action = ma.fields.String(validate=validate.OneOf(["hide", "restore"]))
    reason = ma.fields.String()
    moderator = ma.fields.Nested(AuthorSchema)
    created_at = UtcDateTime()
    body = ma.fields.String(
        allow_none=True, metadata={"description": "The post's text; null once deleted"}
    )


FEED_EXAMPLE = {
    "kind": "reflection",
    "id": POST_ID,
    "body": "Naming the behaviour, not the person, kept the conversation calm.",
    "shared_on": "2026-11-24",
    "module_id": None,
    "author": None,
    "answers": None,
    "mine": False,
}
ANSWER_EXAMPLE = {
    "id": "0b7e4f6a1c2d3e4f5a6b7c8d9e0f1a2b",
    "body": "Ask what they noticed first; then say what you saw. It stays a conversation.",
    "author": {"id": 7, "display_name": "Ana Manager"},
    "created_at": "2026-11-24T15:20:00Z",
    "useful": True,
    "item_id": None,
    "mine": False,
}
QUESTION_EXAMPLE = {
    "id": POST_ID,
    "body": "How do I give feedback to someone more senior than me?",
    "asked_on": "2026-11-24",
    "author": None,
    "mine": False,
    "answers": [ANSWER_EXAMPLE],
}
MODERATION_EXAMPLE = {
    "id": 3,
    "team_id": 1,
    "post_id": POST_ID,
    "post_kind": "answer",
    "action": "hide",
    "reason": "Names a colleague in a way that could hurt them.",
    "moderator": {"id": 7, "display_name": "Ana Manager"},
    "created_at": "2026-11-24T16:00:00Z",
    "body": "It was Tom again, as usual.",
}
