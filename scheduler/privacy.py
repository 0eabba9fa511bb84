"""When group figures may be released, and how, without singling anyone out.

Three rules, each closing what the others leave open:

1. **Who counts.** A group's size is the number of its learners who have signed in and
   are enrolled (in the module, for a module's figures): people an admin can invent or
   move in without data are not counted. Each figure also rests on at least ``k`` people
   with data *in that figure* (recall: learners who have practised; outcomes: learners
   who answered; an item: learners who practised it).
2. **Frozen releases** (the API's part): figures are computed once per organization and
   week, after the week ends, for every cell (the organization, each team; all modules,
   each module) over the membership of that moment, and stored. Asking again, around a
   role change, a team move or an erasure, returns the same numbers.
3. **Noise.** Every figure made from learners' practice carries noise from OpenDP's
   Laplace mechanism, calibrated to the most one learner can change it: ``EPSILON`` per
   figure, spent once per cell and week. Differencing two cells (an organization minus a
   team, a team before and after a move, the same team across weeks) leaves the attacker
   with two noise draws whose difference is several times one person's whole range.

Enrollment and completion counts stay exact: admins see them per person anyway
(``GET /enrollments``, a compliance need).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

MIN_K = 3
# Privacy loss per released figure (ε-differential privacy, Laplace mechanism).
EPSILON = 1.0
# One learner's outcomes counted in a week's histogram of all modules: at most this many.
MAX_OUTCOMES_PER_LEARNER = 3
HARD_ITEMS = 5
OUTCOMES = ("worked", "mixed", "not_yet")
# Half-width of the 90 % interval of Laplace noise of scale b is b * ln(10).
_MARGIN = math.log(10)

Noise = Callable[[float, float], float]
"""(value, scale) -> value with Laplace noise of that scale."""


def group_visible(*, size: int, whole: int | None, k: int) -> tuple[bool, str | None]:
    """Whether figures over ``size`` learners may be shown, and if not, why.

    ``whole`` is the size of the unfiltered group this one was cut from (None: not cut).
    """
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    if size < k:
        return False, f"Fewer than {k} learners with data in this group: figures are withheld."
    if whole is not None and 0 < whole - size < k:
        return False, (
            f"This filter leaves out fewer than {k} learners of the team, who could be "
            "singled out by comparing with the whole team: figures are withheld."
        )
    return True, None


@cache
def _laplace(scale: float) -> Callable[[float], float]:
    import opendp.prelude as dp  # a large native library: loaded when first released

    dp.enable_features("contrib")
    return dp.m.make_laplace(
        dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), scale=scale
    )


def opendp_noise(value: float, scale: float) -> float:
    """Laplace noise from OpenDP (its sampler resists floating-point attacks)."""
    return float(_laplace(scale)(float(value)))


class Cell:
    """One cell's figures as they build up, learner by learner: sums, never lists.

    ``add`` takes one learner's own values; what one learner may contribute is bounded
    here, which is what the noise in ``release`` is calibrated to.
    """

    def __init__(self, *, per_module: bool) -> None:
        self.per_module = per_module
        self.learners = 0
        self.enrollments = 0
        self.completed = 0
        self.active = 0
        self.recall = [0, 0.0, 0.0]  # learners, sum of their mean recall now, in 30 days
        self.answered = 0
        self.outcomes = dict.fromkeys(OUTCOMES, 0)
        # item -> [learners, sum of lapses per review, sum of difficulty]
        self.items: dict[int, list[float]] = {}

    def add(
        self,
        *,
        enrollments: int,
        completed: int,
        active: bool,
        recall: tuple[float, float] | None,
        outcomes: Sequence[str],
        items: Iterable[tuple[int, float, float]],
    ) -> None:
        """One learner: their enrollments in the cell, whether they practised this week,
        their mean recall (None: never practised), outcomes answered this week, and each
        practised item's (id, lapses per review, difficulty)."""
        self.learners += 1
        self.enrollments += enrollments
        self.completed += completed
        self.active += active
        if recall is not None:
            self.recall[0] += 1
            self.recall[1] += _unit(recall[0])
            self.recall[2] += _unit(recall[1])
        if outcomes:
            self.answered += 1
            for outcome in list(outcomes)[: self.outcome_cap]:
                self.outcomes[outcome] += 1
        for item_id, lapse_rate, difficulty in items:
            sums = self.items.setdefault(item_id, [0, 0.0, 0.0])
            sums[0] += 1
            sums[1] += _unit(lapse_rate)
            sums[2] += min(10.0, max(1.0, difficulty))

    @property
    def outcome_cap(self) -> int:
        return 1 if self.per_module else MAX_OUTCOMES_PER_LEARNER


