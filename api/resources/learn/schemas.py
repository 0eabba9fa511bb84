"""What a learner's phone reads. Never a choice item's answer before answering; a
free-recall item's model answer, which the learner grades themselves against."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from api.models import ItemKind
from api.resources.common import Out, UtcDateTime
from api.resources.enrollments.schemas import ENROLLMENT_EXAMPLE, EnrollmentSchema
from api.resources.media.schemas import MEDIA_EXAMPLE, MEDIA_URL_EXAMPLE, SHA, MediaSchema


def model_answer(item: Any) -> str | None:
    """A free-recall item's model answer: the phone shows it after the learner has tried,
    and they grade themselves 1-4 against it. Choice items keep theirs hidden."""
    if getattr(item, "kind", None) is ItemKind.FREE_RECALL:
        return str(item.answer.get("model_answer", ""))
    return None


class LearnerItemSchema(Out):
    id = ma.fields.Integer()
    revision = ma.fields.Integer()
    kind = ma.fields.Enum(ItemKind, by_value=True)
    prompt = ma.fields.String()
    options = ma.fields.List(ma.fields.String())
    model_answer = ma.fields.Function(
        model_answer,
        allow_none=True,
        metadata={
            "type": "string",
            "description": "Free recall only: what to grade oneself against (1-4) after "
            "trying; null for choice items, whose answer comes after answering",
        },
    )
    prompt_media_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "An image or audio clip (see `media`)."}
    )
    option_media_ids = ma.fields.List(
        ma.fields.Integer(allow_none=True),
        metadata={"description": "An image per option, null for none (see `media`)."},
    )


class LearnerLessonSchema(Out):
    id = ma.fields.Integer()
    position = ma.fields.Integer()
    title = ma.fields.String()
    body_markdown = ma.fields.String()
    key_points = ma.fields.List(ma.fields.String())
    lead_media_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The lesson's lead image (see `media`)."}
    )
    studied = ma.fields.Boolean()
    items = ma.fields.List(ma.fields.Nested(LearnerItemSchema))


class CatalogEntrySchema(Out):
    id = ma.fields.Integer()
    title = ma.fields.String()
    summary = ma.fields.String()
    estimated_minutes = ma.fields.Integer()
    tags = ma.fields.List(ma.fields.String())
    version = ma.fields.Integer()
    enrollment = ma.fields.Nested(EnrollmentSchema, allow_none=True)


class LearnerModuleSchema(CatalogEntrySchema):
    application_prompt = ma.fields.String()
    reflection_question = ma.fields.String()
    lessons = ma.fields.List(ma.fields.Nested(LearnerLessonSchema))
    media = ma.fields.List(
        ma.fields.Nested(MediaSchema),
        metadata={"description": "Every file the lessons and items use, with signed URLs."},
    )


class PackFileSchema(ma.Schema):
    media_id = ma.fields.Integer()
    name = ma.fields.String(metadata={"description": "`original`, `w640.webp`, `poster.jpg`"})
    content_type = ma.fields.String()
    size_bytes = ma.fields.Integer()
    sha256 = ma.fields.String(metadata={"description": "Of the file's bytes: check downloads."})
    url = ma.fields.String()


class OfflinePackSchema(ma.Schema):
    module_id = ma.fields.Integer()
    version = ma.fields.Integer()
    total_bytes = ma.fields.Integer()
    expires_at = UtcDateTime(metadata={"description": "Download the files before this."})
    files = ma.fields.List(ma.fields.Nested(PackFileSchema))


CATALOG_EXAMPLE = {
    "id": 1,
    "title": "Giving useful feedback",
    "summary": "Feedback people can act on, in five minutes.",
    "estimated_minutes": 12,
    "tags": ["communication", "feedback"],
    "version": 1,
    "enrollment": ENROLLMENT_EXAMPLE,
}
LEARNER_MODULE_EXAMPLE = {
    **CATALOG_EXAMPLE,
    "application_prompt": "Give one colleague SBI feedback on something they did well today.",
    "reflection_question": "How did they react, and what would you change next time?",
    "lessons": [
        {
            "id": 3,
            "position": 0,
            "title": "The SBI model",
            "body_markdown": "Name the **situation**, the **behaviour**, and its **impact**.",
            "key_points": ["Describe behaviour you observed, not character."],
            "lead_media_id": MEDIA_EXAMPLE["id"],
            "studied": True,
            "items": [
                {
                    "id": 7,
                    "revision": 1,
                    "kind": "single_choice",
                    "prompt": "Which part of SBI describes what you saw or heard?",
                    "options": ["Situation", "Behaviour", "Impact"],
                    "model_answer": None,
                    "prompt_media_id": None,
                    "option_media_ids": [],
                }
            ],
        }
    ],
    "media": [MEDIA_EXAMPLE],
}
OFFLINE_PACK_EXAMPLE = {
    "module_id": 1,
    "version": 2,
    "total_bytes": 21877,
    "expires_at": MEDIA_EXAMPLE["expires_at"],
    "files": [
        {
            "media_id": MEDIA_EXAMPLE["id"],
            "name": "w640.webp",
            "content_type": "image/webp",
            "size_bytes": 21877,
            "sha256": SHA,
            "url": MEDIA_URL_EXAMPLE,
        }
    ],
}
