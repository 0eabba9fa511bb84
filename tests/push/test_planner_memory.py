"""The planner's one read of memory states against the rules it encodes, written out in
plain Python over the same states: random learners, modules, due times, free-recall
items and recent recaps, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Item, ItemKind, MemoryState, RecapLog
from api.services.due import MIN_DUE_FOR_REMINDER, active_states
from api.services.planner import RECAP_SPACING, _memory
from tests.factories import (
    EnrollmentFactory,
    ItemFactory,
    LessonFactory,
    ModuleFactory,
    UserFactory,
)
from tests.push.helpers import MONDAY_10_BERLIN, memory_state

NOW = MONDAY_10_BERLIN


def random_learners(db: Session, rng: random.Random, count: int) -> list[int]:
    organization = UserFactory().organization
    modules = []
    for _ in range(3):
        module = ModuleFactory(organization=organization)
        lesson = LessonFactory(module=module)
        items = []
        for _ in range(rng.randint(1, 6)):
            free = rng.random() < 0.3
            items.append(
                ItemFactory(
                    lesson=lesson,
                    kind=ItemKind.FREE_RECALL if free else ItemKind.SINGLE_CHOICE,
                    options=[] if free else ["Yes", "No"],
                    answer={"model_answer": "Say it."} if free else {"correct": [0]},
                )
            )
        modules.append((module, items))
    ids = []
    for _ in range(count):
        learner = UserFactory(organization=organization)
        ids.append(learner.id)
        for module, items in rng.sample(modules, rng.randint(0, 3)):
            EnrollmentFactory(user=learner, module=module, status="completed")
            for item in rng.sample(items, rng.randint(0, len(items))):
                # Whole hours, some shared: ties are broken by item id, as the rules say.
                due_at = NOW + dt.timedelta(hours=rng.choice([-50, -3, -3, 5, 20, 30, 30, 90]))
                db.add(memory_state(learner, item, due_at=due_at))
            if rng.random() < 0.3:
                ago = dt.timedelta(days=rng.choice([1, 2, 4]))
                db.add(RecapLog(user_id=learner.id, module_id=module.id, studied_at=NOW - ago))
    db.flush()
    return ids


def by_rules(db: Session, ids: list[int]):
    """What ``_memory`` promises, computed learner by learner from their active states."""
    states: dict[int, list[MemoryState]] = {}
    for ms in db.scalars(active_states(ids)):
        states.setdefault(ms.user_id, []).append(ms)
    recent: dict[tuple[int, int], dt.datetime] = {}
    for log in db.query(RecapLog).filter(RecapLog.studied_at >= NOW - RECAP_SPACING):
        key = (log.user_id, log.module_id)
        recent[key] = max(log.studied_at, recent.get(key, log.studied_at))
    kinds = dict(db.execute(select(Item.id, Item.kind)).all())
    due, recaps, coming = {}, {}, {}
    horizon = NOW + dt.timedelta(days=1)
    for user_id, mine in states.items():
        mine.sort(key=lambda s: (s.fsrs_due_at, s.item_id))
        soon = [s for s in mine if s.fsrs_due_at <= horizon]
        if soon:
            top = min(soon, key=lambda s: (kinds[s.item_id] == ItemKind.FREE_RECALL,))
            due[user_id] = (len(soon), top.item_id)
        when = {}
        if len(mine) >= MIN_DUE_FOR_REMINDER:
            when["due_enough_at"] = mine[MIN_DUE_FOR_REMINDER - 1].fsrs_due_at - dt.timedelta(
                days=1
            )
        for module_id in sorted({s.module_id for s in mine}):
            of = [s for s in mine if s.module_id == module_id]
            last = recent.get((user_id, module_id))
            due_now = sum(s.fsrs_due_at <= NOW for s in of)
            if len(of) >= 2 and 2 * due_now >= len(of) and last is None:
                recaps.setdefault(user_id, module_id)
            if len(of) >= 2:
                at = of[(len(of) + 1) // 2 - 1].fsrs_due_at
                at = max(at, last + RECAP_SPACING) if last is not None else at
                if at > NOW:
                    when["recap_at"] = min(at, when.get("recap_at", at))
        if when:
            coming[user_id] = when
    return due, recaps, coming


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_read_of_memory_states_follows_the_rules(db: Session, seed: int) -> None:
    ids = random_learners(db, random.Random(seed), 25)
    due, recaps, coming = _memory(db, ids, NOW)
    want_due, want_recaps, want_coming = by_rules(db, ids)
    assert {u: (d["count"], d["item"]["id"]) for u, d in due.items()} == want_due
    assert {u: r["module_id"] for u, r in recaps.items()} == want_recaps
    assert {u: c for u, c in coming.items() if c} == want_coming
    assert want_due and want_recaps and want_coming  # the cases occur
