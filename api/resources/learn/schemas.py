"""What a learner's phone reads. Never a choice item's answer before answering; a
free-recall item's model answer, which the learner grades themselves against."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from api.models import ItemKind
from api.resources.common import Out
from api.resources.enrollments.schemas import ENROLLMENT_EXAMPLE, EnrollmentSchema


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


class LearnerLessonSchema(Out):
    id = ma.fields.Integer()
    position = ma.fields.Integer()
    title = ma.fields.String()
    body_markdown = ma.fields.String()
    key_points = ma.fields.List(ma.fields.String())
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
            "studied": True,
            "items": [
                {
                    "id": 7,
                    "revision": 1,
                    "kind": "single_choice",
                    "prompt": "Which part of SBI describes what you saw or heard?",
                    "options": ["Situation", "Behaviour", "Impact"],
                    "model_answer": None,
                }
            ],
        }
    ],
}
