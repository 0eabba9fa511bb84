"""Refuse input no database column can hold and no view should walk, before any view sees it.

- NUL (U+0000): PostgreSQL text cannot contain it; SQLite cuts strings at it elsewhere.
- Lone surrogates (U+D800-U+DFFF, which JSON's ``\\ud800`` escapes can produce): no UTF-8
  encoding exists, so the INSERT failed with UnicodeEncodeError.
- JSON nested deeper than ``MAX_DEPTH``: Python's parser and our schemas recurse, and a
  few thousand brackets were a RecursionError. No body of this API nests beyond 6.

No person types any of these, so a request carrying one is refused whole (422), whichever
field it hides in.

Review uploads are the exception for text: a phone's offline queue goes up as one batch,
and one bad review must not keep the others out (a phone retrying the batch would be
stuck for good). Their schema rejects such a review on its own (``unstorable``).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from flask import Flask, request

from api.errors import Invalid

# Endpoints whose schema judges each element of a batch on its own.
PER_ELEMENT = {"practice.Reviews"}
# Endpoints whose body is a file, whatever Content-Type the client sent: never parsed here
# (reading it as JSON would consume the upload).
RAW_BODY = {"media.Upload"}
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(value: Any) -> str | None:
    """Why text somewhere in ``value`` cannot be stored, or None. Iterative: the value
    may be deep."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            if "\x00" in current:
                return "Text may not contain the NUL character (U+0000)."
            # A scan in C: a loop over characters in Python was most of an upload's checks.
            if _SURROGATE.search(current):
                return "Text may not contain lone surrogates (U+D800-U+DFFF): send valid UTF-16."
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return None


def depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict | list):
            deepest = max(deepest, level)
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, level + 1) for child in children)
    return deepest


def _body() -> Any:
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise _too_deep() from None


def _too_deep() -> Invalid:
    return Invalid(
        f"The JSON body is nested too deeply (at most {MAX_DEPTH} levels).",
        code="json_too_deep",
        errors={"json": {"_schema": [f"Nested deeper than {MAX_DEPTH} levels."]}},
    )


def refuse_unstorable_input() -> None:
    body = _body() if request.is_json and request.endpoint not in RAW_BODY else None
    if depth(body) > MAX_DEPTH:
        raise _too_deep()
    where, why = None, None
    if why := unstorable(list(request.args.values())):
        where = "query"
    elif request.endpoint not in PER_ELEMENT and (why := unstorable(body)):
        where = "json"
    if where is not None:
        raise Invalid(
            f"{why}",
            code="nul_character" if "NUL" in str(why) else "invalid_text",
            errors={where: {"_schema": [str(why)]}},
        )


def init_input_guard(app: Flask) -> None:
    app.before_request(refuse_unstorable_input)
    app.wsgi_app = KnownMethodsOnly(app.wsgi_app)  # type: ignore[method-assign]


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class KnownMethodsOnly:
    """A method no route has (``FOO``, ``PROPFIND``) is answered 405 here, before Flask:
    request metrics label by method, and a client inventing methods would otherwise make
    new series without bound."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD", "GET") in KNOWN_METHODS:
            return self.app(environ, start_response)
        request_id = uuid.uuid4().hex[:16]
        body = json.dumps(
            {
                "code": 405,
                "status": "Method Not Allowed",
                "error": "method_not_allowed",
                "message": "This method is not allowed on this address.",
                "request_id": request_id,
            }
        ).encode()
        start_response(
            "405 METHOD NOT ALLOWED",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Allow", ", ".join(sorted(KNOWN_METHODS))),
                ("X-Request-ID", request_id),
            ],
        )
        return [body]
