"""The array forms of the memory model are the model: fsrs-rs and the scalar functions
give the same numbers, for default and for fitted weights, same-day reviews included."""

from __future__ import annotations

import random

import fsrs_rs_python
import numpy as np
import pytest

from scheduler.memory import DEFAULT_WEIGHTS, MemoryModel

# A fitted set (each default weight moved), as an organization's nightly fit may adopt.
FITTED = tuple(w * f for w, f in zip(DEFAULT_WEIGHTS, [1.2, 1.1, 0.95, 1.05] * 6, strict=False))


def random_states(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = random.Random(seed)
    stability = [rng.choice([0.01, 0.3, 1.0]) if n % 10 == 0 else rng.lognormvariate(1.5, 1.5)
                 for n in range(count)]  # fmt: skip
    difficulty = [rng.choice([1.0, 10.0]) if n % 7 == 0 else rng.uniform(1, 10)
                  for n in range(count)]  # fmt: skip
    # A quarter the same day (short-term formula), the rest up to three stabilities late.
    days = [rng.uniform(0, 0.99) if n % 4 == 0 else rng.uniform(1, 3 * s + 1)
            for n, s in enumerate(stability)]  # fmt: skip
    return np.array(stability), np.array(difficulty), np.array(days)


@pytest.mark.parametrize("weights", [DEFAULT_WEIGHTS, FITTED], ids=["default", "fitted"])
def test_outcomes_over_arrays_are_fsrs_rs_outcomes(weights: tuple[float, ...]) -> None:
    model = MemoryModel(weights)
    stability, difficulty, days = random_states(2_000, seed=7)
    again, good = model.outcomes_many(stability, difficulty, days)
    rs = fsrs_rs_python.FSRS(list(model.weights))
    for n in range(len(stability)):
        state = fsrs_rs_python.MemoryState(float(stability[n]), float(difficulty[n]))
        expected = rs.next_states(state, model.desired_retention, int(days[n]))
        assert again[n] == pytest.approx(expected.again.memory.stability, rel=1e-4), n
        assert good[n] == pytest.approx(expected.good.memory.stability, rel=1e-4), n


def test_recall_over_arrays_is_the_scalar_recall() -> None:
    model = MemoryModel(FITTED)
    stability, _, days = random_states(2_000, seed=3)
    many = model.recall_many(stability, days)
    assert [round(float(r), 12) for r in many] == [
        round(model.recall_after(float(s), float(d)), 12)
        for s, d in zip(stability, days, strict=True)
    ]
    assert ((many > 0) & (many <= 1)).all()
