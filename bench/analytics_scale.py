"""An admin's organization-wide analytics over 100,000 learners, on PostgreSQL.

Run:
    .venv/bin/python bench/analytics_scale.py --learners 100000

Seeds a fresh database ``bitewise_bench_analytics`` as ``bench/planner_scale.py`` does (one
organization, one module of 20 items; each learner enrolled, with 4 memory states), plus
an admin. Then times ``GET /analytics`` for the whole organization and for the module
(median of 3), with the peak Python memory of one request (tracemalloc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from api import create_app
from api.config import Config
from api.dev_tokens import emulator_id_token
from bench.outbox_common import fresh_database
from bench.planner_scale import seed

# Emulator tokens, as in the tests: firebase-admin reads this when it verifies one.
os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099"
PROJECT = "demo-bitewise"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=100_000)
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    engine = fresh_database("bitewise_bench_analytics")
    url = engine.url.render_as_string(hide_password=False).replace("+psycopg", "")
    started = time.perf_counter()
    seed(url, args.learners, now)
    admin = args.learners + 1
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO users (id, organization_id, firebase_uid, email, display_name, role, "
            "time_zone, locale, invited_at, joined_at) VALUES "
            "(%s, 1, 'boss', 'boss@plan.example', '', 'admin', 'UTC', 'en', %s, %s)",
            (admin, now, now),
        )
    print(f"seeded {args.learners:,} learners in {time.perf_counter() - started:.0f} s")

    config = Config(
        environment="test",
        firebase_project_id=PROJECT,
        firebase_auth_emulator_host="127.0.0.1:9099",
        rate_limits=False,
        log_level="WARNING",
    )
    client = create_app(config, bind=engine).test_client()
    token = emulator_id_token(project_id=PROJECT, uid="boss", email="boss@plan.example")
    headers = {"Authorization": f"Bearer {token}"}

    print("| report | status | median of 3 | peak Python memory |")
    print("|---|---|---|---|")
    for name, query in (("organization", ""), ("module", "?module_id=1")):
        times, status = [], None
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(f"/analytics{query}", headers=headers)
            times.append(time.perf_counter() - started)
            status = response.status_code
        tracemalloc.start()
        client.get(f"/analytics{query}", headers=headers)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        took = statistics.median(times)
        print(f"| {name} | {status} | {took * 1000:,.0f} ms | {peak / 2**20:,.1f} MiB |")


if __name__ == "__main__":
    main()
