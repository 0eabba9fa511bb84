"""Choosing what a learner practises now.

1. Due items first: an item in spaced review is due when its predicted recall has fallen
   below the target; a learning step is due at its (short) due time. An item whose
   enrollment has a deadline is also due when, left alone, its recall *on the deadline*
   would be below the target.
2. Most-forgotten and most-important first: urgency = (1 - recall) x weight, doubled for
   deadline items. After a long absence the backlog is not dumped: at most
   ``reviews_left_today`` are offered today, the rest wait for the next days.
3. Items are interleaved across modules (round robin, keeping each module's order).
   On a light day, up to ``pull_forward`` items closest to due are taken early (only
   those whose recall is already halfway from 1.0 down to the target).
4. Then a few new items (never practised) from modules the learner has studied, as many
   as the session and the daily allowance leave room for, and none while a backlog waits;
   each module's items come in lesson order, the modules taking turns.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from scheduler.memory import MemoryModel
from scheduler.timing import ensure_utc
from scheduler.types import Memory, Phase

_DAY = 86_400.0


class Reason(StrEnum):
    DUE = "due"
    DEADLINE = "deadline"
    EARLY = "early"  # not due yet, taken on a light day to even out the load
    NEW = "new"


@dataclass(frozen=True, slots=True)
class Candidate:
    item_id: int
    module_id: int
    memory: Memory | None  # None: never practised
    position: int = 0  # order of new items within their module
    deadline: dt.datetime | None = None  # "ready by" date of the enrollment
    weight: float = 1.0  # importance; above 1 for items worth extra practice


@dataclass(frozen=True, slots=True)
class Policy:
    target_retention: float = 0.9
    session_items: int = 15
    new_items_left_today: int = 5
    reviews_left_today: int = 60
    pull_forward: int = 0  # not-yet-due items that may be taken early (see scheduler.load)


@dataclass(frozen=True, slots=True)
class Pick:
    item_id: int
    module_id: int
    reason: Reason
    recall: float | None  # predicted now; None for new items


@dataclass(frozen=True, slots=True)
class PracticeSet:
    picks: tuple[Pick, ...]
    due_now: int  # items due in total
    held_back: int  # due items left for later days so that the backlog is spread


def choose(
    candidates: Iterable[Candidate], *, now: dt.datetime, model: MemoryModel, policy: Policy
) -> PracticeSet:
    """The practice session to offer at ``now``. Each item at most once."""
    now_ts = ensure_utc(now).timestamp()
    target = policy.target_retention
    # Taken early only once recall is at least halfway from 1.0 down to the target.
    early_below = target + (1 - target) / 2
    collect_early = policy.pull_forward > 0
    k, decay = model.factor / _DAY, model.decay
    # Plain tuples in the loop (urgency, item, module, reason, recall): this runs for
    # every item a learner has, so no objects are built until the session is chosen.
    due: list[tuple[float, int, int, Reason, float]] = []
    early: list[tuple[float, int, int, Reason, float]] = []
    fresh: list[Candidate] = []
    seen: set[int] = set()
    review_phase = Phase.REVIEW
    for c in candidates:
        item_id = c.item_id
        if item_id in seen:
            continue
        seen.add(item_id)
        memory = c.memory
        if memory is None:
            fresh.append(c)
            continue
        last_ts = memory.last_review.timestamp()
        elapsed = now_ts - last_ts if now_ts > last_ts else 0.0
        recall = (1 + k * elapsed / memory.stability) ** decay
        in_review = memory.phase is review_phase
        is_due = recall < target if in_review else memory.due.timestamp() <= now_ts
        weight, reason = c.weight, Reason.DUE
        if c.deadline is not None and c.deadline.timestamp() > now_ts:
            if is_due:
                weight *= 2
            elif (1 + k * (c.deadline.timestamp() - last_ts) / memory.stability) ** decay < target:
                is_due, reason, weight = True, Reason.DEADLINE, weight * 2
        if is_due:
            due.append((-(1 - recall) * weight, item_id, c.module_id, reason, recall))
        elif collect_early and in_review and recall < early_below:
            early.append((recall, item_id, c.module_id, Reason.EARLY, recall))

    today = max(min(policy.reviews_left_today, len(due)), 0)
    take = min(today, policy.session_items)
    chosen = [Pick(*entry[1:]) for entry in heapq.nsmallest(take, due)]
    held_back = len(due) - today
    picks = interleave(chosen)

    ahead = min(policy.session_items - len(picks), policy.pull_forward)
    if ahead > 0 and held_back == 0:
        picks += interleave([Pick(*entry[1:]) for entry in heapq.nsmallest(ahead, early)])

    room = min(policy.session_items - len(picks), policy.new_items_left_today)
    if room > 0 and held_back == 0 and fresh:
        fresh.sort(key=_new_order)
        picks += interleave([Pick(c.item_id, c.module_id, Reason.NEW, None) for c in fresh[:room]])
    return PracticeSet(tuple(picks), due_now=len(due), held_back=held_back)


def _new_order(c: Candidate) -> tuple[bool, float, int, int, int]:
    # Modules with a deadline first (soonest first); otherwise the first unseen item of
    # every module before the second of any, so that new material is interleaved too.
    deadline = c.deadline.timestamp() if c.deadline else 0.0
    return (c.deadline is None, deadline, c.position, c.module_id, c.item_id)


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
