"""The dispatcher's exactly-once run, with PostgreSQL going down hard in the middle.

Run:
    .venv/bin/python bench/reliability/dispatch_db_restart.py [--count 20000] [--workers 4]
        [--fail-share 0.05] [--outage 5]

Workers (``flask --app api worker``) send pushes to the FCM stand-in on 127.0.0.1 while a
PostgreSQL cluster of their own is stopped with ``-m immediate`` once a quarter of the
pushes are out, and started again after ``--outage`` seconds. Counted at the stand-in:
pushes lost (never accepted) and duplicates. Exits 1 if any push is lost or the outbox
does not finish by itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.outbox_common import StandInProcess
from bench.reliability.common import ThrowawayPostgres, engine_for
from tests.databases import migrate
from tests.push.harness import seed_outbox, start_worker, statuses, stop, wait_until


def run(*, count: int, workers: int, fail_share: float, outage: float, timeout: float) -> dict:
    postgres = ThrowawayPostgres()
    engine = engine_for(postgres.url)
    standin = None
    running: list = []
    try:
        migrate(engine)
        seed_outbox(engine, count=count, now=dt.datetime.now(dt.UTC))
        standin = StandInProcess(fail_share=fail_share)
        running = [
            start_worker(postgres.url, standin.url, batch=200, claim_ttl=15) for _ in range(workers)
        ]
        started = time.perf_counter()
        wait_until(lambda: standin.stats()["accepted"] >= count // 4, timeout=timeout, every=0.2)
        down_at = time.perf_counter() - started
        postgres.stop("immediate")
        time.sleep(outage)
        postgres.start()
        engine.dispose()
        alive_after_outage = sum(1 for w in running if w.poll() is None)

        def all_sent() -> bool:
            try:
                return statuses(engine).get("sent", 0) >= count
            except Exception:  # the database may still be coming up
                return False

        done = wait_until(all_sent, timeout=timeout, every=1)
        elapsed = time.perf_counter() - started
        stats = standin.stats()
        delivered = stats["delivered"]
        return {
            "count": count,
            "requests": stats["requests"],
            "accepted": stats["accepted"],
            "down_at_s": round(down_at, 1),
            "elapsed_s": round(elapsed, 1),
            "workers_alive_after_outage": alive_after_outage,
            "outbox": statuses(engine),
            "all_sent": done,
            "lost": count - len(delivered),
            "duplicates": sum(n - 1 for n in delivered.values()),
        }
    finally:
        stop(running)
        if standin is not None:
            standin.stop()
        engine.dispose()
        postgres.remove()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fail-share", type=float, default=0.05)
    parser.add_argument("--outage", type=float, default=5)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    result = run(
        count=args.count,
        workers=args.workers,
        fail_share=args.fail_share,
        outage=args.outage,
        timeout=args.timeout,
    )
    print(
        f"# {args.count} pushes, {args.workers} workers, PostgreSQL stopped (immediate) at "
        f"{result['down_at_s']} s for {args.outage} s; stand-in failed {args.fail_share:.0%} "
        f"with 429/503; workers alive after: {result['workers_alive_after_outage']}"
    )
    print(
        f"requests {result['requests']}, accepted {result['accepted']}, in "
        f"{result['elapsed_s']} s; outbox {result['outbox']}"
    )
    print(
        f"lost={result['lost']} duplicates={result['duplicates']} (all sent: {result['all_sent']})"
    )
    sys.exit(1 if result["lost"] or not result["all_sent"] else 0)


if __name__ == "__main__":
    main()
