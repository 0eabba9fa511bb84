"""Domain exceptions and the API's one error shape.

Every 4xx/5xx body is ``{"code", "status", "error", "message", "errors"?, "request_id"}``:
``code`` is the HTTP status (as flask-smorest has it), ``status`` its phrase, ``error``
a short stable machine code a client may branch on, ``message`` a sentence for people.
"""

from __future__ import annotations

import http
import re
from typing import Any

import marshmallow as ma
from flask import g
from marshmallow import validate


class DomainError(Exception):
    """Raised by services; mapped to the error shape in one place."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self, message: str, *, code: str | None = None, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors
        if code is not None:
            self.code = code


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Invalid(DomainError):
    """Well-formed input that the domain rejects (e.g. publishing an empty module)."""

    status, code = 422, "invalid"


class TooLarge(DomainError):
    status, code = 413, "request_entity_too_large"


class Unavailable(DomainError):
    """A dependency (database, Firebase's keys) is out of reach; the client may retry."""

    status, code = 503, "unavailable"


# Every value ``error`` can take: the statuses' own codes, then the domain's. A test
# checks that the code base raises no other (tests/api/test_errors.py).
ERROR_CODES = (
    *("bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed"),
    *("conflict", "request_entity_too_large", "unsupported_media_type", "validation_failed"),
    *("too_many_requests", "rate_limited", "internal_error", "service_unavailable"),
    *("invalid", "unavailable"),
    *("already_answered", "already_member", "auth_unavailable", "choose_organization"),
    *("database_unavailable", "email_member", "invalid_text", "invalid_token", "item_retired"),
    *("join_code_unknown", "json_too_deep", "last_admin", "last_admin_guard"),
    *("lesson_published", "metrics_token", "missing_token", "module_archived"),
    *("module_incomplete", "module_not_found", "module_not_published", "no_team"),
    *("not_a_member", "not_hidden", "not_marked_useful", "nul_character", "prompt_closed"),
    *("role_forbidden", "team_exists", "team_not_found", "token_expired", "user_exists"),
    *("user_not_found",),
    *("media_corrupt", "media_decompression_bomb", "media_in_use", "media_not_found"),
    *("media_polyglot", "media_size_mismatch", "media_text_missing", "media_too_large"),
    *("media_unsupported", "upload_expired", "upload_finished", "upload_incomplete"),
)


class ErrorSchema(ma.Schema):
    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status code"})
    status = ma.fields.String(required=True, metadata={"description": "HTTP status phrase"})
    error = ma.fields.String(
        required=True,
        validate=validate.OneOf(ERROR_CODES),
        metadata={"description": "Short machine-readable error code"},
    )
    message = ma.fields.String(required=True, metadata={"description": "What went wrong"})
    errors = ma.fields.Dict(metadata={"description": "Field errors: location -> field -> messages"})
    request_id = ma.fields.String(metadata={"description": "Quote it when reporting a problem"})


# Messages for errors raised by Flask/werkzeug/webargs rather than by our services.
_DEFAULT_MESSAGES = {
    400: "The request could not be read.",
    401: "Authentication is required: send 'Authorization: Bearer <Firebase ID token>'.",
    403: "You are not allowed to do this.",
    404: "Nothing exists at this address.",
    405: "This method is not allowed on this address.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
    422: "Some fields are invalid; see 'errors'.",
    429: "Too many requests; slow down.",
    500: "Something went wrong on our side. It has been logged.",
    503: "A service we depend on is unavailable; retry shortly.",
}
_SHORT_CODES = {422: "validation_failed", 500: "internal_error"}


def short_code(status: int) -> str:
    if status in _SHORT_CODES:
        return _SHORT_CODES[status]
    return re.sub(r"\W+", "_", http.HTTPStatus(status).phrase.lower()).strip("_")


def error_body(
    status: int,
    *,
    code: str | None = None,
    message: str | None = None,
    errors: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": status,
        "status": http.HTTPStatus(status).phrase,
        "error": code or short_code(status),
        "message": message or _DEFAULT_MESSAGES.get(status, http.HTTPStatus(status).phrase),
    }
    if errors:
        body["errors"] = errors
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    return body


def example_error(status: int, code: str | None = None, message: str | None = None) -> dict:
    body = {
        "code": status,
        "status": http.HTTPStatus(status).phrase,
        "error": code or short_code(status),
        "message": message or _DEFAULT_MESSAGES.get(status, http.HTTPStatus(status).phrase),
        "request_id": "6f1c2a7e9b3d4f20",
    }
    if status == 422 and code is None:
        body["errors"] = {"json": {"estimated_minutes": ["Must be between 1 and 30."]}}
    return body
