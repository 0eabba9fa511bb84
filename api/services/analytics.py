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

from sqlalchemy import ScalarSelect, Select, func, select
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
    members = learners
    if module_id is not None:
        enrolled = select(Enrollment.user_id).where(
            Enrollment.module_id == module_id, Enrollment.status != EnrollmentStatus.WITHDRAWN
        )
        members = learners.where(User.id.in_(enrolled))
    size = _count(session, members)
    whole = _count(session, learners) if module_id is not None else None
    visible, reason = group_visible(size=size, whole=whole, k=k)
    group = {
        "team_id": team_id,
        "module_id": module_id,
        "since": since,
        "until": until,
        "learners": size if visible else None,
        "min_group_size": k,
    }
    if not visible:
        return {"group": group, "withheld": True, "reason": reason}
    # The group stays a query: a list of ids would be one bind parameter per learner, and
    # PostgreSQL takes at most 65,535 (an organization of 100,000 was a 503).
    ids = members.scalar_subquery()
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


def _count(session: Session, learners: Select) -> int:
    return session.scalar(select(func.count()).select_from(learners.subquery())) or 0


def _in_module(stmt: Any, column: Any, module_id: int | None) -> Any:
    return stmt if module_id is None else stmt.where(column == module_id)


def _enrollment(session: Session, ids: ScalarSelect[int], module_id: int | None) -> dict[str, int]:
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
    session: Session, ids: ScalarSelect[int], module_id: int | None, since: dt.date, until: dt.date
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


def _recall(
    session: Session,
    ids: ScalarSelect[int],
    module_id: int | None,
    now: dt.datetime,
    target: float,
    k: int,
) -> dict[str, float | None]:
    """Mean predicted recall of the group, now and in 30 days without practice; null
    unless at least k of its learners have practised (else it would describe fewer)."""
    model = MemoryModel(desired_retention=target)
    # Per learner: (sum of recall now, sum in 30 days, items). Only the two columns recall
    # depends on, streamed: an organization's states never sit in memory at once.
    later = now + dt.timedelta(days=30)
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    rows = session.execute(
        _in_module(
            select(MemoryState.user_id, MemoryState.stability, MemoryState.last_review_at).where(
                MemoryState.user_id.in_(ids)
            ),
            MemoryState.module_id,
            module_id,
        ).execution_options(yield_per=10_000)
    )
    for user_id, stability, last_review_at in rows:
        total = sums[user_id]
        total[0] += model.recall_since(stability, last_review_at, now)
        total[1] += model.recall_since(stability, last_review_at, later)
        total[2] += 1
    if len(sums) < k:
        return {"now": None, "in_30_days": None}
    return {
        "now": round(statistics.fmean(a / n for a, _, n in sums.values()), 3),
        "in_30_days": round(statistics.fmean(b / n for _, b, n in sums.values()), 3),
    }


def _application(
    session: Session, ids: ScalarSelect[int], module_id: int | None, k: int
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
    session: Session, ids: ScalarSelect[int], module_id: int | None, k: int
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
