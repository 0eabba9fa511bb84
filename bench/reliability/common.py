"""Shared by the reliability runs: a PostgreSQL of their own to restart, a seeded
organization, gunicorn, and a load of review uploads whose every answer is recorded.

Everything listens on and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from api.db import create_engine_for  # noqa: E402
from api.dev_tokens import emulator_id_token  # noqa: E402
from api.models import ReviewLog, User  # noqa: E402
from api.resources.modules.schemas import ModuleCreateSchema  # noqa: E402
from api.services import content, enrollment, membership, versions  # noqa: E402
from tests.databases import migrate  # noqa: E402
from tests.live import PROJECT_ID, free_port  # noqa: E402


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, on a free port, that this run may
    stop and start at will (the machine's own server is never touched)."""

    def __init__(self) -> None:
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bindirs:
            raise SystemExit("PostgreSQL's server binaries are missing (Debian: postgresql)")
        self.bin = Path(bindirs[-1])
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="bitewise-reliability-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.dir / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200",
            "start",
        )

    def stop(self, mode: str = "immediate") -> None:
        """``immediate`` is a crash as far as clients can tell: no goodbye to anyone."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class World:
    tokens: list[str]
    item_ids: list[int]


def seed_practice(engine: Engine, *, learners: int) -> World:
    """An organization whose learners all study one published module of six items."""
    migrate(engine)
    now = dt.datetime.now(dt.UTC)
    module_file = ROOT / "api" / "demo" / "modules" / "giving-useful-feedback.json"
    with Session(engine, expire_on_commit=False) as session:
        _, admin = membership.create_organization(
            session, name="Reliability Co", admin_email="ops@reliability.example", now=now
        )
        team = membership.create_team(session, actor=admin, name="Everyone", now=now)
        emails = [f"learner{n}@reliability.example" for n in range(learners)]
        for email in emails:
            membership.invite_user(
                session, actor=admin, data={"email": email, "team_id": team.id}, now=now
            )
        for user in session.scalars(select(User).where(User.email.in_(emails))):
            user.firebase_uid, user.joined_at = f"uid-{user.email}", now
        session.commit()
        data = ModuleCreateSchema().load(json.loads(module_file.read_text()))
        module = content.create_module(session, actor=admin, data=data, now=now)
        content.publish_module(session, actor=admin, module_id=module.id, now=now)
        enrollment.assign(
            session, actor=admin, data={"module_id": module.id, "team_id": team.id}, now=now
        )
        items = versions.live_items(session, module.id)
        item_ids = [i.id for i in items if i.kind.value == "true_false"]
    tokens = [
        emulator_id_token(
            project_id=PROJECT_ID,
            uid=f"uid-{email}",
            email=email,
            lifetime=dt.timedelta(hours=4),
        )
        for email in emails
    ]
    return World(tokens=tokens, item_ids=item_ids)


def start_gunicorn(database_url: str, *, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BITEWISE_", "PROMETHEUS_"))},
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "BITEWISE_ENV": "test",
        "FIREBASE_PROJECT_ID": PROJECT_ID,
        "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
        "LOG_LEVEL": "ERROR",
        "BITEWISE_PLAN_EVERY": "0",
        # One address sends everything here: per-IP limits would measure the limiter.
        "BITEWISE_RATE_LIMITS": "off",
    }
    with log.open("ab") as handle:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "api:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=handle,
        )
    url = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not ready(url):
        if time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"gunicorn did not start; see {log}")
        time.sleep(0.1)
    return server, url


def ready(address: str) -> bool:
    conn = http.client.HTTPConnection(address, timeout=2)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


@dataclass
class ReviewLoad:
    """Threads uploading one answer per request, each with a fresh client id, recording
    what every request got back: the ids the server accepted with a 2xx must all be kept."""

    address: str
    world: World
    threads: int = 8
    accepted: set[str] = field(default_factory=set)
    outcomes: Counter = field(default_factory=Counter)
    timeline: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self.started = time.monotonic()
        self._workers = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.threads)
        ]
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def _run(self, n: int) -> None:
        count = 0
        while not self._stop.is_set():
            token = self.world.tokens[(n + count * self.threads) % len(self.world.tokens)]
            item = self.world.item_ids[count % len(self.world.item_ids)]
            count += 1
            review_id = uuid.uuid4().hex
            body = json.dumps(
                {
                    "reviews": [
                        {
                            "id": review_id,
                            "item_id": item,
                            "answered_at": dt.datetime.now(dt.UTC).isoformat(),
                            "duration_ms": 3000,
                            "answer": {"value": True},
                        }
                    ]
                }
            )
            outcome = self._post(token, body, review_id)
            with self._lock:
                self.outcomes[outcome] += 1
                self.timeline.append((time.monotonic() - self.started, outcome))

    def _post(self, token: str, body: str, review_id: str) -> str:
        conn = http.client.HTTPConnection(self.address, timeout=10)
        try:
            conn.request(
                "POST",
                "/learn/reviews",
                body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            # A response cut off after its status line (a worker killed between sending its
            # headers and its body: IncompleteRead) never reached the phone either.
            return f"connection error ({exc.__class__.__name__})"
        finally:
            conn.close()
        if 200 <= response.status < 300:
            [result] = json.loads(payload)["results"]
            if result["status"] == "accepted":
                with self._lock:
                    self.accepted.add(review_id)
                return "2xx accepted"
            return f"2xx {result['status']}"
        return str(response.status)

    @property
    def requests(self) -> int:
        return sum(self.outcomes.values())

    def failed_between(self, start: float, end: float) -> int:
        return sum(1 for at, o in self.timeline if start <= at <= end and not o.startswith("2xx"))

    def recovered_after(self, moment: float) -> bool:
        """Requests after ``moment`` succeed again (the last ten all got a 2xx)."""
        after = [o for at, o in self.timeline if at > moment]
        return len(after) >= 10 and all(o.startswith("2xx") for o in after[-10:])


def lost_reviews(engine: Engine, accepted: set[str]) -> int:
    """Accepted (2xx) review ids that the database does not hold."""
    with engine.connect() as conn:
        kept = set(conn.scalars(select(ReviewLog.client_review_id)))
    return len(accepted - kept)


def engine_for(url: str) -> Engine:
    return create_engine_for(url)


@dataclass
class Rig:
    postgres: ThrowawayPostgres
    engine: Engine
    server: subprocess.Popen
    load: ReviewLoad

    def counts(self) -> dict:
        """What every run reports: requests, acknowledged reviews, outcomes, losses."""
        return {
            "requests": self.load.requests,
            "accepted_2xx": len(self.load.accepted),
            "outcomes": dict(self.load.outcomes),
            "lost": lost_reviews(self.engine, self.load.accepted),
        }


@contextmanager
def practice_rig(*, learners: int, workers: int, threads: int) -> Iterator[Rig]:
    """PostgreSQL of its own, seeded; gunicorn on it; the review load running. All of it
    is stopped and removed on the way out."""
    postgres = ThrowawayPostgres()
    engine = engine_for(postgres.url)
    server = None
    try:
        world = seed_practice(engine, learners=learners)
        log = Path(tempfile.mkdtemp(prefix="bitewise-reliability-")) / "gunicorn.log"
        server, address = start_gunicorn(postgres.url, workers=workers, log=log)
        load = ReviewLoad(address, world, threads=threads)
        load.start()
        yield Rig(postgres, engine, server, load)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        engine.dispose()
        postgres.remove()
