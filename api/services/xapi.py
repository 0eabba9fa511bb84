"""The organization's learning activity as xAPI (1.0.3) statements, for a learning record store.

What it holds is the organization's setting: module completions only (``completions``, the
default: the compliance need), or each learner's answers and "tried at work" outcomes too
(``activity``, which an admin turns on and ``GET /me/privacy`` tells every learner).
Actors are keyed pseudonyms (HMAC of the user id under the organization's secret), never
the user id; times are the day only (00:00 UTC). Statement ids are derived from the record,
so fetching a period twice gives the same statements and the record store keeps one of
each. A person who erases their data has their statements voided in later exports.
Reflections are never included.

Pages are cut in the database: one UNION of the three kinds of record, ordered by time,
and only the page's records are read in full. A month of a large organization's reviews
never passes through memory at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.errors import Invalid
from api.models import (
    ApplicationPrompt,
    Enrollment,
    Item,
    Module,
    Organization,
    ReviewLog,
    Role,
    User,
    XapiVoid,
)
from api.services._query import page_offset, require_role

MAX_RANGE = dt.timedelta(days=31)
_NAMESPACE = uuid.UUID("6f1c2a7e-9b3d-4f20-8a55-1f0c7c1b9e10")
SCOPES = {"completions": ("completed",), "activity": ("completed", "answered", "tried")}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def pseudonym(organization: Organization, user_id: int) -> str:
    """The name a person has in this organization's export: stable, unguessable without
    the organization's key, and unrelated to their id elsewhere."""
    key = organization.pseudonym_key.encode()
    return hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def statement_id(organization_id: int, verb: str, record_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{organization_id}|{verb}:{record_id}"))


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


def _voids(session: Session, base_url: str, ids: list[int]) -> dict[int, _Record]:
    rows = session.scalars(select(XapiVoid).where(XapiVoid.id.in_(ids)))
    return {
        v.id: (0, v.voided_at, {"objectType": "StatementRef", "id": v.statement_id}, None)
        for v in rows
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
        _Kind("voided", VOIDED, XapiVoid, XapiVoid.voided_at, _voids),
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
    organization = session.get_one(Organization, actor.organization_id)
    verbs = (*SCOPES[organization.xapi_scope], "voided")
    erased = select(User.id).where(
        User.organization_id == organization.id, User.deleted_at.is_not(None)
    )
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
                # An erased person's tombstone keeps completions for the totals; their
                # statements are voided, never sent again.
                *(
                    () if kind.verb == "voided" else (kind.model.user_id.not_in(erased),)  # type: ignore[attr-defined]
                ),
            )
            for kind in KINDS.values()
            if kind.verb in verbs
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
        if verb in verbs
    }
    return [
        _statement(organization, base_url, KINDS[r.verb], r.record_id, details[r.verb])
        for r in rows
    ], total


def _statement(
    organization: Organization,
    base_url: str,
    kind: _Kind,
    record_id: int,
    details: dict[int, _Record],
) -> dict[str, Any]:
    user_id, at, activity, result = details[record_id]
    assert at is not None
    # The organization voids statements itself; people appear under their pseudonym only.
    name = "organization" if kind.verb == "voided" else pseudonym(organization, user_id)
    # The day only: finer times would let an admin line activity up with other events
    # (an anonymous post, a message) that the rest of the product dates by day.
    day = dt.datetime.combine(at.astimezone(dt.UTC).date(), dt.time(), tzinfo=dt.UTC)
    statement: dict[str, Any] = {
        "id": statement_id(organization.id, kind.verb, record_id),
        "actor": {"objectType": "Agent", "account": {"homePage": base_url, "name": name}},
        "verb": {"id": kind.verb_id, "display": {"en": kind.verb}},
        "object": activity,
        "timestamp": day.isoformat().replace("+00:00", "Z"),
    }
    if result:
        statement["result"] = result
    return statement


def void_person(session: Session, *, user: User, now: dt.datetime) -> None:
    """Before a person's records go: every statement that an export could hold about them
    is voided in the next export (an LRS does not reject voiding what it never took)."""
    org = user.organization_id
    ids = [
        statement_id(org, verb, record_id)
        for verb, model, column in (
            ("completed", Enrollment, Enrollment.completed_at),
            ("answered", ReviewLog, ReviewLog.answered_at),
            ("tried", ApplicationPrompt, ApplicationPrompt.answered_at),
        )
        for record_id in session.scalars(
            select(model.id).where(model.user_id == user.id, column.is_not(None))
        )
    ]
    session.add_all(XapiVoid(organization_id=org, statement_id=sid, voided_at=now) for sid in ids)
