"""The decision over arrays makes the same choices as the item-by-item one it replaced.

``reference`` is the per-item ``practice_set`` as it stood before (fsrs-rs called per
state, recall per state): on random learners with deadlines, setbacks, new items,
items studied and answered today, and duplicate listings, both choose the same items in
the same order, with the same reasons, recall and value (to the 4 places shown), due and
held-back counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections import Counter

import pytest

from scheduler.columns import Columns
from scheduler.history import Answer, History, ItemInfo, Setback, Settings, Study, memories
from scheduler.memory import MemoryModel
from scheduler.practice import (
    DEADLINE_WEIGHT,
    FIRST_ANSWER_WEIGHT,
    HORIZON_DAYS,
    MIN_GAIN,
    SETBACK_WEIGHT,
    SETBACK_WINDOW,
    Pick,
    Reason,
    interleave,
    practice_set,
    review_gain,
    seconds_per_item,
)
from scheduler.timing import local_date
from scheduler.types import Memory, Phase, Rating

NOW = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.UTC)
ZONE = "America/New_York"


def reference(history: History, *, settings: Settings, model: MemoryModel, minutes: float):
    """The item-by-item decision (before the arrays), kept as the specification."""
    memory = memories(history, model)
    pace = seconds_per_item(history)
    today = local_date(NOW, zone=ZONE)
    todays = Counter(
        a.item_id for a in history.answers if local_date(a.answered_at, zone=ZONE) == today
    )
    first_today = [i for i, n in todays.items() if i in memory and memory[i].reps <= n]
    session = max(1, math.floor(minutes * 60 / pace))
    room = min(session, max(settings.max_reviews_per_day - todays.total(), 0))
    new_room = max(settings.new_items_per_day - len(first_today), 0)
    target = settings.target_retention
    ranked = []
    by_id = {info.item_id: info for info in history.items}
    struggling = {s.module_id for s in history.setbacks if NOW - s.at <= SETBACK_WINDOW}
    due_now, seen = 0, set()
    for info in history.items:
        m = memory.get(info.item_id)
        if m is None or info.item_id in seen:
            continue
        seen.add(info.item_id)
        elapsed = max((NOW - m.last_review).total_seconds() / 86_400, 0.0)
        recall = model.recall_after(m.stability, elapsed)
        horizon, weight, reason = HORIZON_DAYS, info.weight, Reason.EARLY
        if info.module_id in struggling:
            weight *= SETBACK_WEIGHT
        if recall < target:
            reason = Reason.DUE
            due_now += 1
        if info.deadline is not None and info.deadline > NOW:
            to_deadline = (info.deadline - NOW).total_seconds() / 86_400
            horizon = min(horizon, to_deadline)
            if model.recall_after(m.stability, elapsed + to_deadline) < target:
                weight *= DEADLINE_WEIGHT
                if reason is Reason.EARLY:
                    reason = Reason.DEADLINE
        if m.reps == 0:
            reason = Reason.NEW
            weight *= FIRST_ANSWER_WEIGHT
        value = review_gain(model, m, now=NOW, recall=recall, horizon=horizon) * weight
        pick = Pick(info.item_id, info.module_id, reason, round(recall, 4), round(value, 4))
        ranked.append((-value, info.position, pick))
    ranked.sort(key=lambda r: (r[0], r[1], r[2].item_id))
    chosen = []
    for negative_value, _, pick in ranked:
        if len(chosen) >= room or -negative_value < MIN_GAIN:
            break
        if pick.reason is Reason.NEW:
            if new_room == 0:
                continue
            new_room -= 1
        chosen.append(pick)
    taken = {p.item_id for p in chosen}
    studied_today = [
        (by_id[pick.item_id].position, pick.item_id, pick)
        for _, _, pick in ranked
        if pick.reason is Reason.NEW and pick.item_id not in taken
        and local_date(memory[pick.item_id].last_review, zone=ZONE) == today
    ]  # fmt: skip
    for _, _, pick in sorted(studied_today)[: max(min(room - len(chosen), new_room), 0)]:
        chosen.append(pick)
        taken.add(pick.item_id)
    held_back = sum(1 for _, _, p in ranked if p.reason is Reason.DUE and p.item_id not in taken)
    return interleave(chosen), due_now, held_back


def learner(seed: int) -> History:
    rng = random.Random(seed)
    count = rng.randint(1, 400)
    items, states, studies, answers = [], {}, [], []
    for n in range(count):
        item = rng.randint(1, 10_000) if n % 50 == 49 else n + 1  # a few listed twice
        deadline = NOW + dt.timedelta(days=rng.uniform(-3, 20)) if rng.random() < 0.2 else None
        weight = rng.choice([1.0, 1.0, 1.0, 1.5])
        items.append(ItemInfo(item, rng.randint(1, 6), rng.randint(0, 5000), deadline, weight))
        kind = rng.random()
        if kind < 0.15:
            continue  # never met
        if kind < 0.3:  # studied, never answered; some of them today
            at = NOW - dt.timedelta(hours=rng.choice([1, 5, 30, 200]))
            studies.append(Study(item, at))
            continue
        stability = rng.lognormvariate(1.5, 1.4)
        last = NOW - dt.timedelta(days=rng.uniform(0, 2.5 * stability))
        today = rng.random() < 0.03  # answered today; half of them for the first time
        reps = rng.choice([1, 4]) if today else rng.randint(1, 15)
        due = last + dt.timedelta(days=stability)
        difficulty, lapses = rng.uniform(1, 10), rng.randint(0, 3)
        states[item] = Memory(stability, difficulty, Phase.REVIEW, None, last, due, reps, lapses)
        if today:
            answers.append(Answer(item, NOW - dt.timedelta(minutes=10), Rating.GOOD,
                                  rng.randint(4_000, 40_000), f"{item}-today"))  # fmt: skip
    model = MemoryModel()
    # States must be what a replay gives: studied items get their study's memory.
    states.update({k: v for k, v in memories(History((), tuple(studies)), model).items()
                   if k not in states})  # fmt: skip
    setbacks = (Setback(1, NOW - dt.timedelta(days=3)), Setback(2, NOW - dt.timedelta(days=30)))
    return History(tuple(items), tuple(studies), tuple(answers), states, setbacks)


@pytest.mark.parametrize("seed", range(60))
def test_arrays_choose_what_the_item_by_item_decision_chose(seed: int) -> None:
    history = learner(seed)
    model = MemoryModel()
    rng = random.Random(seed)
    settings = Settings(
        target_retention=rng.choice([0.8, 0.9, 0.95]),
        new_items_per_day=rng.choice([0, 3, 10]),
        max_reviews_per_day=rng.choice([8, 60, 200]),
    )
    minutes = rng.choice([1, 3, 5, 30])
    picks, due_now, held_back = reference(history, settings=settings, model=model, minutes=minutes)
    columns = Columns.of(history.items, memories(history, model))
    for given in (history, dataclasses.replace(history, columns=columns)):
        result = practice_set(
            given, settings=settings, zone=ZONE, now=NOW, model=model, minutes=minutes
        )
        # fsrs-rs computes in 32-bit floats: a value may round the other way at 4 places.
        assert [(p.item_id, p.module_id, p.reason) for p in result.picks] == [
            (p.item_id, p.module_id, p.reason) for p in picks
        ]
        for got, want in zip(result.picks, picks, strict=True):
            assert got.recall == pytest.approx(want.recall, abs=1.1e-4)
            assert got.value == pytest.approx(want.value, abs=1.1e-4)
        assert (result.due_now, result.held_back) == (due_now, held_back)


@pytest.mark.parametrize("seed", range(20))
def test_columns_of_loaded(seed: int) -> None:
    """A loader's rows (stored states, lessons studied without a state yet, items never
    met, duplicate listings) give the arrays the item-by-item history gives."""
    full = learner(seed)
    model = MemoryModel()
    studied = {s.item_id: s.at for s in full.studies}
    stored = {k: v for k, v in full.states.items() if k not in studied}
    # A loader's items all weigh 1 (weights are the scheduler's own, applied later).
    items = tuple(dataclasses.replace(info, weight=1.0) for info in full.items)
    history = dataclasses.replace(full, items=items, states=stored)

    def seconds(at: dt.datetime | None) -> float | None:
        return at.timestamp() if at is not None else None

    rows = [
        (
            info.item_id,
            info.module_id,
            info.position,
            info.deadline.timestamp() if info.deadline else math.nan,
            seconds(studied.get(info.item_id)),
            *(
                (m.stability, m.difficulty, m.last_review.timestamp(), m.reps)
                if (m := stored.get(info.item_id))
                else (None, None, None, None)
            ),
        )
        for info in history.items
    ]
    loaded = Columns.of_loaded(rows, model)
    expected = Columns.of(history.items, memories(history, model))
    assert studied and len(loaded) == len(expected)
    for field in dataclasses.fields(Columns):
        got, want = getattr(loaded, field.name), getattr(expected, field.name)
        assert got.tolist() == pytest.approx(want.tolist(), nan_ok=True), field.name
