"""From what a learner answered to an FSRS rating.

The rule (also in the README):
- Choice and true/false items are graded by the server. A wrong answer (any wrong or
  missing option on multiple choice) is AGAIN. A right answer is GOOD; with the learner's
  confidence flag "unsure" it is HARD (recalled, with effort), with "sure" it is EASY.
- Free-recall items are graded by the learner against the model answer: their 1-4 grade
  is the rating, and the confidence flag is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from scheduler.types import Rating


class Confidence(StrEnum):
    SURE = "sure"
    UNSURE = "unsure"


class GradingError(ValueError):
    """The answer does not fit the item (wrong shape, option out of range)."""


def grade(
    *,
    kind: str,
    key: Mapping[str, Any],
    option_count: int,
    response: Mapping[str, Any],
    confidence: Confidence | None = None,
) -> tuple[Rating, bool | None]:
    """The rating and, for server-graded items, whether the answer was right."""
    if kind == "free_recall":
        grade_value = response.get("self_grade")
        if type(grade_value) is not int or not 1 <= grade_value <= 4:
            raise GradingError("free recall needs self_grade 1-4")
        return Rating(grade_value), None
    if kind == "true_false":
        value = response.get("value")
        if not isinstance(value, bool):
            raise GradingError("true/false needs value true or false")
        correct = value is key["value"]
    elif kind in ("single_choice", "multiple_choice"):
        chosen = _chosen(response.get("selected"), option_count)
        if kind == "single_choice" and len(chosen) != 1:
            raise GradingError("single choice needs exactly one selected option")
        correct = chosen == frozenset(key["correct"])
    else:
        raise GradingError(f"unknown item kind {kind!r}")
    if not correct:
        return Rating.AGAIN, False
    if confidence is Confidence.UNSURE:
        return Rating.HARD, True
    if confidence is Confidence.SURE:
        return Rating.EASY, True
    return Rating.GOOD, True


def _chosen(selected: Any, option_count: int) -> frozenset[int]:
    if not isinstance(selected, Sequence) or isinstance(selected, str | bytes):
        raise GradingError("selected must be a list of option indexes")
    if any(type(i) is not int or not 0 <= i < option_count for i in selected):
        raise GradingError("selected option out of range")
    if len(set(selected)) != len(selected):
        raise GradingError("an option is selected twice")
    return frozenset(selected)
