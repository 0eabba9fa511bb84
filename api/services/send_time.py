"""A due push, checked against the learner as they are when it is sent.

Planning happens minutes to days before a push goes out; meanwhile the learner may pause
reminders, cap them at zero, change their days, window, quiet hours or zone, practise,
or answer the prompt the push is about. Here each due push of a batch gets a verdict:
send (with content built now), move (to the moment ``scheduler.reminders.at_send`` says),
or drop with the reason, in a few queries for the whole batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import ApplicationPrompt, Module
from api.services import reminder_context
from api.services.due import MIN_DUE_FOR_REMINDER, due_summary, practice_payload
from scheduler.reminders import Planned, at_send

PROMPT_KINDS = ("apply", "follow_up")


class DuePush(Protocol):
    @property
    def user_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def dedupe_key(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def expires_at(self) -> dt.datetime: ...


class SendTimeCheck:
    def __init__(self, session: Session, batch: Sequence[DuePush], now: dt.datetime) -> None:
        self.now = now
        users = {row.user_id for row in batch}
        self.learners = reminder_context.learners_by_id(session, list(users), now)
        present = list(self.learners.values())
        self.booked, self.engagement = reminder_context.pushes(session, present, now)
        practice = [row.user_id for row in batch if row.kind == "practice"]
        self.due = due_summary(session, practice, now) if practice else {}
        prompt_ids = [row.payload["prompt_id"] for row in batch if row.kind in PROMPT_KINDS]
        self.prompts = {
            p.id: p
            for p in session.scalars(
                select(ApplicationPrompt).where(ApplicationPrompt.id.in_(prompt_ids))
            )
        }
        modules = [row.payload["module_id"] for row in batch if row.kind == "recap"]
        self.titles = dict(
            session.execute(select(Module.id, Module.title).where(Module.id.in_(modules))).all()
        )
        # Learners this batch sends a push to: another of theirs in it counts that one as
        # just sent, so two planned for one moment (before the gap rule, or moved onto
        # each other) do not go out together.
        self.sending: set[int] = set()

    def verdict(self, row: DuePush) -> tuple[str, Planned | str | None]:
        """("send", None), ("move", Planned) or (status, reason)."""
        if self.now > row.expires_at:
            return "stale", "its moment has passed"
        not_before = None
        if row.kind == "practice":
            if self.due.get(row.user_id, {}).get("count", 0) < MIN_DUE_FOR_REMINDER:
                return "obsolete", "no longer enough due"  # practised since
        elif row.kind in PROMPT_KINDS:
            prompt = self.prompts.get(row.payload["prompt_id"])
            if prompt is None or prompt.status != "open":
                return "obsolete", "the prompt was answered"
            not_before = prompt.apply_on if row.kind == "apply" else prompt.follow_up_on
            if getattr(prompt, f"{row.kind}_planned_for") != not_before:
                # "Not yet" moved the prompt on: this push belongs to its old days.
                return "obsolete", "the prompt was postponed"
        learner = self.learners.get(row.user_id)
        if learner is None:
            return "send", None  # no phone seen lately: the dispatcher says so
        days, _ = self.booked[row.user_id]
        others = {
            day: kinds - {row.kind} if day == _day_of(row) else kinds for day, kinds in days.items()
        }
        engagement = self.engagement[row.user_id]
        if row.user_id in self.sending:
            engagement = dataclasses.replace(engagement, last_sent_at=self.now)
        decision = at_send(
            row.kind,
            now=self.now,
            rules=reminder_context.rules_of(learner),
            engagement=engagement,
            booked=others,
            not_before=not_before,
        )
        if decision.send:
            self.sending.add(row.user_id)
            return "send", None
        if decision.planned is not None:
            return "move", decision.planned
        return "obsolete", decision.reason

    def payload(self, row: DuePush) -> dict[str, Any]:
        """What the push says, as of now: a question the learner has not just answered,
        and how many are due now."""
        if row.kind == "practice":
            return practice_payload(self.due[row.user_id])
        if row.kind == "recap":
            title = self.titles.get(row.payload["module_id"], row.payload.get("module_title"))
            return {"module_title": title}
        return {}


def _day_of(row: DuePush) -> dt.date:
    return dt.date.fromisoformat(row.dedupe_key.partition(":")[2][:10])
