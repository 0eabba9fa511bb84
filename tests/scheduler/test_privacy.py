"""The release rules: who counts towards K, what one learner may move, how much noise."""

from __future__ import annotations

import statistics

import pytest

from scheduler.privacy import EPSILON, Cell, group_visible, release


@pytest.mark.parametrize(
    ("size", "whole", "k", "visible"),
    [
        (5, None, 5, True),
        (4, None, 5, False),
        (3, None, 3, True),
        (6, 6, 5, True),  # the filter leaves nobody out
        (5, 6, 5, False),  # it leaves out one person: team minus group = that person
        (5, 10, 5, True),  # it leaves out five: as anonymous as the group itself
        (9, 12, 5, False),
    ],
)
def test_groups_and_what_they_leave_out_must_both_hide_individuals(size, whole, k, visible) -> None:
    shown, reason = group_visible(size=size, whole=whole, k=k)
    assert shown is visible
    assert (reason is None) is visible


def test_k_is_never_below_three() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        group_visible(size=10, whole=None, k=2)


def exact(value: float, scale: float) -> float:
    return value


def cell(recalls: list[float], *, outcomes: list[list[str]] | None = None) -> Cell:
    c = Cell(per_module=False)
    for n, r in enumerate(recalls):
        c.add(
            enrollments=1,
            completed=0,
            active=True,
            recall=(r, r / 2),
            outcomes=(outcomes or [[]] * len(recalls))[n],
            items=[],
        )
    return c


def test_one_learner_moves_a_figure_by_a_bounded_amount() -> None:
    # Out-of-range values (a bug upstream) are clipped, and a learner's outcomes beyond
    # three a week are not counted: that bound is what the noise is calibrated to.
    c = cell([1.7, 0.5, 0.5, 0.5, 0.5], outcomes=[["worked"] * 9] + [["mixed"]] * 4)
    figures = release(c, whole=None, k=5, with_state=True, noise=exact)
    assert figures["recall"]["now"] == round((1 + 0.5 * 4) / 5, 3)
    assert figures["application"] == {"worked": 3, "mixed": 4, "not_yet": 0}


def attacker_error(trials: int) -> list[float]:
    """An admin's best estimate of one learner's recall from two releases that differ by
    that learner only (an organization minus a team, a team before and after a move)."""
    others = [0.8, 0.6, 0.9, 0.7, 0.75]
    target = 0.3
    errors = []
    for _ in range(trials):
        with_target = release(cell([*others, target]), whole=None, k=5, with_state=True)
        without = release(cell(others), whole=None, k=5, with_state=True)
        guess = with_target["recall"]["now"] * 6 - without["recall"]["now"] * 5
        errors.append(abs(guess - target))
    return errors


def test_differencing_two_releases_does_not_reveal_the_learner() -> None:
    errors = attacker_error(400)
    # Laplace noise of scale 1/ε on each sum: the difference is off by more than one
    # learner's whole range half the time, and rarely close enough to tell anything.
    assert statistics.median(errors) > 0.5 / EPSILON
    assert sum(e < 0.1 for e in errors) / len(errors) < 0.15


def test_noise_is_unbiased_and_as_wide_as_the_margin_says() -> None:
    c = cell([0.5] * 50)
    draws = [release(c, whole=None, k=5, with_state=True) for _ in range(400)]
    values = [d["recall"]["now"] for d in draws]
    margin = draws[0]["margins"]["recall"]
    assert abs(statistics.fmean(values) - 0.5) < 0.02
    inside = sum(abs(v - 0.5) <= margin for v in values) / len(values)
    assert 0.82 < inside < 0.97  # the 90 % interval, give or take sampling
