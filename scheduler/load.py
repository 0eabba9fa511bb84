"""Evening out the day-to-day load, and days without practice.

Reviews that would fall on a no-practice day (a weekend, a holiday) or pile up on one
day are better done a little early on a lighter working day: recall is then slightly
above the target, which costs little. Each practice day gets a quota, the week's
upcoming reviews divided by its practice days; on a day below its quota, the items
closest to due are pulled forward.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from scheduler.timing import local_date


def is_practice_day(
    day: dt.date, *, weekdays: Collection[int], holidays: Collection[dt.date]
) -> bool:
    """``weekdays`` as ``date.weekday()`` numbers (Monday 0)."""
    return day.weekday() in weekdays and day not in holidays


def pull_forward_allowance(
    upcoming: Sequence[dt.datetime],
    *,
    now: dt.datetime,
    zone: str,
    weekdays: Collection[int],
    holidays: Collection[dt.date],
    done_today: int,
    due_now: int,
    horizon_days: int = 7,
) -> int:
    """How many not-yet-due items today's session may take early.

    ``upcoming`` are the due times of the learner's reviews in the coming days
    (overdue ones count as now). Zero on a no-practice day.
    """
    today = local_date(now, zone=zone)
    if not is_practice_day(today, weekdays=weekdays, holidays=holidays):
        return 0
    days = [today + dt.timedelta(days=i) for i in range(horizon_days)]
    practice_days = [d for d in days if is_practice_day(d, weekdays=weekdays, holidays=holidays)]
    horizon_end = days[-1]
    in_horizon = sum(1 for t in upcoming if local_date(t, zone=zone) <= horizon_end)
    # Rounded down: a handful of upcoming reviews is no load worth evening out.
    quota = (in_horizon + done_today) // len(practice_days)
    return max(quota - done_today - due_now, 0)


def next_practice_day(
    after: dt.date, *, weekdays: Collection[int], holidays: Collection[dt.date]
) -> dt.date:
    """The first practice day after ``after`` (within a year; else the day after)."""
    day = after
    for _ in range(366):
        day += dt.timedelta(days=1)
        if is_practice_day(day, weekdays=weekdays, holidays=holidays):
            return day
    return after + dt.timedelta(days=1)
