from __future__ import annotations

from collections.abc import Iterator

import pytest
from firebase_admin import messaging

from api.config import Config
from api.firebase import init_firebase_app
from api.push.fcm import FcmGateway
from tests.conftest import PROJECT_ID
from tests.push.fcm_standin import FcmStandIn, running


@pytest.fixture
def standin() -> Iterator[FcmStandIn]:
    with running(FcmStandIn()) as server:
        yield server


@pytest.fixture
def fcm(standin: FcmStandIn, monkeypatch: pytest.MonkeyPatch) -> FcmGateway:
    """firebase-admin's real messaging code, pointed at the stand-in on 127.0.0.1."""
    # Read when an app's messaging service is first created: a fresh app per test.
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", standin.url_template())
    app = init_firebase_app(Config(environment="test", firebase_project_id=PROJECT_ID))
    return FcmGateway(app)
