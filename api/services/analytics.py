"""Group figures for managers and admins: released weekly, aggregates only.

Nobody's answers, ratings or memory states leave this module: a report reads the weekly
releases of ``api.services.analytics_release`` (frozen, noised, each over at least K
learners with data; ``scheduler.privacy`` says why each rule is there). Managers see their
own team; admins any team of their organization, or all of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Invalid, NotFound
from api.models import AnalyticsRelease, Item, Module, Organization, Role, Team, User
from api.services._query import require_role
from api.services.analytics_release import (
    ALL,
    WEEK,
    ensure_released,
    last_ended_week,
    monday,
)
from scheduler.privacy import EPSILON, MIN_K

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
    # Whole weeks that have ended: any window over the same weeks gets the same releases.
    first = monday(since)
    last = min(monday(until), last_ended_week(now))
    weeks = []
    while first <= last:
        weeks.append(first)
        first += WEEK
    ensure_released(session, organization=organization, weeks=weeks, now=now)
    releases = {
        r.week: r
        for r in session.scalars(
            select(AnalyticsRelease).where(
                AnalyticsRelease.organization_id == organization.id,
                AnalyticsRelease.week.in_(weeks),
                AnalyticsRelease.team_key == (team_id or ALL),
                AnalyticsRelease.module_key == (module_id or ALL),
            )
        )
    }
    shown = [releases[w] for w in weeks if w in releases and not releases[w].figures["withheld"]]
    group = {
        "team_id": team_id,
        "module_id": module_id,
        "since": monday(since),
        "until": monday(until) + dt.timedelta(days=6),
        "learners": shown[-1].figures["learners"] if shown else None,
        "min_group_size": k,
    }
    if not shown:
        latest = releases.get(weeks[-1]) if weeks else None
        reason = (
            latest.figures["reason"]
            if latest is not None and latest.figures["withheld"]
            else f"Fewer than {k} learners with data in this group: figures are withheld."
            if latest is not None
            else "Figures are released once a week has ended (Monday, UTC), from the "
            "organization's first week on: no week of this range has been released."
        )
        return {"group": group, "withheld": True, "reason": reason, "epsilon": EPSILON}
    latest = shown[-1]
    state = next((r for r in reversed(shown) if "recall" in r.figures), None)
    return {
        "group": group,
        "withheld": False,
        "reason": None,
        "released_at": latest.released_at,
        "epsilon": EPSILON,
        "margins": {
            "active_learners": latest.figures["margins"]["active_learners"],
            "recall": state.figures["margins"].get("recall") if state else None,
        },
        "enrollment": latest.figures["enrollment"],
        "participation": [
            {
                "week": w,
                "active_learners": None
                if w not in releases or releases[w].figures["withheld"]
                else releases[w].figures["active_learners"],
            }
            for w in weeks
        ],
        "recall": state.figures["recall"] if state else {"now": None, "in_30_days": None},
        "application": _summed([r.figures["application"] for r in shown]),
        "hard_items": _with_prompts(session, state.figures["hard_items"] if state else []),
    }


def _summed(weeks: list[dict[str, int | None]]) -> dict[str, int | None]:
    """Outcomes over the weeks that released theirs (each week's noise is its own)."""
    released = [w for w in weeks if w["worked"] is not None]
    return {
        name: sum(w[name] or 0 for w in released) if released else None
        for name in ("worked", "mixed", "not_yet")
    }


def _with_prompts(session: Session, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    prompts = dict(
        session.execute(
            select(Item.id, Item.prompt).where(Item.id.in_([i["item_id"] for i in items]))
        ).all()
    )
    return [{**i, "prompt": prompts.get(i["item_id"], "")} for i in items]


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
