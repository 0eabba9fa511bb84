"""Days with and without practice: the organization's weekdays and holidays.

(Taking items early on light days is no longer a rule of its own: ``scheduler.practice``
takes an item not yet due whenever a review of it is worth more than one that is.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection


def is_practice_day(
    day: dt.date, *, weekdays: Collection[int], holidays: Collection[dt.date]
) -> bool:
    """``weekdays`` as ``date.weekday()`` numbers (Monday 0)."""
    return day.weekday() in weekdays and day not in holidays


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
