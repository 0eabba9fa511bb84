"""Refuse text no database column can hold, before any view sees it.

PostgreSQL text cannot contain NUL (U+0000); SQLite stores it and cuts strings at it
elsewhere. No person types one, so a request carrying one is refused whole (422),
whichever field it hides in. Found by schemathesis: it was a 500 on PostgreSQL.

Review uploads are the exception: a phone's offline queue goes up as one batch, and one
bad review must not keep the others out (a phone retrying the batch would be stuck for
good). Their schema rejects such a review on its own (``has_nul``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from api.errors import Invalid

# Endpoints whose schema judges each element of a batch on its own.
PER_ELEMENT = {"practice.Reviews"}


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def refuse_nul_characters() -> None:
    if request.endpoint in PER_ELEMENT:
        return
    where = None
    if any(has_nul(v) for v in request.args.values()):
        where = "query"
    elif request.is_json and has_nul(request.get_json(silent=True)):
        where = "json"
    if where is not None:
        raise Invalid(
            "Text may not contain the NUL character (U+0000).",
            code="nul_character",
            errors={where: {"_schema": ["Contains U+0000."]}},
        )


def init_input_guard(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
