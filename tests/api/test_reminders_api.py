"""Devices, reminder preferences, opened pushes and the outbox view, through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Device
from tests.conftest import auth
from tests.factories import NotificationFactory, UserFactory

TOKEN = "fQx3-example-registration-token-APA91bH"


@pytest.fixture
def learner(db: Session):
    return UserFactory(locale="de")


def test_registering_a_token_is_idempotent_and_it_moves_to_the_last_user(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    body = {"token": TOKEN, "platform": "android", "app_version": "1.4.0"}
    first = client.post("/me/devices", json=body, headers=auth(learner))
    assert first.status_code == 200
    assert first.get_json()["locale"] == "de" and "token" not in first.get_json()
    clock.advance(dt.timedelta(days=1))
    again = client.post("/me/devices", json={**body, "app_version": "1.5.0"}, headers=auth(learner))
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["last_seen_at"] == "2026-11-03T09:00:00Z"
    colleague = UserFactory(organization=learner.organization)
    client.post("/me/devices", json=body, headers=auth(colleague))
    assert client.get("/me/devices", headers=auth(learner)).get_json() == []
    [moved] = client.get("/me/devices", headers=auth(colleague)).get_json()
    assert moved["app_version"] == "1.4.0"
    assert db.scalar(select(Device.user_id).where(Device.token == TOKEN)) == colleague.id


def test_removing_a_device_only_touches_my_own(client: FlaskClient, learner, db: Session) -> None:
    mine = client.post(
        "/me/devices", json={"token": TOKEN, "platform": "ios"}, headers=auth(learner)
    ).get_json()
    stranger = UserFactory()
    assert client.delete(f"/me/devices/{mine['id']}", headers=auth(stranger)).status_code == 204
    assert len(client.get("/me/devices", headers=auth(learner)).get_json()) == 1
    assert client.delete(f"/me/devices/{mine['id']}", headers=auth(learner)).status_code == 204
    assert client.get("/me/devices", headers=auth(learner)).get_json() == []


@pytest.mark.parametrize(
    "body", [{"token": "short", "platform": "android"}, {"token": TOKEN, "platform": "nokia"}]
)
def test_bad_device_registrations_are_422(client: FlaskClient, learner, body) -> None:
    assert client.post("/me/devices", json=body, headers=auth(learner)).status_code == 422


def test_preferences_default_to_the_organization_and_can_be_reset(
    client: FlaskClient, learner
) -> None:
    defaults = client.get("/me/reminders", headers=auth(learner)).get_json()
    assert defaults["window_start"] == "08:30" and defaults["window_end"] == "17:30"
    assert defaults["working_days"] == [0, 1, 2, 3, 4] and defaults["max_per_day"] == 2
    assert defaults["time_zone"] == "Europe/Berlin"
    changed = client.patch(
        "/me/reminders",
        json={
            "window_start": "09:15",
            "quiet_start": "12:00",
            "quiet_end": "13:00",
            "working_days": [4, 0, 0],
            "paused_until": "2026-12-28",
        },
        headers=auth(learner),
    ).get_json()
    assert changed["window_start"] == "09:15" and changed["working_days"] == [0, 4]
    assert changed["paused_until"] == "2026-12-28"
    reset = client.patch("/me/reminders", json={"window_start": None}, headers=auth(learner))
    assert reset.get_json()["window_start"] == "08:30"


@pytest.mark.parametrize(
    "body",
    [
        {"window_start": "18:00"},  # after the default end
        {"window_start": "8:30"},
        {"window_end": "24:00"},
        {"quiet_start": "12:00"},  # without quiet_end
        {"working_days": [7]},
        {"max_per_day": 11},
    ],
)
def test_bad_preferences_are_422_and_change_nothing(client: FlaskClient, learner, body) -> None:
    before = client.get("/me/reminders", headers=auth(learner)).get_json()
    assert client.patch("/me/reminders", json=body, headers=auth(learner)).status_code == 422
    assert client.get("/me/reminders", headers=auth(learner)).get_json() == before


def test_opening_a_push_is_recorded_once_and_only_for_its_owner(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    note = NotificationFactory(user=learner, status="sent", sent_at=clock.now())
    stranger = UserFactory(organization=learner.organization)
    path = f"/me/notifications/{note.id}/opened"
    assert client.post(path, headers=auth(stranger)).status_code == 404
    assert client.post(path, headers=auth(learner)).status_code == 204
    opened = clock.now()
    clock.advance(dt.timedelta(hours=1))
    assert client.post(path, headers=auth(learner)).status_code == 204
    db.refresh(note)
    assert note.opened_at == opened


def test_admins_see_their_organizations_outbox(client: FlaskClient, learner, clock) -> None:
    admin = UserFactory(admin=True, organization=learner.organization)
    NotificationFactory(user=learner, send_at=clock.now() - dt.timedelta(minutes=2))
    NotificationFactory(user=learner, status="sent", sent_at=clock.now() - dt.timedelta(minutes=1))
    NotificationFactory(user=learner, status="failed", last_error="unregistered: gone")
    NotificationFactory()  # another organization's
    stats = client.get("/outbox", headers=auth(admin)).get_json()
    counts = {(row["status"], row["kind"]): row["count"] for row in stats["by_status"]}
    assert counts == {("pending", "recap"): 1, ("sent", "recap"): 1, ("failed", "recap"): 1}
    assert stats["oldest_due_age_seconds"] == 120.0
    assert stats["sent_last_5_minutes"] == 1
    assert stats["failures_last_24h"] == [{"reason": "unregistered", "count": 1}]
    assert client.get("/outbox", headers=auth(learner)).status_code == 403
