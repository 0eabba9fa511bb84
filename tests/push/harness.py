"""Worker processes against the FCM stand-in, for the multi-worker tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text

from api.models import Device, Notification, Organization, ReminderPreferences, User

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


def seed_outbox(engine: Engine, *, count: int, now: dt.datetime) -> None:
    """``count`` learners, each with one device and one due notification."""
    with engine.begin() as conn:
        org_id = conn.execute(
            insert(Organization).values(name="Outbox Co", created_at=now).returning(Organization.id)
        ).scalar_one()
        first = (conn.scalar(select(func.max(User.id))) or 0) + 1
        ids = range(first, first + count)
        conn.execute(
            insert(User),
            [
                {
                    "id": i,
                    "organization_id": org_id,
                    "firebase_uid": f"outbox-{i}",
                    "email": f"o{i}@outbox.example",
                    "display_name": "",
                    "role": "learner",
                    "time_zone": "UTC",
                    "locale": "en",
                    "invited_at": now,
                    "joined_at": now,
                }
                for i in ids
            ],
        )
        conn.execute(
            insert(Device),
            [
                {
                    "user_id": i,
                    "organization_id": org_id,
                    "token": f"outbox-device-{i:08d}-token",
                    "platform": "android",
                    "app_version": "1",
                    "locale": "en",
                    "created_at": now,
                    "last_seen_at": now,
                }
                for i in ids
            ],
        )
        # Learners who take pushes at any hour of any day: what is measured here is
        # sending, not the send-time check moving pushes into a window.
        conn.execute(
            insert(ReminderPreferences),
            [
                {
                    "user_id": i,
                    "window_start": "00:00",
                    "window_end": "23:59",
                    "working_days": [0, 1, 2, 3, 4, 5, 6],
                    "max_per_day": 10,
                }
                for i in ids
            ],
        )
        conn.execute(
            insert(Notification),
            [
                {
                    "organization_id": org_id,
                    "user_id": i,
                    "kind": "recap",
                    "dedupe_key": f"recap:{now.date()}",
                    "payload": {
                        "kind": "recap",
                        "module_id": 1,
                        "module_title": "Feedback",
                        "deep_link": "bitewise://recap/1",
                    },
                    "send_at": now - dt.timedelta(seconds=1),
                    "expires_at": now + dt.timedelta(hours=2),
                    "status": "pending",
                    "attempts": 0,
                    "fcm_message_ids": [],
                    "created_at": now,
                }
                for i in ids
            ],
        )
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('users', 'id'), "
                    "(SELECT max(id) FROM users))"
                )
            )


def start_worker(
    database_url: str,
    fcm_url: str,
    *,
    claim_ttl: int = 3,
    threads: int = 16,
    batch: int = 100,
    log_path: Path | None = None,
    transport: str = "curl",
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BITEWISE_", "GOOGLE_"))},
        "DATABASE_URL": database_url,
        "BITEWISE_ENV": "test",
        "FIREBASE_PROJECT_ID": "bitewise-test",
        "BITEWISE_PUSH": "fcm",
        "BITEWISE_FCM_ENDPOINT": fcm_url,
        "BITEWISE_PLAN_EVERY": "0",
        "BITEWISE_CLAIM_TTL": str(claim_ttl),
        "BITEWISE_WORKER_THREADS": str(threads),
        "BITEWISE_WORKER_BATCH": str(batch),
        "BITEWISE_RETRY_BASE": "0.5",
        "LOG_LEVEL": "WARNING",
        "BITEWISE_FCM_TRANSPORT": transport,
        **(extra_env or {}),
    }
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed in stop()
    worker = subprocess.Popen(
        [FLASK, "--app", "api", "worker"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    worker.log = log  # type: ignore[attr-defined]
    return worker


def statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                select(Notification.status, func.count()).group_by(Notification.status)
            ).all()
        )


def wait_until(condition: Callable[[], bool], *, timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log = getattr(worker, "log", None)
        if log not in (None, subprocess.DEVNULL):
            log.close()
