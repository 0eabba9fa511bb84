"""What the operator on call relies on: health, readiness, structured logs."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from api.config import Config
from api.db import create_engine_for
from api.request_log import configure_logging
from tests.conftest import auth
from tests.factories import UserFactory
from tests.live import BIN, ROOT, free_port


def test_health_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {
        "status": "ok",
        "workers_alive": 0,
        "planner_last_success_age_seconds": None,
    }


def test_readiness_fails_when_the_database_is_gone(config: Config) -> None:
    # Nothing listens on port 1 of the loopback: the connection is refused at once.
    dead = create_engine_for("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    client = create_app(config, bind=dead).test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["error"] == "database_unavailable"


def test_lost_database_on_a_request_is_503_with_retry_after(config: Config) -> None:
    dead = create_engine_for("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    client = create_app(config, bind=dead).test_client()
    from api.dev_tokens import emulator_id_token
    from tests.conftest import PROJECT_ID

    token = emulator_id_token(project_id=PROJECT_ID, uid="someone", email="a@b.example")
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"


def test_request_log_is_json_with_request_id(
    client: FlaskClient, db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(Config(log_json=True, log_level="INFO"))
    try:
        user = UserFactory()
        client.get("/me", headers={**auth(user), "X-Request-ID": "trace-42"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    [line] = [entry for entry in lines if entry.get("name") == "bitewise.access"]
    assert line["message"].startswith("GET /me 200 ")
    assert line["request_id"] == "trace-42"
    assert line["path"] == "/me" and line["status"] == 200
    assert line["user_id"] == user.id and line["organization_id"] == user.organization_id
    assert line["duration_ms"] >= 0


def test_text_logs_keep_method_path_status_and_duration(
    client: FlaskClient, db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    """LOG_FORMAT=text (what bin/run shows) used to print just "request"."""
    configure_logging(Config(log_json=False, log_level="INFO"))
    try:
        client.get("/me", headers=auth(UserFactory()))
        err = capsys.readouterr().err
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    [line] = [entry for entry in err.splitlines() if "bitewise.access" in entry]
    assert re.search(r"GET /me 200 \d+\.\d ms", line), line


def test_gunicorn_refuses_a_bad_configuration_in_one_line(tmp_path) -> None:
    """Two workers used to print a 30-line traceback each; the operator needs one line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITEWISE_", "FIREBASE_"))}
    env.update(
        BITEWISE_ENV="production",
        DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
        BITEWISE_CLAIM_TTL="0",
        PORT=str(free_port()),
        LOG_FORMAT="json",
    )
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "api:create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    refusals = [line for line in result.stderr.splitlines() if "refuses to start" in line]
    assert len(refusals) == 1, result.stderr
    assert json.loads(refusals[0])["level"] == "ERROR"  # gunicorn's lines are JSON too


def test_metrics_are_served_while_the_database_is_away(config: Config) -> None:
    """They answered 503, so request errors and latency vanished during the outage."""
    dead = create_engine_for("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    client = create_app(config, bind=dead).test_client()
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "bitewise_database_up 0.0" in text
    assert 'bitewise_http_request_total{method="GET",status="200"}' in text
    assert "bitewise_outbox_notifications" not in text  # unknown, not zero
