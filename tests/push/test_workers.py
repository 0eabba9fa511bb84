"""Several real worker processes, one killed mid-batch: nothing sent twice by racing
workers, nothing lost when one dies. Counted at the FCM stand-in."""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.databases import migrated_engine
from tests.push.fcm_standin import FcmStandIn, running
from tests.push.harness import seed_outbox, start_worker, statuses, stop, wait_until

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(params=["postgresql"])
def committed(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path) as engine:
        yield engine


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_racing_workers_send_each_notification_exactly_once(committed: Engine, tmp_path) -> None:
    logs = tmp_path
    seed_outbox(committed, count=600, now=NOW)
    with running(FcmStandIn()) as standin:
        workers = [
            start_worker(url(committed), standin.url, batch=50, log_path=logs / f"w{n}.log")
            for n in range(3)
        ]
        try:
            assert wait_until(lambda: statuses(committed).get("sent") == 600, timeout=60)
        finally:
            stop(workers)
        delivered = standin.delivered_by_notification()
    assert len(delivered) == 600 and set(delivered.values()) == {1}


def test_a_killed_worker_loses_nothing_while_fcm_answers_429_and_503(committed: Engine) -> None:
    seed_outbox(committed, count=1000, now=NOW)
    with running(FcmStandIn(fail_share=0.1, retry_after=1)) as standin:
        victim = start_worker(url(committed), standin.url, batch=100, claim_ttl=3)
        others = [
            start_worker(url(committed), standin.url, batch=100, claim_ttl=3) for _ in range(2)
        ]
        try:
            assert wait_until(lambda: len(standin.accepted) >= 150, timeout=30)
            victim.send_signal(signal.SIGKILL)  # mid-batch: its claims must expire and move
            victim.wait()
            assert wait_until(lambda: statuses(committed) == {"sent": 1000}, timeout=120), statuses(
                committed
            )
        finally:
            stop([victim, *others])
        delivered = standin.delivered_by_notification()
        answers_429_503 = standin.requests - len(standin.accepted)
    lost = 1000 - len(delivered)
    duplicates = sum(n - 1 for n in delivered.values())
    print(f"killed worker: lost={lost} duplicates={duplicates} 429/503 answers={answers_429_503}")
    assert lost == 0
    assert answers_429_503 > 0  # the failures really happened and were retried
    # A resend is possible only for requests in flight when the process died: FCM took
    # them, the worker could not record it (outcomes are recorded in group commits, and a
    # sending thread waits for its answer's before it sends again). At most one per
    # sending thread (16); each carries the notification's collapse key, so the phone
    # shows it once.
    assert duplicates <= 16


def test_a_slow_fcm_does_not_let_a_live_workers_claims_expire(committed: Engine) -> None:
    seed_outbox(committed, count=300, now=NOW)
    # 100 rows a batch over 16 threads at 0.25 s an answer: about 1.6 s per batch, longer
    # than the 1 s claim. The worker renews its claims; nobody takes its rows over.
    with running(FcmStandIn(latency=0.25)) as standin:
        workers = [
            start_worker(url(committed), standin.url, batch=100, claim_ttl=1) for _ in range(2)
        ]
        try:
            assert wait_until(lambda: statuses(committed).get("sent") == 300, timeout=60)
        finally:
            stop(workers)
        delivered = standin.delivered_by_notification()
    assert len(delivered) == 300 and set(delivered.values()) == {1}
