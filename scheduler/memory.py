"""The memory model: FSRS-6 through the ``fsrs`` package, kept inside this module.

Things we do differently from calling ``fsrs`` directly:
- Recall is computed from *fractional* elapsed days. ``fsrs`` counts whole days, so a
  review 20 hours after the previous one would be predicted at recall 1.0.
- A learner's state is a pure function of the ordered log: reviews are replayed in
  (answered_at, review_id) order, so a late offline review lands where it happened.
- No learning steps (fsrs's default: 1 and 10 minutes): a session is chosen whole, so a
  step could never be honoured and only cost an extra review at the next session. Every
  item is in spaced review from its first encounter, and "due" has one meaning: predicted
  recall below the target.
- Studying a lesson is an exposure (a first encounter rated Good), so studied items have
  a memory before anyone practised them.
Fuzz is off: the same log always gives the same state. What happens after a review
(``outcomes``) comes from fsrs-rs, the same FSRS-6 in Rust; for many items at once,
``recall_many`` and ``outcomes_many`` compute the same FSRS-6 formulas over numpy arrays
(a test holds them to fsrs-rs and to the scalar functions), because a decision over
thousands of items cannot afford a call or a ``datetime`` per item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import fsrs
import fsrs_rs_python
import numpy as np
import numpy.typing as npt

from scheduler.timing import ensure_utc
from scheduler.types import Memory, Phase, Rating, Review

DEFAULT_WEIGHTS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)
_DAY = 86_400.0
# fsrs-rs clamps every stability it returns to this range.
STABILITY_MIN, STABILITY_MAX = 0.001, 36_500.0

Floats = npt.NDArray[np.float64]


class MemoryModel:
    """FSRS-6 with one set of weights and a target retention."""

    def __init__(
        self, weights: Sequence[float] = DEFAULT_WEIGHTS, *, desired_retention: float = 0.9
    ) -> None:
        if not 0.5 < desired_retention < 1:
            raise ValueError("desired_retention must be between 0.5 and 1")
        self.weights = tuple(float(w) for w in weights)
        self.desired_retention = desired_retention
        self._fsrs = fsrs.Scheduler(
            parameters=self.weights,
            desired_retention=desired_retention,
            learning_steps=(),
            relearning_steps=(),
            enable_fuzzing=False,
        )
        self._rs = fsrs_rs_python.FSRS(list(self.weights))
        self.decay: float = -self.weights[20]
        self.factor: float = float(0.9 ** (1 / self.decay) - 1)

    # --- state ------------------------------------------------------------------------

    def review(self, memory: Memory | None, review: Review) -> Memory:
        """The state after one more review, which must not be older than the last one."""
        at = ensure_utc(review.answered_at)
        if memory is not None and at < memory.last_review:
            raise ValueError("review older than the state: replay the log instead")
        card = _to_card(memory)
        card, _ = self._fsrs.review_card(card, fsrs.Rating(int(review.rating)), at)
        practice = not review.exposure
        # Forgetting after any encounter, studying the lesson included, is a lapse.
        lapse = practice and memory is not None and review.rating is Rating.AGAIN
        stability = float(card.stability)  # type: ignore[arg-type]
        return Memory(
            stability=stability,
            difficulty=float(card.difficulty),  # type: ignore[arg-type]
            phase=Phase.REVIEW,
            step=None,
            last_review=at,
            due=at + self._interval(stability, self.desired_retention),
            reps=(memory.reps if memory else 0) + int(practice),
            lapses=(memory.lapses if memory else 0) + int(lapse),
        )

    def outcomes(self, memory: Memory, at: dt.datetime) -> tuple[float, float]:
        """Stability after a review at ``at`` that fails (Again) or succeeds (Good)."""
        days = max(int((ensure_utc(at) - memory.last_review).total_seconds() // _DAY), 0)
        state = fsrs_rs_python.MemoryState(memory.stability, memory.difficulty)
        after = self._rs.next_states(state, self.desired_retention, days)
        return float(after.again.memory.stability), float(after.good.memory.stability)

    def replay(self, reviews: Iterable[Review]) -> Memory | None:
        """The state the whole log gives, whatever order the reviews arrived in."""
        memory: Memory | None = None
        for review in sorted(reviews, key=lambda r: (ensure_utc(r.answered_at), r.review_id)):
            memory = self.review(memory, review)
        return memory

    def extend(self, memory: Memory, reviews: Iterable[Review]) -> Memory | None:
        """What ``replay`` of the whole log would give, from the state the earlier reviews
        made and these later ones: None when one of them is not later than the state's
        last review (an offline answer landing in the past), which only a replay places."""
        ordered = sorted(reviews, key=lambda r: (ensure_utc(r.answered_at), r.review_id))
        if not ordered or ensure_utc(ordered[0].answered_at) <= memory.last_review:
            return None
        for review in ordered:
            memory = self.review(memory, review)
        return memory

    # --- predictions ------------------------------------------------------------------

    def recall(self, memory: Memory, at: dt.datetime) -> float:
        """Predicted probability of recall at ``at`` (fractional days since the last review)."""
        return self.recall_since(memory.stability, memory.last_review, at)

    def recall_since(self, stability: float, last_review: dt.datetime, at: dt.datetime) -> float:
        """``recall`` from the two numbers it depends on, for callers streaming many states."""
        elapsed = (ensure_utc(at) - ensure_utc(last_review)).total_seconds() / _DAY
        return self.recall_after(stability, max(elapsed, 0.0))

    def recall_after(self, stability: float, days: float) -> float:
        return float((1 + self.factor * days / stability) ** self.decay)

    # --- the same, over arrays --------------------------------------------------------

    def recall_many(self, stability: Floats, days: Floats) -> Floats:
        """``recall_after`` element by element (as exp and log1p: cheaper than ``**``)."""
        return np.exp(self.decay * np.log1p(self.factor * days / stability))

    def outcomes_many(
        self, stability: Floats, difficulty: Floats, days: Floats
    ) -> tuple[Floats, Floats]:
        """``outcomes`` element by element: stability after Again and after Good, a review
        ``days`` after the last (fractional days are floored, as fsrs-rs counts them).
        FSRS-6: a same-day review uses the short-term formula."""
        w = self.weights
        whole = np.floor(days)
        lacking = 1 - self.recall_many(stability, whole)  # 1 - R at the review
        log_s = np.log(stability)
        # After a success (Good: no hard penalty, no easy bonus).
        good = np.exp(w[8] - w[9] * log_s)
        good *= 11 - difficulty
        good *= np.expm1(lacking * w[10])
        good += 1
        good *= stability
        # After a lapse, never above what a same-day lapse would leave.
        again = np.expm1(w[13] * np.log1p(stability))
        again *= np.exp(lacking * w[14] - w[12] * np.log(difficulty))
        again *= w[11]
        np.minimum(again, stability / np.exp(w[17] * w[18]), out=again)
        same_day = whole == 0
        if same_day.any():
            short = np.exp(-w[19] * log_s[same_day])
            s = stability[same_day]
            good[same_day] = s * np.maximum(np.exp(w[17] * w[18]) * short, 1.0)
            again[same_day] = s * np.exp(w[17] * (w[18] - 2)) * short
        np.clip(again, STABILITY_MIN, STABILITY_MAX, out=again)
        np.clip(good, STABILITY_MIN, STABILITY_MAX, out=good)
        return again, good

    def days_until(self, stability: float, retention: float) -> float:
        """Days after a review until recall falls to ``retention``."""
        return float(stability / self.factor * (retention ** (1 / self.decay) - 1))

    def next_review_at(self, memory: Memory, retention: float) -> dt.datetime:
        """When recall reaches ``retention``."""
        return memory.last_review + self._interval(memory.stability, retention)

    def _interval(self, stability: float, retention: float) -> dt.timedelta:
        return dt.timedelta(days=min(self.days_until(stability, retention), 36_500))


def _to_card(memory: Memory | None) -> fsrs.Card:
    # A card id is passed so that fsrs does not sleep to mint one.
    if memory is None:
        return fsrs.Card(card_id=1)
    # States stored before learning steps were dropped may still be in a step: FSRS-6
    # updates stability the same way from review.
    return fsrs.Card(
        card_id=1,
        state=fsrs.State.Review,
        step=None,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )


def is_mature(memory: Memory) -> bool:
    """Mature as Anki means it: remembered for three weeks at 90 %."""
    return memory.phase is Phase.REVIEW and memory.stability >= 21


__all__ = ["DEFAULT_WEIGHTS", "MemoryModel", "is_mature"]
