"""Writing xAPI statements as things happen, so that an exported statement never changes.

A statement is built when its record is stored (an answer uploaded, a module finished, a
try at work answered) from what was true then, and kept in ``xapi_statements``. Editing a
module's title or an item's wording later changes nothing already written: a learning
record store that took a statement gets the same content under the same id forever.

Ids do not depend on the deployment's address: activities live under
``https://xapi.bitewise.app/o/{organization}/``; statement ids are UUIDv5 of the record.
Actors are keyed pseudonyms (``xapi.pseudonym``), times the day only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from api.db_rows import write_rows
from api.models import ItemKind, Organization, XapiStatement
from api.services.pseudonyms import pseudonym

NAMESPACE = uuid.UUID("6f1c2a7e-9b3d-4f20-8a55-1f0c7c1b9e10")
ROOT = "https://xapi.bitewise.app"
VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "tried": "https://w3id.org/xapi/bitewise/verbs/tried-at-work",
    "voided": "http://adlnet.gov/expapi/verbs/voided",
}
RATING = "https://w3id.org/xapi/bitewise/extensions/memory-rating"
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
INTERACTIONS = {
    ItemKind.SINGLE_CHOICE: "choice",
    ItemKind.MULTIPLE_CHOICE: "choice",
    ItemKind.TRUE_FALSE: "true-false",
    ItemKind.FREE_RECALL: "long-fill-in",
}


def statement_id(organization_id: int, verb: str, record_id: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{organization_id}|{verb}:{record_id}"))


def _activities(org: Organization) -> str:
    return f"{ROOT}/o/{org.id}"


def _actor(org: Organization, user_id: int | None) -> dict[str, Any]:
    name = "organization" if user_id is None else pseudonym(org, user_id)
    return {"objectType": "Agent", "account": {"homePage": _activities(org), "name": name}}


def _day(at: dt.datetime) -> str:
    """The day only: finer times would let an admin line activity up with other events
    (an anonymous post) that the rest of the product dates by day."""
    return at.astimezone(dt.UTC).date().isoformat() + "T00:00:00Z"


def _module(org: Organization, module_id: int, title: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{_activities(org)}/modules/{module_id}",
        "definition": {"name": {"en": title}, "type": MODULE_TYPE},
    }


def _context(org: Organization, module: dict[str, Any], registration: int | None) -> dict:
    context: dict[str, Any] = {
        "platform": "Bitewise",
        "contextActivities": {"parent": [module]},
    }
    if registration is not None:  # the enrollment: one learner's attempt at one module
        context["registration"] = str(uuid.uuid5(NAMESPACE, f"{org.id}|enrollment:{registration}"))
    return context


def _row(
    org: Organization,
    verb: str,
    record_id: int,
    user_id: int | None,
    stored_at: dt.datetime,
    body: dict[str, Any],
) -> dict[str, Any]:
    sid = statement_id(org.id, verb, record_id)
    statement = {
        "id": sid,
        "actor": _actor(org, user_id),
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        **body,
    }
    return {
        "organization_id": org.id,
        "statement_id": sid,
        "verb": verb,
        "user_id": user_id,
        "stored_at": stored_at,
        "statement": statement,
    }


def completed(
    org: Organization,
    *,
    enrollment_id: int,
    user_id: int,
    module_id: int,
    title: str,
    at: dt.datetime,
) -> dict[str, Any]:
    module = _module(org, module_id, title)
    return _row(
        org,
        "completed",
        enrollment_id,
        user_id,
        at,
        {
            "object": module,
            "result": {"completion": True},
            "context": _context(org, module, enrollment_id),
            "timestamp": _day(at),
        },
    )


def answered(
    org: Organization,
    *,
    log_id: int,
    user_id: int,
    module_id: int,
    module_title: str,
    enrollment_id: int | None,
    item_id: int,
    kind: ItemKind,
    prompt: str,
    options: Sequence[str],
    response: dict[str, Any],
    rating: int,
    correct: bool | None,
    duration_ms: int | None,
    answered_at: dt.datetime,
    stored_at: dt.datetime,
) -> dict[str, Any]:
    """An answer, with the item as it was worded when it was answered."""
    module = _module(org, module_id, module_title)
    definition: dict[str, Any] = {
        "name": {"en": prompt[:200]},
        "type": INTERACTION_TYPE,
        "interactionType": INTERACTIONS[kind],
    }
    if kind in (ItemKind.SINGLE_CHOICE, ItemKind.MULTIPLE_CHOICE):
        definition["choices"] = [
            {"id": str(n), "description": {"en": text}} for n, text in enumerate(options)
        ]
    result: dict[str, Any] = {
        "success": correct if correct is not None else rating > 1,
        "response": _response(kind, response),
        "extensions": {RATING: rating},
    }
    if correct is not None:
        # A score that means a score: right or wrong (the 1-4 rating is the memory's).
        result["score"] = {
            "scaled": 1.0 if correct else 0.0,
            "raw": int(correct),
            "min": 0,
            "max": 1,
        }
    if duration_ms is not None:
        result["duration"] = f"PT{duration_ms / 1000:.1f}S"
    return _row(
        org,
        "answered",
        log_id,
        user_id,
        stored_at,
        {
            "object": {
                "objectType": "Activity",
                "id": f"{_activities(org)}/items/{item_id}",
                "definition": definition,
            },
            "result": result,
            "context": _context(org, module, enrollment_id),
            "timestamp": _day(answered_at),
        },
    )


def _response(kind: ItemKind, response: dict[str, Any]) -> str:
    """xAPI's response formats: choices as ids joined by [,], true-false as true/false."""
    if kind is ItemKind.TRUE_FALSE:
        return "true" if response.get("value") else "false"
    if kind is ItemKind.FREE_RECALL:
        return f"self-graded {response.get('self_grade')}"
    return "[,]".join(str(i) for i in response.get("selected", []))


def tried(
    org: Organization,
    *,
    prompt_id: int,
    user_id: int,
    module_id: int,
    title: str,
    outcome: str,
    enrollment_id: int | None,
    at: dt.datetime,
) -> dict[str, Any]:
    module = _module(org, module_id, title)
    return _row(
        org,
        "tried",
        prompt_id,
        user_id,
        at,
        {
            "object": {
                "objectType": "Activity",
                "id": f"{_activities(org)}/modules/{module_id}/at-work",
                "definition": {
                    "name": {"en": f"Try at work: {title}"[:200]},
                    "type": "http://adlnet.gov/expapi/activities/performance",
                },
            },
            "result": {"response": outcome, "success": outcome == "worked"},
            "context": _context(org, module, enrollment_id),
            "timestamp": _day(at),
        },
    )


def store(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    write_rows(session.connection(), _STATEMENTS, list(rows), conflict=["statement_id"])


_STATEMENTS = cast(Table, XapiStatement.__table__)


def void_person(session: Session, *, org: Organization, user_id: int, now: dt.datetime) -> None:
    """A person erased their data: their statements go, and each is voided in the next
    export (a record store that took it marks it void; one that never did ignores it)."""
    ids = list(
        session.execute(
            select(XapiStatement.id, XapiStatement.statement_id).where(
                XapiStatement.user_id == user_id
            )
        )
    )
    session.execute(delete(XapiStatement).where(XapiStatement.user_id == user_id))
    store(
        session,
        (
            _row(
                org,
                "voided",
                row_id,
                None,
                now,
                {
                    "object": {"objectType": "StatementRef", "id": target},
                    "timestamp": _day(now),
                },
            )
            for row_id, target in ids
        ),
    )
