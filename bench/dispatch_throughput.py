"""Dispatch throughput: 1, 2 and 4 worker processes against the naive loop.

Run:
    .venv/bin/python bench/dispatch_throughput.py [--count 20000] [--naive-count 2000]

PostgreSQL (TEST_POSTGRES_URL's server, database ``bitewise_bench_outbox``), the FCM
stand-in as its own process on 127.0.0.1, firebase-admin's real HTTP code. With
--latency-ms the stand-in answers after that delay, as FCM's network round trip would
(0 measures CPU alone: worker, PostgreSQL and stand-in share this machine). The naive
baseline sends one row at a time with ``messaging.send()``: select, send, update, commit.

With ``--tls`` FCM is played by nginx over TLS and HTTP/2 (bench/send_transports.py; it
accepts everything), as Google's FCM is reached; ``--transport`` picks the worker's
(``curl`` or ``firebase-admin``). Each line also gives the workers' own CPU per push
(from /proc), so msg/s per core of the worker, whatever else shares the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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
from bench.send_transports import Nginx
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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def with_workers(
    engine, fcm_url: str, workers: int, count: int, threads: int, transport: str, env: dict
) -> tuple[float, float]:
    """msg/s, and the workers' CPU ms per push."""
    url = engine.url.render_as_string(hide_password=False)
    started = time.perf_counter()
    processes = [
        start_worker(url, fcm_url, batch=200, threads=threads, transport=transport, extra_env=env)
        for _ in range(workers)
    ]
    try:
        assert wait_until(lambda: statuses(engine).get("sent", 0) >= count, timeout=900, every=0.2)
        elapsed = time.perf_counter() - started
        cpu = sum(cpu_seconds(process.pid) for process in processes)
    finally:
        stop(processes)
    return count / elapsed, cpu / count * 1000


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
    parser.add_argument("--tls", action="store_true", help="nginx over TLS and HTTP/2 as FCM")
    parser.add_argument("--transport", choices=("curl", "firebase-admin"), default="curl")
    args = parser.parse_args()
    standin = Nginx() if args.tls else StandInProcess(latency_ms=args.latency_ms)
    env = {"REQUESTS_CA_BUNDLE": standin.cert} if args.tls else {}
    print(
        f"# FCM: {'nginx, TLS, HTTP/2' if args.tls else 'Python stand-in, HTTP/1.1'}; "
        f"answer latency {0 if args.tls else args.latency_ms:.0f} ms; transport {args.transport}"
    )
    try:
        engine = fresh_database("bitewise_bench_outbox")
        seed_outbox(engine, count=args.naive_count, now=dt.datetime.now(dt.UTC))
        if not args.tls:
            baseline = naive(engine, standin.url, args.naive_count)
            print(f"naive (one messaging.send per row, one row at a time): {baseline:7.0f} msg/s")
        for workers in (1, 2, 4):
            engine.dispose()
            engine = fresh_database("bitewise_bench_outbox")
            seed_outbox(engine, count=args.count, now=dt.datetime.now(dt.UTC))
            rate, cpu_ms = with_workers(
                engine, standin.url, workers, args.count, args.threads, args.transport, env
            )
            print(
                f"{workers} worker process(es) x {args.threads} in flight: {rate:7.0f} msg/s "
                f"({rate / workers:.0f} per process); worker CPU {cpu_ms:.3f} ms a push "
                f"({1000 / cpu_ms:,.0f} msg/s per core)"
            )
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
