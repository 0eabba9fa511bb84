"""Scoring a memory model on review logs, the way srs-benchmark scores.

Only reviews on a later (UTC) day than the card's previous review are scored;
same-day reviews still update the state. y = 1 when the rating is above AGAIN.
Shared by the parameter fitting (held-out log loss) and ``bench/memory_model.py``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

from scheduler.memory import MemoryModel
from scheduler.timing import ensure_utc
from scheduler.types import Memory, Rating, Review

# Walks one history and returns a prediction (or None) for each review from ``start`` on.
Predictor = Callable[[Sequence[Review], int], list[float | None]]
_CLIP = 1e-4


@dataclass(frozen=True, slots=True)
class Scored:
    p: float  # predicted recall
    y: int  # 1 recalled, 0 forgotten
    days: float  # since the previous review
    reps: int  # reviews before this one
    lapses: int  # forgotten reviews before this one


def fsrs_predictor(model: MemoryModel) -> Predictor:
    def predict(history: Sequence[Review], start: int) -> list[float | None]:
        memory: Memory | None = None
        out: list[float | None] = []
        for i, review in enumerate(history):
            if i >= start:
                out.append(model.recall(memory, review.answered_at) if memory else None)
            memory = model.review(memory, review)
        return out

    return predict


def score(
    histories: Mapping[Hashable, Sequence[Review]],
    starts: Mapping[Hashable, int],
    predictor: Predictor,
) -> list[Scored]:
    """Predictions for the reviews of each history from its start index on (sorted input)."""
    scored: list[Scored] = []
    for key, history in histories.items():
        start = starts.get(key, len(history))
        if start >= len(history):
            continue
        lapses = sum(1 for r in history[1:start] if r.rating is Rating.AGAIN)
        for i, p in zip(range(start, len(history)), predictor(history, start), strict=True):
            review = history[i]
            if i > 0 and i >= max(start, 1):
                previous = history[i - 1]
                if p is not None and _day(review) > _day(previous):
                    days = (review.answered_at - previous.answered_at).total_seconds() / 86_400
                    scored.append(Scored(p, int(review.rating > Rating.AGAIN), days, i, lapses))
            if i > 0 and review.rating is Rating.AGAIN:
                lapses += 1
    return scored


def _day(review: Review) -> dt.date:
    return ensure_utc(review.answered_at).date()


def log_loss(scored: Sequence[Scored]) -> float:
    total = 0.0
    for s in scored:
        p = min(max(s.p, _CLIP), 1 - _CLIP)
        total -= s.y * math.log(p) + (1 - s.y) * math.log(1 - p)
    return total / len(scored)


def rmse_bins(scored: Sequence[Scored]) -> float:
    groups: dict[tuple[float, int, int], list[Scored]] = defaultdict(list)
    for s in scored:
        groups[_bin(s)].append(s)
    total = 0.0
    for group in groups.values():
        mean_y = sum(x.y for x in group) / len(group)
        mean_p = sum(x.p for x in group) / len(group)
        total += len(group) * (mean_y - mean_p) ** 2
    return math.sqrt(total / len(scored))


def _bin(s: Scored) -> tuple[float, int, int]:
    days = max(s.days, 1e-9)
    interval = round(2.48 * 3.62 ** math.floor(math.log(days) / math.log(3.62)), 2)
    count = round(1.99 * 1.89 ** math.floor(math.log(s.reps) / math.log(1.89)))
    lapse = round(1.65 * 1.73 ** math.floor(math.log(s.lapses) / math.log(1.73))) if s.lapses else 0
    return interval, count, lapse


def auc(scored: Sequence[Scored]) -> float:
    """Area under the ROC curve from ranks (Mann-Whitney U), ties averaged."""
    ordered = sorted(scored, key=lambda s: s.p)
    positives = sum(s.y for s in ordered)
    negatives = len(ordered) - positives
    if not positives or not negatives:
        return math.nan
    rank_sum, i = 0.0, 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and ordered[j].p == ordered[i].p:
            j += 1
        rank_sum += (i + j + 1) / 2 * sum(s.y for s in ordered[i:j])
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
