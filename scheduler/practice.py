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

from scheduler.history import History, Settings, memories
from scheduler.memory import MemoryModel
from scheduler.timing import ensure_utc, local_date
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
    """The practice session to offer at ``now``: each item at most once, best first."""
    now = ensure_utc(now)
    memory = memories(history, model)
    pace = seconds_per_item(history)
    today = local_date(now, zone=zone)
    todays = Counter(
        a.item_id for a in history.answers if local_date(a.answered_at, zone=zone) == today
    )
    # Started today: every answer the item ever had was today's.
    first_today = [i for i, n in todays.items() if i in memory and memory[i].reps <= n]
    session = max(1, math.floor((minutes or settings.session_minutes) * 60 / pace))
    room = min(session, max(settings.max_reviews_per_day - todays.total(), 0))
    new_room = max(settings.new_items_per_day - len(first_today), 0)
    target = settings.target_retention

    ranked: list[tuple[float, int, Pick]] = []
    by_id = {info.item_id: info for info in history.items}
    struggling = {s.module_id for s in history.setbacks if now - s.at <= SETBACK_WINDOW}
    due_now = 0
    seen: set[int] = set()
    for info in history.items:
        m = memory.get(info.item_id)
        if m is None or info.item_id in seen:
            continue  # never met: the lesson comes first
        seen.add(info.item_id)
        elapsed = max((now - m.last_review).total_seconds() / _DAY, 0.0)
        recall = model.recall_after(m.stability, elapsed)
        horizon, weight, reason = HORIZON_DAYS, info.weight, Reason.EARLY
        if info.module_id in struggling:
            weight *= SETBACK_WEIGHT
        if recall < target:
            reason = Reason.DUE
            due_now += 1
        if info.deadline is not None and info.deadline > now:
            to_deadline = (info.deadline - now).total_seconds() / _DAY
            horizon = min(horizon, to_deadline)
            if model.recall_after(m.stability, elapsed + to_deadline) < target:
                weight *= DEADLINE_WEIGHT
                if reason is Reason.EARLY:
                    reason = Reason.DEADLINE
        if m.reps == 0:
            reason = Reason.NEW
            weight *= FIRST_ANSWER_WEIGHT
        value = review_gain(model, m, now=now, recall=recall, horizon=horizon) * weight
        pick = Pick(info.item_id, info.module_id, reason, round(recall, 4), round(value, 4))
        ranked.append((-value, info.position, pick))

    ranked.sort(key=lambda r: (r[0], r[1], r[2].item_id))
    chosen: list[Pick] = []
    for negative_value, _, pick in ranked:
        if len(chosen) >= room or -negative_value < MIN_GAIN:
            break
        if pick.reason is Reason.NEW:
            if new_room == 0:
                continue
            new_room -= 1
        chosen.append(pick)
    taken = {p.item_id for p in chosen}
    if SAME_DAY_PRACTICE:
        # What was studied today and never answered: a first retrieval the same day (the
        # product's promise), in lesson order, in whatever room the valuable reviews left.
        studied_today = [
            (info.position, info.item_id, pick)
            for _, _, pick in ranked
            if pick.reason is Reason.NEW and pick.item_id not in taken
            for info in (by_id[pick.item_id],)
            if local_date(memory[pick.item_id].last_review, zone=zone) == today
        ]
        for _, _, pick in sorted(studied_today)[: max(min(room - len(chosen), new_room), 0)]:
            chosen.append(pick)
            taken.add(pick.item_id)
    held_back = sum(1 for _, _, p in ranked if p.reason is Reason.DUE and p.item_id not in taken)
    return PracticeSet(tuple(interleave(chosen)), due_now, held_back, pace)


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
