"""Bearer verification with firebase-admin, the current user, and role guards."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from firebase_admin import auth as firebase_auth
from flask import g, request

from api import deps
from api.errors import DomainError, Forbidden, Unauthorized, Unavailable
from api.models import Role, User
from api.services import learners, membership
from api.services.kept_members import StaleMember, Stamp
from api.services.learners import Learner

T = TypeVar("T")

logger = logging.getLogger("bitewise.auth")


def verified_claims() -> dict[str, Any]:
    """The claims of the request's Firebase ID token, verified once per request."""
    if "claims" in g:
        return g.claims
    if "auth_error" in g:  # the rate limiter looked first: one verification per request
        raise g.auth_error
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "Send 'Authorization: Bearer <Firebase ID token>'.", code="missing_token"
        )
    try:
        g.claims = _verify(token.strip())
    except DomainError as error:
        g.auth_error = error
        raise
    return g.claims


def _verify(token: str) -> dict[str, Any]:
    try:
        claims = firebase_auth.verify_id_token(token, app=deps.firebase_app())
    except firebase_auth.ExpiredIdTokenError as exc:
        raise Unauthorized("The ID token has expired; refresh it.", code="token_expired") from exc
    except firebase_auth.CertificateFetchError as exc:
        raise Unavailable(
            "Could not fetch Firebase's signing keys; retry shortly.", code="auth_unavailable"
        ) from exc
    except (firebase_auth.InvalidIdTokenError, ValueError) as exc:
        logger.info("invalid ID token: %s", exc)
        raise Unauthorized(
            "The ID token is not valid: it is malformed, for another Firebase project, or "
            "not signed by Firebase. Sign in again.",
            code="invalid_token",
        ) from exc
    return _check_lifetime(claims)


def _check_lifetime(claims: dict[str, Any]) -> dict[str, Any]:
    """firebase-admin skips ``exp`` and ``iat`` for the emulator's unsigned tokens: check
    them always, so that development shows the ``token_expired`` flow a phone relies on."""
    now = time.time()
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float) or iat > now + 60:
        raise Unauthorized(
            "The ID token has no valid lifetime (exp, iat). Sign in again.", code="invalid_token"
        )
    if exp <= now:
        raise Unauthorized("The ID token has expired; refresh it.", code="token_expired")
    return claims


def presents_forged_token() -> bool:
    """Whether the request carries a bearer token that is no genuine Firebase ID token.

    Only these count as failed sign-ins for the per-address limit: no token guesses
    nothing, and an expired token is a real person's, whose app must get the 401 that
    makes it refresh (hundreds of them at nine o'clock from one office address).
    """
    if not request.headers.get("Authorization"):
        return False
    try:
        verified_claims()
    except DomainError as error:
        return error.code == "invalid_token"
    return False


def authenticate(roles: tuple[Role, ...] = (), *, member: bool = True, kept: bool = False) -> None:
    """Verify the token; with ``member``, resolve the user and check the role.

    ``kept``: the view takes the member as a ``Learner`` through ``with_learner``: one
    the app kept from an earlier request (``api.services.kept_members``), else read now.
    """
    claims = verified_claims()
    if not member:
        return
    if kept:
        if roles:
            raise RuntimeError("a kept member is for views open to any member")
        g.kept_learner = deps.kept_members().get(claims["uid"], deps.now())
        if g.kept_learner is None:
            g.read_learner = _read_learner(stamped=deps.kept_members().enabled)
        return
    user = membership.resolve_member(deps.session(), claims=claims, now=deps.now())
    g.current_user = user
    if roles and user.role not in roles:
        raise Forbidden("Your role does not allow this.", code="role_forbidden")


def _read_learner(*, stamped: bool) -> tuple[Learner, Stamp | None]:
    """The caller as a ``Learner``, in one Core statement; a first sign-in (which links an
    invitation) or a refusal goes the way of every other view."""
    session, uid = deps.session(), verified_claims()["uid"]
    found = learners.read_learner(session, uid=uid, stamped=stamped)
    if found is not None:
        return found
    user = membership.resolve_member(session, claims=verified_claims(), now=deps.now())
    g.current_user = user
    return learners.learner_of(session, user), None


def with_learner(run: Callable[[Learner, Stamp | None], T]) -> T:
    """``run(learner, stamp)`` for the caller of a view authenticated with ``kept``: a
    kept learner with the stamp ``run`` checks in its own read (raising ``StaleMember``
    when it no longer holds), else the learner read for this request (and kept, with the
    stamp of the rows it came from). A stale one is forgotten and read again: an
    erasure, new settings, time zone or weights count from the next request."""
    members = deps.kept_members()
    kept = g.pop("kept_learner", None)
    if kept is not None:
        g.learner = kept[0]
        try:
            return run(*kept)
        except StaleMember:
            members.forget(kept[0].firebase_uid)
            learner, stamp = _read_learner(stamped=members.enabled)
    else:
        learner, stamp = g.pop("read_learner")
    g.learner = learner
    if stamp is not None:
        members.keep(learner, stamp, deps.now())
    return run(learner, None)


def current_user() -> User:
    user = g.get("current_user")
    if user is None:
        raise RuntimeError("current_user() outside an authenticated view")
    return user
