"""The libcurl transport: over TLS as FCM is, many requests at once, never more in
flight than it was given, and firebase-admin's credentials, bodies and errors."""

from __future__ import annotations

import ssl
import time
from pathlib import Path

import pytest
from firebase_admin import messaging

from api.config import Config
from api.firebase import init_firebase_app
from api.push.fcm_curl import CurlFcmGateway
from api.push.gateway import Failure, PushMessage
from tests.conftest import PROJECT_ID
from tests.push.fcm_standin import FcmStandIn, running
from tests.tls import localhost_certificate


def gateway(standin: FcmStandIn, monkeypatch: pytest.MonkeyPatch, **kw) -> CurlFcmGateway:
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", standin.url_template())
    app = init_firebase_app(Config(environment="test", firebase_project_id=PROJECT_ID))
    return CurlFcmGateway(app, **kw)


def push(token: str) -> PushMessage:
    return PushMessage(token, "3 questions", "About 1 min.", {"notification_id": token})


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 with a throwaway certificate, and its file."""
    cert_file, key_file = localhost_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


def test_over_tls_it_trusts_the_named_bundle_and_nothing_else(
    tls: tuple[ssl.SSLContext, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    context, cert_file = tls
    with running(FcmStandIn(), tls=context) as standin:
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        untrusting = gateway(standin, monkeypatch)
        refused = untrusting.send(push("device-1"))
        assert refused.failure is Failure.UNAVAILABLE and "network" in refused.detail
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
        trusting = gateway(standin, monkeypatch)
        assert trusting.send(push("device-2")).ok
    assert [m["token"] for m in standin.accepted] == ["device-2"]
    assert standin.auth_headers == {"Bearer local-development"}


def test_a_stream_answers_every_push_by_its_index(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = [f"device-{n}" for n in range(30)] + ["unregistered-1", "quota-1", "invalid-1"]
    with running(FcmStandIn(retry_after=7)) as standin:
        sender = gateway(standin, monkeypatch, in_flight=8)
        answers = dict(
            pair for batch in sender.send_stream([push(t) for t in tokens]) for pair in batch
        )
    assert sorted(answers) == list(range(len(tokens)))
    assert all(answers[n].ok for n in range(30))
    assert answers[30].failure is Failure.UNREGISTERED
    assert answers[31].failure is Failure.QUOTA and answers[31].retry_after == 7.0
    assert answers[32].failure is Failure.INVALID
    assert sorted(m["token"] for m in standin.accepted) == sorted(tokens[:30])


def test_no_more_go_out_than_in_flight_until_the_answers_are_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What FCM took but the dispatcher has not recorded is at most ``in_flight``: the
    bound on what a killed worker can send twice."""
    with running(FcmStandIn(latency=0.05)) as standin:
        sender = gateway(standin, monkeypatch, in_flight=3)
        stream = sender.send_stream([push(f"device-{n}") for n in range(12)])
        first: list = []
        while not first:
            first = next(stream)
        time.sleep(0.3)  # long enough for six more answers, were any sent
        assert standin.requests <= 3  # the rest wait for the caller
        rest = [pair for batch in stream for pair in batch]
    assert len(first) + len(rest) == 12 and len(standin.accepted) == 12


def test_an_unreachable_fcm_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    with running(FcmStandIn()) as gone:
        pass  # started and stopped: its port now refuses connections
    result = gateway(gone, monkeypatch).send(push("device-1"))
    assert result.failure is Failure.UNAVAILABLE
