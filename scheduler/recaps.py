"""When a studied module deserves a recap: its key points and its weakest items."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.memory import MemoryModel
from scheduler.types import Memory

RECAP_ITEMS = 3


@dataclass(frozen=True, slots=True)
class RecapDue:
    module_id: int
    recall: float  # mean predicted recall of the module's items met
    weakest: tuple[int, ...]  # item ids, least recalled first


def recaps_due(
    modules: Mapping[int, Sequence[tuple[int, Memory]]],
    *,
    last_recaps: Mapping[int, dt.datetime],
    now: dt.datetime,
    model: MemoryModel,
    target: float,
) -> list[RecapDue]:
    """Modules whose mean predicted recall fell below the target (the same "due" as
    practice), in module order. After a recap the next waits at least the module's mean
    stability in days, so recaps space out as memory grows stronger."""
    due = []
    for module_id, items in sorted(modules.items()):
        if not items:
            continue
        recalls = {item_id: model.recall(memory, now) for item_id, memory in items}
        mean = statistics.fmean(recalls.values())
        stability = statistics.fmean(memory.stability for _, memory in items)
        last = last_recaps.get(module_id)
        spaced = last is None or now - last >= dt.timedelta(days=max(1.0, stability))
        if mean < target and spaced:
            weakest = sorted(recalls, key=lambda i: (recalls[i], i))[:RECAP_ITEMS]
            due.append(RecapDue(module_id, mean, tuple(weakest)))
    return due
