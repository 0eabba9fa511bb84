"""Time helpers every decision uses: UTC in, the learner's local time when it matters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def ensure_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC. Naive datetimes are refused: their zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: pass an aware UTC datetime")
    return moment.astimezone(dt.UTC)


def local_time(moment: dt.datetime, *, zone: str) -> dt.datetime:
    """The wall-clock time at ``moment`` in the IANA ``zone`` (daylight saving included)."""
    return ensure_utc(moment).astimezone(ZoneInfo(zone))


def local_date(moment: dt.datetime, *, zone: str) -> dt.date:
    """The calendar day at ``moment`` in ``zone``: what a learner calls "today"."""
    return local_time(moment, zone=zone).date()
