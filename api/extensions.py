"""The flask-smorest Api, made to speak the one error shape. Created per app in create_app."""

from __future__ import annotations

import http
from typing import Any

import flask_smorest
from flask import current_app
from flask_limiter.errors import RateLimitExceeded
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from api.errors import DomainError, ErrorSchema, error_body, example_error


class BitewiseApi(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

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
            # flask-limiter adds Retry-After (seconds) and X-RateLimit-* to this response.
            code = "rate_limited"
            message = f"Too many requests ({error.description}); retry after Retry-After seconds."
            return error_body(429, code=code, message=message), 429, {}
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
        body = error_body(
            503, code="database_unavailable", message="The database is unavailable; retry shortly."
        )
        return body, 503, {"Retry-After": "2"}

    def _register_responses(self) -> None:
        # flask-smorest registers one response component per status; ours carry an example.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                response["example"] = example_error(status)
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {
            "description": "Default error response",
            "schema": self.ERROR_SCHEMA,
            "example": example_error(500),
        }
        prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
