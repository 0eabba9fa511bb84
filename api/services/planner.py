"""The planning job: decide each learner's next pushes and write them to the outbox.

Set-based: learners are taken in chunks of ``chunk`` by id, and for each chunk a few
aggregate queries fetch what the decisions need; the pure planner in
``scheduler.reminders`` decides; one INSERT ... ON CONFLICT DO NOTHING on (user_id,
dedupe_key) writes. Running it twice, or on two machines at once, plans nothing twice.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, exists, func, select, text
from sqlalchemy.orm import Session

from api.db import dialect_insert
from api.models import (
    ApplicationPrompt,
    Device,
    Module,
    Notification,
    Organization,
    RecapLog,
    ReminderPreferences,
    User,
)
from api.services.due import MIN_DUE_FOR_REMINDER, STALE_DEVICE_AFTER, active_states, due_summary
from scheduler.reminders import Engagement, Planned, Rules, plan_push

SECONDS_PER_ITEM = 20
SESSION_ITEMS = 15
RECAP_SPACING = dt.timedelta(days=3)
ENGAGEMENT_WINDOW = dt.timedelta(days=60)


@dataclass
class PlanReport:
    learners: int = 0
    planned: Counter[str] = field(default_factory=Counter)


def plan_reminders(session: Session, *, now: dt.datetime, chunk: int = 2000) -> PlanReport:
    report = PlanReport()
    last_id = 0
    postgres = session.get_bind().dialect.name == "postgresql"
    while True:
        if postgres:
            # psycopg prepares statements it runs often, and PostgreSQL then switches to a
            # generic plan, which for "user_id = ANY(<2,000 ids>)" scans whole tables:
            # 90 ms a chunk became 7 s. Plan each chunk's queries for its own ids.
            session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        learners = _learners(session, after=last_id, limit=chunk, now=now)
        if not learners:
            return report
        last_id = learners[-1]["id"]
        ids = [learner["id"] for learner in learners]
        due = due_summary(session, ids, now)
        recaps = _recaps(session, ids, now)
        booked = _booked(session, learners, now)
        engagement = _engagement(session, learners, now)
        prompts = _open_prompts(session, ids)
        rows: list[dict[str, Any]] = []
        for learner in learners:
            user_id = learner["id"]
            rules = _rules(learner)
            days, waiting = booked[user_id]
            for kind, payload in _wanted(due.get(user_id), recaps.get(user_id)):
                if kind in waiting:  # one pending push per kind: it is re-checked when sent
                    continue
                planned = plan_push(
                    kind, now=now, rules=rules, engagement=engagement[user_id], booked=days
                )
                if planned is None:
                    continue
                days.setdefault(planned.local_day, set()).add(kind)
                rows.append(_row(learner, planned, payload, now))
                report.planned[kind] += 1
            for prompt, prompt_text, kind, day in _prompt_pushes(prompts.get(user_id, [])):
                planned = plan_push(
                    kind,
                    now=now,
                    rules=rules,
                    engagement=engagement[user_id],
                    booked=days,
                    not_before=day,
                )
                if planned is None:
                    continue
                days.setdefault(planned.local_day, set()).add(kind)
                rows.append(_row(learner, planned, _prompt_payload(prompt, prompt_text, kind), now))
                setattr(prompt, f"{kind}_planned_for", day)
                report.planned[kind] += 1
        if rows:
            insert = dialect_insert(session, Notification.__table__)
            session.execute(
                insert.on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"]), rows
            )
        session.commit()
        report.learners += len(learners)


def _open_prompts(
    session: Session, ids: Sequence[int]
) -> dict[int, list[tuple[ApplicationPrompt, str]]]:
    """Open prompts per learner, with the module's "try this at work" text."""
    prompts: dict[int, list[tuple[ApplicationPrompt, str]]] = defaultdict(list)
    rows = session.execute(
        select(ApplicationPrompt, Module.application_prompt)
        .join(Module, Module.id == ApplicationPrompt.module_id)
        .where(ApplicationPrompt.user_id.in_(ids), ApplicationPrompt.status == "open")
        .order_by(ApplicationPrompt.id)
    )
    for prompt, prompt_text in rows:
        prompts[prompt.user_id].append((prompt, prompt_text))
    return prompts


