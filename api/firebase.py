"""firebase-admin, always initialised with an explicit credential and project id.

Google's default credential lookup is never used: it can stall on a metadata server
or pick up a developer's own key.
"""

from __future__ import annotations

import uuid
from typing import Any

import firebase_admin
import google.auth.credentials
from firebase_admin import credentials

from api.config import Config


class _InertGoogleCredentials(google.auth.credentials.Credentials):
    """A credential whose refresh does nothing: no token endpoint is ever called.

    Verifying ID tokens needs only Google's public certificates, not a service
    account, so development and tests run without any secret.
    """

    def __init__(self) -> None:
        super().__init__()
        self.token = "local-development"

    def refresh(self, request: Any) -> None:
        self.token = "local-development"


class InertCredential(credentials.Base):
    def get_credential(self) -> google.auth.credentials.Credentials:
        return _InertGoogleCredentials()


def init_firebase_app(config: Config) -> firebase_admin.App:
    credential: credentials.Base
    if config.google_application_credentials:
        credential = credentials.Certificate(config.google_application_credentials)
    else:
        credential = InertCredential()
    # A uniquely named app per Flask app, so that tests never share firebase-admin state.
    return firebase_admin.initialize_app(
        credential,
        {"projectId": config.firebase_project_id, "httpTimeout": 10},
        name=f"bitewise-{uuid.uuid4().hex}",
    )
