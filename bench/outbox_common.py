"""Shared by the dispatch benchmarks: a fresh PostgreSQL database, a stand-in process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.db import create_engine_for  # noqa: E402
from tests.databases import migrate  # noqa: E402

SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def libpq_url(url: str | URL) -> str:
    """The URL psycopg.connect takes: SQLAlchemy's without its driver, password kept."""
    return make_url(url).render_as_string(hide_password=False).replace("+psycopg", "")


def fresh_database(name: str) -> Engine:
    admin = libpq_url(SERVER)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = create_engine_for(
        make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    )
    migrate(engine)
    return engine


class StandInProcess:
    """The FCM stand-in in a process of its own, so it does not share our GIL."""

    def __init__(self, *, fail_share: float = 0.0, latency_ms: float = 0.0) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.push.fcm_standin",
                "--fail-share",
                str(fail_share),
                "--latency-ms",
                str(latency_ms),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        self.process.stdout.close()

    def stats(self) -> dict:
        with urllib.request.urlopen(self.url + "/_stats", timeout=30) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
