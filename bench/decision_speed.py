"""How fast the next practice set is chosen for a learner with many item states.

Run:
    .venv/bin/python bench/decision_speed.py [--items 10000] [--repeat 20]

Compares ``scheduler.practice.practice_set`` (recall and the expected gain of a review
for every state, over arrays) with the naive loop: build an ``fsrs.Card`` per state, ask
``Scheduler.get_card_retrievability`` for each, sort everything (which knows nothing of
the gain). ``practice_set`` is timed twice: given the states as arrays
(``scheduler.columns``, as a loader reading columns hands them over) and given them as
``Memory`` objects (building the arrays included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fsrs

from scheduler.columns import Columns
from scheduler.history import History, ItemInfo, Settings
from scheduler.memory import MemoryModel
from scheduler.practice import practice_set
from scheduler.types import Memory, Phase

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def states(count: int, seed: int = 1) -> dict[int, Memory]:
    rng = random.Random(seed)
    out = {}
    for item in range(count):
        stability = rng.lognormvariate(2.0, 1.2)
        last = NOW - dt.timedelta(days=rng.uniform(0, 3 * stability))
        memory = Memory(
            stability,
            rng.uniform(1, 10),
            Phase.REVIEW,
            None,
            last,
            last + dt.timedelta(days=stability),
            rng.randint(1, 20),
            rng.randint(0, 3),
        )
        out[item] = memory
    return out


def naive(memories: dict[int, Memory], scheduler: fsrs.Scheduler, session_items: int) -> list[int]:
    scored = []
    for item_id, m in memories.items():
        card = fsrs.Card(
            card_id=item_id + 1,
            state=fsrs.State.Review,
            stability=m.stability,
            difficulty=m.difficulty,
            due=m.due,
            last_review=m.last_review,
        )
        recall = scheduler.get_card_retrievability(card, NOW)
        if recall < 0.9:
            scored.append((recall, item_id))
    scored.sort()
    return [item for _, item in scored[:session_items]]


def timed(fn, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), max(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    memories = states(args.items)
    model = MemoryModel()
    items = tuple(ItemInfo(i, i % 12) for i in memories)
    objects = History(items=items, states=memories)
    arrays = History(items=items, states=memories, columns=Columns.of(items, memories))

    def ours(history: History):
        return practice_set(history, settings=Settings(), zone="UTC", now=NOW, model=model)

    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    theirs = timed(lambda: naive(memories, scheduler, 15), args.repeat)
    given_arrays = timed(lambda: ours(arrays), args.repeat)
    given_objects = timed(lambda: ours(objects), args.repeat)
    chosen = ours(arrays)
    assert chosen == ours(objects)
    print(f"# {args.items} item states, {chosen.due_now} due, session of {len(chosen.picks)}")
    print(f"naive fsrs loop:            median {theirs[0]:7.2f} ms  max {theirs[1]:7.2f} ms")
    for name, (median, most) in (("arrays", given_arrays), ("Memory objects", given_objects)):
        print(
            f"practice_set, {name + ':':16s} median {median:7.2f} ms  max {most:7.2f} ms"
            f"  ({theirs[0] / median:.1f}x faster than the naive loop)"
        )


if __name__ == "__main__":
    main()
