"""The policy must keep earning its keep: a small seeded run of bench/learning_sim.py.

Eight simulated learners (a few seconds, not a benchmark). The thresholds are below what
the full run shows (bench/README.md) so that only a real regression fails them.
"""

from __future__ import annotations

import statistics

import pytest

from bench.learning_sim import POLICIES, WEEKS, make_learner, simulate

LEARNERS = range(2026, 2034)


def mean_of(policy: str, minutes: int) -> tuple[float, float, float]:
    runs = [simulate("standard", make_learner(s, WEEKS * 7), policy, minutes) for s in LEARNERS]
    return (
        statistics.fmean(r["recall"][30] for r in runs),
        statistics.fmean(r["reviews"] for r in runs),
        statistics.fmean(r["never_practised"] for r in runs),
    )


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, int], tuple[float, float, float]]:
    return {(p, m): mean_of(p, m) for p in POLICIES for m in (1, 3, 5)}


@pytest.mark.parametrize("minutes", [1, 3])
def test_bitewise_beats_every_baseline_at_small_budgets(results, minutes: int) -> None:
    ours = results["bitewise", minutes][0]
    best = max(results[p, minutes][0] for p in POLICIES if p != "bitewise")
    assert ours > best + (0.01 if minutes == 1 else 0.025), (ours, best)


def test_at_five_minutes_as_good_as_plain_fsrs_with_fewer_reviews(results) -> None:
    ours, reviews, _ = results["bitewise", 5]
    plain, plain_reviews, _ = results["fsrs_due_first", 5]
    assert ours >= plain and reviews <= plain_reviews


def test_studied_items_are_practised_soon(results) -> None:
    # Outside the week back from the absence (three modules studied on three days, more
    # than 3-minute sessions can first-answer) every studied item is practised within two
    # sessions; the baselines leave most of them waiting.
    assert results["bitewise", 3][2] < 0.1 and results["bitewise", 5][2] < 0.01
    assert results["fsrs_due_first", 3][2] > 0.5
