from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.models import MediaKind
from api.resources.common import UtcDateTime

SHA = "9f2c1a7e" * 8


class UploadInSchema(ma.Schema):
    size_bytes = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=2**40),
        metadata={"description": "The file's exact size; the PUT must send exactly this."},
    )
    filename = ma.fields.String(validate=validate.Length(max=200), load_default="")
    alt_text = ma.fields.String(
        validate=validate.Length(max=1000),
        load_default="",
        metadata={"description": "For an image: what it shows, for people who cannot see it."},
    )
    transcript = ma.fields.String(
        validate=validate.Length(max=50_000),
        load_default="",
        metadata={"description": "For audio and video: what is said (and shown)."},
    )


class UploadSchema(ma.Schema):
    id = ma.fields.Integer()
    upload_url = ma.fields.String(
        metadata={"description": "PUT the file's bytes here (application/octet-stream)."}
    )
    complete_url = ma.fields.String(
        metadata={"description": "POST here after the PUT to get the media file."}
    )
    method = ma.fields.String(metadata={"description": "Always PUT."})
    size_bytes = ma.fields.Integer()
    expires_at = UtcDateTime()


class RenditionSchema(ma.Schema):
    name = ma.fields.String()
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    content_type = ma.fields.String()
    size_bytes = ma.fields.Integer()
    sha256 = ma.fields.String()
    url = ma.fields.String(metadata={"description": "Signed; valid until expires_at."})


class MediaSchema(ma.Schema):
    id = ma.fields.Integer()
    sha256 = ma.fields.String(metadata={"description": "Of the uploaded file."})
    kind = ma.fields.Enum(MediaKind, by_value=True)
    content_type = ma.fields.String(metadata={"description": "Sniffed from the bytes."})
    size_bytes = ma.fields.Integer()
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)
    duration_ms = ma.fields.Integer(allow_none=True)
    placeholder = ma.fields.String(
        allow_none=True,
        metadata={"description": "ThumbHash (base64) to show while the image loads."},
    )
    alt_text = ma.fields.String()
    transcript = ma.fields.String()
    renditions = ma.fields.List(
        ma.fields.Nested(RenditionSchema),
        metadata={"description": "Images: widths in WebP and JPEG. Video: its poster."},
    )
    url = ma.fields.String(
        allow_none=True,
        metadata={"description": "Audio and video: the file itself (Range requests work)."},
    )
    expires_at = UtcDateTime(metadata={"description": "When the URLs stop working."})


class MediaPatchSchema(ma.Schema):
    alt_text = ma.fields.String(validate=validate.Length(1, 1000))
    transcript = ma.fields.String(validate=validate.Length(1, 50_000))


MEDIA_URL_EXAMPLE = f"/media/files/1/{SHA}/w640.webp?expires=1796083200&signature=" + "ab" * 32
UPLOAD_IN_EXAMPLE = {
    "size_bytes": 48213,
    "filename": "feedback-card.jpg",
    "alt_text": "A card with the three steps of feedback: situation, behaviour, impact.",
}
UPLOAD_KEY_EXAMPLE = "3kX9vQ2mN8pL5rT1wY6zB4cF7hJ0dG2sA9eU3iO5qW8"
UPLOAD_EXAMPLE = {
    "id": 7,
    "upload_url": f"/media/uploads/{UPLOAD_KEY_EXAMPLE}",
    "complete_url": f"/media/uploads/{UPLOAD_KEY_EXAMPLE}/complete",
    "method": "PUT",
    "size_bytes": 48213,
    "expires_at": "2026-12-01T10:00:00Z",
}
MEDIA_EXAMPLE = {
    "id": 12,
    "sha256": SHA,
    "kind": "image",
    "content_type": "image/jpeg",
    "size_bytes": 48213,
    "width": 1200,
    "height": 800,
    "duration_ms": None,
    "placeholder": "1QcSHQRnh493V4dIh4eXh1h4kJUI",
    "alt_text": "A card with the three steps of feedback: situation, behaviour, impact.",
    "transcript": "",
    "renditions": [
        {
            "name": "w640.webp",
            "width": 640,
            "height": 427,
            "content_type": "image/webp",
            "size_bytes": 21877,
            "sha256": "4b1d" * 16,
            "url": MEDIA_URL_EXAMPLE,
        }
    ],
    "url": None,
    "expires_at": "2026-12-03T00:00:00Z",
}
