"""The flask-smorest Api, made to speak the one error shape. Created per app in create_app."""

from __future__ import annotations

import http
import time
from typing import Any

import flask
import flask_smorest
from flask import current_app
from flask_limiter.errors import RateLimitExceeded
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from api.errors import DomainError, ErrorSchema, error_body, example_error
from api.limits import limiter

# The two errors a client should retry, as they really come: (description, code, message).
_RETRY_LATER = {
    429: (
        "Too many requests: this caller went over an operation's limit, or this address "
        "sent more than 60 forged tokens in a minute (a genuine token is never refused "
        "for that). Wait `Retry-After` seconds.",
        "rate_limited",
        "Too many requests (10 per 1 minute); retry in 42 s.",
    ),
    503: (
        "The database is unavailable and nothing was changed; retry after `Retry-After` "
        "seconds with the same request.",
        "database_unavailable",
        "The database is unavailable; retry shortly.",
    ),
}
_RETRY_AFTER = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "integer", "minimum": 1, "example": 42},
}


class BitewiseApi(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def _openapi_json(self) -> Any:
        """The spec as this deployment serves it: this deployment first among the servers,
        so that Swagger UI's "Try it out" calls the host it was loaded from (it takes the
        first server; the committed spec's first is bin/run's address)."""
        spec = self.spec.to_dict()  # not a copy: apispec hands out its own options dict
        config = current_app.config["BITEWISE"]
        here = {
            "url": config.public_base_url or "/",
            "description": "This deployment (the host serving this spec)",
        }
        others = [s for s in spec.get("servers", []) if s["url"] != here["url"]]
        spec = {**spec, "servers": [here, *others]}
        return current_app.response_class(
            flask.json.dumps(spec, indent=2, sort_keys=False), mimetype="application/json"
        )

    def _register_error_handlers(self) -> None:
        super()._register_error_handlers()
        self._app.register_error_handler(DomainError, self.handle_domain_error)
        self._app.register_error_handler(DBAPIError, self.handle_database_down)

    def handle_http_exception(self, error: HTTPException) -> tuple[dict, int, dict]:
        status = error.code or 500
        data: dict[str, Any] = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        message = data.get("message")
        if status == 400 and errors and "json" in errors and not message:
            message = "The body is not valid JSON."
        if isinstance(error, RateLimitExceeded):
            breached = limiter.current_limit
            wait = max(1, breached.reset_at - int(time.time())) if breached else 60
            message = f"Too many requests ({error.description}); retry in {wait} s."
            body = error_body(429, code="rate_limited", message=message)
            return body, 429, {"Retry-After": str(wait)}
        if status >= 500:
            current_app.logger.error("server error %s", status, exc_info=error)
        return (
            error_body(status, code=data.get("code"), message=message, errors=errors),
            status,
            data.get("headers", {}),
        )

    @staticmethod
    def handle_domain_error(error: DomainError) -> tuple[dict, int]:
        body = error_body(error.status, code=error.code, message=error.message, errors=error.errors)
        return body, error.status

    @staticmethod
    def handle_database_down(error: DBAPIError) -> tuple[dict, int, dict] | DBAPIError:
        # A lost connection is the operator's problem, not the client's: 503, retry later.
        if not error.connection_invalidated and not isinstance(
            error, OperationalError | InterfaceError
        ):
            raise error
        current_app.logger.error("database unavailable", exc_info=error)
        _, code, message = _RETRY_LATER[503]
        body = error_body(503, code=code, message=message)
        return body, 503, {"Retry-After": "2"}

    def _register_pagination_header(self) -> None:
        # The header carries JSON text: say so with `content`. flask-smorest's `schema:
        # object` tells clients and validators to expect an object where a string arrives.
        fields = ("total", "total_pages", "first_page", "last_page", "page")
        metadata = {
            "type": "object",
            "properties": {
                name: {"type": "integer"} for name in (*fields, "previous_page", "next_page")
            },
            "required": list(fields),
        }
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata, as JSON",
                "content": {
                    "application/json": {
                        "schema": metadata,
                        "example": {
                            **{"total": 42, "total_pages": 5, "first_page": 1},
                            **{"last_page": 5, "page": 1, "next_page": 2},
                        },
                    }
                },
            },
            lazy=True,
        )

    def _register_responses(self) -> None:
        # flask-smorest registers one response component per status; ours carry an example.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                response["example"] = example_error(status)
            if status in _RETRY_LATER:
                description, code, message = _RETRY_LATER[status]
                response["description"] = description
                response["example"] = example_error(status, code, message)
                response["headers"] = {"Retry-After": _RETRY_AFTER}
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {
            "description": "Default error response",
            "schema": self.ERROR_SCHEMA,
            "example": example_error(500),
        }
        prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
