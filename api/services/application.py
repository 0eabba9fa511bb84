"""Application prompts: try it at work on the next working day, then "how did it go?"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from api.errors import Conflict, Invalid, NotFound
from api.models import (
    ApplicationPrompt,
    Enrollment,
    Module,
    Organization,
    ReminderPreferences,
    User,
)
from api.services import reflections, xapi_statements
from scheduler.load import next_practice_day
from scheduler.timing import local_date

# "Not yet" moves the prompt on this many times; after that it is let go.
MAX_POSTPONEMENTS = 2
# A follow-up that went badly favours the module's items in practice for this long.


def _working_days(session: Session, user: User) -> tuple[list[int], set[dt.date]]:
    organization = session.get(Organization, user.organization_id)
    assert organization is not None
    prefs = session.get(ReminderPreferences, user.id)
    weekdays = prefs.working_days if prefs and prefs.working_days is not None else None
    holidays = {dt.date.fromisoformat(d) for d in organization.holidays}
    return (weekdays if weekdays is not None else organization.practice_weekdays), holidays


def _schedule(session: Session, user: User, prompt: ApplicationPrompt, now: dt.datetime) -> None:
    weekdays, holidays = _working_days(session, user)
    today = local_date(now, zone=user.time_zone)
    prompt.apply_on = next_practice_day(today, weekdays=weekdays, holidays=holidays)
    prompt.follow_up_on = next_practice_day(prompt.apply_on, weekdays=weekdays, holidays=holidays)


def start(session: Session, *, user: User, module: Module, now: dt.datetime) -> None:
    """On finishing a module with a prompt: schedule it (once per learner and module)."""
    if not module.application_prompt.strip():
        return
    exists = session.scalar(
        select(ApplicationPrompt.id).where(
            ApplicationPrompt.user_id == user.id, ApplicationPrompt.module_id == module.id
        )
    )
    if exists is not None:
        return
    prompt = ApplicationPrompt(
        organization_id=user.organization_id,
        user_id=user.id,
        module_id=module.id,
        status="open",
        postponed=0,
        created_at=now,
    )
    _schedule(session, user, prompt, now)
    session.add(prompt)


def list_prompts(session: Session, *, user: User) -> list[tuple[ApplicationPrompt, Module]]:
    rows = session.execute(
        select(ApplicationPrompt, Module)
        .join(Module, Module.id == ApplicationPrompt.module_id)
        .where(ApplicationPrompt.user_id == user.id)
        .order_by(ApplicationPrompt.id)
    )
    return [(prompt, module) for prompt, module in rows]


def answer(
    session: Session, *, user: User, prompt_id: int, data: Mapping[str, Any], now: dt.datetime
) -> tuple[ApplicationPrompt, Module]:
    """Record how it went. "Not yet" reschedules (at most twice); a retry changes nothing."""
    row = session.execute(
        select(ApplicationPrompt, Module)
        .join(Module, Module.id == ApplicationPrompt.module_id)
        .where(ApplicationPrompt.id == prompt_id, ApplicationPrompt.user_id == user.id)
    ).first()
    if row is None:
        raise NotFound("No such prompt of yours.")
    prompt, module = row
    outcome = data["outcome"]
    if prompt.status == "answered":
        if prompt.outcome == outcome:
            return prompt, module  # a retry
        raise Conflict("You have already said how it went.", code="already_answered")
    if prompt.status == "let_go":
        raise Conflict("This prompt was let go after being postponed.", code="prompt_closed")
    if outcome == "not_yet" and not (data.get("reason") or "").strip():
        raise Invalid(
            "Say briefly why not yet.", errors={"json": {"reason": ["Required for not_yet."]}}
        )
    prompt.outcome, prompt.reason = outcome, data.get("reason")
    if outcome == "not_yet":
        prompt.postponed += 1
        if prompt.postponed > MAX_POSTPONEMENTS:
            prompt.status = "let_go"
        else:
            _schedule(session, user, prompt, now)
    else:
        prompt.status, prompt.answered_at = "answered", now
        enrollment_id = session.scalar(
            select(Enrollment.id).where(
                Enrollment.user_id == user.id, Enrollment.module_id == module.id
            )
        )
        xapi_statements.store(
            session,
            [
                xapi_statements.tried(
                    user.organization,
                    prompt_id=prompt.id,
                    user_id=user.id,
                    module_id=module.id,
                    title=module.title,
                    outcome=outcome,
                    enrollment_id=enrollment_id,
                    at=now,
                )
            ],
        )
    if data.get("reflection"):
        reflections.create(
            session,
            user=user,
            data={**data["reflection"], "module_id": module.id, "prompt_id": prompt.id},
            now=now,
            commit=False,
        )
    session.commit()
    return prompt, module


# (module, when) of each "mixed" outcome: ``scheduler.practice`` weighs those modules'
# items up for a while. Every "practise now" reads them, in the round trip of its answers
# (``api.services.practice``).
SETBACKS = select(ApplicationPrompt.module_id, ApplicationPrompt.answered_at).where(
    ApplicationPrompt.user_id == bindparam("user_id"),
    ApplicationPrompt.outcome == "mixed",
    ApplicationPrompt.answered_at.is_not(None),
)
