"""The team space: a feed of shared reflections and questions, answers, moderation.

Anonymous posts (reflections and questions) are placed by day and a random key only, so
neither their time nor their order points at an author. Moderators (the team's manager,
or an admin) hide and restore posts; every such act is logged without naming the author.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from api.errors import Conflict, Invalid, NotFound
from api.models import (
    Item,
    ItemKind,
    ModerationAction,
    Reflection,
    Role,
    TeamAnswer,
    TeamQuestion,
    User,
)
from api.services import items
from api.services._query import page_offset, paginate
from api.services.reflections import SHARED
from scheduler.timing import publication

Post = Reflection | TeamQuestion | TeamAnswer


@dataclass(frozen=True)
class FeedEntry:
    kind: str  # reflection|question
    post: Reflection | TeamQuestion
    author: User | None  # None: anonymous
    answers: int | None  # questions only: visible answers

    @property
    def day(self) -> dt.date | None:
        return self.post.asked_on if isinstance(self.post, TeamQuestion) else self.post.shared_on

    @property
    def module_id(self) -> int | None:
        """Named reflections only: which module an anonymous post is about can point at
        its author."""
        if self.author is None or isinstance(self.post, TeamQuestion):
            return None
        return self.post.module_id


def team_of(user: User, team_id: int | None) -> int | None:
    """The team whose space the caller reads: their own; admins may name another."""
    if team_id is None or (user.role is not Role.ADMIN and team_id != user.team_id):
        return user.team_id
    return team_id


def feed(
    session: Session,
    *,
    user: User,
    team_id: int | None,
    now: dt.datetime,
    page: int,
    page_size: int,
) -> tuple[list[FeedEntry], int]:
    team = team_of(user, team_id)
    if team is None:
        return [], 0
    org = user.organization_id
    kind = literal_column("'reflection'", String).label("kind")
    shared = select(
        kind, Reflection.id.label("row_id"), Reflection.shared_on.label("day"), Reflection.sort_key
    ).where(
        Reflection.organization_id == org,
        Reflection.team_id == team,
        Reflection.visibility.in_(SHARED),
        Reflection.hidden_at.is_(None),
        Reflection.published_at <= now,
    )
    asked = select(
        literal_column("'question'", String),
        TeamQuestion.id,
        TeamQuestion.asked_on,
        TeamQuestion.sort_key,
    ).where(
        TeamQuestion.organization_id == org,
        TeamQuestion.team_id == team,
        TeamQuestion.hidden_at.is_(None),
        TeamQuestion.published_at <= now,
    )
    posts = union_all(shared, asked).subquery()
    total = session.scalar(select(func.count()).select_from(posts)) or 0
    offset = page_offset(page, page_size, total)
    if offset is None:
        return [], total
    page_rows = session.execute(
        select(posts.c.kind, posts.c.row_id)
        .order_by(posts.c.day.desc(), posts.c.sort_key)
        .limit(page_size)
        .offset(offset)
    ).all()
    ids = {"reflection": [], "question": []}  # type: dict[str, list[int]]
    for row_kind, row_id in page_rows:
        ids[row_kind].append(row_id)
    loaded: dict[tuple[str, int], Reflection | TeamQuestion] = {}
    for r in session.scalars(select(Reflection).where(Reflection.id.in_(ids["reflection"]))):
        loaded["reflection", r.id] = r
    for q in session.scalars(select(TeamQuestion).where(TeamQuestion.id.in_(ids["question"]))):
        loaded["question", q.id] = q
    counts = dict(
        session.execute(
            select(TeamAnswer.question_id, func.count())
            .where(TeamAnswer.question_id.in_(ids["question"]), TeamAnswer.hidden_at.is_(None))
            .group_by(TeamAnswer.question_id)
        ).all()
    )
    posts_in_order = [loaded[k, i] for k, i in page_rows]
    authors = users_by_id(
        session, {p.author_id for p in posts_in_order if p.author_id and not _anonymous(p)}
    )
    return [
        FeedEntry(
            kind="question" if isinstance(p, TeamQuestion) else "reflection",
            post=p,
            author=None if _anonymous(p) or p.author_id is None else authors[p.author_id],
            answers=counts.get(p.id, 0) if isinstance(p, TeamQuestion) else None,
        )
        for p in posts_in_order
    ], total


def _anonymous(post: Reflection | TeamQuestion) -> bool:
    if isinstance(post, TeamQuestion):
        return post.anonymous
    return post.visibility == "anonymous"


def users_by_id(session: Session, ids: set[int | None]) -> dict[int, User]:
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def ask(session: Session, *, user: User, data: Mapping[str, Any], now: dt.datetime) -> TeamQuestion:
    if user.team_id is None:
        raise Invalid("You are in no team to ask.", code="no_team")
    anonymous = data.get("anonymous", False)
    published_at, day = publication(now, zone=user.organization.time_zone, anonymous=anonymous)
    question = TeamQuestion(
        public_id=secrets.token_hex(16),
        organization_id=user.organization_id,
        team_id=user.team_id,
        author_id=user.id,
        body=data["body"],
        anonymous=anonymous,
        asked_on=day,
        published_at=published_at,
        sort_key=secrets.token_hex(16),
        created_at=now,
    )
    session.add(question)
    session.commit()
    return question


def question(session: Session, *, user: User, public_id: str, now: dt.datetime) -> TeamQuestion:
    """A visible question of a team the caller belongs to (admins: any of theirs); an
    anonymous one before its batch is published only to its author."""
    found = session.scalar(
        select(TeamQuestion).where(
            TeamQuestion.public_id == public_id,
            TeamQuestion.organization_id == user.organization_id,
            TeamQuestion.hidden_at.is_(None),
        )
    )
    if (
        found is None
        or (user.role is not Role.ADMIN and found.team_id != user.team_id)
        or (found.published_at > now and found.author_id != user.id)
    ):
        raise NotFound("No such question in your team.")
    return found


def answers_to(session: Session, question: TeamQuestion) -> tuple[list[TeamAnswer], dict]:
    rows = list(
        session.scalars(
            select(TeamAnswer)
            .where(TeamAnswer.question_id == question.id, TeamAnswer.hidden_at.is_(None))
            .order_by(TeamAnswer.id)
        )
    )
    return rows, users_by_id(session, {a.author_id for a in rows})


def delete_question(session: Session, *, user: User, public_id: str) -> None:
    """The author takes their question down, with the answers it gathered."""
    found = session.scalar(
        select(TeamQuestion).where(
            TeamQuestion.public_id == public_id, TeamQuestion.author_id == user.id
        )
    )
    if found is None:
        raise NotFound("No such question of yours.")
    for answer in session.scalars(select(TeamAnswer).where(TeamAnswer.question_id == found.id)):
        session.delete(answer)
    session.flush()
    session.delete(found)
    session.commit()


def answer(
    session: Session, *, user: User, public_id: str, data: Mapping[str, Any], now: dt.datetime
) -> TeamAnswer:
    asked = question(session, user=user, public_id=public_id, now=now)
    reply = TeamAnswer(
        public_id=secrets.token_hex(16),
        question_id=asked.id,
        author_id=user.id,
        body=data["body"],
        created_at=now,
    )
    session.add(reply)
    session.commit()
    return reply


def _answer_for_moderator(session: Session, user: User, public_id: str) -> TeamAnswer:
    found = session.execute(
        select(TeamAnswer, TeamQuestion)
        .join(TeamQuestion, TeamQuestion.id == TeamAnswer.question_id)
        .where(
            TeamAnswer.public_id == public_id,
            TeamAnswer.hidden_at.is_(None),
            TeamQuestion.hidden_at.is_(None),
            TeamQuestion.organization_id == user.organization_id,
        )
    ).first()
    if found is None or not _moderates(user, found[1].team_id):
        raise NotFound("No such answer in your team.")
    return found[0]


def _moderates(user: User, team_id: int) -> bool:
    return user.role is Role.ADMIN or (user.role is Role.MANAGER and user.team_id == team_id)


def mark_useful(session: Session, *, user: User, public_id: str, now: dt.datetime) -> TeamAnswer:
    reply = _answer_for_moderator(session, user, public_id)
    if reply.useful_at is None:
        reply.useful_at, reply.useful_by_id = now, user.id
        session.commit()
    return reply


def make_item(
    session: Session, *, user: User, public_id: str, data: Mapping[str, Any], now: dt.datetime
) -> tuple[Item, bool]:
    """Turn a useful answer into a free-recall item: (item, created). A retry returns the
    item made the first time."""
    reply = _answer_for_moderator(session, user, public_id)
    if reply.item_id is not None:
        made = session.get(Item, reply.item_id)
        assert made is not None
        return made, False
    if reply.useful_at is None:
        raise Conflict("Only an answer marked useful becomes an item.", code="not_marked_useful")
    asked = session.get(TeamQuestion, reply.question_id)
    assert asked is not None
    item = items.add_item(
        session,
        actor=user,
        lesson_id=data["lesson_id"],
        data={
            "kind": ItemKind.FREE_RECALL,
            "prompt": data.get("prompt") or asked.body,
            "answer": {"model_answer": data.get("model_answer") or reply.body},
            "explanation": data.get("explanation", ""),
        },
        now=now,
    )
    reply.item_id = item.id
    session.commit()
    return item, True


def _post(session: Session, user: User, public_id: str) -> tuple[str, Post, int]:
    """(kind, post, team id) of a shared post the caller may moderate."""
    org = user.organization_id
    found: tuple[str, Post, int | None] | None = None
    reflection = session.scalar(
        select(Reflection).where(
            Reflection.public_id == public_id,
            Reflection.organization_id == org,
            Reflection.visibility.in_(SHARED),
        )
    )
    if reflection is not None:
        found = ("reflection", reflection, reflection.team_id)
    else:
        asked = session.scalar(
            select(TeamQuestion).where(
                TeamQuestion.public_id == public_id, TeamQuestion.organization_id == org
            )
        )
        if asked is not None:
            found = ("question", asked, asked.team_id)
        else:
            row = session.execute(
                select(TeamAnswer, TeamQuestion.team_id)
                .join(TeamQuestion, TeamQuestion.id == TeamAnswer.question_id)
                .where(TeamAnswer.public_id == public_id, TeamQuestion.organization_id == org)
            ).first()
            if row is not None:
                found = ("answer", row[0], row[1])
    if found is None or found[2] is None or not _moderates(user, found[2]):
        raise NotFound("No such post in a team you moderate.")
    return found[0], found[1], found[2]


def moderate(
    session: Session, *, user: User, public_id: str, hide: bool, reason: str, now: dt.datetime
) -> ModerationAction:
    """Hide or restore a post. Doing what is already done logs nothing and returns the
    action that did it."""
    kind, post, team_id = _post(session, user, public_id)
    if (post.hidden_at is not None) == hide:
        done = session.scalar(
            select(ModerationAction)
            .where(
                ModerationAction.organization_id == user.organization_id,
                ModerationAction.post_id == public_id,
            )
            .order_by(ModerationAction.id.desc())
        )
        if done is not None:
            return done
        if not hide:
            raise Conflict("This post is not hidden.", code="not_hidden")
    post.hidden_at = now if hide else None
    action = ModerationAction(
        organization_id=user.organization_id,
        team_id=team_id,
        moderator_id=user.id,
        post_kind=kind,
        post_id=public_id,
        action="hide" if hide else "restore",
        reason=reason,
        created_at=now,
    )
    session.add(action)
    session.commit()
    return action


def moderation_log(
    session: Session, *, user: User, team_id: int | None, page: int, page_size: int
) -> tuple[list[ModerationAction], int]:
    stmt = select(ModerationAction).where(ModerationAction.organization_id == user.organization_id)
    if user.role is not Role.ADMIN:
        stmt = stmt.where(ModerationAction.team_id == user.team_id)
    elif team_id is not None:
        stmt = stmt.where(ModerationAction.team_id == team_id)
    return paginate(
        session, stmt.order_by(ModerationAction.id.desc()), page=page, page_size=page_size
    )


def post_bodies(session: Session, actions: list[ModerationAction]) -> dict[str, str]:
    """The current text of the posts in ``actions`` (gone when the author deleted them)."""
    wanted = {a.post_id for a in actions}
    bodies: dict[str, str] = {}
    for model in (Reflection, TeamQuestion, TeamAnswer):
        rows = session.execute(
            select(model.public_id, model.body).where(model.public_id.in_(wanted))
        )
        bodies.update((public_id, body) for public_id, body in rows)
    return bodies
