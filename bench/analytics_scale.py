"""An admin's organization-wide analytics over 100,000 learners, on PostgreSQL.

Run:
    .venv/bin/python bench/analytics_scale.py --learners 100000

Seeds a fresh database ``bitewise_bench_analytics`` as ``bench/planner_scale.py`` does (one
organization, one module of 20 items; each learner enrolled, with 4 memory states), dated
two weeks back so that a week has ended, plus an admin. Then times the weekly release (what
the worker does after midnight on Monday: every cell of the organization computed at once)
and ``GET /analytics`` for the whole organization and for the module, served from the
release (median of 3), each with the peak Python memory (tracemalloc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from sqlalchemy.orm import Session

from api.services.analytics_release import release_ended_weeks
from bench.in_process import measure, signed_in_client
from bench.outbox_common import fresh_database, libpq_url
from bench.planner_scale import seed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=100_000)
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    engine = fresh_database("bitewise_bench_analytics")
    url = libpq_url(engine.url)
    started = time.perf_counter()
    seed(url, args.learners, now - dt.timedelta(days=14))
    admin = args.learners + 1
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO users (id, organization_id, firebase_uid, email, display_name, role, "
            "time_zone, locale, invited_at, joined_at) VALUES "
            "(%s, 1, 'boss', 'boss@plan.example', '', 'admin', 'UTC', 'en', %s, %s)",
            (admin, now, now),
        )
    print(f"seeded {args.learners:,} learners in {time.perf_counter() - started:.0f} s")

    client, headers = signed_in_client(engine, uid="boss", email="boss@plan.example")
    with Session(engine) as session:
        started = time.perf_counter()
        weeks = release_ended_weeks(session, now=now)  # once: a release is never redone
        took = time.perf_counter() - started
    print(f"weekly release of the organization: {weeks} week(s) in {took * 1000:,.0f} ms")

    print("| report | status | median of 3 | peak Python memory |")
    print("|---|---|---|---|")
    for name, query in (("organization", ""), ("module", "?module_id=1")):
        response, figures = measure(lambda q=query: client.get(f"/analytics{q}", headers=headers))
        print(f"| {name} | {response.status_code} | {figures} |")


if __name__ == "__main__":
    main()
