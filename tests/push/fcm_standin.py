"""A local stand-in for the FCM HTTP v1 send endpoint, on 127.0.0.1.

POST /v1/projects/{project}/messages:send answers like FCM: 200 with the message name,
or a google.rpc.Status body with an FcmError detail. Tokens choose the answer by prefix
(``unregistered-``, ``mismatch-``, ``invalid-``, ``quota-``, ``unavailable-``,
``internal-``); ``fail_share`` makes a random share of requests answer 429 or 503.
Accepted messages are recorded, so duplicates and losses can be counted here.
"""

from __future__ import annotations

import json
import random
import re
import ssl
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_PATH = re.compile(r"^/v1/projects/([^/]+)/messages:send$")
_ERRORS = {
    "unregistered": (404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."),
    "mismatch": (403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch"),
    "invalid": (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "The registration token is not valid"),
    "quota": (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded."),
    "unavailable": (503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable."),
    "internal": (500, "INTERNAL", "INTERNAL", "Internal error encountered."),
}


class FcmStandIn:
    def __init__(
        self, *, fail_share: float = 0.0, retry_after: int = 1, seed: int = 1, latency: float = 0.0
    ) -> None:
        self.latency = latency  # seconds per answer: FCM's round trip from a server
        self.accepted: list[dict] = []  # the messages FCM would deliver
        self.requests = 0
        self.answers: Counter[int] = Counter()
        self.fail_share = fail_share
        self.retry_after = retry_after
        self.auth_headers: set[str] = set()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.url = ""

    def url_template(self) -> str:
        """For firebase-admin's ``_MessagingService.FCM_URL`` (``{0}`` is the project)."""
        return self.url + "/v1/projects/{0}/messages:send"

    def handle(self, path: str, body: bytes, authorization: str) -> tuple[int, dict, dict]:
        with self._lock:
            self.requests += 1
            self.auth_headers.add(authorization)
            roll = self._random.random()
        match = _PATH.match(path)
        if not match:
            return 404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}}, {}
        if self.latency:
            time.sleep(self.latency)
        message = json.loads(body)["message"]
        token = message.get("token") or message.get("fid") or ""
        kind = token.split("-", 1)[0]
        if kind not in _ERRORS and roll < self.fail_share:
            kind = "quota" if roll < self.fail_share / 2 else "unavailable"
        if kind in _ERRORS:
            return _error(kind, self.retry_after)
        with self._lock:
            self.accepted.append(message)
        return 200, {"name": f"projects/{match.group(1)}/messages/{uuid.uuid4().hex}"}, {}

    def delivered_by_notification(self) -> Counter[str]:
        return Counter(m.get("data", {}).get("notification_id", "") for m in self.accepted)


def _error(kind: str, retry_after: int) -> tuple[int, dict, dict]:
    code, status, fcm_code, text = _ERRORS[kind]
    body = {
        "error": {
            "code": code,
            "message": text,
            "status": status,
            "details": [
                {
                    "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                    "errorCode": fcm_code,
                }
            ],
        }
    }
    headers = {"Retry-After": str(retry_after)} if code in (429, 503) else {}
    return code, body, headers


@contextmanager
def running(standin: FcmStandIn, *, tls: ssl.SSLContext | None = None) -> Iterator[FcmStandIn]:
    """Serve ``standin`` on 127.0.0.1 (over TLS with ``tls``, as FCM is)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as FCM
        # One write per response and no Nagle: headers and body in two small writes on a
        # kept-alive connection would wait for the client's delayed ACK (40 ms each).
        wbufsize = 64 * 1024
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            # For a stand-in running as its own process (benchmarks): what arrived.
            if self.path != "/_stats":
                self.send_error(404)
                return
            delivered = standin.delivered_by_notification()
            raw = json.dumps(
                {
                    "requests": standin.requests,
                    "accepted": len(standin.accepted),
                    "delivered": dict(delivered),
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            code, payload, headers = standin.handle(
                self.path, body, self.headers.get("Authorization", "")
            )
            raw = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024  # the default 5 drops connections under load

    server = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    standin.url = f"{scheme}://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    """Run as a process: ``python -m tests.push.fcm_standin --fail-share 0.05``."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--fail-share", type=float, default=0.0)
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    standin = FcmStandIn(
        fail_share=args.fail_share, retry_after=args.retry_after, latency=args.latency_ms / 1000
    )
    with running(standin) as server:
        print(server.url, flush=True)
        sys.stdout.close()
        stop.wait()


if __name__ == "__main__":
    main()
