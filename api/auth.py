"""Bearer verification with firebase-admin, the current user, and role guards."""

from __future__ import annotations

from typing import Any

from firebase_admin import auth as firebase_auth
from flask import g, request

from api import deps
from api.errors import Forbidden, Unauthorized, Unavailable
from api.models import Role, User
from api.services import membership


def verified_claims() -> dict[str, Any]:
    """The claims of the request's Firebase ID token, verified once per request."""
    if "claims" in g:
        return g.claims
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "Send 'Authorization: Bearer <Firebase ID token>'.", code="missing_token"
        )
    try:
        claims = firebase_auth.verify_id_token(token.strip(), app=deps.firebase_app())
    except firebase_auth.ExpiredIdTokenError as exc:
        raise Unauthorized("The ID token has expired; refresh it.", code="token_expired") from exc
    except firebase_auth.CertificateFetchError as exc:
        raise Unavailable(
            "Could not fetch Firebase's signing keys; retry shortly.", code="auth_unavailable"
        ) from exc
    except (firebase_auth.InvalidIdTokenError, ValueError) as exc:
        raise Unauthorized(f"The ID token is not valid: {exc}", code="invalid_token") from exc
    g.claims = claims
    return claims


def authenticate(roles: tuple[Role, ...] = (), *, member: bool = True) -> None:
    """Verify the token; with ``member``, resolve the user and check the role."""
    claims = verified_claims()
    if not member:
        return
    user = membership.resolve_member(deps.session(), claims=claims, now=deps.now())
    g.current_user = user
    if roles and user.role not in roles:
        raise Forbidden("Your role does not allow this.", code="role_forbidden")


def current_user() -> User:
    user = g.get("current_user")
    if user is None:
        raise RuntimeError("current_user() outside an authenticated view")
    return user
