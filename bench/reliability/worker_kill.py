"""Practice load on gunicorn + PostgreSQL while a gunicorn worker is killed with SIGKILL.

Run:
    .venv/bin/python bench/reliability/worker_kill.py [--duration 30] [--kills 3]
        [--learners 200] [--threads 8] [--workers 3]

Every few seconds one worker (a child of the gunicorn master) gets SIGKILL mid-load; the
master starts a new one. A request that was inside the killed worker gets its connection
cut (counted as failed, never as accepted); every review that got a 2xx "accepted" must be
in the database. Prints the counts; exits 1 on any loss or if the service did not recover.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.reliability.common import (
    ReviewLoad,
    ThrowawayPostgres,
    engine_for,
    lost_reviews,
    seed_practice,
    start_gunicorn,
)


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
    ).stdout
    return [int(pid) for pid in out.split()]


def run(*, duration: float, kills: int, learners: int, threads: int, workers: int) -> dict:
    postgres = ThrowawayPostgres()
    engine = engine_for(postgres.url)
    server = None
    try:
        world = seed_practice(engine, learners=learners)
        log = Path(tempfile.mkdtemp(prefix="bitewise-reliability-")) / "gunicorn.log"
        server, address = start_gunicorn(postgres.url, workers=workers, log=log)
        load = ReviewLoad(address, world, threads=threads)
        load.start()
        killed = []
        for n in range(kills):
            time.sleep(duration / (kills + 1))
            pids = worker_pids(server.pid)
            if pids:
                victim = pids[n % len(pids)]
                os.kill(victim, signal.SIGKILL)
                killed.append((victim, round(time.monotonic() - load.started, 1)))
        last_kill = time.monotonic() - load.started
        time.sleep(max(2.0, duration / (kills + 1)))
        load.stop()
        return {
            "requests": load.requests,
            "accepted_2xx": len(load.accepted),
            "outcomes": dict(load.outcomes),
            "killed": killed,
            "workers_after": len(worker_pids(server.pid)),
            "recovered": load.recovered_after(last_kill + 1),
            "lost": lost_reviews(engine, load.accepted),
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        engine.dispose()
        postgres.remove()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    result = run(
        duration=args.duration,
        kills=args.kills,
        learners=args.learners,
        threads=args.threads,
        workers=args.workers,
    )
    print(
        f"# {len(result['killed'])} gunicorn workers SIGKILLed (pid, s): {result['killed']}; "
        f"{args.threads} clients, {args.workers} workers ({result['workers_after']} after)"
    )
    print(f"outcomes: {result['outcomes']}")
    print(
        f"requests={result['requests']} accepted_2xx={result['accepted_2xx']} "
        f"recovered={result['recovered']} lost={result['lost']}"
    )
    sys.exit(1 if result["lost"] or not result["recovered"] else 0)


if __name__ == "__main__":
    main()
