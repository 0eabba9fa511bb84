"""The organization's learning activity as xAPI (1.0.3) statements, for a learning record store.

Actors are pseudonymous (an account named by the user id under this server's address);
statement ids are derived from the record, so fetching a period twice gives the same
statements and the record store keeps one of each. Reflections are never included.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Invalid
from api.models import ApplicationPrompt, Enrollment, Item, Module, ReviewLog, Role, User
from api.services._query import require_role

MAX_RANGE = dt.timedelta(days=31)
_NAMESPACE = uuid.UUID("6f1c2a7e-9b3d-4f20-8a55-1f0c7c1b9e10")
VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "tried": "https://w3id.org/xapi/bitewise/verbs/tried-at-work",
}


def statements(
    session: Session,
    *,
    actor: User,
    base_url: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    require_role(actor, Role.ADMIN)
    until = until or now
    since = since or until - dt.timedelta(days=7)
    if since >= until or until - since > MAX_RANGE:
        raise Invalid(
            "Ask for a period of at most 31 days, since before until.",
            errors={"query": {"since": ["At most 31 days before until."]}},
        )
    org = actor.organization_id
    out: list[dict[str, Any]] = []
    for enrollment, title in session.execute(
        select(Enrollment, Module.title)
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            Enrollment.organization_id == org,
            Enrollment.completed_at >= since,
            Enrollment.completed_at < until,
        )
    ):
        out.append(
            _statement(
                base_url,
                f"completed:{enrollment.id}",
                enrollment.user_id,
                "completed",
                _module(base_url, enrollment.module_id, title),
                enrollment.completed_at,
            )
        )
    for log, item_prompt in session.execute(
        select(ReviewLog, Item.prompt)
        .join(Item, Item.id == ReviewLog.item_id)
        .where(
            ReviewLog.organization_id == org,
            ReviewLog.answered_at >= since,
            ReviewLog.answered_at < until,
        )
    ):
        result: dict[str, Any] = {"score": {"raw": log.rating, "min": 1, "max": 4}}
        if log.correct is not None:
            result["success"] = log.correct
        if log.duration_ms is not None:
            result["duration"] = f"PT{log.duration_ms / 1000:.1f}S"
        activity = {
            "objectType": "Activity",
            "id": f"{base_url}/items/{log.item_id}",
            "definition": {
                "name": {"en": item_prompt[:200]},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            },
        }
        out.append(
            _statement(
                base_url,
                f"answered:{log.id}",
                log.user_id,
                "answered",
                activity,
                log.answered_at,
                result,
            )
        )
    for application, title in session.execute(
        select(ApplicationPrompt, Module.title)
        .join(Module, Module.id == ApplicationPrompt.module_id)
        .where(
            ApplicationPrompt.organization_id == org,
            ApplicationPrompt.answered_at >= since,
            ApplicationPrompt.answered_at < until,
        )
    ):
        out.append(
            _statement(
                base_url,
                f"tried:{application.id}",
                application.user_id,
                "tried",
                _module(base_url, application.module_id, title),
                application.answered_at,
                {"response": application.outcome},
            )
        )
    out.sort(key=lambda s: (s["timestamp"], s["id"]))
    return out


def _module(base_url: str, module_id: int, title: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{base_url}/modules/{module_id}",
        "definition": {"name": {"en": title}, "type": "http://adlnet.gov/expapi/activities/module"},
    }


def _statement(
    base_url: str,
    key: str,
    user_id: int,
    verb: str,
    activity: dict[str, Any],
    at: dt.datetime | None,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    assert at is not None
    statement: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, f"{base_url}|{key}")),
        "actor": {"objectType": "Agent", "account": {"homePage": base_url, "name": str(user_id)}},
        "verb": {"id": VERBS[verb], "display": {"en": verb}},
        "object": activity,
        "timestamp": at.isoformat(),
    }
    if result:
        statement["result"] = result
    return statement
