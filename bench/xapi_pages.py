"""Fetching xAPI statements page by page from a busy month, on PostgreSQL.

Run:
    .venv/bin/python bench/xapi_pages.py --reviews 300000 [--learners 2000]

Seeds (COPY) a fresh database ``bitewise_bench_xapi``: one organization (export scope
``activity``), ``--learners`` learners and ``--reviews`` answer statements stored over the
last 30 days, as ``xapi_statements`` rows (the export reads them as written). Then an admin
asks ``GET /xapi/statements`` for those 30 days, 100 a page: the first page, one in the
middle and the last (by cursor). For each: the median time of 3 requests and the peak of
Python memory allocated while serving one (tracemalloc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.in_process import insert_module, measure, signed_in_client
from bench.load.seed import copy_rows
from bench.outbox_common import fresh_database, libpq_url

ITEMS = 20


def seed(url: str, learners: int, reviews: int, now: dt.datetime) -> None:
    t = now.isoformat()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO organizations (id, name, created_at, xapi_scope, pseudonym_key) "
            "VALUES (1, 'Record Co', %s, 'activity', %s)",
            (now, "k" * 64),
        )
        insert_module(cur, now, ITEMS)
        copy_rows(
            cur,
            "users",
            "id, organization_id, firebase_uid, email, display_name, role, time_zone, "
            "locale, invited_at, joined_at",
            (
                f"{u}\t1\tx{u}\tx{u}@record.example\t\t{'admin' if u == 1 else 'learner'}"
                f"\tUTC\ten\t{t}\t{t}\n"
                for u in range(1, learners + 1)
            ),
        )
        month = 30 * 24 * 3600
        statement = json.dumps(
            {
                "actor": {"objectType": "Agent", "account": {"homePage": "h", "name": "n"}},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                "object": {"id": "https://xapi.bitewise.app/o/1/items/1"},
                "result": {"success": True, "response": "1"},
                "timestamp": t[:10] + "T00:00:00Z",
            }
        ).replace("\\", "\\\\")
        copy_rows(
            cur,
            "xapi_statements",
            "organization_id, statement_id, verb, user_id, stored_at, statement",
            (
                f"1\t{uuid.UUID(int=r)}\tanswered\t{2 + r % (learners - 1)}\t"
                f"{(now - dt.timedelta(seconds=month * (reviews - r) / reviews)).isoformat()}"
                f"\t{statement}\n"
                for r in range(reviews)
            ),
        )
        conn.commit()
        cur.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=300_000)
    parser.add_argument("--learners", type=int, default=2_000)
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    engine = fresh_database("bitewise_bench_xapi")
    url = libpq_url(engine.url)
    started = time.perf_counter()
    seed(url, args.learners, args.reviews, now)
    print(f"seeded {args.reviews:,} reviews in {time.perf_counter() - started:.1f} s")

    client, headers = signed_in_client(engine, uid="x1", email="x1@record.example")
    period = {
        "since": (now - dt.timedelta(days=30, minutes=1)).isoformat(),
        "limit": 100,
    }

    def get(cursor: int):
        response = client.get(
            "/xapi/statements", query_string={**period, "cursor": cursor}, headers=headers
        )
        assert response.status_code == 200, response.get_json()
        return response

    print(f"statements in the period: {args.reviews:,} ({args.reviews // 100:,} pages of 100)")
    print("| page | median of 3 | peak Python memory |")
    print("|---|---|---|")
    for name, cursor in (("first", 0), ("middle", args.reviews // 2), ("last", args.reviews - 100)):
        response, figures = measure(lambda cursor=cursor: get(cursor))
        assert len(response.get_json()["statements"]) == 100
        print(f"| {name} | {figures} |")


if __name__ == "__main__":
    main()
