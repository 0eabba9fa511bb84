"""A process keeps the members it has read for "practise now" (``api.services.kept_members``):
whatever changes a member's rows on another process (erasure, settings, time zone, weights)
must count from the member's very next request on this one."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, event

from api import create_app
from api.config import Config
from api.models import ParameterSet
from scheduler.memory import DEFAULT_WEIGHTS
from tests.api.practice_helpers import practice_set, studied_module
from tests.conftest import auth
from tests.factories import UserFactory


def other_process(config: Config, connection: Connection, clock) -> FlaskClient:
    """A second app over the same database: another gunicorn worker, or another host."""
    return create_app(config, bind=connection, clock=clock).test_client()


def test_an_erased_learner_is_refused_at_once_on_a_process_that_kept_them(
    client: FlaskClient, config: Config, connection: Connection, clock, db
) -> None:
    learner = UserFactory()
    studied_module(learner, items=3)
    assert len(practice_set(client, learner)["items"]) == 3  # kept by this process now
    other = other_process(config, connection, clock)
    erased = other.post("/me/erase", json={"confirm": "delete my data"}, headers=auth(learner))
    assert erased.status_code == 204, erased.get_json()
    # The token is still a genuine Firebase token for a while: only the member is gone.
    after = client.get("/learn/practice", headers=auth(learner))
    assert after.status_code == 403, after.get_json()
    assert after.get_json()["error"] == "not_a_member"


def test_settings_changed_on_another_process_shape_the_next_set(
    client: FlaskClient, config: Config, connection: Connection, clock, db
) -> None:
    learner = UserFactory()
    admin = UserFactory(admin=True, organization=learner.organization)
    studied_module(learner, items=12)
    before = practice_set(client, learner)
    other = other_process(config, connection, clock)
    changed = other.patch(
        "/organization/settings", json={"session_minutes": 1}, headers=auth(admin)
    )
    assert changed.status_code == 200, changed.get_json()
    after = practice_set(client, learner)
    assert before["estimated_minutes"] > 1
    assert after["estimated_minutes"] <= 1
    assert len(after["items"]) < len(before["items"])


def test_a_new_time_zone_is_the_one_the_next_request_uses(
    app: Flask, client: FlaskClient, config: Config, connection: Connection, clock, db
) -> None:
    learner = UserFactory(time_zone="UTC")
    studied_module(learner, items=2)
    practice_set(client, learner)
    other = other_process(config, connection, clock)
    moved = other.patch("/me", json={"time_zone": "Asia/Tokyo"}, headers=auth(learner))
    assert moved.status_code == 200, moved.get_json()
    practice_set(client, learner)
    kept = app.extensions["bitewise.members"].get(learner.firebase_uid, clock.now())
    if app.extensions["bitewise.members"].enabled:
        assert kept is not None and kept[0].time_zone == "Asia/Tokyo"
    else:
        assert kept is None  # SQLite: every request reads the member


def test_weights_adopted_elsewhere_drive_the_next_decision(
    app: Flask, client: FlaskClient, clock, db
) -> None:
    members = app.extensions["bitewise.members"]
    if not members.enabled:
        pytest.skip("SQLite: every request reads the member and its weights")
    learner = UserFactory()
    studied_module(learner, items=2)
    practice_set(client, learner)
    assert members.get(learner.firebase_uid, clock.now())[0].model.weights == DEFAULT_WEIGHTS
    fitted = [round(w * 1.1, 4) for w in DEFAULT_WEIGHTS[:20]] + [DEFAULT_WEIGHTS[20]]
    # The nightly fit adopts them in the worker: no request of this process sees it.
    db.add(
        ParameterSet(
            organization_id=learner.organization_id,
            weights=fitted,
            adopted=True,
            fitted_at=clock.now(),
            training_reviews=1000,
            holdout_reviews=100,
            holdout_log_loss=0.3,
            incumbent_log_loss=0.4,
        )
    )
    db.commit()
    practice_set(client, learner)
    assert members.get(learner.firebase_uid, clock.now())[0].model.weights == tuple(fitted)


def test_a_kept_member_costs_no_read_of_its_own(
    app: Flask, client: FlaskClient, connection: Connection, db
) -> None:
    """What keeping is for: on PostgreSQL the second request checks the member in the
    read of the answers instead of reading it first."""
    learner = UserFactory()
    studied_module(learner, items=2)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    practice_set(client, learner)
    event.listen(connection.engine, "before_cursor_execute", seen)
    try:
        practice_set(client, learner)
    finally:
        event.remove(connection.engine, "before_cursor_execute", seen)
    kept = app.extensions["bitewise.members"].enabled
    assert len(statements) == (2 if kept else 3)  # the learner's items, answers (, member)
    member_reads = [s for s in statements if "firebase_uid" in s and "review_logs" not in s]
    assert len(member_reads) == (0 if kept else 1)


def test_the_access_log_names_a_kept_learner(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, db
) -> None:
    """The operator reading the log at 3 a.m. sees whose request it was, kept or not."""
    learner = UserFactory()
    studied_module(learner, items=2)
    with caplog.at_level(logging.INFO, logger="bitewise.access"):
        for _ in range(2):  # read, then kept (on PostgreSQL)
            practice_set(client, learner)
    logged = [r for r in caplog.records if r.name == "bitewise.access"]
    assert [(r.user_id, r.organization_id) for r in logged] == [
        (learner.id, learner.organization_id)
    ] * 2
