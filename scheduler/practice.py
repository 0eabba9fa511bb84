"""Choosing what a learner practises now: the most remembered per minute.

``practice_set`` is the one entry point: the API and the learning simulation call it with
a learner's history (``scheduler.history``). The policy, measured in
``bench/learning_sim.py``:

1. Every item the learner has met (studied or answered) is a candidate; studying counts
   as an exposure, so a studied item competes from the day it was studied instead of
   waiting behind every due item.
2. Each candidate is worth the expected gain in its recall ``HORIZON_DAYS`` from now
   (or at its deadline, if sooner) from one review now, under the memory model: with the
   predicted recall R it succeeds and its stability grows, with 1 - R it fails. Items are
   taken best first, times their weight (deadline items at risk count double, items of a
   module tried badly at work in the last 14 days 1.5 times, a first answer to a studied
   item 3 times).
3. The session fits the minutes at the learner's own pace, today's review allowance and
   today's allowance of first answers; a review worth less than ``MIN_GAIN`` is not asked
   at all, so a light day asks less instead of wasting minutes. After an absence the
   backlog is worked off most valuable first, never over the session.
4. One meaning of due: predicted recall below the target. The reason shown agrees with the
   recall shown: ``due`` below the target, ``deadline`` above it now but not on the
   deadline, ``early`` above it, ``new`` never answered.
5. Items are interleaved across modules, each module's in order of value.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from scheduler.columns import Columns
from scheduler.history import History, Settings, memories
from scheduler.memory import MemoryModel
from scheduler.timing import ensure_utc, local_day_start, next_local_midnight
from scheduler.types import Memory

_DAY = 86_400.0
HORIZON_DAYS = 30.0
MIN_GAIN = 0.07
DEADLINE_WEIGHT = 2.0
SETBACK_WEIGHT = 1.5
SETBACK_WINDOW = dt.timedelta(days=14)
FIRST_ANSWER_WEIGHT = 3.0
SAME_DAY_PRACTICE = True
DEFAULT_SECONDS_PER_ITEM = 20.0
PACE_ANSWERS = 50


class Reason(StrEnum):
    DUE = "due"
    DEADLINE = "deadline"
    EARLY = "early"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class Pick:
    item_id: int
    module_id: int
    reason: Reason
    recall: float  # predicted now
    value: float  # expected gain in recall from this review, times the item's weight


@dataclass(frozen=True, slots=True)
class PracticeSet:
    picks: tuple[Pick, ...]
    due_now: int  # items below the target now
    held_back: int  # due items not in this session (left for later ones)
    seconds_per_item: float  # the learner's pace the session was sized with


def practice_set(
    history: History,
    *,
    settings: Settings,
    zone: str,
    now: dt.datetime,
    model: MemoryModel,
    minutes: float | None = None,
) -> PracticeSet:
    """The practice session to offer at ``now``: each item at most once, best first.

    Every item met is valued at once, over arrays (``scheduler.columns``); Python touches
    only the few items that can make the session."""
    now = ensure_utc(now)
    cols = history.columns
    if cols is None:
        cols = Columns.of(history.items, memories(history, model))
    pace = seconds_per_item(history)
    # Today as the instants it spans, as the day's studies below: no time-zone conversion
    # per answer.
    start = local_day_start(now, zone=zone)
    end = next_local_midnight(now, zone=zone)
    todays = Counter(a.item_id for a in history.answers if start <= a.answered_at < end)
    session = max(1, math.floor((minutes or settings.session_minutes) * 60 / pace))
    room = min(session, max(settings.max_reviews_per_day - todays.total(), 0))
    # Started today: every answer the item ever had was today's.
    answered_today = np.isin(cols.item_id, list(todays))
    first_today = int(
        sum(1 for i, r in zip(cols.item_id[answered_today], cols.reps[answered_today],
                              strict=True) if r <= todays[int(i)])
    )  # fmt: skip
    new_room = max(settings.new_items_per_day - first_today, 0)
    target = settings.target_retention

    value, reason, recall = _values(history, cols, model=model, now=now, target=target)
    due = reason == _DUE
    due_now = int((recall < target).sum())  # first answers below the target included
    is_new = reason == _NEW
    # Only the best `room` reviews and the best `new_room` first answers can be chosen.
    shortlist = np.concatenate(
        [_best(value, ~is_new, room), _best(value, is_new, new_room)]
    ).astype(np.int64)
    order = shortlist[np.lexsort((cols.item_id[shortlist], cols.position[shortlist],
                                  -value[shortlist]))]  # fmt: skip
    chosen: list[int] = []
    for n in order:
        if len(chosen) >= room or value[n] < MIN_GAIN:
            break
        if is_new[n]:
            if new_room == 0:
                continue
            new_room -= 1
        chosen.append(int(n))
    if SAME_DAY_PRACTICE:
        # What was studied today and never answered: a first retrieval the same day (the
        # product's promise), in lesson order, in whatever room the valuable reviews left.
        studied_today = (
            is_new & (cols.last_review >= start.timestamp()) & (cols.last_review < end.timestamp())
        )
        studied_today[chosen] = False
        candidates = np.flatnonzero(studied_today)
        candidates = candidates[np.lexsort((cols.item_id[candidates],
                                            cols.position[candidates]))]  # fmt: skip
        chosen.extend(int(n) for n in candidates[: max(min(room - len(chosen), new_room), 0)])
    picks = [
        Pick(
            int(cols.item_id[n]),
            int(cols.module_id[n]),
            _REASONS[int(reason[n])],
            round(float(recall[n]), 4),
            round(float(value[n]), 4),
        )
        for n in chosen
    ]
    held_back = int(due.sum()) - (int(due[chosen].sum()) if chosen else 0)
    return PracticeSet(tuple(interleave(picks)), due_now, held_back, pace)


# Reasons as small integers while they are arrays.
_EARLY, _DUE, _DEADLINE, _NEW = 0, 1, 2, 3
_REASONS = (Reason.EARLY, Reason.DUE, Reason.DEADLINE, Reason.NEW)


def _values(
    history: History, cols: Columns, *, model: MemoryModel, now: dt.datetime, target: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Each item's value (expected gain in recall at the horizon from one review now,
    times its weight), its reason and its recall now."""
    at = now.timestamp()
    elapsed = np.maximum((at - cols.last_review) / _DAY, 0.0)
    recall = model.recall_many(cols.stability, elapsed)
    weight = cols.weight.copy()
    struggling = [s.module_id for s in history.setbacks if now - s.at <= SETBACK_WINDOW]
    if struggling:
        weight[np.isin(cols.module_id, struggling)] *= SETBACK_WEIGHT
    reason = np.where(recall < target, _DUE, _EARLY)
    horizon = np.full(len(cols), HORIZON_DAYS)
    ahead = cols.deadline > at  # NaN (no deadline) compares False
    if ahead.any():
        to_deadline = (cols.deadline[ahead] - at) / _DAY
        horizon[ahead] = np.minimum(HORIZON_DAYS, to_deadline)
        at_risk = np.zeros(len(cols), dtype=bool)
        at_risk[ahead] = (
            model.recall_many(cols.stability[ahead], elapsed[ahead] + to_deadline) < target
        )
        weight[at_risk] *= DEADLINE_WEIGHT
        reason[at_risk & (reason == _EARLY)] = _DEADLINE
    new = cols.reps == 0
    reason[new] = _NEW
    weight[new] *= FIRST_ANSWER_WEIGHT
    again, good = model.outcomes_many(cols.stability, cols.difficulty, elapsed)
    gain = (
        recall * model.recall_many(good, horizon)
        + (1 - recall) * model.recall_many(again, horizon)
        - model.recall_many(cols.stability, elapsed + horizon)
    )
    return gain * weight, reason, recall


