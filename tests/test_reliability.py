"""Small, fast versions of bench/reliability/: nothing a client got a 2xx for is lost.

Each run has a PostgreSQL cluster of its own (restarting the shared one would pull the
floor from under other tests), gunicorn or the push workers, and load from this process.
The full-size runs and their figures are in bench/README.md.
"""

from __future__ import annotations

import glob

import pytest

from tests.databases import REQUIRE_POSTGRES

if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
    message = "PostgreSQL's server binaries are missing (Debian: postgresql)"
    if REQUIRE_POSTGRES:
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)

from bench.reliability import dispatch_db_restart, postgres_restart, worker_kill


def test_reviews_survive_a_postgres_crash_and_the_service_recovers() -> None:
    result = postgres_restart.run(
        duration=14, down_at=4, outage=2, learners=30, threads=6, workers=2
    )
    assert result["failed_during_outage"] > 0  # the outage was real
    assert result["accepted_2xx"] > 100
    assert result["recovered"], result
    assert result["lost"] == 0, result


def test_reviews_survive_gunicorn_workers_killed_mid_request() -> None:
    result = worker_kill.run(duration=9, kills=2, learners=30, threads=6, workers=2)
    assert len(result["killed"]) == 2 and result["workers_after"] == 2
    assert result["recovered"], result
    assert result["lost"] == 0, result


def test_pushes_go_out_exactly_once_across_a_postgres_crash() -> None:
    result = dispatch_db_restart.run(count=1500, workers=3, fail_share=0.05, outage=2, timeout=120)
    assert result["workers_alive_after_outage"] == 3
    assert result["all_sent"], result
    assert result["lost"] == 0, result
    assert result["duplicates"] == 0, result  # outcomes wait for the database, not resent
