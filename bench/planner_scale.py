"""Planning time for 100,000 and 1,000,000 learners on PostgreSQL.

Run:
    .venv/bin/python bench/planner_scale.py --learners 100000 [--chunk 2000]

Seeds (COPY) a fresh database ``bitewise_bench_planner``: one organization, one module of
20 items, each learner with a device, an enrollment and 4 memory states of which 3 are
due. Then times, in one process: a first run (every learner gets a practice reminder), a
second run a minute later (nothing changed: planning by change looks at nobody), and a
steady-state run after 1 % of the learners changed (``api.services.replanning`` marks
them, as a review or a new preference does). Then the first run and the 1 % run by 1 and
by 2 worker processes claiming the planner's slices (``api.services.planner_slices``),
as ``flask --app api worker`` processes do, each from tables vacuumed after the reset; a
worker run reports its wall time and its planning time (the processes' start-up left out).
``--reuse`` skips the seeding and the one-process runs and runs the worker runs on the
database as the last run left it: alternate two checkouts on one database with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api import heap
from api.db import create_engine_for
from api.services.planner import plan_reminders
from api.services.planner_slices import SLICES, claim_slice, finish_slice
from bench.in_process import insert_module
from bench.load.seed import copy_rows
from bench.outbox_common import SERVER, fresh_database, libpq_url

ITEMS = 20


def seed(url: str, learners: int, now: dt.datetime) -> None:
    t = now.isoformat()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO organizations (id, name, created_at, practice_weekdays, "
            "reminder_window_start, reminder_window_end, pseudonym_key) VALUES (1, 'Plan Co', "
            "%s, '[0,1,2,3,4,5,6]', '00:00', '23:59', %s)",
            (now, "k" * 64),
        )
        insert_module(cur, now, ITEMS)
        zones = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]
        copy_rows(
            cur,
            "users",
            "id, organization_id, firebase_uid, email, display_name, role, time_zone, "
            "locale, invited_at, joined_at",
            (
                f"{u}\t1\tp{u}\tp{u}@plan.example\t\tlearner\t{zones[u % 4]}\ten\t{t}\t{t}\n"
                for u in range(1, learners + 1)
            ),
        )
        copy_rows(
            cur,
            "devices",
            "user_id, organization_id, token, platform, app_version, locale, "
            "created_at, last_seen_at",
            (
                f"{u}\t1\tplan-token-{u:09d}\tandroid\t1\ten\t{t}\t{t}\n"
                for u in range(1, learners + 1)
            ),
        )
        # Each learner marked for planning, as registering the phone below would.
        copy_rows(cur, "learner_planning", "user_id", (f"{u}\n" for u in range(1, learners + 1)))
        copy_rows(
            cur,
            "enrollments",
            "organization_id, user_id, module_id, source, status, assigned_at",
            (f"1\t{u}\t1\tassigned\tcompleted\t{t}\n" for u in range(1, learners + 1)),
        )
        due, later = (
            (now - dt.timedelta(hours=2)).isoformat(),
            (now + dt.timedelta(days=9)).isoformat(),
        )
        copy_rows(
            cur,
            "memory_states",
            "user_id, item_id, organization_id, module_id, stability, difficulty, "
            "phase, first_review_at, last_review_at, fsrs_due_at, reps, lapses",
            (
                f"{u}\t{(u + k) % ITEMS + 1}\t1\t1\t5\t5\t2\t{t}\t{t}\t"
                f"{due if k < 3 else later}\t3\t0\n"
                for u in range(1, learners + 1)
                for k in range(4)
            ),
        )
        conn.commit()
        cur.execute("ANALYZE")


def slice_worker(url: str, now: str, name: str, chunk: str) -> None:
    """Plan due slices until none is left, as a worker's planner run does; print when the
    planning started and ended (after the process's start-up)."""
    heap.settle()  # as `flask --app api worker` does
    engine = create_engine_for(url)
    at = dt.datetime.fromisoformat(now)
    every, ttl = dt.timedelta(minutes=5), dt.timedelta(minutes=30)
    # The system-wide monotonic clock: the wall clock was once stepped mid-run (a planning
    # span 13 s longer than the run that contained it).
    started = time.monotonic()
    while (part := claim_slice(engine, worker_id=name, now=at, every=every, ttl=ttl)) is not None:
        with Session(engine) as session:
            plan_reminders(session, now=at, part=(part, SLICES), chunk=int(chunk))
        finish_slice(engine, part=part, worker_id=name, now=at)
    print(started, time.monotonic())


def by_workers(engine, now: dt.datetime, workers: int, chunk: int) -> tuple[float, float]:
    """Seconds from starting the processes to the last one's end, and of planning only
    (from the first worker's first claim to the last one's end: the start-up left out)."""
    url = engine.url.render_as_string(hide_password=False)
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--slice-worker", url, now.isoformat(), f"w{n}", str(chunk)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    spans = []
    for process in processes:
        out, _ = process.communicate()
        assert process.returncode == 0
        spans.append([float(t) for t in out.split()[-2:]])
    wall = time.monotonic() - started
    return wall, max(end for _, end in spans) - min(start for start, _ in spans)


def reset(engine, *, everyone: bool) -> None:
    """Everyone unplanned (a first run), or 1 % of the learners changed."""
    with engine.begin() as connection:
        if everyone:
            connection.execute(text("DELETE FROM notifications"))
            # As after the upgrade that brought planning by change: everyone unset.
            connection.execute(text("DELETE FROM learner_planning"))
            connection.execute(text("INSERT INTO learner_planning (user_id) SELECT id FROM users"))
        else:
            connection.execute(
                text(
                    "UPDATE learner_planning SET plan_at = NULL, plan_epoch = plan_epoch + 1 "
                    "WHERE user_id % 100 = 0"
                )
            )
        connection.execute(text("DELETE FROM planner_slices"))
    if everyone:
        # As after the seed: the first runs by workers start from tables vacuumed and
        # analyzed, like the one-process first run, not from 200,000 dead rows a learner.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE notifications, users, learner_planning"))


def timed_run(engine, label: str, now: dt.datetime, chunk: int) -> None:
    with Session(engine) as session:
        started = time.perf_counter()
        report = plan_reminders(session, now=now, chunk=chunk)
        took = time.perf_counter() - started
    print(
        f"{label}: {report.learners} learners looked at, planned {dict(report.planned)} "
        f"in {took:.2f} s"
    )


def main() -> None:
    if sys.argv[1:2] == ["--slice-worker"]:
        slice_worker(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--no-workers", action="store_true", help="one process only")
    parser.add_argument(
        "--workers", default="1,2", help="worker process counts to run by slices (default 1,2)"
    )
    parser.add_argument(
        "--gc-default", action="store_true", help="leave the garbage collector as Python sets it"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database a run before seeded (its learners; --learners is ignored) "
        "and run only the worker runs: to alternate two checkouts on one database",
    )
    args = parser.parse_args()
    if not args.gc_default:
        heap.settle()  # as `flask --app api worker` does
    now = dt.datetime.now(dt.UTC)
    if args.reuse:
        engine = create_engine_for(
            make_url(SERVER).set(database="bitewise_bench_planner").render_as_string(False)
        )
        with engine.connect() as connection:
            args.learners = connection.execute(text("SELECT count(*) FROM users")).scalar_one()
    else:
        engine = fresh_database("bitewise_bench_planner")
        started = time.perf_counter()
        seed(libpq_url(engine.url), args.learners, now)
        print(f"# seeded {args.learners} learners in {time.perf_counter() - started:.0f} s")
        timed_run(engine, "first run", now, args.chunk)
        timed_run(engine, "second run, a minute on", now + dt.timedelta(minutes=1), args.chunk)
        reset(engine, everyone=False)
        timed_run(engine, "1 % changed, two minutes on", now + dt.timedelta(minutes=2), args.chunk)
    for workers in () if args.no_workers else [int(n) for n in args.workers.split(",")]:
        reset(engine, everyone=True)
        first, first_planning = by_workers(engine, now, workers, args.chunk)
        reset(engine, everyone=False)
        steady, steady_planning = by_workers(
            engine, now + dt.timedelta(minutes=2), workers, args.chunk
        )
        print(
            f"{workers} worker process(es), slices: first run {first:.1f} s "
            f"({args.learners / first:,.0f} learners/s; planning {first_planning:.1f} s), "
            f"1 % changed {steady:.2f} s (planning {steady_planning:.2f} s)"
        )


if __name__ == "__main__":
    main()
