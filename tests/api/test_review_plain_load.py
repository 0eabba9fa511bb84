"""A review in the form phones send skips marshmallow's walk (``ReviewInSchema.load_plain``);
whatever a phone sends, the upload must load it as marshmallow would, or reject it as
marshmallow would."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from hypothesis import given, settings
from hypothesis import strategies as st

from api.resources.practice.schemas import REVIEW_EXAMPLE, ReviewInSchema

SCHEMA = ReviewInSchema()
# The spec's example, with a fraction of a second and an offset to convert.
PLAIN = REVIEW_EXAMPLE | {"answered_at": "2026-11-30T08:15:00.250+01:00"}
# Near the edges of every field: types one step off, limits, other time forms.
VALUES = {
    "id": st.sampled_from(["r-1", "a" * 64, "a" * 65, "", "r 1", "r-1\n", "r-\x00", 7, None]),
    "item_id": st.sampled_from([1, 0, -1, 2**31 - 1, 2**31, "42", 42.0, 4.5, True, None]),
    "answered_at": st.sampled_from(
        [
            "2026-11-30T08:15:00Z",
            "2026-11-30T08:15:00.123456+05:30",
            "2026-11-30T08:15:00",  # no offset
            "2026-11-30 08:15:00+00:00",
            "20261130T081500Z",
            "1999-12-31T23:59:59+00:00",
            "2100-12-31T23:30:00-01:00",
            "not a time",
            1764490500,
            None,
        ]
    ),
    "duration_ms": st.sampled_from([0, 3_600_000, 3_600_001, -1, None, "10", 1.5, False]),
    "answer": st.sampled_from(
        [{"selected": [0]}, {"value": True}, {"self_grade": 3}, {}, {"x": "\ud800"}, [], "1"]
    ),
    "confidence": st.sampled_from(["sure", "unsure", None, "SURE", 1]),
}


def loaded(data: object) -> tuple[str, object]:
    try:
        return "loaded", SCHEMA.load(data)  # type: ignore[arg-type]
    except ma.ValidationError as error:
        return "rejected", error.messages


ABSENT = object()
# Each field, independently, as phones send it, at one of its edges, or left out: reviews
# plain but for a field or two come up often enough for the edge to be what decides.
FIELDS = {
    name: st.one_of(st.just(PLAIN[name]), values, st.just(ABSENT))
    for name, values in VALUES.items()
}


@settings(max_examples=400, deadline=None)
@given(st.fixed_dictionaries(FIELDS), st.booleans())
def test_a_plain_review_loads_as_marshmallow_loads_it(fields: dict, extra: bool) -> None:
    review = {name: value for name, value in fields.items() if value is not ABSENT}
    if extra:
        review["extra"] = 1
    plain = SCHEMA.load_plain(review)
    if plain is not None:
        assert loaded(review) == ("loaded", plain)


def test_what_phones_send_takes_the_plain_path() -> None:
    minimal = {k: PLAIN[k] for k in ("id", "item_id", "answered_at", "answer")}
    for review in (PLAIN, minimal, PLAIN | {"duration_ms": None, "confidence": None}):
        plain = SCHEMA.load_plain(review)
        assert plain is not None and loaded(review) == ("loaded", plain)
    assert SCHEMA.load_plain(PLAIN)["answered_at"] == dt.datetime(  # type: ignore[index]
        2026, 11, 30, 7, 15, 0, 250000, tzinfo=dt.UTC
    )


def test_what_marshmallow_refuses_never_takes_the_plain_path() -> None:
    for broken in (
        PLAIN | {"answered_at": "2026-11-30T08:15:00"},  # no offset
        PLAIN | {"answered_at": "1999-12-31T23:59:59+00:00"},
        PLAIN | {"item_id": 0},
        PLAIN | {"id": "r 1"},
        PLAIN | {"answer": {"x": "\ud800"}},
        PLAIN | {"extra": 1},
    ):
        assert SCHEMA.load_plain(broken) is None and loaded(broken)[0] == "rejected"
