"""Keyed pseudonyms: how a person is named where their name must not be."""

from __future__ import annotations

import hashlib
import hmac

from api.models import Organization


def pseudonym(organization: Organization, user_id: int) -> str:
    """The name a person has in this organization's xAPI export: stable, unguessable
    without the organization's key, unrelated to their id or their name elsewhere."""
    key = organization.pseudonym_key.encode()
    return hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]
