"""Authoring schemas: what admins send and read (answers included)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.models import ItemKind, ModuleStatus, Visibility
from api.resources.common import Out, UtcDateTime

_text = validate.Length(max=20_000)
_MEDIA_ID = validate.Range(min=1, max=2**31 - 1)


class ItemInSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    lesson_id = ma.fields.Integer(dump_only=True)
    position = ma.fields.Integer(dump_only=True)
    kind = ma.fields.Enum(ItemKind, by_value=True, required=True)
    prompt = ma.fields.String(required=True, validate=validate.Length(1, 2000))
    options = ma.fields.List(
        ma.fields.String(validate=validate.Length(1, 500)),
        validate=validate.Length(max=8),
        load_default=list,
        metadata={"description": "Choice texts in display order (choice items only)."},
    )
    answer = ma.fields.Dict(
        required=True,
        metadata={
            "description": "{'correct': [indexes]} for choice items, {'value': bool} for "
            "true/false, {'model_answer': text} for free recall."
        },
    )
    explanation = ma.fields.String(validate=validate.Length(max=4000), load_default="")
    prompt_media_id = ma.fields.Integer(
        allow_none=True,
        load_default=None,
        strict=True,
        validate=_MEDIA_ID,
        metadata={"description": "An image or audio clip shown with the prompt (GET /media)."},
    )
    option_media_ids = ma.fields.List(
        ma.fields.Integer(allow_none=True, strict=True, validate=_MEDIA_ID),
        validate=validate.Length(max=8),
        load_default=list,
        metadata={"description": "An image per option, null for none; empty: text only."},
    )
    revision = ma.fields.Integer(dump_only=True)
    retired_at = UtcDateTime(dump_only=True, allow_none=True)
    replaced_by_id = ma.fields.Integer(dump_only=True, allow_none=True)


class ItemPatchSchema(ma.Schema):
    kind = ma.fields.Enum(ItemKind, by_value=True)
    prompt = ma.fields.String(validate=validate.Length(1, 2000))
    options = ma.fields.List(
        ma.fields.String(validate=validate.Length(1, 500)), validate=validate.Length(max=8)
    )
    answer = ma.fields.Dict()
    explanation = ma.fields.String(validate=validate.Length(max=4000))
    prompt_media_id = ma.fields.Integer(allow_none=True, strict=True, validate=_MEDIA_ID)
    option_media_ids = ma.fields.List(
        ma.fields.Integer(allow_none=True, strict=True, validate=_MEDIA_ID),
        validate=validate.Length(max=8),
    )


class LessonInSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    position = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(required=True, validate=validate.Length(1, 200))
    body_markdown = ma.fields.String(
        validate=_text,
        load_default="",
        metadata={"description": "Markdown; show a media file with ![alt](media:ID)."},
    )
    key_points = ma.fields.List(
        ma.fields.String(validate=validate.Length(1, 300)),
        validate=validate.Length(max=10),
        load_default=list,
    )
    lead_media_id = ma.fields.Integer(
        allow_none=True,
        load_default=None,
        strict=True,
        validate=_MEDIA_ID,
        metadata={"description": "An image above the lesson (GET /media)."},
    )
    items = ma.fields.List(
        ma.fields.Nested(ItemInSchema), validate=validate.Length(max=50), load_default=list
    )


class ItemSchema(Out, ItemInSchema):
    pass


class LessonSchema(Out, LessonInSchema):
    items = ma.fields.List(ma.fields.Nested(ItemSchema))


class LessonPatchSchema(ma.Schema):
    title = ma.fields.String(validate=validate.Length(1, 200))
    body_markdown = ma.fields.String(validate=_text)
    lead_media_id = ma.fields.Integer(allow_none=True, strict=True, validate=_MEDIA_ID)
    key_points = ma.fields.List(
        ma.fields.String(validate=validate.Length(1, 300)), validate=validate.Length(max=10)
    )


class _ModuleFields(ma.Schema):
    title = ma.fields.String(validate=validate.Length(1, 200))
    summary = ma.fields.String(validate=validate.Length(max=2000))
    estimated_minutes = ma.fields.Integer(validate=validate.Range(1, 30))
    tags = ma.fields.List(
        ma.fields.String(validate=validate.Length(1, 50)), validate=validate.Length(max=20)
    )
    visibility = ma.fields.Enum(
        Visibility,
        by_value=True,
        metadata={"description": "open: anyone may enroll; assigned: only assignees see it."},
    )
    application_prompt = ma.fields.String(
        validate=validate.Length(max=2000), metadata={"description": "'Try this at work today'"}
    )
    reflection_question = ma.fields.String(validate=validate.Length(max=2000))


class ModulePatchSchema(_ModuleFields):
    pass


class ModuleCreateSchema(_ModuleFields):
    title = ma.fields.String(required=True, validate=validate.Length(1, 200))
    estimated_minutes = ma.fields.Integer(required=True, validate=validate.Range(1, 30))
    lessons = ma.fields.List(
        ma.fields.Nested(LessonInSchema), validate=validate.Length(max=30), load_default=list
    )


class ModuleSummarySchema(Out, _ModuleFields):
    id = ma.fields.Integer(dump_only=True)
    status = ma.fields.Enum(ModuleStatus, by_value=True, dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)
    published_at = UtcDateTime(dump_only=True, allow_none=True)


class ModuleSchema(ModuleSummarySchema):
    lessons = ma.fields.List(ma.fields.Nested(LessonSchema), dump_only=True)


class ModuleQuerySchema(ma.Schema):
    status = ma.fields.Enum(
        ModuleStatus, by_value=True, metadata={"description": "Only modules in this state"}
    )


class ModuleVersionSchema(Out):
    version = ma.fields.Integer()
    change = ma.fields.String()
    created_at = UtcDateTime()
    created_by_id = ma.fields.Integer(allow_none=True)
    snapshot = ma.fields.Dict()


ITEM_EXAMPLE = {
    "kind": "single_choice",
    "prompt": "Which part of SBI describes what you saw or heard?",
    "options": ["Situation", "Behaviour", "Impact"],
    "answer": {"correct": [1]},
    "explanation": "Behaviour is the observable action, without judgement.",
}
ITEM_OUT_EXAMPLE = {
    "id": 7,
    "lesson_id": 3,
    "position": 0,
    **ITEM_EXAMPLE,
    "prompt_media_id": None,
    "option_media_ids": [],
    "revision": 1,
    "retired_at": None,
    "replaced_by_id": None,
}
LESSON_EXAMPLE = {
    "title": "The SBI model",
    "body_markdown": "Name the **situation**, the **behaviour**, and its **impact**.",
    "key_points": ["Describe behaviour you observed, not character."],
    "items": [ITEM_EXAMPLE],
}
MODULE_CREATE_EXAMPLE = {
    "title": "Giving useful feedback",
    "summary": "Feedback people can act on, in five minutes.",
    "estimated_minutes": 12,
    "tags": ["communication", "feedback"],
    "visibility": "open",
    "application_prompt": "Give one colleague SBI feedback on something they did well today.",
    "reflection_question": "How did they react, and what would you change next time?",
    "lessons": [LESSON_EXAMPLE],
}
MODULE_SUMMARY_EXAMPLE = {
    "id": 1,
    **{k: v for k, v in MODULE_CREATE_EXAMPLE.items() if k != "lessons"},
    "status": "published",
    "version": 1,
    "created_at": "2026-11-02T09:00:00Z",
    "updated_at": "2026-11-02T09:30:00Z",
    "published_at": "2026-11-02T09:30:00Z",
}
MODULE_EXAMPLE = {
    **MODULE_SUMMARY_EXAMPLE,
    "lessons": [
        {
            **LESSON_EXAMPLE,
            "id": 3,
            "position": 0,
            "lead_media_id": None,
            "items": [ITEM_OUT_EXAMPLE],
        }
    ],
}
