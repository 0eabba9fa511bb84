"""Fitting FSRS-6 weights to a review log with fsrs-rs-python (the Rust optimizer).

Histories are per (learner, item): a list of reviews in time order. fsrs-rs counts
time in whole days, so delta_t is the number of UTC calendar days between reviews.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import fsrs_rs_python as fsrs_rs

from scheduler.evaluation import fsrs_predictor, log_loss, score
from scheduler.memory import MemoryModel
from scheduler.timing import ensure_utc
from scheduler.types import Review

# Anki asks for 400+ reviews before it lets FSRS optimize all weights; we ask for the
# same count of *scored* (next-day) reviews in the training part, which is stricter.
MIN_TRAINING_REVIEWS = 400


@dataclass(frozen=True, slots=True)
class FitResult:
    weights: tuple[float, ...]
    training_reviews: int  # scored (next-day) reviews the optimizer learned from
    holdout_reviews: int
    holdout_log_loss: float
    incumbent_log_loss: float  # the weights in force, on the same held-out reviews

    @property
    def better(self) -> bool:
        return self.holdout_log_loss < self.incumbent_log_loss


def training_items(histories: Sequence[Sequence[Review]]) -> list[fsrs_rs.FSRSItem]:
    """One item per review to predict (next-day ones): the history up to and including it."""
    items: list[fsrs_rs.FSRSItem] = []
    for history in histories:
        reviews: list[fsrs_rs.FSRSReview] = []
        previous = None
        for review in history:
            day = ensure_utc(review.answered_at).date()
            delta = 0 if previous is None else (day - previous).days
            reviews.append(fsrs_rs.FSRSReview(int(review.rating), delta))
            previous = day
            if len(reviews) > 1 and delta > 0:
                items.append(fsrs_rs.FSRSItem(list(reviews)))
    return items


def fit_weights(histories: Sequence[Sequence[Review]]) -> tuple[float, ...]:
    """FSRS-6 weights fitted to these histories (fsrs-rs starts from the defaults)."""
    items = training_items(histories)
    fitted = fsrs_rs.FSRS(fsrs_rs.DEFAULT_PARAMETERS).compute_parameters(items)
    return tuple(float(w) for w in fitted)


def fit_and_compare(
    histories: Mapping[Hashable, Sequence[Review]],
    *,
    holdout_fraction: float,
    incumbent: Sequence[float],
) -> FitResult | None:
    """Fit on the earlier reviews, score both weight sets on the later ones.

    The split is in time over all reviews, never shuffled. Returns None when the
    training part has fewer than MIN_TRAINING_REVIEWS scored reviews.
    """
    everything = sorted(
        (ensure_utc(r.answered_at), key) for key, history in histories.items() for r in history
    )
    if not everything:
        return None
    cut = everything[int(len(everything) * (1 - holdout_fraction))][0] if holdout_fraction else None
    train: dict[Hashable, list[Review]] = {}
    starts: dict[Hashable, int] = {}
    for key, history in histories.items():
        early = [r for r in history if cut is None or ensure_utc(r.answered_at) < cut]
        if early:
            train[key] = early
        starts[key] = len(early)
    training_reviews = len(training_items(list(train.values())))
    if training_reviews < MIN_TRAINING_REVIEWS:
        return None
    weights = fit_weights(list(train.values()))
    fitted = score(histories, starts, fsrs_predictor(MemoryModel(weights)))
    current = score(histories, starts, fsrs_predictor(MemoryModel(incumbent)))
    if not fitted:
        return None
    return FitResult(
        weights=weights,
        training_reviews=training_reviews,
        holdout_reviews=len(fitted),
        holdout_log_loss=log_loss(fitted),
        incumbent_log_loss=log_loss(current),
    )
