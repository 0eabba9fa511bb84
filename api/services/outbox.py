"""What operators see of the outbox: depth, age, send rate, failures by reason."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Notification, Role, User
from api.services._query import require_role


def outbox_stats(
    session: Session, *, organization_id: int | None, now: dt.datetime
) -> dict[str, Any]:
    """Outbox figures for one organization (None: all, for the metrics endpoint)."""
    scope = [] if organization_id is None else [Notification.organization_id == organization_id]
    by_status = [
        {"status": status, "kind": kind, "count": count}
        for status, kind, count in session.execute(
            select(Notification.status, Notification.kind, func.count())
            .where(*scope)
            .group_by(Notification.status, Notification.kind)
            .order_by(Notification.status, Notification.kind)
        )
    ]
    oldest_due = session.scalar(
        select(func.min(Notification.send_at)).where(
            *scope, Notification.status.in_(("pending", "claimed")), Notification.send_at <= now
        )
    )
    sent_5m, sent_1h = (
        session.scalar(
            select(func.count()).where(
                *scope, Notification.status == "sent", Notification.sent_at >= now - window
            )
        )
        or 0
        for window in (dt.timedelta(minutes=5), dt.timedelta(hours=1))
    )
    failures, dropped = _by_reason(session, scope, since=now - dt.timedelta(days=1))
    return {
        "by_status": by_status,
        "oldest_due_age_seconds": (now - oldest_due).total_seconds() if oldest_due else 0.0,
        "sent_last_5_minutes": sent_5m,
        "sent_per_minute_last_hour": round(sent_1h / 60, 2),
        # FCM or the device refused: worth an operator's look.
        "failures_last_24h": [{"reason": r, "count": c} for r, c in sorted(failures.items())],
        # Not sent on purpose (the learner practised, their settings changed, too late).
        "dropped_last_24h": [{"reason": r, "count": c} for r, c in sorted(dropped.items())],
    }


def _by_reason(
    session: Session, scope: list, *, since: dt.datetime | None
) -> tuple[Counter[str], Counter[str]]:
    """(failed, dropped) pushes by reason, since ``since`` (None: ever)."""
    failed: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    stmt = select(Notification.status, Notification.last_error, func.count()).where(
        *scope, Notification.status.in_(("failed", "stale", "obsolete"))
    )
    if since is not None:
        stmt = stmt.where(Notification.created_at >= since)
    for status, error, count in session.execute(
        stmt.group_by(Notification.status, Notification.last_error)
    ):
        reason = (error or status).split(":")[0]
        (failed if status == "failed" else dropped)[reason] += count
    return failed, dropped


def totals(session: Session) -> dict[str, Any]:
    """Counts since the beginning, for Prometheus counters (rates come from them)."""
    failed, dropped = _by_reason(session, [], since=None)
    sent = session.scalar(select(func.count()).where(Notification.status == "sent")) or 0
    return {"sent": sent, "failed": failed, "dropped": dropped}


def recent_pushes(
    session: Session, *, actor: User, now: dt.datetime, limit: int = 50
) -> list[dict[str, Any]]:
    """Which push goes (or went) to whom and when: the next pending ones and the latest
    sent, failed or dropped, for an admin answering "why did I get no reminder?"."""
    require_role(actor, Role.ADMIN)
    org = Notification.organization_id == actor.organization_id
    columns = (
        Notification.id,
        Notification.user_id,
        Notification.kind,
        Notification.status,
        Notification.send_at,
        Notification.sent_at,
        Notification.last_error,
    )
    upcoming = session.execute(
        select(*columns)
        .where(org, Notification.status.in_(("pending", "claimed")))
        .order_by(Notification.send_at)
        .limit(limit)
    ).all()
    done = session.execute(
        select(*columns)
        .where(org, Notification.status.not_in(("pending", "claimed")))
        .order_by(Notification.send_at.desc())
        .limit(limit)
    ).all()
    return [dict(row._mapping) for row in (*upcoming, *done)]


def organization_outbox(session: Session, *, actor: User, now: dt.datetime) -> dict[str, Any]:
    require_role(actor, Role.ADMIN)
    stats = outbox_stats(session, organization_id=actor.organization_id, now=now)
    return {**stats, "pushes": recent_pushes(session, actor=actor, now=now)}
