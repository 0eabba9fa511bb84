"""Security headers on every response (flask-talisman), and CORS only where configured.

TLS ends at the load balancer, so no redirect to https here; HSTS is sent on https
requests. The API's responses are JSON: a CSP that allows nothing. Swagger UI at /docs
needs its own scripts and the inline start-up script that flask-smorest renders.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, request
from flask_cors import CORS
from flask_talisman import DENY, Talisman

from api.config import Config

API_CSP = {"default-src": "'none'", "frame-ancestors": "'none'"}
DOCS_CSP = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-inline'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
}
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"


def init_headers(app: Flask, config: Config) -> None:
    Talisman(
        app,
        force_https=False,
        frame_options=DENY,
        content_security_policy=API_CSP,
        referrer_policy="no-referrer",
        session_cookie_secure=False,  # no cookies: bearer tokens only
    )
    app.after_request(_cache_control)
    docs_view = app.view_functions.get(DOCS_ENDPOINT)
    if docs_view is not None:
        app.view_functions[DOCS_ENDPOINT] = _with_csp(docs_view, DOCS_CSP)
    if config.cors_origins:
        CORS(
            app,
            origins=list(config.cors_origins),
            allow_headers=["Authorization", "Content-Type", "If-None-Match", "X-Request-ID"],
            expose_headers=["ETag", "X-Pagination", "X-Request-ID", "Retry-After"],
            max_age=600,
        )


def _cache_control(response: Response) -> Response:
    """Whatever answers a signed-in request is that person's: never kept by a shared cache
    or on disk. Content with an ETag (modules a phone keeps for offline use) may stay in
    the phone's own cache, revalidated each time."""
    if request.headers.get("Authorization") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = (
            "private, no-cache" if response.headers.get("ETag") else "no-store"
        )
    return response


def _with_csp(view: Callable[..., Any], policy: dict[str, str]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    # Talisman reads per-view options from this attribute.
    wrapped.talisman_view_options = {"content_security_policy": policy}  # type: ignore[attr-defined]
    return wrapped
