"""Refuse text no database column can hold, before any view sees it.

PostgreSQL text cannot contain NUL (U+0000); SQLite stores it and cuts strings at it
elsewhere. No person types one, so a request carrying one is refused whole (422),
whichever field it hides in. Found by schemathesis: it was a 500 on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from api.errors import Invalid


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_characters() -> None:
    where = None
    if any(_has_nul(v) for v in request.args.values()):
        where = "query"
    elif request.is_json and _has_nul(request.get_json(silent=True)):
        where = "json"
    if where is not None:
        raise Invalid(
            "Text may not contain the NUL character (U+0000).",
            code="nul_character",
            errors={where: {"_schema": ["Contains U+0000."]}},
        )


def init_input_guard(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
