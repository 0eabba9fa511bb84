"""When a learner's reminders next need planning: planning by change, not by rescanning.

After planning a learner, the planner stores the earliest moment at which planning them
again could decide something new, if nothing happens in between:

- a push of theirs that is waiting has been sent (another may then be wanted);
- enough items fall due for a practice push, or half a module's items for a recap (or
  the recap spacing ends);
- the local day turns, when a push was wanted but no moment within the horizon allowed
  it (a pause, a day already full, a prompt's day beyond the horizon);
- and at the latest after ``CEILING``: a safety net for whatever no rule foresaw (an
  opening habit ageing out of the engagement window, a device growing stale), spread
  over a quarter of it so that a population planned at once does not come due at once.

What happens in between (a review, new preferences, a device, an enrollment, a changed
organization setting) marks the learner for planning at once; see
``api.services.replanning``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from scheduler.timing import ensure_utc

CEILING = dt.timedelta(hours=24)
# A waiting push whose moment has passed is probably being sent: look again this soon.
RETRY = dt.timedelta(minutes=5)
_AFTER_SEND = dt.timedelta(minutes=1)


def next_planning(
    *,
    now: dt.datetime,
    zone: str,
    waiting: Iterable[dt.datetime] = (),
    blocked: bool = False,
    due_enough_at: dt.datetime | None = None,
    recap_at: dt.datetime | None = None,
    spread: float = 0.0,
) -> dt.datetime:
    """The moment to plan this learner again.

    ``waiting``: when each of their unsent pushes is to be sent; ``blocked``: a push was
    wanted and found no moment; ``due_enough_at``, ``recap_at``: when a practice push or
    a recap becomes wanted, if later than now; ``spread`` in [0, 1) places the safety
    net (the planner derives it from the learner's id).
    """
    now = ensure_utc(now)
    candidates = [now + CEILING * (0.75 + 0.25 * spread)]
    candidates += [max(ensure_utc(at) + _AFTER_SEND, now + RETRY) for at in waiting]
    if blocked:
        local = now.astimezone(ZoneInfo(zone))
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time())
        candidates.append(midnight.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC))
    # Already past: planning has just dealt with it (planned, waiting or blocked).
    candidates += [
        ensure_utc(at) for at in (due_enough_at, recap_at) if at is not None and at > now
    ]
    return max(min(candidates), now + _AFTER_SEND)
