"""Pieces shared by the benchmarks that call the API in-process on a seeded PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import TypeVar

import psycopg
from flask.testing import FlaskClient
from sqlalchemy import Engine

from api import create_app
from api.config import Config
from api.dev_tokens import emulator_id_token

PROJECT = "demo-bitewise"
T = TypeVar("T")
# Emulator tokens, as in the tests: firebase-admin reads this when it verifies one.
os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099"


def insert_module(cur: psycopg.Cursor, now: dt.datetime, items: int) -> None:
    """Module 1 of organization 1, published, one lesson of ``items`` true/false items."""
    cur.execute(
        "INSERT INTO modules (id, organization_id, title, summary, estimated_minutes, "
        "tags, status, visibility, version, application_prompt, reflection_question, "
        "created_at, updated_at) VALUES (1, 1, 'M', '', 5, '[]', 'published', 'open', 1, "
        "'', '', %s, %s)",
        (now, now),
    )
    cur.execute(
        "INSERT INTO lessons (id, module_id, position, title, body_markdown, key_points) "
        "VALUES (1, 1, 0, 'L', '', '[]')"
    )
    for i in range(1, items + 1):
        cur.execute(
            "INSERT INTO items (id, module_id, lesson_id, position, kind, prompt, options, "
            "answer, explanation, revision) VALUES (%s, 1, 1, %s, 'true_false', %s, '[]', "
            "'{\"value\": true}', '', 1)",
            (i, i, f"Statement {i}?"),
        )


def signed_in_client(engine: Engine, *, uid: str, email: str) -> tuple[FlaskClient, dict]:
    """The app on ``engine`` (rate limits off) and headers signing in as ``uid``."""
    config = Config(
        environment="test",
        firebase_project_id=PROJECT,
        firebase_auth_emulator_host="127.0.0.1:9099",
        rate_limits=False,
        log_level="WARNING",
    )
    token = emulator_id_token(project_id=PROJECT, uid=uid, email=email)
    return create_app(config, bind=engine).test_client(), {"Authorization": f"Bearer {token}"}


def measure(call: Callable[[], T], runs: int = 3) -> tuple[T, str]:
    """``call``'s last result, and "median of ``runs`` ms | peak Python memory of one MiB"."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, f"{statistics.median(times) * 1000:,.0f} ms | {peak / 2**20:,.1f} MiB"
