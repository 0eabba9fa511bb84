"""The planning job: decide each learner's next pushes and write them to the outbox.

Set-based: learners are taken in chunks of ``chunk`` by id, and for each chunk a few
aggregate queries fetch what the decisions need; the pure planner in
``scheduler.reminders`` decides; one INSERT ... ON CONFLICT DO NOTHING on (user_id,
dedupe_key) writes. Running it twice, or on two machines at once, plans nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, func, or_, select, text, update
from sqlalchemy.orm import Session

from api.db_among import among, reads_by_ids
from api.db_rows import write_rows
from api.models import (
    ApplicationPrompt,
    Item,
    ItemKind,
    LearnerPlanning,
    Module,
    Notification,
    RecapLog,
    User,
)
from api.services import reminder_context
from api.services.due import MIN_DUE_FOR_REMINDER, active_states, practice_payload
from api.services.reminder_context import learners_stmt
from scheduler.reminders import Planned, plan_push
from scheduler.replanning import CEILING, next_planning

RECAP_SPACING = dt.timedelta(days=3)
logger = logging.getLogger("bitewise.planner")


@dataclass
class PlanReport:
    learners: int = 0
    planned: Counter[str] = field(default_factory=Counter)
    skipped: int = 0  # learners whose planning failed (logged)


def plan_reminders(
    session: Session,
    *,
    now: dt.datetime,
    chunk: int = 2000,
    part: tuple[int, int] | None = None,
) -> PlanReport:
    """Plan the learners whose planning moment has come (``scheduler.replanning``), or
    with ``part`` (k, n) those of them whose id is k modulo n (one slice,
    ``api.services.planner_slices``)."""
    report = PlanReport()
    postgres = session.get_bind().dialect.name == "postgresql"
    # The learners due, found through the plan_at index, then planned in id order by
    # chunks. Walking the primary key in id order instead ("id > last ORDER BY id LIMIT")
    # read every learner to find the 1 % due, once per slice: 5.1 s for a million learners
    # in one process, 17.9 s in slices.
    come = or_(LearnerPlanning.plan_at.is_(None), LearnerPlanning.plan_at <= now)
    due = select(LearnerPlanning.user_id).where(come)
    if part is not None:
        due = due.where(LearnerPlanning.user_id % part[1] == part[0])
    learners = sorted(session.scalars(due))
    session.commit()
    for start in range(0, len(learners), chunk):
        reads_by_ids(session)
        # Read again: a learner planned by a racing run meanwhile is left to it.
        rows = session.execute(
            select(LearnerPlanning.user_id, LearnerPlanning.plan_epoch).where(
                among(LearnerPlanning.user_id, learners[start : start + chunk]), come
            )
        )
        epochs: dict[int, int] = {uid: epoch for uid, epoch in rows}
        if epochs:
            moments = _plan_chunk(session, sorted(epochs), now, report)
            _store_moments(session, moments, epochs, now, postgres=postgres)
        session.commit()
    return report


def _plan_chunk(
    session: Session, ids: list[int], now: dt.datetime, report: PlanReport
) -> dict[int, dt.datetime]:
    """Plan these learners; when to look at each again (those left out: not given)."""
    found = reminder_context.load_learners(session, learners_stmt(ids, now).order_by(User.id))
    learners = reminder_context.usable(found)
    report.skipped += len(found) - len(learners)
    ids = [learner["id"] for learner in learners]
    due, recaps, coming = _memory(session, ids, now)
    booked, engagement = reminder_context.pushes(session, learners, now)
    prompts = _open_prompts(session, ids)
    rows_out: list[dict[str, Any]] = []
    moments: dict[int, dt.datetime] = {}
    for learner in learners:
        user_id = learner["id"]
        try:
            planned, blocked = _plan_learner(
                learner, now, booked, engagement, due, recaps, prompts.get(user_id)
            )
        except Exception:
            # One learner's bad data (a zone no longer known, a preference written by
            # hand) is logged and skipped: never a worker crashing on every restart.
            logger.exception("planning for user %s failed; skipped", user_id)
            report.skipped += 1
            continue
        rows_out.extend(planned)
        moments[user_id] = next_planning(
            now=now,
            zone=learner["time_zone"],
            waiting=booked[user_id][1].values(),
            blocked=blocked,
            **coming.get(user_id, {}),
            spread=(user_id * 0.6180339887) % 1,
        )
    if rows_out:
        # Only what this run inserted: a racing planner's rows are its own to report.
        report.planned.update(_insert(session, rows_out))
    report.learners += len(learners)
    return moments


def _plan_learner(
    learner: dict[str, Any],
    now: dt.datetime,
    booked: dict[int, tuple[dict[dt.date, set[str]], dict[str, dt.datetime]]],
    engagement: dict[int, Any],
    due: dict[int, dict[str, Any]],
    recaps: dict[int, dict[str, Any]],
    prompts: list[tuple[ApplicationPrompt, str]] | None,
) -> tuple[list[dict[str, Any]], bool]:
    """The outbox rows one learner needs now, and whether a push was wanted that no
    moment within the horizon allowed. Planned pushes join the learner's waiting ones."""
    user_id = learner["id"]
    rules = reminder_context.rules_of(learner)
    days, waiting = booked[user_id]
    rows: list[dict[str, Any]] = []

    def book(kind: str, payload: dict[str, Any], not_before: dt.date | None = None) -> bool:
        """Plan a push of ``kind``, booked among the learner's pushes; False if no moment."""
        planned = plan_push(
            kind,
            now=now,
            rules=rules,
            engagement=engagement[user_id],
            booked=days,
            not_before=not_before,
            busy=waiting.values(),
        )
        if planned is None:
            return False
        days.setdefault(planned.local_day, set()).add(kind)
        waiting[kind] = planned.send_at
        rows.append(_row(learner, planned, payload, now))
        return True

    blocked = False
    for kind, payload in _wanted(due.get(user_id), recaps.get(user_id)):
        if kind in waiting:  # one pending push per kind: it is re-checked when sent
            continue
        blocked |= not book(kind, payload)
    for prompt, prompt_text, kind, day in _prompt_pushes(prompts or []):
        if waiting.keys() & {"apply", "follow_up"}:
            # One "try this" or "how did it go?" waiting at a time: two modules
            # finished on one day, or a follow-up still pending after "not yet",
            # must not put two of them on the phone at the same minute.
            break
        if not book(kind, _prompt_payload(prompt, prompt_text, kind), not_before=day):
            blocked = True
            continue
        setattr(prompt, f"{kind}_planned_for", day)
    return rows, blocked


