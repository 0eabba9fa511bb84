"""Rate limits on what a phone (or a script pretending to be one) can hammer.

flask-limiter with Redis storage when ``REDIS_URL`` is set (shared by every gunicorn
worker and host), in memory otherwise. One Limiter per process: limits are declared on
views at import time, and ``init_app`` reads the storage and switches from each app's
config. Per-user limits sit under ``Blueprint.access`` so that they count the signed-in
person; per-IP limits hold back anonymous guessing. If Redis is down, limits fall back to
memory rather than take the API down with them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from prometheus_client import Gauge

from api.auth import presents_forged_token
from api.config import Config

# Probes and scrapes come from infrastructure, never count against anyone.
UNLIMITED = {"health.healthz", "health.readyz", "metrics.scrape"}

limiter = Limiter(
    key_func=get_remote_address,
    # Retry-After on the 429 only (api/extensions.py): flask-limiter's headers would put
    # one on every response, and overrule a 503's own.
    headers_enabled=False,
    # Exact: the (limit+1)th request inside any minute is refused. The sliding-window
    # counter only estimates across its two fixed windows and let a 61st failed sign-in
    # through when the burst straddled a window boundary (seen in CI). Costs one
    # timestamp per request in the window, at most 1,200 per key.
    strategy="moving-window",
    swallow_errors=True,
    in_memory_fallback_enabled=True,
    # Forged tokens only: an address sending more than 60 a minute gets 429s for its next
    # forged ones. A genuine token, even from that address, is never held back.
    application_limits=["60/minute"],
    application_limits_deduct_when=lambda response: response.status_code == 401,
    application_limits_exempt_when=lambda: (
        request.endpoint in UNLIMITED or not presents_forged_token()
    ),
    key_prefix="bitewise",
)


# Per process (gunicorn workers: the highest is scraped). 1 while Redis is unreachable and
# this process counts in its own memory, which lets a client through once per process.
FALLBACK = Gauge(
    "bitewise_rate_limit_memory_fallback",
    "1 while this process counts rate limits in memory because Redis is unreachable",
    multiprocess_mode="max",
)


def _user_key() -> str:
    user = g.get("current_user")
    return f"user:{user.id}" if user is not None else f"ip:{get_remote_address()}"


def _claims_key() -> str:
    claims = g.get("claims")
    return f"uid:{claims['uid']}" if claims else f"ip:{get_remote_address()}"


def per_user(limit: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Limit per signed-in member; put it right under ``Blueprint.access``."""
    return limiter.limit(limit, key_func=_user_key)


def per_identity(limit: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Limit per verified Firebase identity (before membership exists, as in /join)."""
    return limiter.limit(limit, key_func=_claims_key)


def per_ip(limit: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return limiter.limit(limit, key_func=get_remote_address)


def init_limits(app: Flask, config: Config) -> None:
    # Set explicitly for every app: init_app keeps a switch once one app has turned it off.
    limiter.enabled = config.rate_limits
    app.config.update(
        RATELIMIT_ENABLED=config.rate_limits,
        RATELIMIT_STORAGE_URI=_storage_uri(config.redis_url),
    )
    limiter.init_app(app)
    # A new app starts on its own storage, whatever an earlier one (a test's) found dead.
    limiter._storage_dead = False
    FALLBACK.set(0)
    if config.redis_url:

        @app.after_request
        def _fallback_gauge(response: Response) -> Response:
            FALLBACK.set(1 if limiter._storage_dead else 0)
            return response


def _storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "memory://"
    # Short timeouts: a slow Redis must not hold a request for long before the fallback.
    separator = "&" if "?" in redis_url else "?"
    return f"{redis_url}{separator}socket_connect_timeout=1&socket_timeout=1"
