"""Recording answers: a batch from the phone, each review accepted or rejected on its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, and_, bindparam, select
from sqlalchemy.orm import Session

from api.db_rows import write_rows
from api.models import (
    Enrollment,
    EnrollmentStatus,
    Item,
    MemoryState,
    Module,
    ModuleStatus,
    ReviewLog,
    User,
)
from api.services import replanning, xapi_statements
from api.services.memory import STATE_COLUMNS, apply_reviews, model_for
from scheduler.grading import Confidence, GradingError, grade
from scheduler.types import Rating, Review

# A phone's clock may run a little ahead; beyond this an answer "from the future" is refused.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Offline for longer than this is not plausible for a practice answer.
MAX_AGE = dt.timedelta(days=365)


@dataclass
class Outcome:
    id: str | None
    status: str  # accepted | rejected
    item_id: int | None = None
    rating: int | None = None
    correct: bool | None = None
    error: str | None = None
    message: str | None = None
    errors: dict[str, Any] | None = None
    feedback: dict[str, Any] | None = field(default=None)


@dataclass(frozen=True)
class Rejected:
    """A review whose shape was already wrong (from the schema)."""

    index: int
    id: str | None
    errors: dict[str, Any]


def record_reviews(
    session: Session,
    *,
    user: User,
    reviews: Sequence[Mapping[str, Any] | Rejected],
    now: dt.datetime,
) -> list[Outcome]:
    """Store the acceptable reviews, rebuild the memory of their items, report per review.

    Retrying a batch (or part of one) stores nothing twice and reports the same outcomes.
    """
    # Every statement here runs on the Core connection: the ORM's execution path cost
    # more than the statements themselves.
    valid = [r for r in reviews if not isinstance(r, Rejected)]
    ids = [r["id"] for r in valid]
    db = session.connection()
    _lock(db, user)
    items, modules = _practisable_items(db, user, {r["item_id"] for r in valid})
    # The answers stored already are read only when they can change an outcome: an answer
    # stored by an earlier try is accepted as stored even if it would not pass the checks
    # now (a retry reports what the first try did). A batch that passes them is inserted
    # as it is, and what is stored already shows as a conflict (the learner is locked: no
    # other upload can be storing meanwhile), read afterwards, as every retry's is.
    stored: dict[str, Row[Any]] = {}
    outcomes, fresh = _sort_out(reviews, stored, items, user, now)
    if any(o.status == "rejected" and o.error != "invalid_review" for o in outcomes):
        stored = _stored(db, user, ids)
        outcomes, fresh = _sort_out(reviews, stored, items, user, now)

    logged: dict[str, Logged] = {cid: Logged.of(log) for cid, log in stored.items()}
    if fresh:
        inserted = write_rows(
            db,
            _LOGS,
            list(fresh.values()),
            conflict=["user_id", "client_review_id"],
            returning=["id", "client_review_id"],
        )
        for log_id, client_id in inserted:
            logged[client_id] = Logged(log_id, **_logged_fields(fresh[client_id]))
        new = [fresh[client_id] for _, client_id in inserted]
        if new:
            new_logs = [logged[client_id] for _, client_id in inserted]
            _apply(session, user, new, new_logs, items, modules, now)
            session.commit()
            db = session.connection()
        if len(new) < len(fresh):  # stored by an earlier try
            taken = [client_id for client_id in fresh if client_id not in logged]
            logged |= {cid: Logged.of(log) for cid, log in _stored(db, user, taken).items()}

    # Accepted outcomes are what is stored, so a retry reports exactly the same.
    keys = {
        item.id: {"answer": item.answer, "explanation": item.explanation} for item in items.values()
    }
    keys |= _answer_keys(db, {log.item_id for log in logged.values()} - set(keys))
    for outcome in outcomes:
        if outcome.status == "pending":
            log = logged[outcome.id or ""]
            outcome.status, outcome.item_id = "accepted", log.item_id
            outcome.rating, outcome.correct = log.rating, log.correct
            outcome.feedback = keys.get(log.item_id)
    return outcomes


def _sort_out(
    reviews: Sequence[Mapping[str, Any] | Rejected],
    stored: Mapping[str, Row[Any]],
    items: Mapping[int, Row[Any]],
    user: User,
    now: dt.datetime,
) -> tuple[list[Outcome], dict[str, dict[str, Any]]]:
    """Each review's outcome, "pending" for those to store or stored already, and the rows
    to store (the first of a review id sent twice)."""
    outcomes: list[Outcome] = []
    fresh: dict[str, dict[str, Any]] = {}
    for review in reviews:
        if isinstance(review, Rejected):
            outcomes.append(
                Outcome(
                    review.id,
                    "rejected",
                    error="invalid_review",
                    message="The review is malformed; see errors.",
                    errors=review.errors,
                )
            )
            continue
        if review["id"] in stored or review["id"] in fresh:
            outcomes.append(Outcome(review["id"], "pending"))
            continue
        problem = _check(review, items.get(review["item_id"]), now)
        if isinstance(problem, Outcome):
            outcomes.append(problem)
            continue
        fresh[review["id"]] = {
            **problem,
            "user_id": user.id,
            "organization_id": user.organization_id,
        }
        outcomes.append(Outcome(review["id"], "pending"))
    return outcomes, fresh


def _apply(
    session: Session,
    user: User,
    new: list[dict[str, Any]],
    new_logs: list[Logged],
    items: dict[int, Row[Any]],
    modules: dict[int, tuple[str, int]],
    now: dt.datetime,
) -> None:
    """The memory states and xAPI statements of the answers just stored (no commit)."""
    model, parameter_set_id = model_for(session, user=user)
    answered: dict[int, list[Review]] = {}
    for row in new:
        answered.setdefault(row["item_id"], []).append(
            Review(row["answered_at"], Rating(row["rating"]), row["client_review_id"])
        )
    apply_reviews(
        session,
        user=user,
        reviews=answered,
        item_modules={item_id: items[item_id].module_id for item_id in answered},
        model=model,
        parameter_set_id=parameter_set_id,
        stored={i: item[-len(STATE_COLUMNS) :] for i, item in items.items()},
        marked=True,  # by _lock
    )
    _write_statements(session, user, new_logs, items, modules, now)


_LOGS = cast(Table, ReviewLog.__table__)


@dataclass(frozen=True, slots=True)
class Logged:
    """A stored answer, as the outcome and its xAPI statement read it."""

    id: int
    item_id: int
    rating: int
    correct: bool | None
    response: dict[str, Any]
    duration_ms: int | None
    answered_at: dt.datetime

    @classmethod
    def of(cls, log: Row[Any]) -> Logged:
        return cls(log.id, **{name: getattr(log, name) for name in _LOGGED})


_LOGGED = ("item_id", "rating", "correct", "response", "duration_ms", "answered_at")


def _logged_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _LOGGED}


def _check(
    review: Mapping[str, Any], item: Row[Any] | None, now: dt.datetime
) -> Outcome | dict[str, Any]:
    rid = review["id"]
    if item is None:
        return Outcome(
            rid,
            "rejected",
            item_id=review["item_id"],
            error="item_not_available",
            message="This item is not in a module you are enrolled in.",
        )
    answered_at = review["answered_at"]
    if answered_at > now + CLOCK_SKEW:
        return Outcome(
            rid,
            "rejected",
            item_id=item.id,
            error="answered_in_future",
            message="answered_at is in the future; check the device clock.",
        )
    if answered_at < now - MAX_AGE:
        return Outcome(
            rid,
            "rejected",
            item_id=item.id,
            error="answered_too_long_ago",
            message="answered_at is more than a year ago.",
        )
    confidence = Confidence(review["confidence"]) if review.get("confidence") else None
    try:
        rating, correct = grade(
            kind=item.kind.value,
            key=item.answer,
            option_count=len(item.options),
            response=review["answer"],
            confidence=confidence,
        )
    except GradingError as exc:
        return Outcome(rid, "rejected", item_id=item.id, error="invalid_answer", message=str(exc))
    return {
        "item_id": item.id,
        "item_revision": item.revision,
        "client_review_id": rid,
        "answered_at": answered_at,
        "received_at": now,
        "duration_ms": review.get("duration_ms"),
        "response": dict(review["answer"]),
        "confidence": confidence.value if confidence else None,
        "rating": int(rating),
        "correct": correct,
    }


_STORED = select(ReviewLog.__table__).where(
    ReviewLog.user_id == bindparam("user_id"),
    ReviewLog.client_review_id.in_(bindparam("ids", expanding=True)),
)


def _lock(db: Connection, user: User) -> None:
    """One upload per learner at a time: two uploads replaying the same item concurrently
    would each miss the other's review, and the last to write would store a stale state.

    The lock is the write that marks the learner for planning (their row of
    ``learner_planning``), which an upload's new states need anyway (rolled back with the
    rest when nothing is stored). It is a statement of its own: under READ COMMITTED a
    read joined to it would see the rows of before the wait, and miss the answers of the
    upload it waited for (its retry)."""
    replanning.mark_users(db, [user.id])


def _stored(db: Connection, user: User, ids: Sequence[str]) -> dict[str, Row[Any]]:
    if not ids:
        return {}
    rows = db.execute(_STORED, {"user_id": user.id, "ids": list(ids)}).all()
    return {row.client_review_id: row for row in rows}


# An item as grading, the outcome and its xAPI statement read it, with its module's
# title and the learner's enrollment in it.
_PRACTISABLE = (
    select(
        Item.id,
        Item.module_id,
        Item.revision,
        Item.kind,
        Item.prompt,
        Item.options,
        Item.answer,
        Item.explanation,
        Module.title,
        Enrollment.id.label("enrollment_id"),
        *STATE_COLUMNS,  # last: apply_reviews takes them from here
    )
    .join(Module, Module.id == Item.module_id)
    .join(
        Enrollment,
        and_(Enrollment.module_id == Item.module_id, Enrollment.user_id == bindparam("user_id")),
    )
    .outerjoin(
        MemoryState,
        and_(MemoryState.item_id == Item.id, MemoryState.user_id == bindparam("user_id")),
    )
    .where(
        Item.id.in_(bindparam("item_ids", expanding=True)),
        Enrollment.status != EnrollmentStatus.WITHDRAWN,
        Module.organization_id == bindparam("organization_id"),
        Module.status == ModuleStatus.PUBLISHED,
    )
)


def _practisable_items(
    db: Connection, user: User, item_ids: set[int]
) -> tuple[dict[int, Row[Any]], dict[int, tuple[str, int]]]:
    """Items of published modules the learner is enrolled in (retired items included:
    an offline answer to an item retired meanwhile is still history) with their stored
    memory states, and for each of their modules its title and the learner's enrollment
    (what the xAPI statement names)."""
    if not item_ids:
        return {}, {}
    rows = db.execute(
        _PRACTISABLE,
        {"user_id": user.id, "organization_id": user.organization_id, "item_ids": list(item_ids)},
    ).all()
    items: dict[int, Row[Any]] = {}
    modules: dict[int, tuple[str, int]] = {}
    for row in rows:
        items[row.id] = row
        modules[row.module_id] = (row.title, row.enrollment_id)
    return items, modules


def _answer_keys(db: Connection, item_ids: set[int]) -> dict[int, dict[str, Any]]:
    """What the learner may see once they have answered: the key and the explanation."""
    if not item_ids:
        return {}
    rows = db.execute(
        select(Item.id, Item.answer, Item.explanation).where(Item.id.in_(list(item_ids)))
    )
    return {
        item_id: {"answer": answer, "explanation": explanation}
        for item_id, answer, explanation in rows
    }


def _write_statements(
    session: Session,
    user: User,
    logs: list[Logged],
    items: dict[int, Row[Any]],
    modules: dict[int, tuple[str, int]],
    now: dt.datetime,
) -> None:
    """Each new answer as the xAPI statement it will be exported as, with the item worded
    as it was answered (a later edit must not change an exported statement)."""
    org = user.organization
    xapi_statements.store(
        session,
        (
            xapi_statements.answered(
                org,
                log_id=log.id,
                user_id=user.id,
                module_id=item.module_id,
                module_title=modules[item.module_id][0],
                enrollment_id=modules[item.module_id][1],
                item_id=item.id,
                kind=item.kind,
                prompt=item.prompt,
                options=item.options,
                response=log.response,
                rating=log.rating,
                correct=log.correct,
                duration_ms=log.duration_ms,
                answered_at=log.answered_at,
                stored_at=now,
            )
            for log in logs
            for item in (items[log.item_id],)
        ),
    )
