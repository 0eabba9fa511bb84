"""One process, no HTTP: what a practice request or a review upload costs the app.

Run after bench/practice_load.py has seeded its database (``bitewise_bench``):
    .venv/bin/python bench/practice_in_process.py [--scenario practice|reviews] [-n 400]
        [--profile 40] [--piece api.services.membership:resolve_member ...]

Plays the load generator's cohort learners through Flask's test client against that
database and prints wall time, the app's CPU time and SQL statements per request, then
the time spent in each piece of the request (each wrapped with a timer; no profiler, so
the proportions are the real ones); ``--profile`` then runs them again under cProfile.
Reviews are written to the bench database.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import functools
import gc
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BITEWISE_ENV", "test")
os.environ.setdefault("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("BITEWISE_RATE_LIMITS", "off")

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench.practice_load import database_url  # noqa: E402

PIECES = {
    "api.auth": ["authenticate"],
    "api.services.practice": ["practice_history", "_recent"],
    "api.services.shown": ["KeptItems.items_to_show"],
    # Where the caller looks them up: reviews imported apply_reviews by name.
    "api.services.reviews": ["_write_statements", "_practisable_items", "apply_reviews"],
    "api.services.memory": ["rebuild_states"],
    "scheduler.practice": ["practice_set"],
}


def timed(spent: collections.Counter[str], pieces: dict[str, list[str]]) -> None:
    import importlib

    for module_name, names in pieces.items():
        module = importlib.import_module(module_name)
        for dotted in names:
            *owner_path, name = dotted.split(".")
            owner = functools.reduce(getattr, owner_path, module)
            original = getattr(owner, name)

            def wrapper(*args: Any, __f=original, __n=name, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return __f(*args, **kwargs)
                finally:
                    spent[__n] += time.perf_counter() - started

            setattr(owner, name, functools.wraps(original)(wrapper))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", choices=["practice", "reviews"], default="practice")
    parser.add_argument("-n", type=int, default=400)
    parser.add_argument(
        "--gc-default", action="store_true", help="leave the garbage collector as Python sets it"
    )
    parser.add_argument(
        "--profile", type=int, metavar="N", help="also run cProfile and print its top N functions"
    )
    parser.add_argument(
        "--callers", metavar="PATTERN", help="with --profile: who calls the functions matching it"
    )
    parser.add_argument(
        "--plans",
        action="store_true",
        help="then list the statements PostgreSQL prepared for the app, with how often each "
        "was planned anew (custom plans) rather than run on its one generic plan",
    )
    parser.add_argument(
        "--piece",
        action="append",
        default=[],
        metavar="MODULE:NAME",
        help="also time this function (dotted within its module, as PIECES names them)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", database_url(True))
    spent: collections.Counter[str] = collections.Counter()
    pieces = {module: list(names) for module, names in PIECES.items()}
    for piece in args.piece:
        module, _, name = piece.partition(":")
        pieces.setdefault(module, []).append(name)
    timed(spent, pieces)
    from api import create_app, heap
    from api.dev_tokens import emulator_id_token
    from bench.load.generate import request_for

    app = create_app()
    client = app.test_client()
    if not args.gc_default:
        heap.settle()  # as gunicorn's workers do (gunicorn.conf.py)
    collecting = [0.0, 0.0]  # seconds in the garbage collector, start of the current one

    def gc_timer(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[1] = time.perf_counter()
        else:
            collecting[0] += time.perf_counter() - collecting[1]

    gc.callbacks.append(gc_timer)
    tokens = {
        u: emulator_id_token(
            project_id="bitewise-demo",
            uid=f"bench-{u}",
            email=f"l{u}@bench.example",
            lifetime=dt.timedelta(hours=1),
        )
        for u in range(1, 2001)
    }
    statements = [0]
    event.listen(
        Engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1)
    )
    rng = random.Random(1)

    def one() -> None:
        user = rng.randint(1, 2000)
        method, path, body = request_for(args.scenario, user, 50, rng)
        response = client.open(
            path,
            method=method,
            data=body,
            headers={"Authorization": f"Bearer {tokens[user]}", "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:300]

    for _ in range(30):
        one()
    spent.clear()
    statements[0] = 0
    collecting[0] = 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.n):
        one()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{args.scenario}: {wall / args.n * 1000:.2f} ms wall, {cpu / args.n * 1000:.2f} ms "
        f"CPU in the app, {statements[0] / args.n:.1f} SQL statements a request, "
        f"{collecting[0] / args.n * 1000:.2f} ms of it collecting garbage"
    )
    for name, seconds in spent.most_common():
        print(f"  {seconds / args.n * 1000:6.2f} ms  {name}")
    if args.plans:
        print_plans(app)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)  # CPU: waits on the database left out
        profiler.runcall(lambda: [one() for _ in range(args.n)])
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
        if args.callers:
            stats.print_callers(args.callers)


def print_plans(app: Any) -> None:
    """A prepared statement planned anew on every run costs PostgreSQL its planning each
    time (0.2-0.7 ms for the practice reads, against 0.1-0.3 ms to run them)."""
    from sqlalchemy import text

    # Test client, one thread: the pool hands back the connection the requests used.
    with app.extensions["bitewise.db"].engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT generic_plans, custom_plans, regexp_replace(statement, '\\s+', ' ', 'g') "
                "FROM pg_prepared_statements ORDER BY custom_plans DESC"
            )
        ).all()
    print("# prepared statements: generic plans, custom plans (planned anew), statement")
    for generic, custom, statement in rows:
        print(f"  {generic:6d} {custom:6d}  {statement[:150]}")


if __name__ == "__main__":
    main()
