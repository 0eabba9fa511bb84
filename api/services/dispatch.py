"""The dispatcher: claim due notifications, send them, record what happened.

Any number of dispatchers may run. A claim is a short transaction that marks a batch of
due rows ``claimed`` by this worker until ``claim_expires_at`` (PostgreSQL: FOR UPDATE
SKIP LOCKED, so workers never wait on each other's rows; SQLite: one worker, the
documented limit). Sending happens outside any transaction: through a gateway that keeps
many requests open itself (libcurl, HTTP/2) or in threads. Outcomes are recorded in group
commits, only while the claim is still ours, and a request's answer is recorded before
its sender sends again: what FCM took and nobody recorded is at most one request per
thread (or per request in flight). A live worker renews its claims while it sends; a
dead one's expire and another worker takes the rows over, so nothing is lost. Devices collapse on
``collapse_key`` (the notification id), so the rare push sent again after a worker died
mid-send shows once on the phone.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, delete, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from api.clock import Clock
from api.db_among import reads_by_ids
from api.models import Device, Notification, User
from api.push.gateway import Failure, PushGateway, PushMessage, SendResult, StreamingGateway
from api.push.messages import render
from api.services.due import STALE_DEVICE_AFTER
from api.services.send_time import SendTimeCheck
from scheduler.reminders import Planned

logger = logging.getLogger("bitewise.dispatch")
NOTIFICATIONS = cast(Table, Notification.__table__)
DEVICES = cast(Table, Device.__table__)

MAX_ATTEMPTS = 6
# A push FCM keeps refusing for quota is given up after this many tries (it was retried
# every 1.3 s, as FCM's Retry-After said, until it expired).
MAX_QUOTA_ATTEMPTS = 10
DEFAULT_QUOTA_WAIT = 60.0
# After a 429 the worker stops claiming for this long at most (FCM's quota is per project).
MAX_QUOTA_PAUSE = dt.timedelta(seconds=30)


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    devices_removed: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What FCM's answer means for one push: the columns to write, the tokens to drop."""

    row: Claimed
    label: str  # sent, failed, retry
    values: dict[str, Any]
    gone: list[str]


@dataclass(frozen=True)
class Claimed:
    id: int
    user_id: int
    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    expires_at: dt.datetime
    attempts: int