def _prompt_pushes(
    prompts: list[tuple[ApplicationPrompt, str]],
) -> list[tuple[ApplicationPrompt, str, str, dt.date]]:
    """The apply and follow-up pushes not yet planned for the prompts' current days."""
    pushes = []
    for prompt, prompt_text in prompts:
        if prompt.apply_planned_for != prompt.apply_on:
            pushes.append((prompt, prompt_text, "apply", prompt.apply_on))
        elif prompt.follow_up_planned_for != prompt.follow_up_on:
            pushes.append((prompt, prompt_text, "follow_up", prompt.follow_up_on))
    return pushes


def _prompt_payload(prompt: ApplicationPrompt, prompt_text: str, kind: str) -> dict[str, Any]:
    link = "apply" if kind == "apply" else "follow-up"
    return {
        "kind": kind,
        "prompt_id": prompt.id,
        "module_id": prompt.module_id,
        "prompt": prompt_text[:200],
        "deep_link": f"bitewise://{link}/{prompt.id}",
    }


def _wanted(
    due: dict[str, Any] | None, recap: dict[str, Any] | None
) -> list[tuple[str, dict[str, Any]]]:
    wanted = []
    if due and due["count"] >= MIN_DUE_FOR_REMINDER:
        count = due["count"]
        payload: dict[str, Any] = {
            "kind": "practice",
            "due": count,
            "minutes": max(1, math.ceil(min(count, SESSION_ITEMS) * SECONDS_PER_ITEM / 60)),
            "deep_link": "bitewise://practice",
        }
        if due["item"]["kind"] != "free_recall":
            payload["item"] = due["item"]
        wanted.append(("practice", payload))
    if recap:
        wanted.append(
            (
                "recap",
                {
                    "kind": "recap",
                    "module_id": recap["module_id"],
                    "module_title": recap["title"],
                    "deep_link": f"bitewise://recap/{recap['module_id']}",
                },
            )
        )
    return wanted


def _row(
    learner: dict[str, Any], planned: Planned, payload: dict[str, Any], now: dt.datetime
) -> dict[str, Any]:
    return {
        "organization_id": learner["organization_id"],
        "user_id": learner["id"],
        "kind": planned.kind,
        "dedupe_key": planned.dedupe_key,
        "payload": payload,
        "send_at": planned.send_at,
        "expires_at": planned.expires_at,
        "status": "pending",
        "attempts": 0,
        "fcm_message_ids": [],
        "created_at": now,
    }


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def _rules(learner: dict[str, Any]) -> Rules:
    quiet = (
        (_time(learner["quiet_start"]), _time(learner["quiet_end"]))
        if learner["quiet_start"] and learner["quiet_end"]
        else None
    )
    return Rules(
        zone=learner["time_zone"],
        window_start=_time(learner["window_start"] or learner["org_window_start"]),
        window_end=_time(learner["window_end"] or learner["org_window_end"]),
        working_days=frozenset(
            learner["working_days"]
            if learner["working_days"] is not None
            else learner["org_weekdays"]
        ),
        holidays=frozenset(dt.date.fromisoformat(d) for d in learner["holidays"]),
        quiet=quiet,
        max_per_day=learner["max_per_day"]
        if learner["max_per_day"] is not None
        else learner["org_max_per_day"],
        paused_until=learner["paused_until"],
    )


# --- the queries, each over one chunk of learners -------------------------------------


