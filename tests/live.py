"""A real gunicorn serving the app on 127.0.0.1, for tests that need the whole stack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROJECT_ID = "bitewise-live"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ready(url: str, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not become ready in {timeout} s")
        time.sleep(0.1)


def server_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "BITEWISE_ENV": "test",
        "FIREBASE_PROJECT_ID": PROJECT_ID,
        "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
        "LOG_LEVEL": "WARNING",
        "BITEWISE_PLAN_EVERY": "0",
        **extra,
    }


@contextmanager
def live_server(database_url: str, *, workers: int = 2, **extra: str) -> Iterator[str]:
    """gunicorn with ``workers`` workers; yields its base URL and stops it afterwards."""
    port = free_port()
    env = server_env(database_url, port, WEB_CONCURRENCY=str(workers), **extra)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    # A file, not a pipe: nobody reads it while the server runs, and a full pipe blocks.
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "api:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_ready(url)
            except TimeoutError:
                server.terminate()
                log.seek(0)
                raise RuntimeError(f"gunicorn did not start: {log.read()[-2000:]}") from None
            yield url
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
