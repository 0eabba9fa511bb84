from __future__ import annotations

from collections.abc import Iterator

import pytest
from firebase_admin import messaging

from api.config import Config
from api.firebase import init_firebase_app
from api.push.fcm import FcmGateway
from api.push.fcm_curl import CurlFcmGateway
from api.push.gateway import PushGateway
from tests.conftest import PROJECT_ID
from tests.push.fcm_standin import FcmStandIn, running


@pytest.fixture
def standin() -> Iterator[FcmStandIn]:
    with running(FcmStandIn()) as server:
        yield server


@pytest.fixture(params=["firebase-admin", "curl"])
def fcm(
    request: pytest.FixtureRequest, standin: FcmStandIn, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PushGateway]:
    """Each transport, pointed at the stand-in on 127.0.0.1: firebase-admin's real
    messaging code, and libcurl with firebase-admin's credentials, bodies and errors."""
    # Read when an app's messaging service is first created: a fresh app per test.
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", standin.url_template())
    app = init_firebase_app(Config(environment="test", firebase_project_id=PROJECT_ID))
    if request.param == "firebase-admin":
        yield FcmGateway(app)
        return
    gateway = CurlFcmGateway(app, in_flight=4)
    yield gateway
    gateway.close()
