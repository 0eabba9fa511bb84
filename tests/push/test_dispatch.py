"""The dispatcher against the FCM stand-in: outcomes, retries, stale rows, claims."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from api.clock import FixedClock
from api.models import Device, Notification
from api.push.fcm import FcmGateway
from api.services.dispatch import MAX_ATTEMPTS, Dispatcher
from tests.factories import T0, DeviceFactory, NotificationFactory, UserFactory
from tests.push.fcm_standin import FcmStandIn
from tests.push.helpers import learner_with_due


@pytest.fixture
def sessions(connection: Connection, db: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def dispatcher(sessions, fcm: FcmGateway, clock: FixedClock) -> Dispatcher:
    # One sending thread: the test shares a single connection (the processes test many).
    worker = Dispatcher(sessions=sessions, gateway=fcm, clock=clock, worker_id="w1", threads=1)
    yield worker
    worker.close()


def reload(db: Session, notification: Notification) -> Notification:
    db.expire_all()
    return db.get(Notification, notification.id)


def test_a_due_notification_goes_to_every_device_in_its_language(
    dispatcher: Dispatcher, standin: FcmStandIn, db: Session
) -> None:
    user = UserFactory(locale="en")
    DeviceFactory(user=user, token="phone-en", locale="en")
    DeviceFactory(user=user, token="tablet-de", locale="de-DE")
    DeviceFactory(user=user, token="android-de", locale="de_AT")
    note = NotificationFactory(user=user)
    report = dispatcher.run_once()
    assert report.claimed == 1 and report.outcomes == {"sent": 1}
    by_token = {m["token"]: m for m in standin.accepted}
    assert by_token["phone-en"]["notification"]["title"] == "Recap: Feedback"
    assert by_token["tablet-de"]["notification"]["title"] == "Rückblick: Feedback"
    assert by_token["android-de"]["notification"]["title"] == "Rückblick: Feedback"
    assert by_token["phone-en"]["data"]["notification_id"] == str(note.id)
    assert by_token["phone-en"]["data"]["deep_link"] == "bitewise://recap/1"
    stored = reload(db, note)
    assert stored.status == "sent" and stored.sent_at == T0 and len(stored.fcm_message_ids) == 3
    assert dispatcher.run_once().claimed == 0


def test_a_practice_push_carries_one_question_and_is_dropped_once_practised(
    dispatcher, standin, db, clock
) -> None:
    item = {
        "id": 999_999,  # no item of theirs: ids from the sequences could meet a small one
        "kind": "single_choice",
        "prompt": "Which part of SBI is observable?",
        "options": ["Situation", "Behaviour", "Impact"],
    }
    payload = {
        "kind": "practice",
        "due": 3,
        "minutes": 1,
        "deep_link": "bitewise://practice",
        "item": item,
    }
    busy = learner_with_due(db, due=3, at=clock.now())
    NotificationFactory(user=busy, kind="practice", payload=payload)
    practised = learner_with_due(db, due=1, not_due=4, at=clock.now())
    dropped = NotificationFactory(user=practised, kind="practice", payload=payload)
    assert dispatcher.run_once().outcomes == {"sent": 1, "obsolete": 1}
    [sent] = standin.accepted
    # Built when sent, from the learner's state then: the question planned is not theirs
    # any more; the most overdue one is.
    assert sent["notification"]["title"] == "3 questions, about 1 min"
    assert sent["notification"]["body"] == "Question 2?"
    assert sent["data"]["item_id"] != "999999"
    assert reload(db, dropped).status == "obsolete"


def test_future_stale_and_deviceless_notifications(dispatcher, standin, db, clock) -> None:
    user = UserFactory()
    DeviceFactory(user=user)
    later = NotificationFactory(user=user, send_at=T0 + dt.timedelta(hours=1))
    stale = NotificationFactory(
        user=user, send_at=T0 - dt.timedelta(hours=9), expires_at=T0 - dt.timedelta(minutes=1)
    )
    abandoned = UserFactory()
    DeviceFactory(user=abandoned, last_seen_at=T0 - dt.timedelta(days=61))
    no_device = NotificationFactory(user=abandoned)
    report = dispatcher.run_once()
    assert report.outcomes == {"stale": 1, "no_device": 1}
    assert standin.accepted == []
    assert reload(db, stale).status == "stale"
    assert reload(db, no_device).last_error == "no_active_device"
    assert reload(db, later).status == "pending"
    clock.advance(dt.timedelta(hours=1))
    assert dispatcher.run_once().outcomes == {"sent": 1}


def test_unregistered_and_mismatched_tokens_remove_the_device(dispatcher, standin, db) -> None:
    user = UserFactory()
    DeviceFactory(user=user, token="unregistered-old-phone")
    DeviceFactory(user=user, token="mismatch-other-project")
    DeviceFactory(user=user, token="current-phone")
    note = NotificationFactory(user=user)
    report = dispatcher.run_once()
    assert report.outcomes == {"sent": 1} and report.devices_removed == 2
    assert [d.token for d in db.scalars(select(Device))] == ["current-phone"]
    only_gone = UserFactory()
    DeviceFactory(user=only_gone, token="unregistered-x")
    failed = NotificationFactory(user=only_gone)
    dispatcher.run_once()
    assert reload(db, failed).status == "failed"
    assert reload(db, failed).last_error.startswith("unregistered")
    assert reload(db, note).status == "sent"


def test_quota_exceeded_waits_for_retry_after_and_pauses_the_worker(
    dispatcher, standin, db, clock
) -> None:
    standin.retry_after = 20
    user = UserFactory()
    DeviceFactory(user=user, token="quota-phone")
    note = NotificationFactory(user=user)
    assert dispatcher.run_once().outcomes == {"retry": 1}
    stored = reload(db, note)
    assert stored.status == "pending" and stored.send_at == T0 + dt.timedelta(seconds=20)
    other = UserFactory()
    DeviceFactory(user=other)
    NotificationFactory(user=other)
    assert dispatcher.run_once().claimed == 0  # paused: FCM's quota is per project
    clock.advance(dt.timedelta(seconds=21))
    assert dispatcher.run_once().claimed == 2


def test_unavailable_is_retried_with_backoff_then_given_up(dispatcher, standin, db, clock) -> None:
    user = UserFactory()
    DeviceFactory(user=user, token="unavailable-phone")
    note = NotificationFactory(user=user, expires_at=T0 + dt.timedelta(days=1))
    waits = []
    for _ in range(MAX_ATTEMPTS):
        report = dispatcher.run_once()
        stored = reload(db, note)
        if stored.status != "pending":
            break
        waits.append(stored.send_at - clock.now())
        clock.advance(stored.send_at - clock.now())
    assert report.outcomes == {"failed": 1} and stored.attempts == MAX_ATTEMPTS
    assert stored.last_error.startswith("unavailable")
    assert waits == sorted(waits) and waits[0] >= dt.timedelta(seconds=4)
    assert standin.requests == MAX_ATTEMPTS  # exactly one request per attempt


def test_invalid_argument_fails_at_once(dispatcher, standin, db) -> None:
    user = UserFactory()
    DeviceFactory(user=user, token="invalid-token")
    note = NotificationFactory(user=user)
    assert dispatcher.run_once().outcomes == {"failed": 1}
    assert reload(db, note).last_error.startswith("invalid_argument")
    assert reload(db, note).attempts == 1


def test_an_expired_claim_is_taken_over(sessions, fcm, standin, db, clock) -> None:
    user = UserFactory()
    DeviceFactory(user=user)
    mine = NotificationFactory(
        user=user,
        status="claimed",
        claimed_by="dead-worker",
        attempts=1,
        claim_expires_at=T0 + dt.timedelta(seconds=30),
    )
    other = Dispatcher(sessions=sessions, gateway=fcm, clock=clock, worker_id="w2", threads=1)
    try:
        assert other.run_once().claimed == 0  # the claim is still alive
        clock.advance(dt.timedelta(seconds=31))
        assert other.run_once().outcomes == {"sent": 1}
    finally:
        other.close()
    stored = reload(db, mine)
    assert stored.claimed_by == "w2" and stored.attempts == 2 and stored.status == "sent"
    assert len(standin.accepted) == 1
