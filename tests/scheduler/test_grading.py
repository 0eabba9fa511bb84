from __future__ import annotations

import pytest

from scheduler.grading import Confidence, GradingError, grade
from scheduler.types import Rating

SINGLE = {"kind": "single_choice", "key": {"correct": [1]}, "option_count": 3}
MULTI = {"kind": "multiple_choice", "key": {"correct": [0, 2]}, "option_count": 4}
TRUE_FALSE = {"kind": "true_false", "key": {"value": False}, "option_count": 0}
RECALL = {"kind": "free_recall", "key": {"model_answer": "x"}, "option_count": 0}


@pytest.mark.parametrize(
    ("item", "response", "confidence", "expected"),
    [
        (SINGLE, {"selected": [1]}, None, (Rating.GOOD, True)),
        (SINGLE, {"selected": [1]}, Confidence.UNSURE, (Rating.HARD, True)),
        (SINGLE, {"selected": [1]}, Confidence.SURE, (Rating.EASY, True)),
        (SINGLE, {"selected": [0]}, Confidence.SURE, (Rating.AGAIN, False)),
        (MULTI, {"selected": [2, 0]}, None, (Rating.GOOD, True)),
        (MULTI, {"selected": [0]}, None, (Rating.AGAIN, False)),
        (MULTI, {"selected": [0, 1, 2]}, None, (Rating.AGAIN, False)),
        (TRUE_FALSE, {"value": False}, None, (Rating.GOOD, True)),
        (TRUE_FALSE, {"value": True}, None, (Rating.AGAIN, False)),
        (RECALL, {"self_grade": 4}, Confidence.UNSURE, (Rating.EASY, None)),
        (RECALL, {"self_grade": 1}, None, (Rating.AGAIN, None)),
    ],
)
def test_answers_map_to_ratings(item, response, confidence, expected) -> None:
    assert grade(**item, response=response, confidence=confidence) == expected


@pytest.mark.parametrize(
    ("item", "response"),
    [
        (SINGLE, {"selected": [0, 1]}),
        (SINGLE, {"selected": [3]}),
        (SINGLE, {"selected": "1"}),
        (SINGLE, {}),
        (MULTI, {"selected": [0, 0]}),
        (MULTI, {"selected": [True]}),
        (TRUE_FALSE, {"value": "false"}),
        (RECALL, {"self_grade": 5}),
        (RECALL, {"self_grade": 2.5}),
        (RECALL, {"selected": [0]}),
    ],
)
def test_answers_that_do_not_fit_are_refused(item, response) -> None:
    with pytest.raises(GradingError):
        grade(**item, response=response)