def _learners(
    session: Session, *, after: int, limit: int, now: dt.datetime
) -> list[dict[str, Any]]:
    has_device = exists().where(
        Device.user_id == User.id, Device.last_seen_at >= now - STALE_DEVICE_AFTER
    )
    rows = session.execute(
        select(
            User.id,
            User.organization_id,
            User.time_zone,
            ReminderPreferences.window_start,
            ReminderPreferences.window_end,
            ReminderPreferences.working_days,
            ReminderPreferences.quiet_start,
            ReminderPreferences.quiet_end,
            ReminderPreferences.max_per_day,
            ReminderPreferences.paused_until,
            Organization.reminder_window_start.label("org_window_start"),
            Organization.reminder_window_end.label("org_window_end"),
            Organization.practice_weekdays.label("org_weekdays"),
            Organization.max_pushes_per_day.label("org_max_per_day"),
            Organization.holidays,
        )
        .join(Organization, Organization.id == User.organization_id)
        .outerjoin(ReminderPreferences, ReminderPreferences.user_id == User.id)
        .where(User.id > after, User.firebase_uid.is_not(None), has_device)
        .order_by(User.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]


def _recaps(session: Session, ids: Sequence[int], now: dt.datetime) -> dict[int, dict[str, Any]]:
    """Per learner, one module worth a recap: at least half its practised items are due
    (mean recall near or below the target) and no recap in the last days. The exact
    check runs when the learner opens it (GET /learn/recaps)."""
    states = active_states(ids).subquery()
    recent = select(RecapLog.id).where(
        RecapLog.user_id == states.c.user_id,
        RecapLog.module_id == states.c.module_id,
        RecapLog.studied_at >= now - RECAP_SPACING,
    )
    rows = session.execute(
        select(states.c.user_id, states.c.module_id, Module.title)
        .join(Module, Module.id == states.c.module_id)
        .group_by(states.c.user_id, states.c.module_id, Module.title)
        .where(~exists(recent))
        .having(
            func.count() >= 2,
            2 * func.sum(case((states.c.fsrs_due_at <= now, 1), else_=0)) >= func.count(),
        )
        .order_by(states.c.user_id, states.c.module_id)
    )
    recaps: dict[int, dict[str, Any]] = {}
    for user_id, module_id, title in rows:
        recaps.setdefault(user_id, {"module_id": module_id, "title": title})
    return recaps


def _booked(
    session: Session, learners: list[dict[str, Any]], now: dt.datetime
) -> dict[int, tuple[dict[dt.date, set[str]], set[str]]]:
    """Per learner: kinds planned or sent per local day (from the dedupe keys), and the
    kinds still waiting to be sent."""
    ids = [learner["id"] for learner in learners]
    rows = session.execute(
        select(Notification.user_id, Notification.dedupe_key, Notification.status).where(
            Notification.user_id.in_(ids),
            (Notification.send_at >= now - dt.timedelta(days=2))
            | Notification.status.in_(("pending", "claimed")),
        )
    )
    booked: dict[int, tuple[dict[dt.date, set[str]], set[str]]] = {i: ({}, set()) for i in ids}
    for user_id, key, status in rows:
        kind, _, day = key.partition(":")
        days, waiting = booked[user_id]
        days.setdefault(dt.date.fromisoformat(day[:10]), set()).add(kind)
        if status in ("pending", "claimed"):
            waiting.add(kind)
    return booked


def _engagement(
    session: Session, learners: list[dict[str, Any]], now: dt.datetime
) -> dict[int, Engagement]:
    """Opening habits (local hours) and how many of the latest pushes went unopened."""
    zones = {learner["id"]: ZoneInfo(learner["time_zone"]) for learner in learners}
    rows = session.execute(
        select(Notification.user_id, Notification.sent_at, Notification.opened_at)
        .where(
            Notification.user_id.in_(list(zones)),
            Notification.sent_at.is_not(None),
            Notification.sent_at >= now - ENGAGEMENT_WINDOW,
        )
        .order_by(Notification.user_id, Notification.sent_at.desc())
    )
    history: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    for user_id, sent_at, opened_at in rows:
        if sent_at is not None:
            history[user_id].append((sent_at, opened_at))
    result: dict[int, Engagement] = {}
    for user_id, zone in zones.items():
        pushes = history.get(user_id, [])
        ignored = 0
        for _, opened_at in pushes:
            if opened_at is not None:
                break
            ignored += 1
        hours = Counter(opened.astimezone(zone).hour for _, opened in pushes if opened is not None)
        result[user_id] = Engagement(
            opened_hours=dict(hours),
            ignored_in_a_row=ignored,
            last_sent_at=pushes[0][0] if pushes else None,
        )
    return result
