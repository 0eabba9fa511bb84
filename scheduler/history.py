"""A learner's whole history, as the scheduler takes it, and the memory it makes.

The API loads this from the database and the learning simulation (``bench/learning_sim``)
builds it as it goes; both hand it to the same entry points (``scheduler.practice``), so
what is measured is what ships.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scheduler.memory import MemoryModel
from scheduler.types import Memory, Rating, Review

if TYPE_CHECKING:
    from scheduler.columns import Columns


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """An item the learner may practise: enrolled, published, in force."""

    item_id: int
    module_id: int
    position: int = 0  # lesson position * 1000 + item position: the order within the module
    deadline: dt.datetime | None = None  # "ready by" date of the enrollment
    weight: float = 1.0  # importance: above 1 for items worth extra practice


@dataclass(frozen=True, slots=True)
class Study:
    """The learner studied the lesson that holds ``item_id`` (an exposure of the item)."""

    item_id: int
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer to one item, as the phone sent it and the server graded it."""

    item_id: int
    answered_at: dt.datetime
    rating: Rating
    duration_ms: int | None = None
    review_id: str = ""


@dataclass(frozen=True, slots=True)
class Setback:
    """Trying a module's idea at work went badly ("mixed") at ``at``."""

    module_id: int
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Settings:
    """The organization's practice settings (``GET /organization/settings``)."""

    target_retention: float = 0.9
    session_minutes: int = 5
    new_items_per_day: int = 10
    max_reviews_per_day: int = 60
    practice_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[dt.date] = frozenset()


@dataclass(frozen=True)
class History:
    """Everything about one learner that a decision needs.

    ``answers`` is the whole log when ``states`` is None. ``states`` may carry the memory
    the log makes (the API keeps it in ``memory_states``, the simulation as it goes); then
    ``answers`` need only hold today's answers and the latest 50 (pace and today's counts)
    and the states must be exactly what ``memories`` would replay. ``columns`` may carry
    the items met with those memories as arrays (``scheduler.columns``), for a caller that
    has them so; the decision then reads them instead of building them.
    """

    items: tuple[ItemInfo, ...]
    studies: tuple[Study, ...] = ()
    answers: tuple[Answer, ...] = ()
    states: Mapping[int, Memory] | None = field(default=None)
    setbacks: tuple[Setback, ...] = ()
    columns: Columns | None = None


def memories(history: History, model: MemoryModel) -> dict[int, Memory]:
    """Each item's memory: the given states, else a replay of studies and answers in time
    order. A studied item nobody has answered has the memory its study gave it."""
    events: dict[int, list[Review]] = defaultdict(list)
    known = history.states or {}
    if history.states is None:
        for a in history.answers:
            events[a.item_id].append(Review(a.answered_at, a.rating, a.review_id))
    for s in history.studies:
        if s.item_id not in known:
            events[s.item_id].append(Review(s.at, Rating.GOOD, "", exposure=True))
    out = dict(known)
    # A lesson's items are studied at one moment: an item with nothing but that study has
    # the memory every other such item of the lesson has, so it is replayed once a moment.
    studied_only: dict[dt.datetime, Memory | None] = {}
    for item_id, reviews in events.items():
        if len(reviews) == 1 and reviews[0].exposure:
            at = reviews[0].answered_at
            if at not in studied_only:
                studied_only[at] = model.replay(reviews)
            memory = studied_only[at]
        else:
            memory = model.replay(reviews)
        if memory is not None:
            out[item_id] = memory
    return out
