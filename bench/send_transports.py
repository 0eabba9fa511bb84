"""CPU per push of FCM transports, against a TLS FCM v1 stand-in (nginx, HTTP/2).

Run:
    .venv/bin/pip install pycurl aiohttp   # measured here, not dependencies of the app
    .venv/bin/python bench/send_transports.py [--count 20000] [--in-flight 64]

Debian's nginx (``apt-get install nginx-light``) plays FCM: TLS with a throwaway
certificate, HTTP/2 and HTTP/1.1 keep-alive, ``200 {"name": ...}`` for every POST, in
processes of its own, so that the CPU time this process spends is the transport's alone.
Every transport sends the same request body, built by firebase-admin's message model
(``messaging.Message`` and its encoder) with a Bearer token:

- ``firebase-admin``: ``messaging.send`` (requests, HTTP/1.1 keep-alive), as the
  dispatcher's threads call it today, ``--in-flight`` threads;
- ``aiohttp``: HTTP/1.1 keep-alive in C parsers, ``--in-flight`` requests at once;
- ``pycurl multi``: libcurl's multi interface, HTTP/2 multiplexed over few connections,
  ``--in-flight`` transfers at once.

Prints, per transport: pushes/s of wall time and CPU ms per push of this process
(``msg/s per core`` = 1000 / that).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firebase_admin import messaging

from api.config import Config
from api.firebase import init_firebase_app
from api.push.fcm import FcmGateway
from api.push.gateway import PushMessage
from tests.tls import localhost_certificate

PROJECT = "bitewise-bench"
PATH = f"/v1/projects/{PROJECT}/messages:send"

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 100000000;
    http2_max_concurrent_streams 1000;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location / {{
            default_type application/json;
            return 200 '{{"name": "projects/{project}/messages/0:1"}}';
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, port: int = 8443) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.dir = Path(tempfile.mkdtemp(prefix="fcm-nginx-"))
        localhost_certificate(self.dir)
        conf = self.dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=self.dir, port=port, project=PROJECT))
        self.url = f"https://127.0.0.1:{port}"
        self.cert = str(self.dir / "cert.pem")
        self.process = subprocess.Popen([binary, "-c", str(conf), "-p", str(self.dir)])
        time.sleep(0.5)
        assert self.process.poll() is None, (self.dir / "error.log").read_text()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def message(n: int) -> PushMessage:
    return PushMessage(
        f"token-{n:012d}-" + "x" * 140,
        "3 questions waiting",
        "About 1 min.",
        {"kind": "practice", "notification_id": str(n), "deep_link": "bitewise://practice"},
        collapse_key=f"bitewise-{n}",
    )


def fcm_body(push: PushMessage) -> bytes:
    """The request body firebase-admin sends for this push (its own encoder)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        fcm = messaging.Message(
            token=push.token,
            notification=messaging.Notification(title=push.title, body=push.body),
            data=push.data,
            android=messaging.AndroidConfig(collapse_key=push.collapse_key),
            apns=messaging.APNSConfig(headers={"apns-collapse-id": push.collapse_key}),
        )
    encoded = messaging._MessagingService.encode_message(fcm)
    return json.dumps({"message": encoded}).encode()


def measure(name: str, count: int, run) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    ok = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert ok == count, f"{name}: {ok} of {count} accepted"
    per_push = cpu / count * 1000
    print(
        f"{name:<28} {count / wall:>8,.0f} pushes/s wall   {per_push:.3f} ms CPU per push "
        f"({1000 / per_push:,.0f} msg/s per core)"
    )


def with_firebase_admin(url: str, cert: str, count: int, in_flight: int) -> int:
    messaging._MessagingService.FCM_URL = url + "/v1/projects/{0}/messages:send"
    gateway = FcmGateway(init_firebase_app(Config(environment="test", firebase_project_id=PROJECT)))
    messaging._get_messaging_service(gateway._app)._client.session.verify = cert
    pushes = [message(n) for n in range(count)]
    assert gateway.send(pushes[0]).ok
    with ThreadPoolExecutor(in_flight) as pool:
        return sum(result.ok for result in pool.map(gateway.send, pushes))


def with_aiohttp(url: str, cert: str, count: int, in_flight: int) -> int:
    import ssl

    import aiohttp

    bodies = [fcm_body(message(n)) for n in range(count)]
    headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}

    async def main() -> int:
        context = ssl.create_default_context(cafile=cert)
        connector = aiohttp.TCPConnector(limit=in_flight, ssl=context)
        async with aiohttp.ClientSession(connector=connector) as session:
            gate = asyncio.Semaphore(in_flight)

            async def send(body: bytes) -> bool:
                async with gate, session.post(url + PATH, data=body, headers=headers) as reply:
                    return reply.status == 200 and "name" in await reply.json()

            return sum(await asyncio.gather(*(send(body) for body in bodies)))

    return asyncio.run(main())


def with_pycurl_multi(url: str, cert: str, count: int, in_flight: int) -> int:
    import pycurl

    bodies = iter([fcm_body(message(n)) for n in range(count)])
    multi = pycurl.CurlMulti()
    multi.setopt(pycurl.M_PIPELINING, pycurl.PIPE_MULTIPLEX)
    multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, 4)
    free = []
    for _ in range(in_flight):
        handle = pycurl.Curl()
        handle.setopt(pycurl.URL, url + PATH)
        handle.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_2TLS)
        handle.setopt(pycurl.PIPEWAIT, 1)
        handle.setopt(pycurl.CAINFO, cert)
        handle.setopt(
            pycurl.HTTPHEADER, ["Authorization: Bearer bench", "Content-Type: application/json"]
        )
        free.append(handle)
    ok = 0

    def start(handle) -> bool:
        body = next(bodies, None)
        if body is None:
            return False
        handle.buffer = io.BytesIO()
        handle.setopt(pycurl.POSTFIELDS, body)
        handle.setopt(pycurl.WRITEDATA, handle.buffer)
        multi.add_handle(handle)
        return True

    running = sum(start(handle) for handle in free)
    while running:
        multi.select(1.0)
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        _, done, failed = multi.info_read()
        for handle in done:
            multi.remove_handle(handle)
            if handle.getinfo(pycurl.RESPONSE_CODE) == 200:
                ok += "name" in json.loads(handle.buffer.getvalue())
            running -= 1
            running += start(handle)
        for handle, _, error in failed:
            multi.remove_handle(handle)
            print("failed:", error)
            running -= 1
            running += start(handle)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--in-flight", type=int, default=64)
    args = parser.parse_args()
    nginx = Nginx()
    try:
        for name, run in (
            ("firebase-admin (threads)", with_firebase_admin),
            ("aiohttp (HTTP/1.1)", with_aiohttp),
            ("pycurl multi (HTTP/2)", with_pycurl_multi),
        ):
            try:
                measure(
                    name,
                    args.count,
                    lambda r=run: r(nginx.url, nginx.cert, args.count, args.in_flight),
                )
            except ImportError as missing:
                print(f"{name:<28} not installed ({missing.name}); pip install it to measure")
    finally:
        nginx.stop()


if __name__ == "__main__":
    main()
