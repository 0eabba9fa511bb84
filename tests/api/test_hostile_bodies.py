"""Every request body of the spec, sent deeply nested and with lone surrogates.

Both were a 500 for any signed-in user: Python's JSON parser hit RecursionError on a few
thousand brackets, and a lone surrogate (JSON's "\\ud800") parsed fine and then failed to
encode at INSERT. Now each is a 422 in the one error shape, before any view runs.
"""

from __future__ import annotations

import json
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cli import render_spec
from api.models import ReviewLog
from tests.api.practice_helpers import review, studied_module
from tests.api.test_errors import assert_error
from tests.conftest import auth
from tests.factories import UserFactory

DEEP_ARRAY = "[" * 20_000 + "]" * 20_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000
SURROGATE = "\ud800"


def body_operations(app: Flask) -> list[tuple[str, str, dict]]:
    spec = json.loads(render_spec(app))
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in {"post", "put", "patch", "delete"}:
                continue  # "parameters" shared by the path's operations
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                example = content["application/json"].get("example") or {"text": "x"}
                found.append((method, re.sub(r"\{\w+\}", "1", path), example))
    return found


def poisoned(value):
    """The example with a lone surrogate in every string, keys of objects included."""
    if isinstance(value, str):
        return value + SURROGATE
    if isinstance(value, dict):
        return {poisoned(k): poisoned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [poisoned(v) for v in value] or [SURROGATE]
    return value


def send(client: FlaskClient, method: str, path: str, raw: str, who):
    headers = {**auth(who), "Content-Type": "application/json"}
    return getattr(client, method)(path, data=raw, headers=headers)


def test_every_body_refuses_deep_nesting_and_lone_surrogates(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    admin = UserFactory(admin=True)
    operations = body_operations(app)
    assert len(operations) > 25  # the walk reached the spec's bodies
    for method, path, example in operations:
        for raw in (DEEP_ARRAY, DEEP_OBJECT):
            body = assert_error(send(client, method, path, raw, admin), 422, "json_too_deep")
            assert "nested too deeply" in body["message"], (method, path)
        if path == "/learn/reviews":
            continue  # judged review by review: below
        raw = json.dumps(poisoned(example))  # ensure_ascii: the surrogate as \\ud800
        assert_error(send(client, method, path, raw, admin), 422, "invalid_text")


def test_a_lone_surrogate_rejects_one_review_not_the_batch(
    client: FlaskClient, db: Session, clock
) -> None:
    learner = UserFactory()
    _, [good, bad] = studied_module(learner, items=2)
    broken = review(bad, clock.now(), review_id="r-bad" + SURROGATE)
    raw = json.dumps({"reviews": [review(good, clock.now()), broken]})
    response = send(client, "post", "/learn/reviews", raw, learner)
    assert response.status_code == 200, response.get_json()
    statuses = [r["status"] for r in response.get_json()["results"]]
    assert statuses == ["accepted", "rejected"]
    assert db.scalar(select(func.count()).select_from(ReviewLog)) == 1
