"""Practice load on gunicorn + PostgreSQL while PostgreSQL goes down hard and comes back.

Run:
    .venv/bin/python bench/reliability/postgres_restart.py [--duration 40] [--down-at 12]
        [--outage 5] [--learners 200] [--threads 8] [--workers 2]

A PostgreSQL cluster of its own (a temporary directory, a free port; the machine's server
is never touched) is stopped with ``-m immediate`` (a crash, as clients see it) and
started again. Afterwards every review that got a 2xx "accepted" must be in the database,
and the service must have recovered by itself. Prints the counts; exits 1 on any loss
or if the service did not recover.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.reliability.common import practice_rig


def run(
    *, duration: float, down_at: float, outage: float, learners: int, threads: int, workers: int
) -> dict:
    with practice_rig(learners=learners, workers=workers, threads=threads) as rig:
        time.sleep(down_at)
        down = time.monotonic() - rig.load.started
        rig.postgres.stop("immediate")
        time.sleep(outage)
        rig.postgres.start()
        up = time.monotonic() - rig.load.started
        time.sleep(max(0.0, duration - up))
        rig.load.stop()
        rig.engine.dispose()  # its pooled connections died with the server
        return {
            **rig.counts(),
            "failed_during_outage": rig.load.failed_between(down, up + 5),
            "down_at_s": round(down, 1),
            "up_at_s": round(up, 1),
            "recovered": rig.load.recovered_after(up),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=40)
    parser.add_argument("--down-at", type=float, default=12)
    parser.add_argument("--outage", type=float, default=5)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = run(
        duration=args.duration,
        down_at=args.down_at,
        outage=args.outage,
        learners=args.learners,
        threads=args.threads,
        workers=args.workers,
    )
    print(
        f"# PostgreSQL stopped (immediate) at {result['down_at_s']} s for {args.outage} s, "
        f"{args.threads} clients, gunicorn {args.workers} workers"
    )
    print(f"outcomes: {result['outcomes']}")
    print(
        f"requests={result['requests']} accepted_2xx={result['accepted_2xx']} "
        f"failed_during_outage={result['failed_during_outage']} "
        f"recovered={result['recovered']} lost={result['lost']}"
    )
    sys.exit(1 if result["lost"] or not result["recovered"] else 0)


if __name__ == "__main__":
    main()
