"""Exactly once at full size: 4 workers, 100,000 pushes, one worker SIGKILLed mid-batch,
the FCM stand-in answering 429 or 503 to a share of requests.

Run:
    .venv/bin/python bench/dispatch_exactly_once.py [--count 100000] [--fail-share 0.05]

Counts at the stand-in (its own process on 127.0.0.1): pushes lost (never accepted) and
duplicates (accepted more than once). Exits 1 if any push is lost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.outbox_common import StandInProcess, fresh_database
from tests.push.harness import seed_outbox, start_worker, statuses, stop, wait_until


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fail-share", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    engine = fresh_database("bitewise_bench_once")
    seed_outbox(engine, count=args.count, now=dt.datetime.now(dt.UTC))
    standin = StandInProcess(fail_share=args.fail_share)
    url = engine.url.render_as_string(hide_password=False)
    workers = [start_worker(url, standin.url, batch=200, claim_ttl=15) for _ in range(args.workers)]
    started = time.perf_counter()
    try:
        wait_until(
            lambda: standin.stats()["accepted"] >= args.count // 4, timeout=args.timeout, every=0.5
        )
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        killed_at = time.perf_counter() - started
        done = wait_until(
            lambda: statuses(engine).get("sent", 0) >= args.count, timeout=args.timeout, every=1
        )
        elapsed = time.perf_counter() - started
    finally:
        stop(workers)
        stats = standin.stats()
        standin.stop()
    delivered = stats["delivered"]
    lost = args.count - len(delivered)
    duplicates = sum(n - 1 for n in delivered.values())
    print(
        f"# {args.count} pushes, {args.workers} workers, one SIGKILLed at {killed_at:.1f} s; "
        f"stand-in failed {args.fail_share:.0%} of requests with 429/503"
    )
    print(
        f"requests {stats['requests']}, accepted {stats['accepted']}, in {elapsed:.0f} s; "
        f"outbox {statuses(engine)}"
    )
    print(f"lost={lost} duplicates={duplicates} (all sent: {done})")
    sys.exit(1 if lost or not done else 0)


if __name__ == "__main__":
    main()
