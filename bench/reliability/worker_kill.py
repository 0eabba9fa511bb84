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
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.reliability.common import practice_rig


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
    ).stdout
    return [int(pid) for pid in out.split()]


def run(*, duration: float, kills: int, learners: int, threads: int, workers: int) -> dict:
    with practice_rig(learners=learners, workers=workers, threads=threads) as rig:
        killed = []
        for n in range(kills):
            time.sleep(duration / (kills + 1))
            pids = worker_pids(rig.server.pid)
            if pids:
                victim = pids[n % len(pids)]
                os.kill(victim, signal.SIGKILL)
                killed.append((victim, round(time.monotonic() - rig.load.started, 1)))
        last_kill = time.monotonic() - rig.load.started
        time.sleep(max(2.0, duration / (kills + 1)))
        rig.load.stop()
        return {
            **rig.counts(),
            "killed": killed,
            "workers_after": len(worker_pids(rig.server.pid)),
            "recovered": rig.load.recovered_after(last_kill + 1),
        }


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
