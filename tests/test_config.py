"""The app refuses configurations that would be unsafe in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import create_app
from api.config import Config, ConfigError

CREDENTIALS = Path(__file__).parent / "data" / "service-account.json"
PRODUCTION = {
    "BITEWISE_ENV": "production",
    "DATABASE_URL": "postgresql://bitewise@db/bitewise",
    "FIREBASE_PROJECT_ID": "acme-learning",
    "GOOGLE_APPLICATION_CREDENTIALS": str(CREDENTIALS),
    "BITEWISE_METRICS_TOKEN": "scrape-me-with-a-long-secret",
    "REDIS_URL": "redis://cache:6379/0",
    "PUBLIC_BASE_URL": "https://learn.acme.example",
}


def test_production_configuration_loads() -> None:
    config = Config.from_env(PRODUCTION)
    assert config.is_production
    assert config.sqlalchemy_url == "postgresql+psycopg://bitewise@db/bitewise"


def test_production_refuses_the_auth_emulator() -> None:
    with pytest.raises(ConfigError, match="FIREBASE_AUTH_EMULATOR_HOST"):
        Config.from_env({**PRODUCTION, "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099"})


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS"),
        ("FIREBASE_PROJECT_ID", "FIREBASE_PROJECT_ID"),
        ("DATABASE_URL", "PostgreSQL"),
        ("BITEWISE_METRICS_TOKEN", "BITEWISE_METRICS_TOKEN"),
        ("REDIS_URL", "REDIS_URL"),
    ],
)
def test_production_needs_its_settings(missing: str, message: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


def test_app_does_not_start_with_an_unsafe_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in PRODUCTION.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
    # One line for the operator (each gunicorn worker printed a 30-line traceback).
    with pytest.raises(SystemExit, match=r"^bitewise refuses to start: FIREBASE_AUTH_EMULATOR"):
        create_app()


@pytest.mark.parametrize(
    "env",
    [
        {"BITEWISE_ENV": "staging"},
        {"BITEWISE_MAX_REQUEST_BYTES": "lots"},
        {"BITEWISE_FCM_TRANSPORT": "carrier-pigeon"},
    ],
)
def test_bad_values_are_named(env: dict) -> None:
    with pytest.raises(ConfigError, match=next(iter(env))):
        Config.from_env(env)


def test_an_unset_environment_is_production() -> None:
    # Real credentials, PostgreSQL and the emulator variable, BITEWISE_ENV forgotten: this
    # used to start as development and accept unsigned tokens.
    env = {k: v for k, v in PRODUCTION.items() if k != "BITEWISE_ENV"}
    assert Config.from_env(env).is_production
    with pytest.raises(ConfigError, match="FIREBASE_AUTH_EMULATOR_HOST"):
        Config.from_env({**env, "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099"})


@pytest.mark.parametrize("environment", ["development", "test"])
def test_the_emulator_is_refused_beside_real_credentials_everywhere(environment: str) -> None:
    env = {
        "BITEWISE_ENV": environment,
        "GOOGLE_APPLICATION_CREDENTIALS": str(CREDENTIALS),
        "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
    }
    with pytest.raises(ConfigError, match="real credentials"):
        Config.from_env(env)
    del env["GOOGLE_APPLICATION_CREDENTIALS"]
    assert Config.from_env(env).firebase_auth_emulator_host  # development as bin/run runs it


def test_production_keeps_rate_limits_on() -> None:
    with pytest.raises(ConfigError, match="BITEWISE_RATE_LIMITS"):
        Config.from_env({**PRODUCTION, "BITEWISE_RATE_LIMITS": "off"})


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        # A listener on plain HTTP got the service account's access token.
        ("BITEWISE_FCM_ENDPOINT", "http://fcm.internal", "https"),
        ("BITEWISE_CLAIM_TTL", "0", "BITEWISE_CLAIM_TTL must be between 1"),  # sent twice
        ("BITEWISE_CLAIM_TTL", "5", "at least 10 in production"),
        ("BITEWISE_PLAN_EVERY", "0", "turns reminders off"),
        ("BITEWISE_METRICS_TOKEN", "x", "at least 16"),
        ("PUBLIC_BASE_URL", "", "PUBLIC_BASE_URL"),
        ("BITEWISE_WORKER_THREADS", "0", "BITEWISE_WORKER_THREADS must be between 1"),
        ("BITEWISE_RETRY_BASE", "abc", "BITEWISE_RETRY_BASE must be a number"),
        ("GOOGLE_APPLICATION_CREDENTIALS", "/nowhere/sa.json", "no readable file"),
    ],
)
def test_unsafe_or_broken_settings_are_refused_with_their_name(variable, value, message) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env({**PRODUCTION, variable: value})


def test_development_may_plan_never() -> None:
    config = Config.from_env({"BITEWISE_ENV": "development", "BITEWISE_PLAN_EVERY": "0"})
    assert config.plan_every == 0 and config.base_url == "http://127.0.0.1:8000"
