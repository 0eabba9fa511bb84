"""The practice loop under load: gunicorn + PostgreSQL with 100,000 learners, 5,000,000 states.

Run (about 5 minutes the first time, for seeding; --reuse skips it afterwards):
    .venv/bin/python bench/practice_load.py [--learners 100000] [--states 50] [--duration 20]
        [--reuse] [--generator python|wrk]

Needs the PostgreSQL of TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres); creates
the database ``bitewise_bench`` there. Starts gunicorn on a free 127.0.0.1 port with the
repository's gunicorn.conf.py, then runs a load generator in a second process (threads,
keep-alive) against a bare Flask hello-world (a second gunicorn, same workers) and three
endpoints in turn: a trivial JSON endpoint (/healthz), "next practice set" and "post a
batch of 10 reviews". Settings as in production: INFO logs, rate limits on and counted in
Redis (REDIS_URL, default 127.0.0.1:6379/15; the generator gives each learner an address
of their own through one trusted proxy hop). Prints requests/s, p50/p99 latency and each
endpoint's throughput as a share of the hello-world and of /healthz, the CPU a request
costs each kind of process (app, PostgreSQL, Redis, the generator), then the query plan
and time of the practice query for one learner (index scans, so its cost does not grow
with learners).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import cpu, wrk_run  # noqa: E402
from bench.load.seed import seed  # noqa: E402

SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASE = "bitewise_bench"
PY = str(ROOT / ".venv" / "bin" / "python")


def database_url(driver: bool) -> str:
    url = make_url(SERVER).set(database=DATABASE)
    text = url.render_as_string(hide_password=False)
    return text if driver else text.replace("+psycopg", "")


def prepare(args: argparse.Namespace) -> None:
    admin = make_url(SERVER).render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone()
        if exists and args.reuse:
            print(f"# reusing database {DATABASE}")
            forget_earlier_uploads()
            return
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    env = {**os.environ, "DATABASE_URL": database_url(True)}
    subprocess.run(
        [str(ROOT / ".venv/bin/alembic"), "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    start = time.monotonic()
    seed(
        database_url(False),
        learners=args.learners,
        states=args.states,
        cohort=args.cohort,
        now=dt.datetime.now(dt.UTC),
    )
    print(
        f"# seeded {args.learners} learners x {args.states} states "
        f"in {time.monotonic() - start:.0f} s"
    )


def forget_earlier_uploads() -> None:
    """Delete what earlier runs' uploads added: answered today, they made every later
    practice request read more of today's answers (rows by the thousand after a few
    runs), so runs on a reused database were not comparable. The memory states they
    advanced stay (as many rows as before)."""
    with psycopg.connect(database_url(False), autocommit=True) as conn:
        gone = conn.execute("DELETE FROM review_logs WHERE client_review_id NOT LIKE 'seed-%'")
        conn.execute("DELETE FROM xapi_statements")  # the seed writes none
        conn.execute("VACUUM ANALYZE review_logs, xapi_statements")
        print(f"# deleted {gone.rowcount} answers uploaded by earlier runs")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_load(url: str, scenario: str, args: argparse.Namespace) -> dict:
    before, children = cpu.cpu_seconds(), cpu.children_seconds()
    if args.generator == "wrk":
        result = wrk_run.run(
            url,
            scenario,
            duration=args.duration,
            concurrency=args.concurrency,
            cohort=args.cohort,
            states=args.states,
        )
    else:
        result = generate(url, scenario, args)
    # The generator is this process's child (its CPU counted once it exits); the gunicorn
    # serving hello-world counts as app in its run, the app's idle workers in the others.
    used = cpu.spent(before, cpu.cpu_seconds())
    used["generator"] = cpu.children_seconds() - children
    result["cpu_ms"] = {
        kind: used[kind] * 1000 / max(result["requests"], 1)
        for kind in ("app", "postgres", "redis", "generator")
    }
    return result


def generate(url: str, scenario: str, args: argparse.Namespace) -> dict:
    out = subprocess.run(
        [
            PY,
            str(ROOT / "bench/load/generate.py"),
            "--url",
            url,
            "--scenario",
            scenario,
            "--duration",
            str(args.duration),
            "--concurrency",
            str(args.concurrency),
            "--cohort",
            str(args.cohort),
            "--states",
            str(args.states),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=args.duration + 120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def explain(user: int) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from api.models import User
    from api.services.practice import learner_items

    engine = create_engine(database_url(True))
    with Session(engine) as session:
        learner = session.get(User, user)
        start = time.perf_counter()
        items = learner_items(session, user=learner)
        took = (time.perf_counter() - start) * 1000
        print(f"# practice query for learner {user}: {len(items)} rows in {took:.1f} ms")
    with psycopg.connect(database_url(False)) as conn:
        plan = conn.execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT ms.* FROM enrollments e "
            "JOIN items i ON i.module_id = e.module_id LEFT JOIN memory_states ms "
            "ON ms.user_id = e.user_id AND ms.item_id = i.id "
            "WHERE e.user_id = %s",
            (user,),
        ).fetchone()[0][0]
    nodes: list[str] = []

    def walk(node: dict) -> None:
        label = node["Node Type"] + (
            f" on {node['Relation Name']}" if "Relation Name" in node else ""
        )
        if "Index Name" in node:
            label += f" using {node['Index Name']}"
        nodes.append(label)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    print(f"# plan ({plan['Execution Time']:.2f} ms): " + "; ".join(nodes))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--states", type=int, default=50)
    parser.add_argument("--cohort", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument(
        "--generator",
        choices=["python", "wrk"],
        default="python",
        help="who makes the load: Python threads, or wrk (apt-get install wrk)",
    )
    args = parser.parse_args()
    if args.generator == "wrk" and not wrk_run.available():
        raise SystemExit("--generator wrk needs wrk on the PATH (Debian: apt-get install wrk)")
    prepare(args)
    port, hello_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(True),
        "BITEWISE_ENV": "test",
        "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
        "LOG_LEVEL": "INFO",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(args.workers),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "BITEWISE_PROXY_HOPS": "1",
    }
    gunicorn = [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"]
    servers = [
        subprocess.Popen(
            [*gunicorn, "api:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [*gunicorn, "bench.load.hello:app"],
            cwd=ROOT,
            env={**env, "PORT": str(hello_port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    url, hello = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{hello_port}"
    try:
        for address in (f"{url}/readyz", hello):
            for _ in range(100):
                try:
                    urllib.request.urlopen(address, timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.2)
        print(f"# machine: a pure-Python loop of 10,000,000 additions: {cpu.machine_speed():.2f} s")
        print(
            f"# gunicorn {args.workers} workers, load: {args.concurrency} connections "
            f"x {args.duration:.0f} s each by {args.generator}; INFO logs, rate limits in Redis"
        )
        results = [run_load(hello, "hello", args)]
        results += [run_load(url, s, args) for s in ("trivial", "practice", "reviews")]
        bare, base = results[0]["rps"], results[1]["rps"]
        for r in results:
            print(
                f"{r['scenario']:>9}: {r['rps']:7.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
                f"p99 {r['p99_ms']:6.1f} ms  ({r['rps'] / bare:.3f} of hello-world, "
                f"{r['rps'] / base:.3f} of /healthz)  requests {r['requests']}  "
                f"statuses {r['statuses']}"
            )
        print(f"# CPU a request (ms), all processes of each kind; generator: {args.generator}")
        for r in results:
            print(
                f"{r['scenario']:>9}: "
                + "  ".join(f"{kind} {ms:5.2f}" for kind, ms in r["cpu_ms"].items())
                + f"  total {sum(r['cpu_ms'].values()):5.2f}"
            )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    explain(user=1)


if __name__ == "__main__":
    main()
