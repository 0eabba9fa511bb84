from __future__ import annotations

import pytest

from scheduler.privacy import group_visible


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
