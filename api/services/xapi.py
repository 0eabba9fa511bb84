"""The organization's learning activity as xAPI (1.0.3) statements, for a learning record store.

Actors are pseudonymous (an account named by the user id under this server's address);
statement ids are derived from the record, so fetching a period twice gives the same
statements and the record store keeps one of each. Reflections are never included.

Pages are cut in the database: one UNION of the three kinds of record, ordered by time,
and only the page's records are read in full. A month of a large organization's reviews
never passes through memory at once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.errors import Invalid
from api.models import ApplicationPrompt, Enrollment, Item, Module, ReviewLog, Role, User
from api.services._query import page_offset, require_role

MAX_RANGE = dt.timedelta(days=31)
_NAMESPACE = uuid.UUID("6f1c2a7e-9b3d-4f20-8a55-1f0c7c1b9e10")


# The time is never None here: a record enters a page through its time in the period.
_Record = tuple[int, dt.datetime | None, dict[str, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class _Kind:
    """One kind of record and how it reads as a statement."""

    verb: str
    verb_id: str
    model: type
    at: InstrumentedAttribute
    # (session, base url, record ids) -> {record id: (user id, time, object, result)}
    load: Callable[[Session, str, list[int]], dict[int, _Record]]


def _module(base_url: str, module_id: int, title: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{base_url}/modules/{module_id}",
        "definition": {"name": {"en": title}, "type": "http://adlnet.gov/expapi/activities/module"},
    }


def _completions(session: Session, base_url: str, ids: list[int]) -> dict[int, _Record]:
    rows = session.execute(
        select(Enrollment, Module.title)
        .join(Module, Module.id == Enrollment.module_id)
        .where(Enrollment.id.in_(ids))
    )
    return {
        e.id: (e.user_id, e.completed_at, _module(base_url, e.module_id, title), None)
        for e, title in rows
    }


def _answers(session: Session, base_url: str, ids: list[int]) -> dict[int, _Record]:
    out: dict[int, _Record] = {}
    for log, prompt in session.execute(
        select(ReviewLog, Item.prompt)
        .join(Item, Item.id == ReviewLog.item_id)
        .where(ReviewLog.id.in_(ids))
    ):
        result: dict[str, Any] = {"score": {"raw": log.rating, "min": 1, "max": 4}}
        if log.correct is not None:
            result["success"] = log.correct
        if log.duration_ms is not None:
            result["duration"] = f"PT{log.duration_ms / 1000:.1f}S"
        item = {
            "objectType": "Activity",
            "id": f"{base_url}/items/{log.item_id}",
            "definition": {
                "name": {"en": prompt[:200]},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            },
        }
        out[log.id] = (log.user_id, log.answered_at, item, result)
    return out


def _tries(session: Session, base_url: str, ids: list[int]) -> dict[int, _Record]:
    rows = session.execute(
        select(ApplicationPrompt, Module.title)
        .join(Module, Module.id == ApplicationPrompt.module_id)
        .where(ApplicationPrompt.id.in_(ids))
    )
    return {
        a.id: (
            a.user_id,
            a.answered_at,
            _module(base_url, a.module_id, title),
            {"response": a.outcome},
        )
        for a, title in rows
    }


KINDS = {
    kind.verb: kind
    for kind in (
        _Kind(
            "completed",
            "http://adlnet.gov/expapi/verbs/completed",
            Enrollment,
            Enrollment.completed_at,
            _completions,
        ),
        _Kind(
            "answered",
            "http://adlnet.gov/expapi/verbs/answered",
            ReviewLog,
            ReviewLog.answered_at,
            _answers,
        ),
        _Kind(
            "tried",
            "https://w3id.org/xapi/bitewise/verbs/tried-at-work",
            ApplicationPrompt,
            ApplicationPrompt.answered_at,
            _tries,
        ),
    )
}


def statements(
    session: Session,
    *,
    actor: User,
    base_url: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    now: dt.datetime,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the period's statements, oldest first, and how many there are."""
    require_role(actor, Role.ADMIN)
    until = until or now
    since = since or until - dt.timedelta(days=7)
    if since >= until or until - since > MAX_RANGE:
        raise Invalid(
            "Ask for a period of at most 31 days, since before until.",
            errors={"query": {"since": ["At most 31 days before until."]}},
        )
    activity = union_all(
        *(
            select(
                literal_column(f"'{kind.verb}'").label("verb"),
                kind.model.id.label("record_id"),  # type: ignore[attr-defined]
                kind.at.label("at"),
            ).where(
                kind.model.organization_id == actor.organization_id,  # type: ignore[attr-defined]
                kind.at >= since,
                kind.at < until,
            )
            for kind in KINDS.values()
        )
    ).subquery()
    total = session.scalar(select(func.count()).select_from(activity)) or 0
    offset = page_offset(page, page_size, total)
    if offset is None:
        return [], total
    rows = session.execute(
        select(activity.c.verb, activity.c.record_id, activity.c.at)
        .order_by(activity.c.at, activity.c.verb, activity.c.record_id)
        .offset(offset)
        .limit(page_size)
    ).all()
    details = {
        verb: kind.load(session, base_url, [r.record_id for r in rows if r.verb == verb])
        for verb, kind in KINDS.items()
    }
    return [_statement(base_url, KINDS[r.verb], r.record_id, details[r.verb]) for r in rows], total


def _statement(
    base_url: str, kind: _Kind, record_id: int, details: dict[int, _Record]
) -> dict[str, Any]:
    user_id, at, activity, result = details[record_id]
    assert at is not None
    statement: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, f"{base_url}|{kind.verb}:{record_id}")),
        "actor": {"objectType": "Agent", "account": {"homePage": base_url, "name": str(user_id)}},
        "verb": {"id": kind.verb_id, "display": {"en": kind.verb}},
        "object": activity,
        "timestamp": at.isoformat(),
    }
    if result:
        statement["result"] = result
    return statement
