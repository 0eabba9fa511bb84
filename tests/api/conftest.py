"""Fixtures for tests that verify real RS256 tokens against a local key server."""

from __future__ import annotations

import pytest
from firebase_admin import _token_gen

from tests.cert_server import SigningKey, certificate_server


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey("test-key-1")


@pytest.fixture
def real_verification(monkeypatch: pytest.MonkeyPatch, signing_key: SigningKey):
    """Leave emulator mode and point firebase-admin's certificate address at 127.0.0.1."""
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST")
    with certificate_server(signing_key) as url:
        # Read when the app's auth client is first built, so set before the first request.
        monkeypatch.setattr(_token_gen, "ID_TOKEN_CERT_URI", url)
        yield
