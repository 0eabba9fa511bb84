"""Group figures for managers and admins: aggregates only, over groups of at least K.

Nobody's answers, ratings or memory states leave this module, only sums and means over
at least K learners (``scheduler.privacy``). Managers see their own team; admins any team
of their organization, or all of it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.errors import Invalid, NotFound
from api.models import (
    ApplicationPrompt,
    Enrollment,
    EnrollmentStatus,
    Item,
    MemoryState,
    Module,
    Organization,
    ReviewLog,
    Role,
    Team,
    User,
)
from api.services._query import require_role
from scheduler.memory import MemoryModel
from scheduler.privacy import MIN_K, group_visible
from scheduler.types import Memory, Phase

HARD_ITEMS = 5
# Weekly rows for up to a year (53 of them), and dates far from the calendar's ends.
MAX_RANGE = dt.timedelta(days=366)


def group_report(
    session: Session,
    *,
    actor: User,
    team_id: int | None,
    module_id: int | None,
    since: dt.date | None,
    until: dt.date | None,
    now: dt.datetime,
) -> dict[str, Any]:
    require_role(actor, Role.MANAGER, Role.ADMIN)
    organization = session.get(Organization, actor.organization_id)
    assert organization is not None
    k = max(organization.min_group_size, MIN_K)
    team_id = _team_scope(session, actor, team_id)
    if (
        module_id is not None
        and session.scalar(
            select(Module.id).where(
                Module.id == module_id, Module.organization_id == actor.organization_id
            )
        )
        is None
    ):
        raise NotFound("No such module.", code="module_not_found")
    until = until or now.date()
    since = since or until - dt.timedelta(weeks=8)
    if since > until or until - since > MAX_RANGE or until - now.date() > MAX_RANGE:
        raise Invalid(
            "Ask for at most 366 days, since on or before until, ending within a year from now.",
            errors={"query": {"since": ["At most 366 days before until, and not after it."]}},
        )
    # Erased learners' tombstones hold no data: counting them would let fewer than K
    # people's data through.
    learners = select(User.id).where(
        User.organization_id == actor.organization_id,
        User.role == Role.LEARNER,
        User.deleted_at.is_(None),
    )
    if team_id is not None:
        learners = learners.where(User.team_id == team_id)
    whole = set(session.scalars(learners))
    members = whole
    if module_id is not None:
        enrolled = select(Enrollment.user_id).where(
            Enrollment.module_id == module_id, Enrollment.status != EnrollmentStatus.WITHDRAWN
        )
        members = set(session.scalars(learners.where(User.id.in_(enrolled))))
    visible, reason = group_visible(size=len(members), whole=len(whole) if module_id else None, k=k)
    group = {
        "team_id": team_id,
        "module_id": module_id,
        "since": since,
        "until": until,
        "learners": len(members) if visible else None,
        "min_group_size": k,
    }
    if not visible:
        return {"group": group, "withheld": True, "reason": reason}
    ids = list(members)
    return {
        "group": group,
        "withheld": False,
        "reason": None,
        "enrollment": _enrollment(session, ids, module_id),
        "participation": _participation(session, ids, module_id, since, until),
        "recall": _recall(session, ids, module_id, now, organization.target_retention, k),
        "application": _application(session, ids, module_id, k),
        "hard_items": _hard_items(session, ids, module_id, k),
    }


def _team_scope(session: Session, actor: User, team_id: int | None) -> int | None:
    if actor.role is Role.MANAGER:
        if actor.team_id is None or (team_id is not None and team_id != actor.team_id):
            raise NotFound("No such team of yours.")
        return actor.team_id
    if (
        team_id is not None
        and session.scalar(
            select(Team.id).where(Team.id == team_id, Team.organization_id == actor.organization_id)
        )
        is None
    ):
        raise NotFound("No such team.")
    return team_id


def _in_module(stmt: Any, column: Any, module_id: int | None) -> Any:
    return stmt if module_id is None else stmt.where(column == module_id)


def _enrollment(session: Session, ids: list[int], module_id: int | None) -> dict[str, int]:
    rows = session.execute(
        _in_module(
            select(Enrollment.status, func.count()).where(
                Enrollment.user_id.in_(ids), Enrollment.status != EnrollmentStatus.WITHDRAWN
            ),
            Enrollment.module_id,
            module_id,
        ).group_by(Enrollment.status)
    )
    counts = {status.value: n for status, n in rows}
    return {"enrollments": sum(counts.values()), "completed": counts.get("completed", 0)}


def _participation(
    session: Session, ids: list[int], module_id: int | None, since: dt.date, until: dt.date
) -> list[dict[str, Any]]:
    """Learners who practised, per week (Monday) of the range: counts, never names."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    stmt = select(ReviewLog.user_id, ReviewLog.answered_at).where(
        ReviewLog.user_id.in_(ids), ReviewLog.answered_at >= start, ReviewLog.answered_at < end
    )
    if module_id is not None:
        stmt = stmt.join(Item, Item.id == ReviewLog.item_id).where(Item.module_id == module_id)
    weeks: dict[dt.date, set[int]] = defaultdict(set)
    for user_id, answered_at in session.execute(stmt):
        day = answered_at.date()
        weeks[day - dt.timedelta(days=day.weekday())].add(user_id)
    first = since - dt.timedelta(days=since.weekday())
    out = []
    while first <= until:
        out.append({"week": first, "active_learners": len(weeks.get(first, ()))})
        first += dt.timedelta(weeks=1)
    return out