def release(
    cell: Cell, *, whole: int | None, k: int, with_state: bool, noise: Noise = opendp_noise
) -> dict[str, Any]:
    """The figures of one cell and week as they may be shown, or why they may not.

    ``whole`` is the learners of the unfiltered group (a module's cell is cut from its
    team's or the organization's). Without ``with_state`` (a week released after later
    weeks: no memory of that time is kept) only the week's activity is released.
    """
    visible, reason = group_visible(size=cell.learners, whole=whole, k=k)
    if not visible:
        return {"withheld": True, "reason": reason}
    scale = 1 / EPSILON
    out: dict[str, Any] = {
        "withheld": False,
        "reason": None,
        "learners": cell.learners,
        "enrollment": {"enrollments": cell.enrollments, "completed": cell.completed},
        "active_learners": _count(cell.active, scale, noise),
        "margins": {"active_learners": _margin(scale)},
        "application": _outcomes(cell, k, noise),
    }
    if with_state:
        out["recall"], out["margins"]["recall"] = _recall(cell, k, scale, noise)
        out["hard_items"] = _hard_items(cell, k, scale, noise)
    return out


def _count(true: float, scale: float, noise: Noise) -> int:
    return max(0, round(noise(true, scale)))


def _margin(scale: float, n: int = 1) -> float:
    return round(scale * _MARGIN / n, 3)


def _recall(
    cell: Cell, k: int, scale: float, noise: Noise
) -> tuple[dict[str, float | None], float | None]:
    n, now, later = cell.recall
    if n < k:
        return {"now": None, "in_30_days": None}, None
    # A learner's mean recall lies in [0, 1]: one person moves each sum by at most 1.
    return (
        {
            "now": round(_unit(noise(now, scale) / n), 3),
            "in_30_days": round(_unit(noise(later, scale) / n), 3),
        },
        _margin(scale, int(n)),
    )


def _outcomes(cell: Cell, k: int, noise: Noise) -> dict[str, int | None]:
    if cell.answered < k:
        return dict.fromkeys(OUTCOMES)
    # One learner changes the histogram by at most ``outcome_cap`` in all.
    scale = cell.outcome_cap / EPSILON
    return {name: _count(n, scale, noise) for name, n in cell.outcomes.items()}


def _hard_items(cell: Cell, k: int, scale: float, noise: Noise) -> list[dict[str, Any]]:
    ranked = []
    for item_id, (n, lapses, difficulty) in cell.items.items():
        if n < k:
            continue
        lapse_rate = _unit(noise(lapses, scale) / n)
        # Difficulty runs from 1 to 10: one learner moves the sum by at most 9.
        mean_difficulty = min(10.0, max(1.0, noise(difficulty, 9 * scale) / n))
        ranked.append((-lapse_rate, -mean_difficulty, item_id, int(n)))
    ranked.sort()
    return [
        {
            "item_id": item_id,
            "learners": n,
            "lapse_rate": round(-rate, 3),
            "mean_difficulty": round(-difficulty, 2),
        }
        for rate, difficulty, item_id, n in ranked[:HARD_ITEMS]
    ]


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))