def _best(
    value: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_], count: int
) -> npt.NDArray[np.intp]:
    """Indexes of the ``count`` highest values where ``mask`` holds, ties at the cut kept."""
    candidates = np.flatnonzero(mask)
    if count <= 0 or len(candidates) == 0:
        return candidates[:0]
    if len(candidates) <= count:
        return candidates
    values = value[candidates]
    cut = float(np.partition(values, len(values) - count)[len(values) - count])
    best: npt.NDArray[np.intp] = candidates[values >= cut]
    return best


def review_gain(
    model: MemoryModel, memory: Memory, *, now: dt.datetime, recall: float, horizon: float
) -> float:
    """Expected recall ``horizon`` days from now if reviewed now, minus if left alone."""
    elapsed = max((now - memory.last_review).total_seconds() / _DAY, 0.0)
    again, good = model.outcomes(memory, now)
    return (
        recall * model.recall_after(good, horizon)
        + (1 - recall) * model.recall_after(again, horizon)
        - model.recall_after(memory.stability, elapsed + horizon)
    )


def seconds_per_item(history: History) -> float:
    """The learner's own pace: the median duration of their latest answers (20 s until
    there are five), between 5 s and 2 min."""
    latest = sorted(history.answers, key=lambda a: a.answered_at)[-PACE_ANSWERS:]
    durations = [a.duration_ms for a in latest if a.duration_ms]
    if len(durations) < 5:
        return DEFAULT_SECONDS_PER_ITEM
    return min(max(statistics.median(durations) / 1000, 5.0), 120.0)


def interleave(picks: Sequence[Pick]) -> list[Pick]:
    """Round robin across modules, each module keeping its own order."""
    queues: dict[int, list[Pick]] = {}
    for pick in picks:
        queues.setdefault(pick.module_id, []).append(pick)
    ordered: list[Pick] = []
    lanes = [list(reversed(q)) for q in queues.values()]
    while lanes:
        for lane in lanes:
            ordered.append(lane.pop())
        lanes = [lane for lane in lanes if lane]
    return ordered
