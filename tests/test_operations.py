"""What the operator on call relies on: health, readiness, structured logs."""

from __future__ import annotations

import json
import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from api.config import Config
from api.db import create_engine_for
from api.request_log import configure_logging
from tests.conftest import auth
from tests.factories import UserFactory


def test_health_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ok"}


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
    [line] = [entry for entry in lines if entry.get("message") == "request"]
    assert line["request_id"] == "trace-42"
    assert line["path"] == "/me" and line["status"] == 200
    assert line["user_id"] == user.id and line["organization_id"] == user.organization_id
    assert line["duration_ms"] >= 0
