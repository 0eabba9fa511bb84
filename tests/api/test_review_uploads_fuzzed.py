"""Whatever batch a phone uploads: an answer per review, never a 500, and a retry is a no-op.

Schemathesis signs in as an admin with nothing to practise, so its review uploads never get
past "item not available". Here a learner with real items uploads generated batches:
well-formed and malformed reviews mixed, real and foreign item ids, answers of every shape,
times around now. Found: a NUL character in one review's answer had the whole batch refused
(test_reviews.py::test_a_review_with_a_nul_character_is_rejected_alone).
``FUZZ_EXAMPLES=500`` for a deeper run.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.config import Config
from api.models import ReviewLog
from tests.api.practice_helpers import studied_module
from tests.conftest import auth
from tests.factories import T0, UserFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 6) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


@pytest.fixture
def config(config: Config) -> Config:
    """Rate limits off: Hypothesis uploads far more than 30 batches a minute
    (test_limits.py covers the limit)."""
    return config.with_overrides(rate_limits=False)


def reviews(item_ids: list[int]) -> st.SearchStrategy[list]:
    text = st.text(max_size=5) | st.just("\x00")  # NUL: PostgreSQL cannot store it
    answer = st.one_of(
        st.fixed_dictionaries({"selected": st.lists(st.integers(-1, 4), max_size=4)}),
        st.fixed_dictionaries({"value": JSON}),
        st.fixed_dictionaries({"self_grade": JSON}),
        st.dictionaries(text, JSON | text, max_size=3),
        JSON,
    )
    answered_at = st.one_of(
        st.datetimes(
            min_value=dt.datetime(2025, 9, 1),
            max_value=dt.datetime(2027, 1, 1),
            timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-11))]),
        ).map(dt.datetime.isoformat),
        st.text(max_size=30),
    )
    # What a phone sends: its items, answered in the last days (the suite's clock is T0).
    sound = st.fixed_dictionaries(
        {
            "id": st.uuids().map(str),
            "item_id": st.sampled_from(item_ids),
            "answered_at": st.datetimes(
                min_value=(T0 - dt.timedelta(days=20)).replace(tzinfo=None),
                max_value=T0.replace(tzinfo=None),
                timezones=st.just(dt.UTC),
            ).map(dt.datetime.isoformat),
            "answer": st.fixed_dictionaries({"selected": st.integers(0, 2).map(lambda k: [k])}),
        },
        optional={"confidence": st.sampled_from(["sure", "unsure"])},
    )
    hostile = st.fixed_dictionaries(
        {
            "id": st.uuids().map(str) | st.text(max_size=70),
            "item_id": st.sampled_from(item_ids) | st.integers(-2, 2**31 + 2),
            "answered_at": answered_at,
            "answer": answer,
        },
        optional={
            "duration_ms": st.none() | st.integers(-5, 4_000_000),
            "confidence": st.none() | st.sampled_from(["sure", "unsure", "maybe"]),
        },
    )
    return st.lists(sound | sound | hostile | JSON, min_size=1, max_size=6)


def test_any_upload_gets_an_answer_per_review_and_a_retry_changes_nothing(
    client: FlaskClient, db: Session
) -> None:
    learner = UserFactory()
    _, items = studied_module(learner, items=4)
    # Another organization's item: never to be accepted.
    _, foreign = studied_module(UserFactory(), items=1)
    ids = [i.id for i in items] + [foreign[0].id]
    seen: set[str] = set()

    @given(batch=reviews(ids))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def upload(batch: list) -> None:
        stored = db.scalar(select(func.count()).where(ReviewLog.user_id == learner.id))
        first = client.post("/learn/reviews", json={"reviews": batch}, headers=auth(learner))
        # Never the batch as a whole: one bad review must not keep the others out.
        assert first.status_code == 200, first.get_json()
        body = first.get_json()
        assert len(body["results"]) == len(batch)
        assert {r["status"] for r in body["results"]} <= {"accepted", "rejected"}
        accepted = {r["id"] for r in body["results"] if r["status"] == "accepted"}
        assert all(
            r["item_id"] != foreign[0].id for r in body["results"] if r["status"] == "accepted"
        )
        after = db.scalar(select(func.count()).where(ReviewLog.user_id == learner.id))
        assert after == stored + len(accepted - seen)
        seen.update(accepted)
        again = client.post("/learn/reviews", json={"reviews": batch}, headers=auth(learner))
        assert again.get_json() == body
        assert db.scalar(select(func.count()).where(ReviewLog.user_id == learner.id)) == after

    upload()  # the suite's clock stands still: "now" is the same for an upload and its retry
