"""The nightly parameter fit for a large organization, on PostgreSQL.

Run:
    .venv/bin/python bench/fit_scale.py --learners 20000 [--cards 5]

Seeds a fresh database ``bitewise_bench_fit`` as ``bench/planner_scale.py`` does, plus a
review log: each learner answers ``--cards`` items 10 times each at growing intervals (1, 2,
4 ... days), mostly Good with some Again. Then times ``fitting.fit_organization`` (the
organization's fit, each learner's own fit, the replays after adoption) and reports the
process's peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from sqlalchemy.orm import Session

from api.services import fitting
from bench.load.seed import copy_rows
from bench.outbox_common import fresh_database, libpq_url
from bench.planner_scale import seed

GAPS = [0, 1, 2, 4, 7, 12, 20, 33, 50, 80]  # days after the first answer


def seed_reviews(url: str, learners: int, cards: int, now: dt.datetime) -> int:
    rng = random.Random(7)
    start = now - dt.timedelta(days=GAPS[-1] + 5)

    def rows():
        n = 0
        for user in range(1, learners + 1):
            for card in range(cards):
                item = (user + card) % 20 + 1
                for k, gap in enumerate(GAPS):
                    at = start + dt.timedelta(days=gap, minutes=rng.randrange(600))
                    rating = 1 if rng.random() < 0.15 else 3
                    n += 1
                    yield (
                        f"1\t{user}\t{item}\t1\tf{user}-{card}-{k}\t{at.isoformat()}\t"
                        f"{at.isoformat()}\t5000\t{{}}\t{rating}\t{str(rating > 1).lower()}\n"
                    )

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        copy_rows(
            cur,
            "review_logs",
            "organization_id, user_id, item_id, item_revision, client_review_id, answered_at, "
            "received_at, duration_ms, response, rating, correct",
            rows(),
        )
        conn.commit()
        cur.execute("ANALYZE")
    return learners * cards * len(GAPS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--cards", type=int, default=5)
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    engine = fresh_database("bitewise_bench_fit")
    url = libpq_url(engine.url)
    started = time.perf_counter()
    seed(url, args.learners, now)
    reviews = seed_reviews(url, args.learners, args.cards, now)
    print(
        f"seeded {args.learners:,} learners, {reviews:,} reviews in "
        f"{time.perf_counter() - started:.0f} s"
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with Session(engine) as session:
        started = time.perf_counter()
        reports = fitting.fit_organization(session, organization_id=1, now=now)
        took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes: dict[str, int] = {}
    for report in reports:
        outcomes[report.outcome] = outcomes.get(report.outcome, 0) + 1
    print(
        f"fit_organization: {took:.1f} s; reports {outcomes}; "
        f"peak RSS {peak / 1024:,.0f} MiB (before the fit {before / 1024:,.0f} MiB)"
    )
    print(reports[0].scope, reports[0].outcome, reports[0].detail)


if __name__ == "__main__":
    main()
