"""When to push a learner: the earliest good moment in their own day.

Every decision is taken in the learner's local time (IANA zone through zoneinfo), so a
window of 08:30-17:30 stays 08:30-17:30 across daylight-saving changes.

- Only working days that are not holidays, on or after the end of a pause.
- Inside the daily window and outside quiet hours (e.g. lunch).
- At most ``max_per_day`` pushes on a local day, and never two of one kind.
- Prefer the local hours at which the learner opened pushes before.
- A learner who ignored the last pushes is pushed less often: after 3 unopened pushes in
  a row, one every 2 days; after 4, every 3; up to a week apart.
- A push planned for a moment expires at the end of that day's window: a morning reminder
  is not sent at night.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scheduler.timing import ensure_utc

# Pushes planned this far ahead at most; the planner runs again long before.
HORIZON_DAYS = 14
IGNORED_BEFORE_BACKOFF = 3
MIN_OPENS_FOR_PREFERENCE = 2
_LEAD = dt.timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class Rules:
    zone: str
    window_start: dt.time
    window_end: dt.time
    working_days: frozenset[int]  # date.weekday(): Monday 0
    holidays: frozenset[dt.date] = frozenset()
    quiet: tuple[dt.time, dt.time] | None = None
    max_per_day: int = 2
    paused_until: dt.date | None = None  # first local day pushes may resume


@dataclass(frozen=True, slots=True)
class Engagement:
    opened_hours: Mapping[int, int] = field(default_factory=dict)  # local hour -> opens
    ignored_in_a_row: int = 0
    last_sent_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Planned:
    kind: str
    local_day: dt.date
    send_at: dt.datetime  # UTC
    expires_at: dt.datetime  # UTC

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.local_day.isoformat()}"


def plan_push(
    kind: str,
    *,
    now: dt.datetime,
    rules: Rules,
    engagement: Engagement,
    booked: Mapping[dt.date, Collection[str]],
    not_before: dt.date | None = None,
) -> Planned | None:
    """The next moment to send a push of ``kind``, or None within the horizon.

    ``booked`` holds, per local day, the kinds already planned or sent that day;
    ``not_before`` is the first local day the push may go out.
    """
    now = ensure_utc(now)
    zone = ZoneInfo(rules.zone)
    today = now.astimezone(zone).date()
    earliest_day = _backoff_day(engagement, zone)
    for offset in range(HORIZON_DAYS):
        day = today + dt.timedelta(days=offset)
        kinds = booked.get(day, ())
        if (
            day.weekday() not in rules.working_days
            or day in rules.holidays
            or (rules.paused_until is not None and day < rules.paused_until)
            or (earliest_day is not None and day < earliest_day)
            or (not_before is not None and day < not_before)
            or kind in kinds
            or len(kinds) >= rules.max_per_day
        ):
            continue
        moment = _moment(day, now, rules, engagement, zone)
        if moment is not None:
            end = _local(day, rules.window_end, zone)
            return Planned(kind=kind, local_day=day, send_at=moment, expires_at=end)
    return None


def _backoff_day(engagement: Engagement, zone: ZoneInfo) -> dt.date | None:
    ignored = engagement.ignored_in_a_row
    if ignored < IGNORED_BEFORE_BACKOFF or engagement.last_sent_at is None:
        return None
    gap = min(ignored - 1, 7)
    return engagement.last_sent_at.astimezone(zone).date() + dt.timedelta(days=gap)


def _moment(
    day: dt.date, now: dt.datetime, rules: Rules, engagement: Engagement, zone: ZoneInfo
) -> dt.datetime | None:
    """The first allowed instant of ``day`` after now, at a preferred hour if there is one."""
    start, end = _local(day, rules.window_start, zone), _local(day, rules.window_end, zone)
    earliest = max(start, now + _LEAD)
    if earliest >= end:
        return None
    preferred = sorted(
        hour for hour, opens in engagement.opened_hours.items() if opens >= MIN_OPENS_FOR_PREFERENCE
    )
    candidates = [max(_local(day, dt.time(hour), zone), earliest) for hour in preferred]
    candidates = [c for c in candidates if c < end and c.astimezone(zone).hour in preferred]
    for candidate in [*candidates, earliest]:
        allowed = _outside_quiet(candidate, day, rules, zone)
        if allowed is not None and allowed < end:
            return allowed
    return None


def _outside_quiet(
    moment: dt.datetime, day: dt.date, rules: Rules, zone: ZoneInfo
) -> dt.datetime | None:
    if rules.quiet is None:
        return moment
    quiet_start, quiet_end = _local(day, rules.quiet[0], zone), _local(day, rules.quiet[1], zone)
    return quiet_end if quiet_start <= moment < quiet_end else moment


def _local(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A local wall-clock time as a UTC instant. A time skipped by a spring-forward change
    maps to the same instant as the wall clock just after the change."""
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)
