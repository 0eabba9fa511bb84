"""Learning as execution: try it at work, say how it went, reflect, share with the team."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api import deps
from api.auth import current_user
from api.blueprint import Blueprint
from api.models import ApplicationPrompt, Module
from api.resources.application.schemas import (
    PROMPT_EXAMPLE,
    REFLECTION_EXAMPLE,
    OutcomeSchema,
    PromptSchema,
    ReflectionInSchema,
    ReflectionPatchSchema,
    ReflectionSchema,
)
from api.services import application, reflections

blp = Blueprint(
    "application",
    __name__,
    description="After a module: try one thing at work, then say how it went. Reflections "
    "are private unless shared with the team, by name or anonymously.",
)


def _prompt(prompt: ApplicationPrompt, module: Module) -> dict[str, Any]:
    return {
        "id": prompt.id,
        "module_id": module.id,
        "module_title": module.title,
        "prompt": module.application_prompt,
        "reflection_question": module.reflection_question,
        "status": prompt.status,
        "apply_on": prompt.apply_on,
        "follow_up_on": prompt.follow_up_on,
        "postponed": prompt.postponed,
        "outcome": prompt.outcome,
    }


@blp.route("/learn/prompts")
class Prompts(MethodView):
    @blp.access()
    @blp.response(200, PromptSchema(many=True), example=[PROMPT_EXAMPLE])
    def get(self) -> list:
        """My "try this at work" prompts"""
        return [
            _prompt(*row) for row in application.list_prompts(deps.session(), user=current_user())
        ]


@blp.route("/learn/prompts/<id:prompt_id>/outcome")
class PromptOutcome(MethodView):
    @blp.access()
    @blp.arguments(
        OutcomeSchema,
        example={
            "outcome": "mixed",
            "reflection": {"body": "They got defensive.", "visibility": "private"},
        },
    )
    @blp.response(
        200, PromptSchema, example={**PROMPT_EXAMPLE, "status": "answered", "outcome": "mixed"}
    )
    @blp.errors(404, 409, 422)
    def post(self, data: dict, prompt_id: int) -> dict:
        """How did it go? (worked, mixed, or not yet with a reason; a retry changes nothing)"""
        return _prompt(
            *application.answer(
                deps.session(), user=current_user(), prompt_id=prompt_id, data=data, now=deps.now()
            )
        )


@blp.route("/learn/reflections")
class Reflections(MethodView):
    @blp.access()
    @blp.response(200, ReflectionSchema(many=True), example=[REFLECTION_EXAMPLE])
    def get(self) -> list:
        """My reflections (private and shared)"""
        return reflections.mine(deps.session(), user=current_user())

    @blp.access()
    @blp.arguments(
        ReflectionInSchema,
        example={"body": "Naming the behaviour helped.", "visibility": "anonymous"},
    )
    @blp.response(201, ReflectionSchema, example=REFLECTION_EXAMPLE)
    @blp.links(
        201,
        UpdateReflection=("update_reflection", {"public_id": "$response.body#/id"}),
        DeleteReflection=("delete_reflection", {"public_id": "$response.body#/id"}),
    )
    @blp.errors(404, 422)
    def post(self, data: dict) -> object:
        """Write a reflection (private unless shared)"""
        return reflections.create(deps.session(), user=current_user(), data=data, now=deps.now())


@blp.route("/learn/reflections/<public_id:public_id>")
class ReflectionById(MethodView):
    @blp.access()
    @blp.arguments(ReflectionPatchSchema, example={"visibility": "private"})
    @blp.response(200, ReflectionSchema, example=REFLECTION_EXAMPLE)
    @blp.errors(404, 422)
    def patch(self, changes: dict, public_id: str) -> object:
        """Edit, share or unshare my reflection"""
        return reflections.update(
            deps.session(),
            user=current_user(),
            public_id=public_id,
            changes=changes,
            now=deps.now(),
        )

    @blp.access()
    @blp.response(204)
    @blp.errors(404)
    def delete(self, public_id: str) -> None:
        """Delete my reflection"""
        reflections.delete(deps.session(), user=current_user(), public_id=public_id)
