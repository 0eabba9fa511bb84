"""Addresses learners fetch media from: signed, time-limited, one organization's each.

A URL names the organization, the file's hash and the rendition, and carries an expiry
and an HMAC over all three under a key derived from the organization's own secret: it
cannot be pointed at another organization's file, or kept working past its expiry, without
the key. URLs stay the same for a whole UTC day (they expire at the end of the next), so
a phone's cache keeps hitting. The bytes are immutable (content-addressed): whoever holds a
valid URL may cache them for as long as it is valid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from urllib.parse import urlencode

from api.models import MediaAsset, MediaKind, Organization

ORIGINAL = "original"
_CONTEXT = b"bitewise media urls v1"


def _key(organization: Organization) -> bytes:
    # Derived, not the pseudonym key itself: one secret, two unrelated uses.
    return hmac.new(organization.pseudonym_key.encode(), _CONTEXT, hashlib.sha256).digest()


def expiry(now: dt.datetime) -> int:
    """The end of tomorrow (UTC), as a Unix time: 24 to 48 hours from now."""
    day = now.astimezone(dt.UTC).date() + dt.timedelta(days=2)
    return int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())


def expiry_at(now: dt.datetime) -> dt.datetime:
    return dt.datetime.fromtimestamp(expiry(now), dt.UTC)


def path_of(organization_id: int, sha256: str, name: str) -> str:
    return f"/media/files/{organization_id}/{sha256}/{name}"


def signature(organization: Organization, path: str, expires: int) -> str:
    message = f"{path}\n{expires}".encode()
    return hmac.new(_key(organization), message, hashlib.sha256).hexdigest()


def signed(organization: Organization, sha256: str, name: str, now: dt.datetime) -> str:
    path = path_of(organization.id, sha256, name)
    expires = expiry(now)
    query = urlencode({"expires": expires, "signature": signature(organization, path, expires)})
    return f"{path}?{query}"


def valid(
    organization: Organization, path: str, expires: int, given: str, now: dt.datetime
) -> bool:
    if now.timestamp() >= expires or not given.isascii():
        return False  # (compare_digest refuses non-ASCII text: a 500, not a 404)
    return hmac.compare_digest(signature(organization, path, expires), given)


def store_key(organization_id: int, sha256: str, name: str) -> str:
    return f"{organization_id}/{sha256}/{name}"


def servable(asset: MediaAsset) -> dict[str, str]:
    """What may be fetched of this asset, name -> content type: an image's renditions
    only (never the uploaded file, with its camera metadata); audio and video as
    uploaded, and a video's poster."""
    names = {r["name"]: r["content_type"] for r in asset.renditions}
    if asset.kind is not MediaKind.IMAGE:
        names[ORIGINAL] = asset.content_type
    return names


def describe(asset: MediaAsset, organization: Organization, now: dt.datetime) -> dict:
    """The asset as the app uses it: metadata, placeholder and signed URLs."""
    renditions = [
        {**r, "url": signed(organization, asset.sha256, r["name"], now)} for r in asset.renditions
    ]
    described = {
        "id": asset.id,
        "sha256": asset.sha256,
        "kind": asset.kind,
        "content_type": asset.content_type,
        "size_bytes": asset.size_bytes,
        "width": asset.width,
        "height": asset.height,
        "duration_ms": asset.duration_ms,
        "placeholder": asset.placeholder,
        "alt_text": asset.alt_text,
        "transcript": asset.transcript,
        "renditions": renditions,
        "url": None,
        "expires_at": expiry_at(now),
    }
    if asset.kind is not MediaKind.IMAGE:
        described["url"] = signed(organization, asset.sha256, ORIGINAL, now)
    return described


OFFLINE_WIDTH = 640


def offline_files(described: dict) -> list[dict]:
    """The files a phone downloads to use this asset offline (from ``describe``)."""
    if described["kind"] is MediaKind.IMAGE:
        webp = [r for r in described["renditions"] if r["content_type"] == "image/webp"]
        fitting = [r for r in webp if r["width"] <= OFFLINE_WIDTH] or webp
        chosen = [max(fitting, key=lambda r: r["width"])]
    else:
        chosen = list(described["renditions"])  # a video's poster
    files = [_pack_entry(r) for r in chosen]
    if described["kind"] is not MediaKind.IMAGE:
        files.append(
            {
                "name": ORIGINAL,
                "content_type": described["content_type"],
                "size_bytes": described["size_bytes"],
                "sha256": described["sha256"],
                "url": described["url"],
            }
        )
    return files


def _pack_entry(rendition: dict) -> dict:
    return {k: rendition[k] for k in ("name", "content_type", "size_bytes", "sha256", "url")}
