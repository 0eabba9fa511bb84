"""firebase-admin's real HTTP code against the FCM stand-in: answers and failures."""

from __future__ import annotations

import time

import pytest
from firebase_admin import messaging

from api.config import Config
from api.firebase import init_firebase_app
from api.push.fcm import FcmGateway
from api.push.gateway import Failure, PushMessage
from tests.conftest import PROJECT_ID
from tests.push.fcm_standin import FcmStandIn, running


def message(token: str) -> PushMessage:
    return PushMessage(
        token=token,
        title="3 questions, 2 minutes",
        body="Keep feedback fresh",
        data={"deep_link": "bitewise://practice", "notification_id": "42"},
        collapse_key="bitewise-42",
    )


def test_a_message_is_sent_as_fcm_expects(fcm: FcmGateway, standin: FcmStandIn) -> None:
    result = fcm.send(message("device-token-1"))
    assert result.ok
    assert result.message_id.startswith(f"projects/{PROJECT_ID}/messages/")
    [sent] = standin.accepted
    assert sent["token"] == "device-token-1"
    assert sent["notification"] == {
        "title": "3 questions, 2 minutes",
        "body": "Keep feedback fresh",
    }
    assert sent["data"] == {"deep_link": "bitewise://practice", "notification_id": "42"}
    assert sent["android"]["collapse_key"] == "bitewise-42"
    assert sent["apns"]["headers"]["apns-collapse-id"] == "bitewise-42"
    assert standin.auth_headers == {"Bearer local-development"}


@pytest.mark.parametrize(
    ("token", "failure"),
    [
        ("unregistered-1", Failure.UNREGISTERED),
        ("mismatch-1", Failure.SENDER_MISMATCH),
        ("invalid-1", Failure.INVALID),
        ("unavailable-1", Failure.UNAVAILABLE),
        ("internal-1", Failure.UNAVAILABLE),
    ],
)
def test_fcm_errors_are_reported_not_raised(
    fcm: FcmGateway, standin: FcmStandIn, token: str, failure: Failure
) -> None:
    result = fcm.send(message(token))
    assert not result.ok and result.failure is failure
    assert standin.requests == 1  # firebase-admin's own retries are off: the worker decides
    assert standin.accepted == []


def test_quota_exceeded_reports_retry_after_without_sleeping(
    fcm: FcmGateway, standin: FcmStandIn
) -> None:
    standin.retry_after = 30
    started = time.monotonic()
    result = fcm.send(message("quota-1"))
    assert result.failure is Failure.QUOTA and result.retry_after == 30.0
    assert standin.requests == 1 and time.monotonic() - started < 5


def test_an_unreachable_fcm_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    with running(FcmStandIn()) as gone:
        pass  # started and stopped: its port now refuses connections
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", gone.url_template())
    gateway = FcmGateway(
        init_firebase_app(Config(environment="test", firebase_project_id=PROJECT_ID))
    )
    result = gateway.send(message("device-token-1"))
    assert result.failure is Failure.UNAVAILABLE


def test_the_proxy_settings_of_the_environment_are_read_once_and_still_apply(
    standin: FcmStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests walked the proxy variables on every send (a fifth of a push's CPU); the
    gateway reads them when it starts, for FCM's address, and honours them."""
    with running(FcmStandIn()) as gone:
        pass  # a proxy address that refuses connections
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", standin.url_template())

    def gateway() -> FcmGateway:
        app = init_firebase_app(Config(environment="test", firebase_project_id=PROJECT_ID))
        return FcmGateway(app)

    monkeypatch.setenv("HTTP_PROXY", gone.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    through_proxy = gateway()
    assert through_proxy.send(message("device-token-1")).failure is Failure.UNAVAILABLE

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = gateway()
    assert direct.send(message("device-token-2")).ok
    # Read once: what the environment says later does not reach a running gateway.
    monkeypatch.delenv("NO_PROXY")
    assert direct.send(message("device-token-3")).ok
    assert through_proxy.send(message("device-token-4")).failure is Failure.UNAVAILABLE
    assert [m["token"] for m in standin.accepted] == ["device-token-2", "device-token-3"]