def _open_prompts(
    session: Session, ids: Sequence[int]
) -> dict[int, list[tuple[ApplicationPrompt, str]]]:
    """Open prompts per learner, with the module's "try this at work" text."""
    prompts: dict[int, list[tuple[ApplicationPrompt, str]]] = defaultdict(list)
    rows = session.execute(
        select(ApplicationPrompt, Module.application_prompt)
        .join(Module, Module.id == ApplicationPrompt.module_id)
        .where(among(ApplicationPrompt.user_id, ids), ApplicationPrompt.status == "open")
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
        wanted.append(("practice", practice_payload(due)))
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
        "created_at": now,
    }


_NOTIFICATIONS = cast(Table, Notification.__table__)


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[str]:
    """Write the planned rows; the kinds of those inserted (not already there). On
    PostgreSQL as one JSON parameter (``api.db_rows``): as a multi-row VALUES list psycopg
    re-parsed a statement of thousands of placeholders for every page, 40 % of a run."""
    written = write_rows(
        session.connection(),
        _NOTIFICATIONS,
        [row | {"status": "pending", "attempts": 0, "fcm_message_ids": []} for row in rows],
        conflict=["user_id", "dedupe_key"],
        returning=["kind"],
    )
    return [kind for (kind,) in written]


# --- the queries, each over one chunk of learners -------------------------------------


