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
    failures: Counter[str] = Counter()
    for error, count in session.execute(
        select(Notification.last_error, func.count())
        .where(*scope, Notification.status.in_(("failed", "stale", "obsolete")))
        .where(Notification.created_at >= now - dt.timedelta(days=1))
        .group_by(Notification.last_error)
    ):
        failures[(error or "unknown").split(":")[0]] += count
    return {
        "by_status": by_status,
        "oldest_due_age_seconds": (now - oldest_due).total_seconds() if oldest_due else 0.0,
        "sent_last_5_minutes": sent_5m,
        "sent_per_minute_last_hour": round(sent_1h / 60, 2),
        "failures_last_24h": [{"reason": r, "count": c} for r, c in sorted(failures.items())],
    }


def organization_outbox(session: Session, *, actor: User, now: dt.datetime) -> dict[str, Any]:
    require_role(actor, Role.ADMIN)
    return outbox_stats(session, organization_id=actor.organization_id, now=now)
