"""Releasing an organization's weekly group figures: once per week, every cell at once.

All cells of a week (the organization and each team; all modules and each module) are
computed in one go over one membership, so no two cells describe the organization at
different moments, and stored; ``scheduler.privacy`` decides what each may show and adds
the noise. Nothing here is ever recomputed: a stored week is the answer for good.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.models import (
    AnalyticsRelease,
    ApplicationPrompt,
    Enrollment,
    EnrollmentStatus,
    Item,
    MemoryState,
    Organization,
    ReviewLog,
    Role,
    User,
)
from scheduler.memory import MemoryModel
from scheduler.privacy import MIN_K, Cell, Noise, opendp_noise, release

WEEK = dt.timedelta(weeks=1)
ALL = 0  # team_key / module_key of "the whole organization" / "all modules"


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def last_ended_week(now: dt.datetime) -> dt.date:
    """Monday of the latest week (UTC) that has ended by ``now``."""
    return monday(now.astimezone(dt.UTC).date()) - WEEK


def ensure_released(
    session: Session,
    *,
    organization: Organization,
    weeks: Iterable[dt.date],
    now: dt.datetime,
    noise: Noise = opendp_noise,
) -> None:
    """Release every week of ``weeks`` that has ended and is not released yet.

    The latest ended week also gets the figures of state (recall, hard items) as of now;
    a week released later than that gets only its own activity.
    """
    latest = last_ended_week(now)
    born = monday(organization.created_at.date())
    wanted = sorted(w for w in set(weeks) if born <= w <= latest)
    if not wanted:
        return
    done = set(
        session.scalars(
            select(AnalyticsRelease.week).where(
                AnalyticsRelease.organization_id == organization.id,
                AnalyticsRelease.week.in_(wanted),
                AnalyticsRelease.team_key == ALL,
                AnalyticsRelease.module_key == ALL,
            )
        )
    )
    missing = [w for w in wanted if w not in done]
    if missing:
        _release_weeks(session, organization, missing, now, latest, noise)


def release_ended_weeks(session: Session, *, now: dt.datetime) -> int:
    """The worker's part: release last week for every organization that has not had it,
    soon after the week ends, so that membership is frozen then and not when someone
    first asks. Returns how many organizations were released."""
    week = last_ended_week(now)
    released = select(AnalyticsRelease.organization_id).where(
        AnalyticsRelease.week == week,
        AnalyticsRelease.team_key == ALL,
        AnalyticsRelease.module_key == ALL,
    )
    pending = session.scalars(
        select(Organization).where(
            Organization.id.not_in(released),
            Organization.created_at < dt.datetime.combine(week, dt.time(), tzinfo=dt.UTC) + WEEK,
        )
    ).all()
    for organization in pending:
        ensure_released(session, organization=organization, weeks=[week], now=now)
    return len(pending)


def _release_weeks(
    session: Session,
    org: Organization,
    weeks: list[dt.date],
    now: dt.datetime,
    latest: dt.date,
    noise: Noise,
) -> None:
    """Release ``weeks`` (sorted) in one pass: one membership, a few queries in all."""
    start = dt.datetime.combine(weeks[0], dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(weeks[-1], dt.time(), tzinfo=dt.UTC) + WEEK
    wanted = set(weeks)
    members = dict(
        session.execute(
            select(User.id, User.team_id).where(
                User.organization_id == org.id,
                User.role == Role.LEARNER,
                User.deleted_at.is_(None),
                # Invited people who never signed in hold no data: counting them would let
                # an admin pad a group with made-up addresses.
                User.joined_at.is_not(None),
            )
        ).all()
    )
    enrolled: dict[int, dict[int, bool]] = defaultdict(dict)  # user -> module -> completed
    for user_id, module_id, status in session.execute(
        select(Enrollment.user_id, Enrollment.module_id, Enrollment.status).where(
            Enrollment.organization_id == org.id, Enrollment.status != EnrollmentStatus.WITHDRAWN
        )
    ):
        if user_id in members:
            enrolled[user_id][module_id] = status is EnrollmentStatus.COMPLETED
    # week -> user -> modules practised that week
    active: dict[dt.date, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for user_id, module_id, answered_at in session.execute(
        select(ReviewLog.user_id, Item.module_id, ReviewLog.answered_at)
        .join(Item, Item.id == ReviewLog.item_id)
        .where(
            ReviewLog.organization_id == org.id,
            ReviewLog.answered_at >= start,
            ReviewLog.answered_at < end,
        )
        .execution_options(yield_per=10_000)
    ):
        week = monday(answered_at.astimezone(dt.UTC).date())
        if week in wanted:
            active[week][user_id].add(module_id)
    # week -> user -> module -> outcome
    outcomes: dict[dt.date, dict[int, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
    for user_id, module_id, outcome, answered in session.execute(
        select(
            ApplicationPrompt.user_id,
            ApplicationPrompt.module_id,
            ApplicationPrompt.outcome,
            ApplicationPrompt.answered_at,
        )
        .where(
            ApplicationPrompt.organization_id == org.id,
            ApplicationPrompt.answered_at >= start,
            ApplicationPrompt.answered_at < end,
            ApplicationPrompt.outcome.is_not(None),
        )
        .order_by(ApplicationPrompt.answered_at, ApplicationPrompt.id)
    ):
        assert answered is not None  # the query asks for a period
        week = monday(answered.astimezone(dt.UTC).date())
        if week in wanted:
            outcomes[week][user_id][module_id] = str(outcome)
    states = _states(session, org, now) if latest in wanted else {}
    k = max(org.min_group_size, MIN_K)
    rows: list[AnalyticsRelease] = []
    for week in weeks:
        cells = _cells(members, enrolled, active[week], outcomes[week], states, week == latest)
        rows.extend(
            AnalyticsRelease(
                organization_id=org.id,
                week=week,
                team_key=team,
                module_key=module,
                released_at=now,
                figures=release(
                    c,
                    whole=None if module == ALL else cells.get((team, ALL), c).learners,
                    k=k,
                    with_state=week == latest,
                    noise=noise,
                ),
            )
            for (team, module), c in cells.items()
        )
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        pass  # another request released these weeks at the same moment: theirs stand
    session.commit()


def _cells(
    members: dict[int, int | None],
    enrolled: dict[int, dict[int, bool]],
    active: dict[int, set[int]],
    outcomes: dict[int, dict[int, str]],
    states: dict[int, dict[int, Any]],
    with_state: bool,
) -> dict[tuple[int, int], Cell]:
    """Every cell of one week, each learner added to the four they belong to."""
    cells: dict[tuple[int, int], Cell] = {(ALL, ALL): Cell(per_module=False)}

    def cell(team: int, module: int) -> Cell:
        key = (team, module)
        if key not in cells:
            cells[key] = Cell(per_module=module != ALL)
        return cells[key]

    for user_id, team_id in members.items():
        modules = enrolled.get(user_id)
        if not modules:
            continue  # enrolled in nothing: no data in any figure
        memory = states.get(user_id, {}) if with_state else {}
        answered = outcomes.get(user_id, {})
        for team in (ALL, team_id) if team_id is not None else (ALL,):
            cell(team, ALL).add(
                enrollments=len(modules),
                completed=sum(modules.values()),
                active=bool(active.get(user_id)),
                recall=_mean_recall([m for mod in memory.values() for m in mod["recall"]]),
                outcomes=[o for mod, o in answered.items() if mod in modules],
                items=[i for mod in memory.values() for i in mod["items"]],
            )
            for module_id, completed in modules.items():
                mod = memory.get(module_id, {"recall": [], "items": []})
                cell(team, module_id).add(
                    enrollments=1,
                    completed=int(completed),
                    active=module_id in active.get(user_id, ()),
                    recall=_mean_recall(mod["recall"]),
                    outcomes=[answered[module_id]] if module_id in answered else [],
                    items=mod["items"],
                )
    return cells


def _states(session: Session, org: Organization, now: dt.datetime) -> dict[int, dict[int, Any]]:
    """user -> module -> {"recall": [(now, in 30 days) per item], "items": [(id, lapse
    rate, difficulty)]}, streamed."""
    model = MemoryModel(desired_retention=org.target_retention)
    out: dict[int, dict[int, Any]] = defaultdict(
        lambda: defaultdict(lambda: {"recall": [], "items": []})
    )
    rows = session.execute(
        select(
            MemoryState.user_id,
            MemoryState.module_id,
            MemoryState.item_id,
            MemoryState.stability,
            MemoryState.last_review_at,
            MemoryState.difficulty,
            MemoryState.lapses,
            MemoryState.reps,
        )
        # Practised items only: studying alone gives a memory, not a figure of practice.
        .where(MemoryState.organization_id == org.id, MemoryState.reps > 0)
        .execution_options(yield_per=10_000)
    )
    at = now.timestamp()
    for chunk in rows.partitions():
        # The model's formulas over the chunk at once (scheduler.memory.recall_many).
        stability = np.array([row.stability for row in chunk], dtype=np.float64)
        elapsed = np.array([at - row.last_review_at.timestamp() for row in chunk]) / 86_400
        elapsed = np.maximum(elapsed, 0.0)
        recall_now = model.recall_many(stability, elapsed).tolist()
        recall_later = model.recall_many(stability, elapsed + 30.0).tolist()
        for n, (user_id, module_id, item_id, _, _, difficulty, lapses, reps) in enumerate(chunk):
            mod = out[user_id][module_id]
            mod["recall"].append((recall_now[n], recall_later[n]))
            mod["items"].append((item_id, lapses / reps if reps else 0.0, difficulty))
    return out


def _mean_recall(values: list[tuple[float, float]]) -> tuple[float, float] | None:
    if not values:
        return None
    return (sum(a for a, _ in values) / len(values), sum(b for _, b in values) / len(values))
