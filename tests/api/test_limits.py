"""Rate limits, security headers and CORS, as a client on the other end meets them."""

from __future__ import annotations

import socket

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection

from api import create_app
from api.config import Config
from tests.cert_server import SigningKey, bearer, signed_claims
from tests.conftest import auth
from tests.factories import UserFactory

REDIS = ("127.0.0.1", 6379)
TEST_REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, emptied per test


def _redis_running() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


def register(client: FlaskClient, user, n: int):
    return client.post(
        "/me/devices", json={"token": f"t{n:030d}", "platform": "ios"}, headers=auth(user)
    )


def assert_rate_limited(response) -> None:
    assert response.status_code == 429
    body = response.get_json()
    assert body["error"] == "rate_limited" and body["code"] == 429
    assert "request_id" in body and "10 per 1 minute" in body["message"]
    assert f"retry in {response.headers['Retry-After']} s" in body["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 61  # the minute, rounded up


def test_a_phone_hammering_device_registration_gets_429_with_retry_after(
    client: FlaskClient, db
) -> None:
    phone, colleague = UserFactory(), UserFactory()
    assert [register(client, phone, n).status_code for n in range(10)] == [200] * 10
    assert_rate_limited(register(client, phone, 99))
    # Per user: a colleague on the same network is not held back.
    assert register(client, colleague, 1).status_code == 200
    assert "Retry-After" not in register(client, colleague, 2).headers


def test_review_uploads_are_limited_per_user(client: FlaskClient, db) -> None:
    learner = UserFactory()
    statuses = [
        client.post("/learn/reviews", json={"reviews": []}, headers=auth(learner)).status_code
        for _ in range(31)
    ]
    assert 429 not in statuses[:30] and statuses[30] == 429


def test_token_guessing_is_cut_off_but_probes_are_not(client: FlaskClient, db) -> None:
    bad = {"Authorization": "Bearer not-a-token"}
    statuses = [client.get("/me", headers=bad).status_code for _ in range(61)]
    assert statuses[:60] == [401] * 60 and statuses[60] == 429
    assert client.get("/healthz").status_code == 200


@pytest.mark.usefixtures("real_verification")  # RS256 against a local key server
def test_a_genuine_token_is_never_held_back_by_others_forgeries(
    client: FlaskClient, db, signing_key: SigningKey
) -> None:
    """One office, one address: a scanner's forged tokens must not lock colleagues out,
    and an expired token must still get the 401 that makes its app refresh."""
    for _ in range(61):
        client.get("/me", headers=bearer("forged"))
    assert client.get("/me", headers=bearer("forged")).status_code == 429
    colleague = UserFactory()
    signed = signing_key.sign(signed_claims(colleague))
    assert client.get("/me", headers=bearer(signed)).status_code == 200
    expired = bearer(signing_key.sign(signed_claims(colleague, age=7200)))
    responses = [client.get("/me", headers=expired) for _ in range(70)]
    assert {(r.status_code, r.get_json()["error"]) for r in responses} == {(401, "token_expired")}
    assert client.get("/me", headers={}).get_json()["error"] == "missing_token"


@pytest.fixture
def redis_config(config: Config) -> Config:
    if not _redis_running():
        pytest.skip("no Redis at 127.0.0.1:6379")
    import redis

    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    return config.with_overrides(redis_url=TEST_REDIS_URL)


def test_workers_share_one_count_in_redis(
    redis_config: Config, connection: Connection, clock, db
) -> None:
    """Two apps (two gunicorn workers, or two hosts) draw from one budget."""
    first = create_app(redis_config, bind=connection, clock=clock).test_client()
    phone = UserFactory()
    assert all(register(first, phone, n).status_code == 200 for n in range(6))
    second = create_app(redis_config, bind=connection, clock=clock).test_client()
    assert all(register(second, phone, n).status_code == 200 for n in range(6, 10))
    assert_rate_limited(register(second, phone, 10))
    assert_rate_limited(register(first, phone, 11))


def test_limits_fall_back_to_memory_when_redis_is_down(
    config: Config, connection: Connection, clock, db
) -> None:
    down = config.with_overrides(redis_url="redis://127.0.0.1:9/0")  # nothing listens there
    client = create_app(down, bind=connection, clock=clock).test_client()
    phone = UserFactory()
    assert register(client, phone, 0).status_code == 200  # served, not a 500
    for n in range(1, 10):
        register(client, phone, n)
    assert_rate_limited(register(client, phone, 10))
    # The operator sees that this process counts alone.
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "bitewise_rate_limit_memory_fallback 1.0" in metrics


def test_limits_can_be_switched_off_for_benchmarks(
    config: Config, connection: Connection, clock, db
) -> None:
    client = create_app(
        config.with_overrides(rate_limits=False), bind=connection, clock=clock
    ).test_client()
    phone = UserFactory()
    assert {register(client, phone, n).status_code for n in range(12)} == {200}


def test_security_headers(client: FlaskClient, db) -> None:
    response = client.get("/healthz")
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in docs.headers["Content-Security-Policy"]
    https = client.get("/healthz", base_url="https://localhost")
    assert "max-age=" in https.headers["Strict-Transport-Security"]


def test_cors_is_off_unless_configured(
    app: Flask, config: Config, connection: Connection, clock, db
) -> None:
    origin = {"Origin": "https://admin.example.com"}
    closed = app.test_client().get("/healthz", headers=origin)
    assert "Access-Control-Allow-Origin" not in closed.headers
    opened = create_app(
        config.with_overrides(cors_origins=("https://admin.example.com",)),
        bind=connection,
        clock=clock,
    ).test_client()
    preflight = opened.options(
        "/modules",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    other = opened.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
