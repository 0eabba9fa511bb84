"""Practice: upload answers (also offline batches), what to practise now, progress, recaps."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from sqlalchemy import Row

from api import deps
from api.auth import current_user, with_learner
from api.blueprint import Blueprint
from api.limits import per_ip, per_user
from api.models import Item
from api.resources.learn.schemas import model_answer
from api.resources.practice.schemas import (
    BATCH_RESULT_EXAMPLE,
    PRACTICE_SET_EXAMPLE,
    PROGRESS_EXAMPLE,
    RECAP_EXAMPLE,
    REVIEW_EXAMPLE,
    PracticeQuerySchema,
    PracticeSetSchema,
    ProgressSchema,
    RecapSchema,
    ReviewBatchResultSchema,
    ReviewBatchSchema,
)
from api.services import practice, recaps, reviews

blp = Blueprint(
    "practice",
    __name__,
    url_prefix="/learn",
    description="Spaced practice: the phone asks what to practise now, uploads answers "
    "(offline batches too, idempotent by review id), and shows progress and recaps.",
)


def _item(item: Item | Row[Any], module_title: str) -> dict:
    """What a phone shows of an item: an ``Item`` or a row of its columns."""
    return {
        "id": item.id,
        "revision": item.revision,
        "kind": item.kind,
        "prompt": item.prompt,
        "options": item.options,
        "model_answer": model_answer(item),
        "module_id": item.module_id,
        "module_title": module_title,
    }


@blp.route("/reviews")
class Reviews(MethodView):
    @blp.access()
    @blp.limit(per_user("30/minute"), per_ip("1200/minute"))
    @blp.arguments(ReviewBatchSchema, example={"reviews": [REVIEW_EXAMPLE]})
    @blp.response(200, ReviewBatchResultSchema, example=BATCH_RESULT_EXAMPLE)
    @blp.errors(422)
    def post(self, data: dict) -> Response:
        """Upload answers (up to 500); each is accepted or rejected on its own"""
        outcomes = reviews.record_reviews(
            deps.session(), user=current_user(), reviews=data["reviews"], now=deps.now()
        )
        return jsonify(batch_result_body(outcomes))


def batch_result_body(outcomes: list[reviews.Outcome]) -> dict[str, Any]:
    """The outcomes as ``ReviewBatchResultSchema`` dumps them, built directly (as the
    practice set is; ``test_batch_result_body_is_what_its_schema_dumps``)."""
    accepted = sum(1 for o in outcomes if o.status == "accepted")
    return {
        "accepted": accepted,
        "rejected": len(outcomes) - accepted,
        "results": [
            {
                "id": o.id,
                "status": o.status,
                "item_id": o.item_id,
                "rating": o.rating,
                "correct": o.correct,
                "error": o.error,
                "message": o.message,
                "errors": o.errors,
                "feedback": o.feedback,  # its answer and explanation, or None
            }
            for o in outcomes
        ],
    }


@blp.route("/practice")
class Practice(MethodView):
    @blp.access(kept=True)
    @blp.arguments(PracticeQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PracticeSetSchema, example=PRACTICE_SET_EXAMPLE)
    def get(self, minutes: float | None = None) -> Response:
        """What should I practise now? (answers are not included)"""
        session, now, shown = deps.session(), deps.now(), deps.kept_items()
        chosen = with_learner(
            lambda learner, stamp: practice.next_practice(
                session,
                learner=learner,
                minutes=minutes,
                now=now,
                kept=shown,
                check=stamp,
            )
        )
        return jsonify(practice_set_body(chosen))


def practice_set_body(chosen: practice.PracticeSession) -> dict[str, Any]:
    """The practice set as ``PracticeSetSchema`` dumps it, built directly: marshmallow's
    dump of thirty items cost 0.5 ms of a 4 ms request ("serialization that costs
    microseconds"). ``test_practice_set_body_is_what_its_schema_dumps`` keeps them equal."""
    return {
        "items": [
            {
                "reason": str(pick.reason),
                "recall": float(pick.recall),
                "item": _item(item, title) | {"kind": item.kind.value},
            }
            for pick, item, title in chosen.picks
        ],
        "due_now": int(chosen.due_now),
        "held_back": int(chosen.held_back),
        "estimated_minutes": float(chosen.estimated_minutes),
    }


@blp.route("/progress")
class Progress(MethodView):
    @blp.access()
    @blp.response(200, ProgressSchema(many=True), example=[PROGRESS_EXAMPLE])
    def get(self) -> list:
        """My progress per module: recall now, learned and mature items, minutes ahead"""
        return practice.module_progress(deps.session(), user=current_user(), now=deps.now())


@blp.route("/recaps")
class Recaps(MethodView):
    @blp.access()
    @blp.response(200, RecapSchema(many=True), example=[RECAP_EXAMPLE])
    def get(self) -> list:
        """Recaps due now: key points and a few items of modules I am forgetting"""
        return [
            {
                "module_id": r["module"].id,
                "title": r["module"].title,
                "recall_now": r["recall_now"],
                "key_points": r["key_points"],
                "items": [_item(item, r["module"].title) for item in r["items"]],
                "last_recap_at": r["last_recap_at"],
            }
            for r in recaps.due_recaps(deps.session(), user=current_user(), now=deps.now())
        ]


@blp.route("/recaps/<id:module_id>/studied")
class RecapStudied(MethodView):
    @blp.access()
    @blp.response(204)
    @blp.errors(404)
    def post(self, module_id: int) -> None:
        """I read this module's recap"""
        recaps.record_recap(
            deps.session(), user=current_user(), module_id=module_id, now=deps.now()
        )