def _memory(
    session: Session, ids: Sequence[int], now: dt.datetime
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]], dict[int, dict[str, dt.datetime]]]:
    """Per learner, from one read of their memory states: what is due (as
    ``due_summary``), a module worth a recap, and when each becomes wanted.

    - due: how many items fall due within a day, and the question a push may carry (the
      most overdue one that can be answered from a notification);
    - recap: the first module with at least half its practised items due (mean recall
      near or below the target) and no recap within ``RECAP_SPACING``; the exact check
      runs when the learner opens it (GET /learn/recaps);
    - coming: when a practice push becomes wanted (``MIN_DUE_FOR_REMINDER`` items due
      within a day: the MIN-th earliest due moment, a day before) and when a recap does
      (the first module with half its items due and no recap within the spacing).

    As three reads (one for each) they joined and sorted the same states three times."""
    horizon = now + dt.timedelta(days=1)
    states = (
        active_states(ids).add_columns((Item.kind == ItemKind.FREE_RECALL).label("free")).subquery()
    )
    user, module, due_at = states.c.user_id, states.c.module_id, states.c.fsrs_due_at
    by_due = (due_at, states.c.item_id)
    later = case((due_at > horizon, 1), else_=0)
    ranked = select(
        user,
        module,
        states.c.item_id,
        due_at,
        func.row_number().over(partition_by=user, order_by=by_due).label("nth"),
        func.row_number()
        .over(partition_by=user, order_by=(later, states.c.free, *by_due))
        .label("best"),
        func.sum(1 - later).over(partition_by=user).label("due_day"),
        func.row_number().over(partition_by=(user, module), order_by=by_due).label("nth_in"),
        func.count().over(partition_by=(user, module)).label("of"),
        func.sum(case((due_at <= now, 1), else_=0))
        .over(partition_by=(user, module))
        .label("due_now"),
    ).subquery()
    best = and_(ranked.c.best == 1, ranked.c.due_day > 0)
    nth = ranked.c.nth == MIN_DUE_FOR_REMINDER
    half = and_(ranked.c.of >= 2, (2 * ranked.c.nth_in - ranked.c.of).in_((0, 1)))
    recap = and_(ranked.c.nth_in == 1, ranked.c.of >= 2, 2 * ranked.c.due_now >= ranked.c.of)
    # Core, not the ORM's loading, and ids only: the few items and titles the rows name
    # are read once below (a chunk's learners share their modules' items), not parsed
    # again on each of some three rows a learner.
    rows = (
        session.connection()
        .execute(
            select(
                ranked.c.user_id,
                ranked.c.module_id,
                ranked.c.fsrs_due_at,
                best,
                nth,
                half,
                recap,
                ranked.c.due_day,
                ranked.c.item_id,
            )
            .where(or_(best, nth, half, recap))
            .order_by(ranked.c.user_id, ranked.c.module_id)
        )
        .all()
    )
    last_recaps = dict(
        ((user_id, module_id), at)
        for user_id, module_id, at in session.connection().execute(
            select(RecapLog.user_id, RecapLog.module_id, func.max(RecapLog.studied_at))
            .where(among(RecapLog.user_id, ids), RecapLog.studied_at >= now - RECAP_SPACING)
            .group_by(RecapLog.user_id, RecapLog.module_id)
        )
    )
    due: dict[int, dict[str, Any]] = {}
    recaps: dict[int, dict[str, Any]] = {}
    coming: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    for user_id, module_id, at, is_best, is_nth, is_half, is_recap, count, item_id in rows:
        last = last_recaps.get((user_id, module_id))
        if is_best:
            due[user_id] = {"count": count, "item": item_id}
        if is_recap and last is None and user_id not in recaps:
            recaps[user_id] = {"module_id": module_id}
        mine = coming[user_id]
        if is_nth:
            mine["due_enough_at"] = at - dt.timedelta(days=1)
        if is_half:
            at = max(at, last + RECAP_SPACING) if last is not None else at
            if at > now:
                mine["recap_at"] = min(at, mine.get("recap_at", at))
    items = {
        item_id: {"id": item_id, "kind": kind.value, "prompt": prompt, "options": options}
        for item_id, kind, prompt, options in session.execute(
            select(Item.id, Item.kind, Item.prompt, Item.options).where(
                among(Item.id, {d["item"] for d in due.values()})
            )
        )
    }
    for summary in due.values():
        summary["item"] = dict(items[summary["item"]])  # each payload its own
    titles = dict(
        session.execute(
            select(Module.id, Module.title).where(
                among(Module.id, {r["module_id"] for r in recaps.values()})
            )
        ).all()
    )
    for recap_of in recaps.values():
        recap_of["title"] = titles[recap_of["module_id"]]
    return due, recaps, coming


# Rows whose planning epoch moved while this run planned them were changed meanwhile:
# their plan_at stays unset, and the next run plans them again.
_STORE_JSON = text(
    """
    UPDATE learner_planning AS p SET plan_at = r.plan_at
    FROM json_to_recordset(CAST(:rows AS json)) AS r(id integer, epoch integer,
                                                     plan_at timestamptz)
    WHERE p.user_id = r.id AND p.plan_epoch = r.epoch
    """
)
_PLANNING = cast(Table, LearnerPlanning.__table__)
_STORE = (
    update(_PLANNING)
    .where(_PLANNING.c.user_id == bindparam("uid"), _PLANNING.c.plan_epoch == bindparam("epoch"))
    .values(plan_at=bindparam("at"))
)


def _store_moments(
    session: Session,
    moments: dict[int, dt.datetime],
    epochs: dict[int, int],
    now: dt.datetime,
    *,
    postgres: bool,
) -> None:
    """Store when to plan each learner of the chunk again. Those not planned (no phone,
    not signed in, a zone this machine does not know) wait for the safety net: signing
    in, registering a phone or fixing the zone marks them at once."""
    later = now + CEILING
    rows = [(user_id, epoch, moments.get(user_id, later)) for user_id, epoch in epochs.items()]
    if postgres:
        document = json.dumps(
            [{"id": uid, "epoch": epoch, "plan_at": at.isoformat()} for uid, epoch, at in rows]
        )
        session.execute(_STORE_JSON, {"rows": document})
    else:
        session.connection().execute(
            _STORE, [{"uid": uid, "epoch": epoch, "at": at} for uid, epoch, at in rows]
        )
