"""One planning run in one process, and where its time goes, statement by statement.

Run after ``bench/planner_scale.py`` has seeded ``bitewise_bench_planner`` (its database is
left in place; the same server, ``TEST_POSTGRES_URL``):
    .venv/bin/python bench/planner_statements.py [--chunk 5000] [--profile 30]

Resets every learner to unplanned (as planner_scale's first run), then times
``plan_reminders``: wall time, the planner's CPU time, and the time of each statement
(SQLAlchemy's cursor events), largest first. ``--profile N`` runs it under cProfile
(CPU time) and prints the N functions with the most time of their own. Alternate two
checkouts on the same database to compare them (run each checkout's copy).

``--scans`` then plans the run's last chunk again under ``EXPLAIN ANALYZE`` (rolled back)
and prints every sequential scan, and every read of more than ten rows per learner of the
chunk (through an index too), with the rows it read: a chunk's
read of a table that grows with the population (every learner's phone, every enrollment,
every push) is a cost paid once per chunk for the whole population, which a million
learners turns into the pass's largest. Those are marked ``<-- population``.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime as dt
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api import heap
from api.db import create_engine_for
from api.db_among import reads_by_ids
from api.services.planner import PlanReport, _plan_chunk, plan_reminders
from bench.outbox_common import SERVER
from bench.planner_scale import reset


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--profile", type=int, default=0, help="print this many functions")
    parser.add_argument("--scans", action="store_true", help="then list whole-table reads")
    args = parser.parse_args()
    heap.settle()  # as `flask --app api worker` does
    url = make_url(SERVER).set(database="bitewise_bench_planner")
    engine = create_engine_for(url.render_as_string(hide_password=False))
    spent: collections.Counter[str] = collections.Counter()
    runs: collections.Counter[str] = collections.Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, params, context, executemany) -> None:
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, params, context, executemany) -> None:
        key = " ".join(statement.split())[:72]
        spent[key] += time.perf_counter() - conn.info["started"]
        runs[key] += 1

    reset(engine, everyone=True)
    spent.clear()
    runs.clear()
    profile = cProfile.Profile(time.process_time) if args.profile else None
    with Session(engine) as session:
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        report = plan_reminders(session, now=dt.datetime.now(dt.UTC), chunk=args.chunk)
        if profile:
            profile.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{report.learners} learners planned in {wall:.2f} s; the planner's CPU {cpu:.2f} s, "
        f"statements {sum(spent.values()):.2f} s"
    )
    for statement, seconds in spent.most_common(10):
        print(f"  {seconds:6.2f} s  x{runs[statement]:<4d} {statement}")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)
    if args.scans:
        with engine.connect() as connection:
            users = connection.execute(text("SELECT max(id) FROM users")).scalar_one()
        print_scans(engine, list(range(max(1, users - args.chunk + 1), users + 1)))


def print_scans(engine: Engine, ids: list[int]) -> None:
    """Each statement of planning ``ids`` (as ``_plan_chunk`` runs them), and the tables
    it read whole."""
    statements: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, params, context, executemany):
        statements.append((statement, params))
        return statement, params

    with Session(engine) as session:
        reads_by_ids(session)
        event.listen(engine, "before_cursor_execute", capture, retval=True)
        try:
            _plan_chunk(session, ids, dt.datetime.now(dt.UTC), PlanReport())
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        session.rollback()
    print(f"whole-table reads planning {len(ids)} learners:")
    with Session(engine) as session:
        for statement, params in statements:
            if params and isinstance(params, list):  # executemany: not explained
                continue
            reads_by_ids(session)
            cursor = session.connection().connection.dbapi_connection.cursor()
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
            plan = cursor.fetchone()[0][0]
            session.rollback()
            print(f"  {plan['Execution Time']:7.1f} ms  {' '.join(statement.split())[:72]}")
            for node in _nodes(plan["Plan"]):
                if "Relation Name" not in node:
                    continue
                # By index too: with sequential scans off a whole table can still be read
                # through an index, to be hashed.
                each = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                read = each * node["Actual Loops"]
                if node["Node Type"] == "Seq Scan" or read > 10 * len(ids):
                    mark = "  <-- population" if read > 10 * len(ids) else ""
                    kind = node["Node Type"].lower()
                    print(f"             {kind} of {node['Relation Name']}: {read} rows{mark}")


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _nodes(child))]


if __name__ == "__main__":
    main()
