"""What a learner's phone reads. Never an item's answer or explanation before answering."""

from __future__ import annotations

import marshmallow as ma

from api.models import ItemKind
from api.resources.enrollments.schemas import ENROLLMENT_EXAMPLE, EnrollmentSchema


class LearnerItemSchema(ma.Schema):
    id = ma.fields.Integer()
    revision = ma.fields.Integer()
    kind = ma.fields.Enum(ItemKind, by_value=True)
    prompt = ma.fields.String()
    options = ma.fields.List(ma.fields.String())


class LearnerLessonSchema(ma.Schema):
    id = ma.fields.Integer()
    position = ma.fields.Integer()
    title = ma.fields.String()
    body_markdown = ma.fields.String()
    key_points = ma.fields.List(ma.fields.String())
    studied = ma.fields.Boolean()
    items = ma.fields.List(ma.fields.Nested(LearnerItemSchema))


class CatalogEntrySchema(ma.Schema):
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
                }
            ],
        }
    ],
}
