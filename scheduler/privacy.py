"""When a group's figures may be shown without singling anyone out.

A group is shown only if it has at least ``k`` learners. A filtered group (say, the team's
learners enrolled in one module) must also leave out either nobody or at least ``k``
learners: otherwise the team's figures minus the group's would describe fewer than ``k``
people (a differencing attack with two allowed queries).
"""

from __future__ import annotations

MIN_K = 3


def group_visible(*, size: int, whole: int | None, k: int) -> tuple[bool, str | None]:
    """Whether figures over ``size`` learners may be shown, and if not, why.

    ``whole`` is the size of the unfiltered group this one was cut from (None: not cut).
    """
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    if size < k:
        return False, f"Fewer than {k} learners in this group: figures are withheld."
    if whole is not None and 0 < whole - size < k:
        return False, (
            f"This filter leaves out fewer than {k} learners of the team, who could be "
            "singled out by comparing with the whole team: figures are withheld."
        )
    return True, None
