"""flask-smorest's Blueprint with our access guard and documented error responses."""

from __future__ import annotations

import http
from collections.abc import Callable
from functools import wraps
from typing import Any

import flask_smorest

from api import auth, deps
from api.models import Role

ADMIN = (Role.ADMIN,)
ANY_MEMBER: tuple[Role, ...] = ()


class Blueprint(flask_smorest.Blueprint):
    def access(
        self, roles: tuple[Role, ...] = ANY_MEMBER, *, member: bool = True, kept: bool = False
    ) -> Callable:
        """Require a verified Firebase ID token (and membership, and one of ``roles``).

        Put it above the other decorators so that an anonymous caller gets 401 before
        their body is validated. ``kept``: the view takes the member through
        ``auth.with_learner`` (any member; the app may keep them between requests).
        """

        def decorator(func: Callable) -> Callable:
            @wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                auth.authenticate(roles, member=member, kept=kept)
                return func(*args, **kwargs)

            wrapper = self.doc(security=[{"bearerAuth": []}])(wrapper)
            wrapper = self.alt_response(401, response="UNAUTHORIZED")(wrapper)
            # Any signed-in call can meet these two: a forged token from an address that
            # sent too many, and a database that is away.
            wrapper = self.alt_response(429, response="TOO_MANY_REQUESTS")(wrapper)
            wrapper = self.alt_response(503, response="SERVICE_UNAVAILABLE")(wrapper)
            if member or roles:
                wrapper = self.alt_response(403, response="FORBIDDEN")(wrapper)
            return wrapper

        return decorator

    def limit(self, *limits: Callable) -> Callable:
        """Apply rate limits from ``api.limits`` and document their 429.

        Put it right under ``access`` so that limits count the signed-in caller and a
        refused request costs no body parsing.
        """

        def decorator(func: Callable) -> Callable:
            for limit in reversed(limits):
                func = limit(func)
            return self.alt_response(429, response="TOO_MANY_REQUESTS")(func)

        return decorator

    def links(self, status: int, **targets: tuple[str, dict[str, str]]) -> Callable:
        """OpenAPI links from a response to the operations that take what it created:
        ``name=(operationId, {parameter: runtime expression})``. Clients and schemathesis'
        stateful runs follow them."""
        links = {
            name: {"operationId": operation, "parameters": parameters}
            for name, (operation, parameters) in targets.items()
        }
        return self.doc(responses={status: {"links": links}})

    def errors(self, *statuses: int) -> Callable:
        """Document error responses by status, pointing at the shared components."""

        def decorator(func: Callable) -> Callable:
            for status in statuses:
                func = self.alt_response(status, response=http.HTTPStatus(status).name)(func)
            return func

        return decorator


def page_of(pagination: Any, list_items: Callable[..., tuple[list, int]], **kwargs: Any) -> list:
    """Call a service's list function for the requested page and record the total.

    ``pagination`` is the ``pagination_parameters`` flask-smorest hands to a paginated view.
    """
    items, pagination.item_count = list_items(
        deps.session(), page=pagination.page, page_size=pagination.page_size, **kwargs
    )
    return items