def _states(session: Session, ids: list[int], module_id: int | None) -> list[MemoryState]:
    return list(
        session.scalars(
            _in_module(
                select(MemoryState).where(MemoryState.user_id.in_(ids)),
                MemoryState.module_id,
                module_id,
            )
        )
    )


def _recall(
    session: Session,
    ids: list[int],
    module_id: int | None,
    now: dt.datetime,
    target: float,
    k: int,
) -> dict[str, float | None]:
    """Mean predicted recall of the group, now and in 30 days without practice; null
    unless at least k of its learners have practised (else it would describe fewer)."""
    model = MemoryModel(desired_retention=target)
    per_learner: dict[int, list[tuple[float, float]]] = defaultdict(list)
    later = now + dt.timedelta(days=30)
    for s in _states(session, ids, module_id):
        memory = Memory(
            s.stability,
            s.difficulty,
            Phase(s.phase),
            s.step,
            s.last_review_at,
            s.fsrs_due_at,
            s.reps,
            s.lapses,
        )
        per_learner[s.user_id].append((model.recall(memory, now), model.recall(memory, later)))
    if len(per_learner) < k:
        return {"now": None, "in_30_days": None}
    means = [
        (statistics.fmean(a for a, _ in v), statistics.fmean(b for _, b in v))
        for v in per_learner.values()
    ]
    return {
        "now": round(statistics.fmean(a for a, _ in means), 3),
        "in_30_days": round(statistics.fmean(b for _, b in means), 3),
    }


def _application(
    session: Session, ids: list[int], module_id: int | None, k: int
) -> dict[str, int | None]:
    """Outcomes of "try this at work"; null unless at least k learners answered."""
    rows = session.scalars(
        _in_module(
            select(ApplicationPrompt.outcome).where(
                ApplicationPrompt.user_id.in_(ids), ApplicationPrompt.outcome.is_not(None)
            ),
            ApplicationPrompt.module_id,
            module_id,
        )
    )
    outcomes = list(rows)
    counts = Counter(outcomes)
    enough = len(outcomes) >= k
    return {o: counts.get(o, 0) if enough else None for o in ("worked", "mixed", "not_yet")}


def _hard_items(
    session: Session, ids: list[int], module_id: int | None, k: int
) -> list[dict[str, Any]]:
    """Items most learners find hard (lapse rate, FSRS difficulty), each over k learners or more."""
    rows = session.execute(
        _in_module(
            select(
                MemoryState.item_id,
                Item.prompt,
                func.count(),
                func.avg(MemoryState.difficulty),
                func.sum(MemoryState.lapses),
                func.sum(MemoryState.reps),
            )
            .join(Item, Item.id == MemoryState.item_id)
            .where(MemoryState.user_id.in_(ids)),
            MemoryState.module_id,
            module_id,
        )
        .group_by(MemoryState.item_id, Item.prompt)
        .having(func.count() >= k)
    )
    items = [
        {
            "item_id": item_id,
            "prompt": prompt,
            "learners": learners,
            "mean_difficulty": round(float(difficulty), 2),
            "lapse_rate": round(lapses / reps, 3) if reps else 0.0,
        }
        for item_id, prompt, learners, difficulty, lapses, reps in rows
    ]
    items.sort(key=lambda i: (-i["lapse_rate"], -i["mean_difficulty"], i["item_id"]))
    return items[:HARD_ITEMS]
