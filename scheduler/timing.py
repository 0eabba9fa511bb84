"""Time helpers every decision uses: UTC in, the learner's local time when it matters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def ensure_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC. Naive datetimes are refused: their zone would be a guess."""
    if moment.tzinfo is dt.UTC:  # most are: a planner run asks 5 times a learner
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: pass an aware UTC datetime")
    return moment.astimezone(dt.UTC)


def local_time(moment: dt.datetime, *, zone: str) -> dt.datetime:
    """The wall-clock time at ``moment`` in the IANA ``zone`` (daylight saving included)."""
    return ensure_utc(moment).astimezone(ZoneInfo(zone))


def local_date(moment: dt.datetime, *, zone: str) -> dt.date:
    """The calendar day at ``moment`` in ``zone``: what a learner calls "today"."""
    return local_time(moment, zone=zone).date()


def local_day_start(moment: dt.datetime, *, zone: str) -> dt.datetime:
    """The start of the calendar day at ``moment`` in ``zone``, in UTC."""
    today = local_date(moment, zone=zone)
    return dt.datetime.combine(today, dt.time(), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def next_local_midnight(moment: dt.datetime, *, zone: str) -> dt.datetime:
    """The start of the next calendar day in ``zone``, in UTC."""
    tomorrow = local_date(moment, zone=zone) + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def publication(moment: dt.datetime, *, zone: str, anonymous: bool) -> tuple[dt.datetime, dt.date]:
    """When a team post written at ``moment`` enters the feed, and the day it shows.

    Named posts at once. Anonymous ones in the organization's daily batch at its next
    midnight, dated that day: when one appears says nothing about when its author was
    active that day, and posts of the day come out together.
    """
    at = next_local_midnight(moment, zone=zone) if anonymous else ensure_utc(moment)
    return at, local_date(at, zone=zone)
