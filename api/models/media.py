"""Media in lessons and items: images, audio and short video, stored by content.

An asset is one file an admin uploaded, once per organization and content (its SHA-256):
the same file uploaded twice is the same asset. The bytes live in object storage
(``api.media.store``) under ``{organization}/{sha256}``; images also have renditions
(widths, WebP and JPEG, metadata stripped) and every image and video a tiny placeholder.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, intpk
from api.models._types import str_enum


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"


class MediaAsset(Base):
    __tablename__ = "media_assets"
    __table_args__ = (UniqueConstraint("organization_id", "sha256"),)

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[MediaKind] = mapped_column(str_enum(MediaKind))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    # ThumbHash (base64) of the image or of the video's poster frame.
    placeholder: Mapped[str | None] = mapped_column(String(64))
    # [{"name": "w640.webp", "width", "height", "content_type", "size_bytes"}, ...]: for
    # images the renditions (the original is never served), for video the poster.
    renditions: Mapped[list[Any]] = mapped_column(default=list)
    # WCAG: images need a text alternative, audio and video a transcript or captions;
    # publishing refuses content that uses an asset without one.
    alt_text: Mapped[str] = mapped_column(Text, default="")
    transcript: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MediaUpload(Base):
    """An upload in progress: the address the bytes go to, until it expires."""

    __tablename__ = "media_uploads"

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Unguessable: the upload address is a capability, like a signed bucket URL.
    address_key: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(200), default="")
    alt_text: Mapped[str] = mapped_column(Text, default="")
    transcript: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id"))
