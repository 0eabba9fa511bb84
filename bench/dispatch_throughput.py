"""Dispatch throughput: 1, 2 and 4 worker processes against the naive loop.

Run:
    .venv/bin/python bench/dispatch_throughput.py [--count 20000] [--naive-count 2000]

PostgreSQL (TEST_POSTGRES_URL's server, database ``bitewise_bench_outbox``), the FCM
stand-in as its own process on 127.0.0.1, firebase-admin's real HTTP code. With
--latency-ms the stand-in answers after that delay, as FCM's network round trip would
(0 measures CPU alone: worker, PostgreSQL and stand-in share this machine). The naive
baseline sends one row at a time with ``messaging.send()``: select, send, update, commit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firebase_admin import messaging
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.config import Config
from api.firebase import init_firebase_app
from api.models import Device, Notification
from api.push.fcm import FcmGateway
from api.push.gateway import PushMessage
from api.push.messages import render
from bench.outbox_common import StandInProcess, fresh_database
from tests.push.harness import seed_outbox, start_worker, statuses, stop, wait_until


def naive(engine, url: str, count: int) -> float:
    messaging._MessagingService.FCM_URL = url + "/v1/projects/{0}/messages:send"
    gateway = FcmGateway(
        init_firebase_app(Config(environment="test", firebase_project_id="bitewise-test"))
    )
    started = time.perf_counter()
    with Session(engine) as session:
        for _ in range(count):
            row = session.execute(
                select(Notification.id, Notification.payload, Device.token)
                .join(Device, Device.user_id == Notification.user_id)
                .where(Notification.status == "pending")
                .order_by(Notification.id)
                .limit(1)
            ).one()
            title, body, data = render(row.payload, locale="en", notification_id=row.id)
            result = gateway.send(PushMessage(row.token, title, body, data))
            session.execute(
                update(Notification)
                .where(Notification.id == row.id)
                .values(
                    status="sent" if result.ok else "failed", fcm_message_ids=[result.message_id]
                )
            )
            session.commit()
    return count / (time.perf_counter() - started)


def with_workers(engine, standin: StandInProcess, workers: int, count: int, threads: int) -> float:
    url = engine.url.render_as_string(hide_password=False)
    before = standin.stats()["accepted"]
    started = time.perf_counter()
    processes = [start_worker(url, standin.url, batch=200, threads=threads) for _ in range(workers)]
    try:
        assert wait_until(lambda: statuses(engine).get("sent", 0) >= count, timeout=900, every=0.2)
        elapsed = time.perf_counter() - started
    finally:
        stop(processes)
    assert standin.stats()["accepted"] - before == count
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--naive-count", type=int, default=2_000)
    parser.add_argument("--threads", type=int, default=16, help="sending threads per worker")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="the stand-in's answer time, modelling FCM's round trip (0: loopback only)",
    )
    args = parser.parse_args()
    standin = StandInProcess(latency_ms=args.latency_ms)
    print(f"# stand-in answer latency {args.latency_ms:.0f} ms")
    try:
        engine = fresh_database("bitewise_bench_outbox")
        seed_outbox(engine, count=args.naive_count, now=dt.datetime.now(dt.UTC))
        baseline = naive(engine, standin.url, args.naive_count)
        print(f"naive (one messaging.send per row, one row at a time): {baseline:7.0f} msg/s")
        for workers in (1, 2, 4):
            engine.dispose()
            engine = fresh_database("bitewise_bench_outbox")
            seed_outbox(engine, count=args.count, now=dt.datetime.now(dt.UTC))
            rate = with_workers(engine, standin, workers, args.count, args.threads)
            print(
                f"{workers} worker process(es) x {args.threads} threads: {rate:7.0f} msg/s "
                f"({rate / baseline:.1f}x naive; {rate / workers:.0f} msg/s per process)"
            )
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
