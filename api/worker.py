"""The worker process: plans reminders now and then, and dispatches the outbox.

``flask --app api worker`` (Procfile ``worker``). Any number may run on PostgreSQL;
on SQLite one is the documented limit. SIGTERM finishes the current batch and exits.
A database that goes away is waited for, not fatal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections import Counter

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.clock import Clock
from api.db import dialect_insert
from api.models import WorkerHeartbeat
from api.push.gateway import PushGateway
from api.services.analytics_release import release_ended_weeks
from api.services.dispatch import Dispatcher
from api.services.planner import plan_reminders
from api.services.planner_slices import SLICES, claim_slice, finish_slice

logger = logging.getLogger("bitewise.worker")
RELEASE_LOCK = 0x6269_7465  # "bite": one analytics release at a time across machines
BEAT_EVERY = 10.0  # seconds between heartbeats


class Worker:
    def __init__(
        self,
        *,
        engine: Engine,
        gateway: PushGateway,
        clock: Clock,
        batch_size: int = 100,
        threads: int = 16,
        plan_every: float = 300,
        claim_ttl: float = 60,
        retry_base: float = 5.0,
        poll: float = 1.0,
        worker_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.plan_every = plan_every
        self.poll = poll
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.started_at = clock.now()
        self.plan_failures = 0
        self.dispatcher = Dispatcher(
            sessions=sessionmaker(bind=engine, expire_on_commit=False),
            gateway=gateway,
            clock=clock,
            worker_id=self.worker_id,
            batch_size=batch_size,
            threads=threads,
            claim_ttl=dt.timedelta(seconds=claim_ttl),
            retry_base=retry_base,
        )

    def run(self, stop: threading.Event) -> None:
        logger.info("worker %s started", self.worker_id)
        next_plan = 0.0
        next_beat = 0.0
        failures = 0
        try:
            while not stop.is_set():
                try:
                    if time.monotonic() >= next_beat:
                        self.beat()
                        next_beat = time.monotonic() + BEAT_EVERY
                    if self.plan_every and time.monotonic() >= next_plan:
                        self.plan()
                        next_plan = time.monotonic() + self.plan_every
                    report = self.dispatcher.run_once()
                    failures = 0
                except DBAPIError as error:
                    failures += 1
                    wait = min(2**failures, 30)
                    logger.error("database unavailable (%s); retrying in %s s", error.orig, wait)
                    stop.wait(wait)
                    continue
                if report.claimed:
                    logger.info("dispatched %s: %s", report.claimed, dict(report.outcomes))
                elif (
                    self.dispatcher.paused_until is None
                    or self.clock.now() >= self.dispatcher.paused_until
                ):
                    stop.wait(self.poll)
                else:
                    stop.wait(min(self.poll, 1.0))
        finally:
            self.dispatcher.close()
            # The database may be away: then the heartbeat's age says it.
            with contextlib.suppress(DBAPIError):
                self.beat(stopped=True)
            logger.info("worker %s stopped", self.worker_id)

    def beat(self, *, stopped: bool = False, **plan: object) -> None:
        """Say this worker is alive (and, after a planner run, how it went)."""
        now = self.clock.now()
        values: dict[str, object] = {
            "beat_at": now,
            "quota_pauses": self.dispatcher.quota_pauses,
            "retries": self.dispatcher.retries,
            "plan_failures": self.plan_failures,
            "stopped_at": now if stopped else None,
            **plan,
        }
        with Session(self.engine) as session:
            insert = dialect_insert(session, WorkerHeartbeat.__table__)
            session.execute(
                insert.values(
                    worker_id=self.worker_id, started_at=self.started_at, **values
                ).on_conflict_do_update(index_elements=["worker_id"], set_=values)
            )
            session.commit()

    def plan(self) -> None:
        """One planner run. An error that is not the database's is logged and counted,
        never fatal: a worker that crashes on bad data crashes again on every restart."""
        started = time.monotonic()
        try:
            self._plan()
        except DBAPIError:
            raise
        except Exception:
            self.plan_failures += 1
            logger.exception("planner run failed; the worker goes on")
            return
        self.beat(planned_at=self.clock.now(), plan_seconds=time.monotonic() - started)

    def _plan(self) -> None:
        """Plan every slice that is due, one at a time, beside any other worker doing the
        same; then release last week's analytics if nobody else is at it."""
        now = self.clock.now()
        every = dt.timedelta(seconds=self.plan_every)
        # Long enough for the largest slice; a dead worker's slice waits this long.
        ttl = max(every * 2, dt.timedelta(minutes=10))
        planned: Counter[str] = Counter()
        learners = 0
        while (
            part := claim_slice(
                self.engine, worker_id=self.worker_id, now=now, every=every, ttl=ttl
            )
        ) is not None:
            with Session(self.engine, expire_on_commit=False) as session:
                report = plan_reminders(session, now=now, part=(part, SLICES))
            finish_slice(self.engine, part=part, worker_id=self.worker_id, now=now)
            planned.update(report.planned)
            learners += report.learners
        if planned:
            logger.info("planned %s for %s learners", dict(planned), learners)
        self._release_analytics(now)

    def _release_analytics(self, now: dt.datetime) -> None:
        """Weekly, heavy and the same for everyone: one worker at a time does it (another
        that finds the lock taken leaves it; a release is stored once either way)."""
        with self.engine.connect() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres and not connection.scalar(select(func.pg_try_advisory_lock(RELEASE_LOCK))):
                connection.rollback()
                return
            try:
                connection.commit()
                with Session(bind=connection, expire_on_commit=False) as session:
                    released = release_ended_weeks(session, now=now)
                if released:
                    logger.info("released last week's analytics of %s organizations", released)
            finally:
                if postgres:
                    connection.execute(select(func.pg_advisory_unlock(RELEASE_LOCK)))
                    connection.commit()