class Dispatcher:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        gateway: PushGateway,
        clock: Clock,
        worker_id: str,
        batch_size: int = 100,
        claim_ttl: dt.timedelta = dt.timedelta(seconds=60),
        threads: int = 16,
        retry_base: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self.retry_base = retry_base
        # Since start, for the heartbeat (threads add to them: under a lock).
        self.quota_pauses = 0
        self.retries = 0
        self._counting = threading.Lock()
        self._gateway = gateway
        self._clock = clock
        self.worker_id = worker_id
        self.batch_size = batch_size
        self.claim_ttl = claim_ttl
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="push")
        self.paused_until: dt.datetime | None = None

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def run_once(self) -> DispatchReport:
        """Claim one batch and dispatch it. Returns what happened (claimed 0: idle)."""
        report = DispatchReport()
        now = self._clock.now()
        if self.paused_until is not None and now < self.paused_until:
            return report
        deliveries = []
        with self._sessions() as session:
            batch = self._claim(session, now)
            report.claimed = len(batch)
            if not batch:
                return report
            reads_by_ids(session)  # the batch's learners, phones, pushes and states
            devices = self._devices(session, {row.user_id for row in batch}, now)
            fresh = SendTimeCheck(session, batch, now)
            for row in batch:
                verdict, detail = fresh.verdict(row)
                if verdict == "send":
                    row.payload.update(fresh.payload(row))
                    if not devices.get(row.user_id):
                        self._finish(session, row, "failed", error="no_active_device")
                        report.outcomes["no_device"] += 1
                        continue
                    messages = [
                        self._message(row, token, locale) for token, locale in devices[row.user_id]
                    ]
                    deliveries.append((row, messages))
                elif verdict == "move":
                    assert isinstance(detail, Planned)
                    self._move(session, row, detail)
                    report.outcomes["moved"] += 1
                else:
                    self._finish(session, row, verdict, error=str(detail))
                    report.outcomes[verdict] += 1
            session.commit()
        if isinstance(self._gateway, StreamingGateway):
            self._stream_and_record(deliveries, report)
        else:
            self._send_and_record(deliveries, report)
        return report

    def _stream_and_record(
        self, deliveries: list[tuple[Claimed, list[PushMessage]]], report: DispatchReport
    ) -> None:
        """Send through a gateway that keeps many requests open itself (HTTP/2): record
        each round of answers in one transaction before it sends on."""
        assert isinstance(self._gateway, StreamingGateway)
        messages = [message for _, batch in deliveries for message in batch]
        owner = [n for n, (_, batch) in enumerate(deliveries) for _ in batch]
        left = Counter(owner)
        results: dict[int, list[tuple[str, SendResult]]] = defaultdict(list)
        every = self.claim_ttl.total_seconds() / 3
        renew_at = time.monotonic() + every
        for answers in self._gateway.send_stream(messages):
            complete = []
            for index, result in answers:
                n = owner[index]
                results[n].append((messages[index].token, result))
                left[n] -= 1
                if not left[n]:
                    complete.append((deliveries[n][0], results.pop(n)))
            if complete:
                for outcome, removed in self._record_batch(complete):
                    report.outcomes[outcome] += 1
                    report.devices_removed += removed
            if time.monotonic() >= renew_at:
                self._renew_claims([row.id for row, _ in deliveries])
                renew_at = time.monotonic() + every

    def _send_and_record(
        self, deliveries: list[tuple[Claimed, list[PushMessage]]], report: DispatchReport
    ) -> None:
        """Send in the pool's threads; record what FCM answered here, in one transaction
        for all the answers that arrived since the last (a group commit). A sending thread
        waits until its answer is recorded before it sends the next push, so what FCM took
        but we have not recorded is at most one push per thread, as when each thread
        committed its own: a worker killed now resends no more than that."""
        inbox: queue.Queue[tuple[Claimed, list[tuple[str, SendResult]], threading.Event]]
        inbox = queue.Queue()
        abandoned = threading.Event()
        futures = [
            self._pool.submit(self._send, row, messages, inbox, abandoned)
            for row, messages in deliveries
        ]
        waiting = len(deliveries)
        every = self.claim_ttl.total_seconds() / 3
        renew_at = time.monotonic() + every
        try:
            while waiting:
                try:
                    batch = [inbox.get(timeout=max(renew_at - time.monotonic(), 0.01))]
                except queue.Empty:
                    batch = []
                    if all(future.done() for future in futures):
                        for future in futures:
                            future.result()  # a sending thread's own error, if any
                        break
                while not inbox.empty():
                    batch.append(inbox.get_nowait())
                if batch:
                    recorded = self._record_batch([(row, results) for row, results, _ in batch])
                    for (outcome, removed), (_, _, done) in zip(recorded, batch, strict=True):
                        report.outcomes[outcome] += 1
                        report.devices_removed += removed
                        done.set()
                    waiting -= len(batch)
                if waiting and time.monotonic() >= renew_at:
                    self._renew_claims([row.id for row, _ in deliveries])
                    renew_at = time.monotonic() + every
        finally:
            abandoned.set()
            wait(futures)

    def _move(self, session: Session, row: Claimed, planned: Planned) -> None:
        """The learner's settings of now put this push at another moment: wait for it.
        If another push of its kind already holds that day, this one is dropped."""
        try:
            with session.begin_nested():
                self._update(
                    session,
                    row,
                    status="pending",
                    send_at=planned.send_at,
                    expires_at=planned.expires_at,
                    dedupe_key=planned.dedupe_key,
                    claimed_by=None,
                    claim_expires_at=None,
                    last_error="moved: the learner's settings changed",
                )
        except IntegrityError:
            self._finish(session, row, "obsolete", error="another push of its kind that day")

    def _renew_claims(self, ids: list[int]) -> None:
        """A live worker keeps its claims: only a dead one's expire and move."""
        with self._connection() as connection:
            connection.execute(
                NOTIFICATIONS.update()
                .where(
                    NOTIFICATIONS.c.id.in_(ids),
                    NOTIFICATIONS.c.claimed_by == self.worker_id,
                    NOTIFICATIONS.c.status == "claimed",
                )
                .values(claim_expires_at=self._clock.now() + self.claim_ttl)
            )

    def _send(
        self,
        row: Claimed,
        messages: list[PushMessage],
        inbox: queue.Queue[tuple[Claimed, list[tuple[str, SendResult]], threading.Event]],
        abandoned: threading.Event,
    ) -> None:
        if abandoned.is_set():  # the batch was given up (the database stayed away)
            return
        results = [(m.token, self._gateway.send(m)) for m in messages]
        recorded = threading.Event()
        inbox.put((row, results, recorded))
        while not recorded.wait(0.5) and not abandoned.is_set():
            pass

    def _record_batch(
        self, answered: list[tuple[Claimed, list[tuple[str, SendResult]]]]
    ) -> list[tuple[str, int]]:
        """Record these outcomes in one transaction. FCM has taken them: if the database
        is gone for a moment, hold on to them and record them when it is back, for as
        long as the claims live. Dropping them would send the pushes again (found by
        bench/reliability/dispatch_db_restart.py)."""
        decided = [self._decide(row, results) for row, results in answered]
        deadline = time.monotonic() + self.claim_ttl.total_seconds()
        pause = 0.2
        while True:
            try:
                with self._connection() as connection:
                    self._write(connection, decided)
                break
            except DBAPIError as error:
                lost = error.connection_invalidated or isinstance(
                    error, OperationalError | InterfaceError
                )
                if not lost or time.monotonic() + pause > deadline:
                    raise
                logger.warning(
                    "recording %s outcomes waits for the database (%s)", len(decided), error.orig
                )
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
        return [(outcome.label, len(outcome.gone)) for outcome in decided]

    def _write(self, connection: Connection, decided: list[Outcome]) -> None:
        gone = sorted({token for outcome in decided for token in outcome.gone})
        if gone:
            connection.execute(delete(DEVICES).where(DEVICES.c.token.in_(gone)))
        # One statement per shape of outcome (sent, failed, retried), many rows each.
        shapes: dict[tuple[str, ...], list[Outcome]] = defaultdict(list)
        for outcome in decided:
            shapes[tuple(sorted(outcome.values))].append(outcome)
        for columns, outcomes in shapes.items():
            statement = (
                NOTIFICATIONS.update()
                .where(
                    NOTIFICATIONS.c.id == bindparam("row_id"),
                    NOTIFICATIONS.c.claimed_by == self.worker_id,
                    NOTIFICATIONS.c.status == "claimed",
                )
                .values({column: bindparam(f"new_{column}") for column in columns})
            )
            params = [
                {"row_id": o.row.id, **{f"new_{c}": v for c, v in o.values.items()}}
                for o in outcomes
            ]
            result = connection.execute(statement, params)
            if 0 <= result.rowcount < len(outcomes):
                logger.warning(
                    "%s claims were lost before their outcomes were recorded",
                    len(outcomes) - result.rowcount,
                )

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A connection of this thread's own, committed on leaving (plain Core statements:
        a third of the CPU of an ORM session for the same UPDATE)."""
        bind = self._sessions.kw["bind"]
        if isinstance(bind, Engine):
            with bind.connect() as connection:
                yield connection
                connection.commit()
        else:  # tests hand in one connection: a savepoint per outcome
            with bind.begin_nested():
                yield bind

    # --- claiming ---------------------------------------------------------------------

    def _claim(self, session: Session, now: dt.datetime) -> list[Claimed]:
        due = (
            select(Notification.id)
            .where(
                Notification.status.in_(("pending", "claimed")),
                Notification.send_at <= now,
                or_(Notification.status == "pending", Notification.claim_expires_at < now),
            )
            .order_by(Notification.send_at)
            .limit(self.batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = session.execute(
            update(Notification)
            .where(Notification.id.in_(due.scalar_subquery()))
            .values(
                status="claimed",
                claimed_by=self.worker_id,
                claim_expires_at=now + self.claim_ttl,
                attempts=Notification.attempts + 1,
            )
            .returning(
                Notification.id,
                Notification.user_id,
                Notification.kind,
                Notification.dedupe_key,
                Notification.payload,
                Notification.expires_at,
                Notification.attempts,
            )
        ).all()
        session.commit()
        return [Claimed(*row) for row in rows]

    def _devices(
        self, session: Session, user_ids: set[int], now: dt.datetime
    ) -> dict[int, list[tuple[str, str]]]:
        rows = session.execute(
            select(Device.user_id, Device.token, Device.locale, User.locale)
            .join(User, User.id == Device.user_id)
            .where(Device.user_id.in_(user_ids), Device.last_seen_at >= now - STALE_DEVICE_AFTER)
            .order_by(Device.id)
        )
        devices: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for user_id, token, device_locale, user_locale in rows:
            devices[user_id].append((token, device_locale or user_locale))
        return devices

    # --- sending ----------------------------------------------------------------------

    def _message(self, row: Claimed, token: str, locale: str) -> PushMessage:
        title, body, data = render(row.payload, locale=locale, notification_id=row.id)
        return PushMessage(token, title, body, data, collapse_key=f"bitewise-{row.id}")

    # --- recording --------------------------------------------------------------------

    def _decide(self, row: Claimed, results: list[tuple[str, SendResult]]) -> Outcome:
        """What FCM's answers mean for this push: sent, retried later, or failed."""
        gone = [
            t for t, r in results if r.failure in (Failure.UNREGISTERED, Failure.SENDER_MISMATCH)
        ]
        sent = [r.message_id for _, r in results if r.ok]
        failures = [r for _, r in results if not r.ok]
        now = self._clock.now()
        if sent:
            # What went out (built at send time), for the inbox to show the same.
            values = {"fcm_message_ids": sent, "sent_at": now, "payload": row.payload}
            return self._finished(row, "sent", gone, **values)
        if any(r.failure is Failure.QUOTA for r in failures):
            if row.attempts >= MAX_QUOTA_ATTEMPTS:
                error = f"quota_exceeded: FCM refused it {row.attempts} times for quota"
                return self._finished(row, "failed", gone, last_error=error)
            hinted = max(
                (r.retry_after or DEFAULT_QUOTA_WAIT)
                for r in failures
                if r.failure is Failure.QUOTA
            )
            # Backing off too, whatever Retry-After says: a second is no pause at all.
            wait = min(max(hinted, self.retry_base * 2 ** (row.attempts - 1)), 600)
            self.paused_until = now + min(dt.timedelta(seconds=hinted), MAX_QUOTA_PAUSE)
            with self._counting:
                self.quota_pauses += 1
            return self._retried(row, now + dt.timedelta(seconds=wait), "quota_exceeded", gone)
        retryable = [r for r in failures if r.failure in (Failure.UNAVAILABLE, Failure.UNKNOWN)]
        if retryable and row.attempts < MAX_ATTEMPTS:
            hinted = max((r.retry_after or 0) for r in retryable)
            backoff = max(
                hinted, self.retry_base * 2 ** (row.attempts - 1) * random.uniform(0.8, 1.2)
            )
            at = now + dt.timedelta(seconds=min(backoff, 600))
            return self._retried(row, at, str(retryable[0].failure), gone)
        reason = str(failures[0].failure) if failures else "unknown"
        detail = "; ".join(f"{r.failure}: {r.detail}"[:200] for r in failures)
        return self._finished(row, "failed", gone, last_error=f"{reason}: {detail}"[:1000])

    def _retried(self, row: Claimed, at: dt.datetime, reason: str, gone: list[str]) -> Outcome:
        with self._counting:
            self.retries += 1
        logger.info("push %s to user %s retries at %s: %s", row.id, row.user_id, at, reason)
        values = {
            "status": "pending",
            "send_at": at,
            "claimed_by": None,
            "claim_expires_at": None,
            "last_error": reason,
        }
        return Outcome(row, "retry", values, gone)

    def _finished(self, row: Claimed, status: str, gone: list[str], **values: Any) -> Outcome:
        if status == "failed":
            logger.warning(
                "push %s to user %s failed: %s", row.id, row.user_id, values["last_error"]
            )
        values = {"status": status, "last_error": None, "claim_expires_at": None, **values}
        return Outcome(row, status, values, gone)

    def _finish(self, session: Session, row: Claimed, status: str, *, error: str) -> None:
        """Close a push that was never sent (no device, obsolete, expired)."""
        if status == "failed":
            logger.warning("push %s to user %s failed: %s", row.id, row.user_id, error)
        self._update(session, row, status=status, last_error=error, claim_expires_at=None)

    def _update(self, session: Session | Connection, row: Claimed, **values: Any) -> None:
        result = session.execute(
            NOTIFICATIONS.update()
            .where(
                NOTIFICATIONS.c.id == row.id,
                NOTIFICATIONS.c.claimed_by == self.worker_id,
                NOTIFICATIONS.c.status == "claimed",
            )
            .values(**values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            logger.warning(
                "claim on notification %s was lost before its outcome was recorded", row.id
            )
