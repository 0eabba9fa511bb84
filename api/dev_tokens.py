"""Unsigned ID tokens in the Firebase Auth emulator's format, for development and tests.

firebase-admin accepts them only while FIREBASE_AUTH_EMULATOR_HOST is set, which the
app refuses in production.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def emulator_id_token(
    *,
    project_id: str,
    uid: str,
    email: str | None = None,
    email_verified: bool = True,
    name: str | None = None,
    issued_at: dt.datetime | None = None,
    lifetime: dt.timedelta = dt.timedelta(hours=1),
) -> str:
    issued = int((issued_at or dt.datetime.now(dt.UTC)).timestamp())
    claims: dict[str, Any] = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": project_id,
        "sub": uid,
        "user_id": uid,
        "auth_time": issued,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
        "firebase": {"sign_in_provider": "password", "identities": {}},
    }
    if email is not None:
        claims["email"] = email
        claims["email_verified"] = email_verified
    if name is not None:
        claims["name"] = name
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
