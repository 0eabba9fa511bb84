"""The items a learner has met, as arrays: what a decision over many items reads.

A per-item Python loop (a ``datetime`` subtraction, a call into the model) costs about a
microsecond an item; over arrays the whole decision for 10,000 items takes about 0.6 ms
(``bench/decision_speed.py``). ``Columns.of`` builds them from items and memories; a
loader that reads its rows column by column can build them directly.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scheduler.history import ItemInfo
from scheduler.memory import MemoryModel
from scheduler.types import Memory, Rating, Review

# A loader's row: item, module, position, deadline (POSIX seconds; None or NaN: none),
# when its lesson was studied (POSIX seconds or None), then the stored memory's
# stability, difficulty, last review (POSIX seconds) and reps, None where none is stored.
Loaded = tuple[int, int, int, float | None, float | None, float | None, float | None, float | None,
               int | None]  # fmt: skip

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Columns:
    """One entry per item met (an item listed twice keeps its first listing). Times are
    POSIX seconds; ``deadline`` is NaN where the enrollment has none."""

    item_id: Ints
    module_id: Ints
    position: Ints
    weight: Floats
    deadline: Floats
    stability: Floats
    difficulty: Floats
    last_review: Floats
    reps: Ints

    def __len__(self) -> int:
        return len(self.item_id)

    @classmethod
    def of(cls, items: Iterable[ItemInfo], memory: Mapping[int, Memory]) -> Columns:
        rows: list[tuple[int, int, int, float, float, float, float, float, int]] = []
        seen: set[int] = set()
        for info in items:
            m = memory.get(info.item_id)
            if m is None or info.item_id in seen:
                continue  # never met: the lesson comes first
            seen.add(info.item_id)
            deadline = info.deadline.timestamp() if info.deadline is not None else math.nan
            rows.append(
                (
                    info.item_id,
                    info.module_id,
                    info.position,
                    info.weight,
                    deadline,
                    m.stability,
                    m.difficulty,
                    m.last_review.timestamp(),
                    m.reps,
                )
            )
        return cls.from_rows(rows)

    @classmethod
    def of_loaded(cls, rows: Iterable[Loaded], model: MemoryModel) -> Columns:
        """From a loader's rows, one per item the learner may practise: the item's stored
        memory where it has one, else, if its lesson was studied, the memory that study
        gave it (one replay per study moment), else the item is not met yet.

        The same as ``of(items, memories(history, model))`` for a history whose states
        are the stored ones, without a Python object per item (``test_columns_of_loaded``).
        """
        met: list[tuple[int, int, int, float, float, float, float, float, int]] = []
        studied: dict[float, Memory | None] = {}
        seen: set[int] = set()
        memory: tuple[float, float, float, int]
        for item, module, position, deadline, studied_at, stability, difficulty, last, reps in rows:
            if item in seen:
                continue
            if stability is not None:
                assert difficulty is not None and last is not None and reps is not None
                memory = (stability, difficulty, last, reps)
            elif studied_at is not None:
                if studied_at not in studied:
                    at = dt.datetime.fromtimestamp(studied_at, dt.UTC)
                    studied[studied_at] = model.replay([Review(at, Rating.GOOD, "", exposure=True)])
                replayed = studied[studied_at]
                if replayed is None:
                    continue
                memory = (replayed.stability, replayed.difficulty, studied_at, replayed.reps)
            else:
                continue  # never met: the lesson comes first
            seen.add(item)
            met.append(
                (item, module, position, 1.0, math.nan if deadline is None else deadline, *memory)
            )
        return cls.from_rows(met)

    @classmethod
    def from_rows(
        cls, rows: list[tuple[int, int, int, float, float, float, float, float, int]]
    ) -> Columns:
        """From (item, module, position, weight, deadline, stability, difficulty, last
        review, reps) tuples, times in POSIX seconds."""
        if not rows:
            empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0, np.float64)
            return cls(empty_i, empty_i, empty_i, empty_f, empty_f, empty_f, empty_f, empty_f,
                       empty_i)  # fmt: skip
        item, module, position, weight, deadline, stability, difficulty, last, reps = zip(
            *rows, strict=True
        )
        return cls(
            item_id=np.array(item, dtype=np.int64),
            module_id=np.array(module, dtype=np.int64),
            position=np.array(position, dtype=np.int64),
            weight=np.array(weight, dtype=np.float64),
            deadline=np.array(deadline, dtype=np.float64),
            stability=np.array(stability, dtype=np.float64),
            difficulty=np.array(difficulty, dtype=np.float64),
            last_review=np.array(last, dtype=np.float64),
            reps=np.array(reps, dtype=np.int64),
        )
