"""The app refuses configurations that would be unsafe in production."""

from __future__ import annotations

import pytest

from api import create_app
from api.config import Config, ConfigError

PRODUCTION = {
    "BITEWISE_ENV": "production",
    "DATABASE_URL": "postgresql://bitewise@db/bitewise",
    "FIREBASE_PROJECT_ID": "acme-learning",
    "GOOGLE_APPLICATION_CREDENTIALS": "/secrets/sa.json",
    "BITEWISE_METRICS_TOKEN": "scrape-me",
    "REDIS_URL": "redis://cache:6379/0",
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
    with pytest.raises(ConfigError):
        create_app()


@pytest.mark.parametrize(
    "env",
    [{"BITEWISE_ENV": "staging"}, {"BITEWISE_MAX_REQUEST_BYTES": "lots"}],
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
        "GOOGLE_APPLICATION_CREDENTIALS": "/secrets/sa.json",
        "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
    }
    with pytest.raises(ConfigError, match="real credentials"):
        Config.from_env(env)
    del env["GOOGLE_APPLICATION_CREDENTIALS"]
    assert Config.from_env(env).firebase_auth_emulator_host  # development as bin/run runs it


def test_production_keeps_rate_limits_on() -> None:
    with pytest.raises(ConfigError, match="BITEWISE_RATE_LIMITS"):
        Config.from_env({**PRODUCTION, "BITEWISE_RATE_LIMITS": "off"})
