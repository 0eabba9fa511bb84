"""When to push a learner: the earliest good moment in their own day.

Every decision is taken in the learner's local time (IANA zone through zoneinfo), so a
window of 08:30-17:30 stays 08:30-17:30 across daylight-saving changes.

- Only working days that are not holidays, on or after the end of a pause.
- Inside the daily window and outside quiet hours (e.g. lunch).
- At most ``max_per_day`` pushes on a local day, and never two of one kind.
- Two pushes at least ``MIN_GAP`` apart: a practice reminder and a recap wanted at the
  same moment would otherwise buzz the phone twice in one second.
- Prefer the local hours at which the learner opened pushes before.
- A learner who ignored the last pushes is pushed less often: after 3 unopened pushes in
  a row, one every 2 days; after 4, every 3; up to a week apart; and on such a day one
  push at most, whatever the daily cap.
- Quiet hours may run over midnight (17:00-09:00): then the day is quiet from its start
  to the end and from the start to midnight.
- A push planned for a moment expires at the end of that day's window: a morning reminder
  is not sent at night.
- When it is sent, a push is checked against the learner as they are then (``at_send``):
  changed preferences, zone or holidays move it to the next good moment or drop it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scheduler.timing import ensure_utc

# Pushes planned this far ahead at most; the planner runs again long before.
HORIZON_DAYS = 14
IGNORED_BEFORE_BACKOFF = 3
MIN_OPENS_FOR_PREFERENCE = 2
_LEAD = dt.timedelta(seconds=5)
MIN_GAP = dt.timedelta(hours=2)
# A push planned afresh for within this of now is sent now.
_SEND_SLACK = dt.timedelta(minutes=1)


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
class AtSend:
    """What to do with a push whose moment has come: send it now, move it (``planned``),
    or drop it (``reason``)."""

    send: bool
    planned: Planned | None = None
    reason: str | None = None


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
    busy: Collection[dt.datetime] = (),
) -> Planned | None:
    """The next moment to send a push of ``kind``, or None within the horizon.

    ``booked`` holds, per local day, the kinds already planned or sent that day;
    ``not_before`` is the first local day the push may go out; ``busy`` the moments of
    the learner's other pushes still waiting (the last one sent is in ``engagement``).
    """
    now = ensure_utc(now)
    taken = sorted({*busy, *([engagement.last_sent_at] if engagement.last_sent_at else [])})
    zone = ZoneInfo(rules.zone)
    today = now.astimezone(zone).date()
    earliest_day = _backoff_day(engagement, zone)
    for offset in range(HORIZON_DAYS):
        day = today + dt.timedelta(days=offset)
        kinds = booked.get(day, ())
        # Backing off means fewer pushes: one on the day it allows, not the daily cap.
        cap = 1 if earliest_day is not None else rules.max_per_day
        if (
            day.weekday() not in rules.working_days
            or day in rules.holidays
            or (rules.paused_until is not None and day < rules.paused_until)
            or (earliest_day is not None and day < earliest_day)
            or (not_before is not None and day < not_before)
            or kind in kinds
            or len(kinds) >= cap
        ):
            continue
        moment = _moment(day, now, rules, engagement, zone, taken)
        if moment is not None:
            end = _local(day, rules.window_end, zone)
            return Planned(kind=kind, local_day=day, send_at=moment, expires_at=end)
    return None


def at_send(
    kind: str,
    *,
    now: dt.datetime,
    rules: Rules,
    engagement: Engagement,
    booked: Mapping[dt.date, Collection[str]],
    not_before: dt.date | None = None,
) -> AtSend:
    """A push of ``kind`` is due: may it go now, under the learner's rules of now?

    ``booked`` holds the learner's other pushes (not this one). It goes if planning it
    afresh now would send it now; else it moves to the moment planning would choose, or
    is dropped when no moment is allowed within the horizon.
    """
    planned = plan_push(
        kind, now=now, rules=rules, engagement=engagement, booked=booked, not_before=not_before
    )
    if planned is None:
        return AtSend(False, reason="no moment allowed by the learner's settings")
    if planned.send_at <= ensure_utc(now) + _SEND_SLACK:
        return AtSend(True, planned=planned)
    return AtSend(False, planned=planned)


def _backoff_day(engagement: Engagement, zone: ZoneInfo) -> dt.date | None:
    ignored = engagement.ignored_in_a_row
    if ignored < IGNORED_BEFORE_BACKOFF or engagement.last_sent_at is None:
        return None
    gap = min(ignored - 1, 7)
    return engagement.last_sent_at.astimezone(zone).date() + dt.timedelta(days=gap)


def _moment(
    day: dt.date,
    now: dt.datetime,
    rules: Rules,
    engagement: Engagement,
    zone: ZoneInfo,
    taken: list[dt.datetime],
) -> dt.datetime | None:
    """The first allowed instant of ``day`` after now, at a preferred hour if there is one,
    and ``MIN_GAP`` clear of the ``taken`` moments (ascending)."""
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
        allowed = _allowed(candidate, day, rules, zone, taken)
        if allowed is not None and allowed < end:
            return allowed
    return None


def _allowed(
    moment: dt.datetime, day: dt.date, rules: Rules, zone: ZoneInfo, taken: list[dt.datetime]
) -> dt.datetime | None:
    """The first instant from ``moment`` outside the quiet hours and clear of ``taken``:
    each step only moves it later, so it settles within a step per taken moment."""
    for _ in range(len(taken) + 1):
        quiet = _outside_quiet(moment, day, rules, zone)
        if quiet is None:
            return None
        clear = _clear_of(quiet, taken)
        if clear == quiet:
            return clear
        moment = clear
    return None


def _clear_of(moment: dt.datetime, taken: list[dt.datetime]) -> dt.datetime:
    for other in taken:
        if abs(moment - other) < MIN_GAP:
            moment = other + MIN_GAP
    return moment


def _outside_quiet(
    moment: dt.datetime, day: dt.date, rules: Rules, zone: ZoneInfo
) -> dt.datetime | None:
    """``moment``, or the end of the quiet hours it falls in (None: quiet until midnight)."""
    if rules.quiet is None:
        return moment
    quiet_start, quiet_end = _local(day, rules.quiet[0], zone), _local(day, rules.quiet[1], zone)
    if rules.quiet[0] <= rules.quiet[1]:
        return quiet_end if quiet_start <= moment < quiet_end else moment
    # Over midnight: quiet from the day's start until quiet_end, and from quiet_start on.
    if moment < quiet_end:
        return quiet_end
    return None if moment >= quiet_start else moment


# Learners share zones, days and window times: the planner asks the same few thousand
# conversions for a whole run (a fifth of its planning time before this cache).
@functools.lru_cache(maxsize=8192)
def _local(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A local wall-clock time as a UTC instant. A time skipped by a spring-forward change
    is the instant of the change: a window from 02:30 on a night that jumps from 02:00 to
    03:00 opens at 03:00, instead of at 03:30 (which could close it before it opened)."""
    naive = dt.datetime.combine(day, at)
    instant = naive.replace(tzinfo=zone).astimezone(dt.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return instant
    # In the gap: the first instant whose wall clock is past it (found to the second).
    low = naive.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    high = instant
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)
