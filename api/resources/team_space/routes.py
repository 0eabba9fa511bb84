"""The team space: shared reflections and questions, answers, and moderation."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Page

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint, page_of
from api.models import Role, TeamAnswer, TeamQuestion, User
from api.resources.modules.schemas import ITEM_OUT_EXAMPLE, ItemSchema
from api.resources.team_space.schemas import (
    ANSWER_EXAMPLE,
    FEED_EXAMPLE,
    MODERATION_EXAMPLE,
    QUESTION_EXAMPLE,
    AnswerInSchema,
    AnswerItemSchema,
    AnswerSchema,
    FeedEntrySchema,
    ModerationInSchema,
    ModerationSchema,
    QuestionInSchema,
    QuestionSchema,
    TeamQuerySchema,
)
from api.services import team_space

blp = Blueprint(
    "team",
    __name__,
    description="The team's space: shared reflections and questions (by name or anonymous), "
    "answers from teammates and managers, and moderation that is logged.",
)
MODERATORS = (Role.MANAGER, Role.ADMIN)
POST = "<public_id:post_id>"


def _person(user: User) -> dict[str, Any]:
    return {"id": user.id, "display_name": user.display_name}


def _answer(reply: TeamAnswer, author: User, me: User) -> dict[str, Any]:
    return {
        "id": reply.public_id,
        "body": reply.body,
        "author": _person(author),
        "created_at": reply.created_at,
        "useful": reply.useful_at is not None,
        "item_id": reply.item_id,
        "mine": reply.author_id == me.id,
    }


def _question(question: TeamQuestion, me: User) -> dict[str, Any]:
    replies, authors = team_space.answers_to(deps.session(), question)
    return {
        "id": question.public_id,
        "body": question.body,
        "asked_on": question.asked_on,
        "author": None
        if question.anonymous
        else _person(deps.session().get_one(User, question.author_id)),
        "mine": question.author_id == me.id,
        "answers": [_answer(r, authors[r.author_id], me) for r in replies],
    }


@blp.route("/team/feed")
class TeamFeed(MethodView):
    @blp.access()
    @blp.arguments(TeamQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, FeedEntrySchema(many=True), example=[FEED_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page, team_id: int | None = None) -> list:
        """My team's shared reflections and questions, by day"""
        me = current_user()
        entries = page_of(
            pagination_parameters, team_space.feed, user=me, team_id=team_id, now=deps.now()
        )
        return [
            {
                "kind": e.kind,
                "id": e.post.public_id,
                "body": e.post.body,
                "shared_on": e.day,
                "module_id": e.module_id,
                "author": _person(e.author) if e.author else None,
                "answers": e.answers,
                "mine": e.post.author_id == me.id,
            }
            for e in entries
        ]


@blp.route("/team/questions")
class Questions(MethodView):
    @blp.access()
    @blp.arguments(
        QuestionInSchema,
        example={"body": "How do I give feedback to someone more senior?", "anonymous": True},
    )
    @blp.response(201, QuestionSchema, example={**QUESTION_EXAMPLE, "mine": True, "answers": []})
    @blp.links(
        201,
        GetQuestion=("get_question", {"question_id": "$response.body#/id"}),
        AnswerQuestion=("answer_question", {"question_id": "$response.body#/id"}),
        DeleteQuestion=("delete_question", {"question_id": "$response.body#/id"}),
        HideQuestion=("hide_post", {"post_id": "$response.body#/id"}),
    )
    @blp.errors(422)
    def post(self, data: dict) -> dict:
        """Ask my team a question (anonymously if I wish)"""
        me = current_user()
        return _question(team_space.ask(deps.session(), user=me, data=data, now=deps.now()), me)


@blp.route(f"/team/questions/{POST.replace('post_id', 'question_id')}")
class QuestionById(MethodView):
    @blp.access()
    @blp.response(200, QuestionSchema, example=QUESTION_EXAMPLE)
    @blp.errors(404)
    def get(self, question_id: str) -> dict:
        """A question of my team, with its answers"""
        me = current_user()
        found = team_space.question(deps.session(), user=me, public_id=question_id, now=deps.now())
        return _question(found, me)

    @blp.access()
    @blp.response(204)
    @blp.errors(404)
    def delete(self, question_id: str) -> None:
        """Take down my question (its answers go with it)"""
        team_space.delete_question(deps.session(), user=current_user(), public_id=question_id)


