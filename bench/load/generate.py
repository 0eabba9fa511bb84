"""Load generator: plays cohort learners against a running server for a bounded time.

Run by bench/practice_load.py as its own process; prints one JSON line of results.
Traffic goes to the URL given, which must be on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from api.dev_tokens import emulator_id_token
from bench.load.seed import ITEMS_PER_LESSON, LESSONS, _modules_of

ITEMS_PER_MODULE = LESSONS * ITEMS_PER_LESSON


def learner_items(user: int, states: int) -> list[int]:
    pool = [
        (m - 1) * ITEMS_PER_MODULE + i
        for m in _modules_of(user)
        for i in range(1, ITEMS_PER_MODULE + 1)
    ]
    return pool[:states]


def request_for(
    scenario: str, user: int, states: int, rng: random.Random
) -> tuple[str, str, bytes | None]:
    if scenario == "hello":
        return "GET", "/", None
    if scenario == "trivial":
        return "GET", "/healthz", None
    if scenario == "practice":
        return "GET", "/learn/practice", None
    now = dt.datetime.now(dt.UTC).isoformat()
    reviews = [
        {
            "id": uuid.uuid4().hex,
            "item_id": item,
            "answered_at": now,
            "duration_ms": 9000,
            "answer": {"selected": [rng.choice([0, 1, 1, 1])]},
        }
        for item in rng.sample(learner_items(user, states), 10)
    ]
    return "POST", "/learn/reviews", json.dumps({"reviews": reviews}).encode()


def token_for(user: int, project: str) -> str:
    """A cohort learner's ID token (the Auth emulator's kind: unsigned, valid 2 hours)."""
    return emulator_id_token(
        project_id=project,
        uid=f"bench-{user}",
        email=f"l{user}@bench.example",
        lifetime=dt.timedelta(hours=2),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument(
        "--scenario", choices=["hello", "trivial", "practice", "reviews"], required=True
    )
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cohort", type=int, default=2000)
    parser.add_argument("--states", type=int, default=50)
    parser.add_argument("--project", default="bitewise-demo")
    args = parser.parse_args()
    target = urlparse(args.url)
    if target.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load goes to loopback only")
    tokens = {u: token_for(u, args.project) for u in range(1, args.cohort + 1)}
    deadline = time.monotonic() + args.duration
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        mine, codes = [], {}
        while time.monotonic() < deadline:
            user = rng.randint(1, args.cohort)
            method, path, body = request_for(args.scenario, user, args.states, rng)
            headers = {
                "Authorization": f"Bearer {tokens[user]}",
                "Content-Type": "application/json",
                # Each learner on a phone of their own (the server trusts one proxy hop):
                # per-address limits see many addresses, as in production.
                "X-Forwarded-For": f"10.{user >> 16 & 255}.{user >> 8 & 255}.{user & 255}",
            }
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                code = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                code = 0
            mine.append(time.perf_counter() - start)
            codes[code] = codes.get(code, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(
        json.dumps(
            {
                "scenario": args.scenario,
                "requests": len(latencies),
                "seconds": round(elapsed, 1),
                "rps": round(len(latencies) / elapsed, 1),
                "p50_ms": round(cuts[49] * 1000, 1),
                "p99_ms": round(cuts[98] * 1000, 1),
                "statuses": statuses,
            }
        )
    )


if __name__ == "__main__":
    main()
