"""The target retention that keeps the most remembered per minute, for given weights.

fsrs-rs-python simulates a learner under FSRS-6 (``simulate``) and searches the retention
that minimizes time per item remembered (``optimal_retention``). We run it with the
organization's practice settings as the day's limits (minutes, new items, reviews) and no
learning steps, as Bitewise practises, and report the figure for the current setting
beside the recommendation: an admin decides, nothing is applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import fsrs_rs_python

LOWEST, HIGHEST = 0.70, 0.97  # the settings' range
SIMULATED_DAYS = 365
SEED = 7


@dataclass(frozen=True, slots=True)
class Recommendation:
    current: float
    recommended: float
    # Items remembered at the end of the simulated year, per minute of practice in it.
    remembered_per_minute_current: float
    remembered_per_minute_recommended: float
    items: int
    days: int


def recommend(
    weights: Sequence[float],
    *,
    current: float,
    items: int,
    session_minutes: int,
    new_items_per_day: int,
    max_reviews_per_day: int,
) -> Recommendation:
    """What the organization's weights say about its target retention."""
    config = fsrs_rs_python.default_simulator_config()
    config.deck_size = max(items, 1)
    config.learn_span = SIMULATED_DAYS
    config.max_cost_perday = float(session_minutes * 60)
    config.learn_limit = new_items_per_day
    config.review_limit = max_reviews_per_day
    config.learning_step_count = 0
    config.relearning_step_count = 0
    w = list(weights)
    best = float(fsrs_rs_python.optimal_retention(config, w))
    best = round(min(max(best, LOWEST), HIGHEST), 2)

    def per_minute(retention: float) -> float:
        run = fsrs_rs_python.simulate(w, retention, config, SEED)
        minutes = sum(run.cost_per_day) / 60
        return round(run.memorized_cnt_per_day[-1] / minutes, 3) if minutes else 0.0

    return Recommendation(
        current=current,
        recommended=best,
        remembered_per_minute_current=per_minute(current),
        remembered_per_minute_recommended=per_minute(best),
        items=items,
        days=SIMULATED_DAYS,
    )