@blp.route(f"/team/questions/{POST.replace('post_id', 'question_id')}/answers")
class Answers(MethodView):
    @blp.access()
    @blp.arguments(
        AnswerInSchema,
        example={"body": "Ask what they noticed first; then say what you saw."},
    )
    @blp.response(201, AnswerSchema, example={**ANSWER_EXAMPLE, "useful": False, "mine": True})
    @blp.links(
        201,
        MarkUseful=("mark_answer_useful", {"answer_id": "$response.body#/id"}),
        MakeItem=("answer_to_item", {"answer_id": "$response.body#/id"}),
        HideAnswer=("hide_post", {"post_id": "$response.body#/id"}),
    )
    @blp.errors(404, 422)
    def post(self, data: dict, question_id: str) -> dict:
        """Answer a question of my team (answers carry my name)"""
        me = current_user()
        reply = team_space.answer(
            deps.session(), user=me, public_id=question_id, data=data, now=deps.now()
        )
        return _answer(reply, me, me)


@blp.route(f"/team/answers/{POST.replace('post_id', 'answer_id')}/useful")
class UsefulAnswer(MethodView):
    @blp.access(MODERATORS)
    @blp.response(200, AnswerSchema, example=ANSWER_EXAMPLE)
    @blp.errors(404)
    def post(self, answer_id: str) -> dict:
        """Mark an answer in my team useful (managers and admins; a retry changes nothing)"""
        me = current_user()
        session = deps.session()
        reply = team_space.mark_useful(session, user=me, public_id=answer_id, now=deps.now())
        return _answer(reply, session.get_one(User, reply.author_id), me)


@blp.route(f"/team/answers/{POST.replace('post_id', 'answer_id')}/item")
class AnswerToItem(MethodView):
    @blp.access(ADMIN)
    @blp.arguments(AnswerItemSchema, example={"lesson_id": 3})
    @blp.response(201, ItemSchema, example=ITEM_OUT_EXAMPLE)
    @blp.alt_response(
        200, schema=ItemSchema, description="Made before: the same item", example=ITEM_OUT_EXAMPLE
    )
    @blp.errors(404, 409, 422)
    def post(self, data: dict, answer_id: str) -> Any:
        """Turn a useful answer into a practice item (a new module version)"""
        item, created = team_space.make_item(
            deps.session(), user=current_user(), public_id=answer_id, data=data, now=deps.now()
        )
        return item, 201 if created else 200


def _moderation(action: Any, moderators: dict[int, User], bodies: dict[str, str]) -> dict:
    return {
        "id": action.id,
        "team_id": action.team_id,
        "post_id": action.post_id,
        "post_kind": action.post_kind,
        "action": action.action,
        "reason": action.reason,
        "moderator": _person(moderators[action.moderator_id]),
        "created_at": action.created_at,
        "body": bodies.get(action.post_id),
    }


def _moderated(actions: list) -> list[dict]:
    session = deps.session()
    moderators = team_space.users_by_id(session, {a.moderator_id for a in actions})
    bodies = team_space.post_bodies(session, actions)
    return [_moderation(a, moderators, bodies) for a in actions]


def _moderate(post_id: str, reason: str, *, hide: bool) -> dict:
    action = team_space.moderate(
        deps.session(),
        user=current_user(),
        public_id=post_id,
        hide=hide,
        reason=reason,
        now=deps.now(),
    )
    return _moderated([action])[0]


@blp.route(f"/team/posts/{POST}/hide")
class HidePost(MethodView):
    @blp.access(MODERATORS)
    @blp.arguments(ModerationInSchema, example={"reason": "Names a colleague hurtfully."})
    @blp.response(200, ModerationSchema, example=MODERATION_EXAMPLE)
    @blp.errors(404, 422)
    def post(self, data: dict, post_id: str) -> dict:
        """Hide a reflection, question or answer from the team (logged; managers: their team)"""
        return _moderate(post_id, data["reason"], hide=True)


@blp.route(f"/team/posts/{POST}/restore")
class RestorePost(MethodView):
    @blp.access(MODERATORS)
    @blp.arguments(ModerationInSchema, example={"reason": "Reworded by the author."})
    @blp.response(200, ModerationSchema, example={**MODERATION_EXAMPLE, "action": "restore"})
    @blp.errors(404, 409, 422)
    def post(self, data: dict, post_id: str) -> dict:
        """Show a hidden post again (logged)"""
        return _moderate(post_id, data["reason"], hide=False)


@blp.route("/team/moderation")
class ModerationLog(MethodView):
    @blp.access(MODERATORS)
    @blp.arguments(TeamQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ModerationSchema(many=True), example=[MODERATION_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page, team_id: int | None = None) -> list:
        """The moderation log: who hid or restored what, and why (it never names an author)"""
        actions = page_of(
            pagination_parameters, team_space.moderation_log, user=current_user(), team_id=team_id
        )
        return _moderated(actions)
