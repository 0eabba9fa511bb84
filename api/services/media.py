"""Uploading media: an upload address, the bytes streamed to it, and an asset made from
them once they prove to be what we take.

An admin asks for an upload (``begin_upload``: the size, a file name, the alt text or
transcript) and gets an address valid for an hour; the bytes go there in one PUT, which
streams them to disk in chunks while hashing (a web worker never holds the file), then
checks what they are (``api.media.inspect``), makes the renditions and stores everything
under the organization's prefix. Nothing is stored from a file that fails a check. The
same file twice is the same asset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import tempfile
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.config import Config
from api.errors import Conflict, Invalid, NotFound, TooLarge
from api.media import delivery, renditions
from api.media.gcs import INCOMING, GcsStore
from api.media.inspect import inspect, sniff
from api.media.store import MediaStore
from api.models import MediaAsset, MediaKind, MediaUpload, User
from api.services._query import paginate

UPLOAD_TTL = dt.timedelta(hours=1)
CHUNK = 1024 * 1024
# Per admin: uploads begun in a day, and bytes (abuse, or a script gone round in circles).
UPLOADS_PER_DAY = 200
BYTES_PER_DAY = 5 * 1024**3


def limits(config: Config) -> dict[MediaKind, int]:
    mb = 1024 * 1024
    return {
        MediaKind.IMAGE: config.media_max_image_mb * mb,
        MediaKind.AUDIO: config.media_max_audio_mb * mb,
        MediaKind.VIDEO: config.media_max_video_mb * mb,
    }


def begin_upload(
    session: Session, *, actor: User, data: dict[str, Any], config: Config, now: dt.datetime
) -> MediaUpload:
    size = data["size_bytes"]
    largest = max(limits(config).values())
    if size > largest:
        raise TooLarge(
            f"{size:,} bytes is more than any media file may have ({largest:,}).",
            code="media_too_large",
        )
    day = now - dt.timedelta(days=1)
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(MediaUpload.size_bytes), 0)).where(
            MediaUpload.created_by_id == actor.id, MediaUpload.created_at >= day
        )
    ).one()
    if count >= UPLOADS_PER_DAY or total + size > BYTES_PER_DAY:
        raise TooLarge(
            f"You have uploaded {count} files ({total:,} bytes) in the last 24 hours; at most "
            f"{UPLOADS_PER_DAY} files and {BYTES_PER_DAY:,} bytes a day.",
            code="media_too_large",
        )
    upload = MediaUpload(
        organization_id=actor.organization_id,
        created_by_id=actor.id,
        address_key=secrets.token_urlsafe(32),
        size_bytes=size,
        filename=data.get("filename", ""),
        alt_text=data.get("alt_text", ""),
        transcript=data.get("transcript", ""),
        created_at=now,
        expires_at=now + UPLOAD_TTL,
    )
    session.add(upload)
    session.commit()
    return upload


def _upload_of(session: Session, actor: User, token: str) -> MediaUpload:
    upload = session.scalar(
        select(MediaUpload).where(
            MediaUpload.address_key == token,
            MediaUpload.organization_id == actor.organization_id,
        )
    )
    if upload is None or upload.created_by_id != actor.id:
        raise NotFound("No upload of yours has this address.")
    return upload


def receive(
    session: Session,
    *,
    actor: User,
    token: str,
    body: IO[bytes],
    store: MediaStore,
    config: Config,
    now: dt.datetime,
) -> tuple[MediaAsset, bool]:
    """Take the upload's bytes (sent to the API) and make the asset; (asset, created)."""
    upload = _upload_of(session, actor, token)
    if upload.asset_id is not None:
        return _asset_of(session, upload), False  # a retried PUT: the same answer
    if now >= upload.expires_at:
        raise Conflict("This upload address has expired; ask for a new one.", code="upload_expired")
    with _received(body, upload.size_bytes, store, config) as (path, sha256):
        return _finish(session, upload, path, sha256, store, config, now)


def complete(
    session: Session,
    *,
    actor: User,
    token: str,
    store: MediaStore,
    config: Config,
    now: dt.datetime,
) -> tuple[MediaAsset, bool]:
    """The bytes went straight to the bucket: fetch them (to disk), check and make the
    asset. With the local store the PUT did all this; then it answers the same."""
    upload = _upload_of(session, actor, token)
    if upload.asset_id is not None:
        return _asset_of(session, upload), False
    staged = f"{INCOMING}{upload.address_key}"
    if not isinstance(store, GcsStore) or store.size(staged) is None:
        raise Conflict(
            "Nothing has arrived at this upload's address yet: PUT the file first.",
            code="upload_incomplete",
        )
    try:
        with tempfile.NamedTemporaryFile(dir=store.incoming) as local:
            path = Path(local.name)
            store.fetch(staged, path)  # streamed to disk, then hashed where it lies
            digest = hashlib.sha256()
            with path.open("rb") as file:
                while chunk := file.read(CHUNK):
                    digest.update(chunk)
            if (arrived := path.stat().st_size) != upload.size_bytes:
                raise _size_mismatch(upload.size_bytes, arrived)
            return _finish(session, upload, path, digest.hexdigest(), store, config, now)
    finally:
        # Made into an asset, or refused: either way nothing stays at the upload address.
        store.delete(staged)


def _asset_of(session: Session, upload: MediaUpload) -> MediaAsset:
    asset = session.get(MediaAsset, upload.asset_id)
    assert asset is not None
    return asset


def _finish(
    session: Session,
    upload: MediaUpload,
    path: Path,
    sha256: str,
    store: MediaStore,
    config: Config,
    now: dt.datetime,
) -> tuple[MediaAsset, bool]:
    asset = session.scalar(
        select(MediaAsset).where(
            MediaAsset.organization_id == upload.organization_id, MediaAsset.sha256 == sha256
        )
    )
    created = asset is None
    if asset is None:
        asset = _make_asset(session, upload, path, sha256, store, config, now)
    upload.received_at, upload.asset_id = now, asset.id
    session.commit()
    return asset, created


def _size_mismatch(announced: int, arrived: int) -> Invalid:
    return Invalid(
        f"The upload announced {announced:,} bytes and {arrived:,} arrived.",
        code="media_size_mismatch",
    )


class _received:
    """The request body on disk (in the store's file system), with its SHA-256; removed
    on leaving. Exactly the announced size, or nothing."""

    def __init__(
        self, body: IO[bytes], size: int, store: MediaStore, config: Config | None = None
    ) -> None:
        self.body, self.size, self.store, self.config = body, size, store, config
        self.path: Path | None = None

    def __enter__(self) -> tuple[Path, str]:
        digest = hashlib.sha256()
        with tempfile.NamedTemporaryFile(dir=self.store.incoming, delete=False) as file:
            self.path = Path(file.name)
            received = 0
            while chunk := self.body.read(CHUNK):
                if received == 0 and self.config is not None:
                    self._refuse_early(chunk)
                received += len(chunk)
                if received > self.size:
                    break
                digest.update(chunk)
                file.write(chunk)
        if received != self.size:
            self.path.unlink(missing_ok=True)
            raise _size_mismatch(self.size, received)
        return self.path, digest.hexdigest()

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def _refuse_early(self, head: bytes) -> None:
        """The first bytes say the kind: a file announced larger than its kind may be is
        refused before the rest is read (not after 250 MB of an "image")."""
        assert self.config is not None
        kind = _KINDS.get((sniff(head) or "").split("/")[0])
        limit = limits(self.config)[kind] if kind is not None else None
        if limit is not None and self.size > limit:
            if self.path is not None:
                self.path.unlink(missing_ok=True)
            raise TooLarge(
                f"A {kind} may have at most {limit:,} bytes; this one has {self.size:,}.",
                code="media_too_large",
            )


# A sniffed content type's first part; MP4 counts as video until its streams say.
_KINDS = {"image": MediaKind.IMAGE, "audio": MediaKind.AUDIO, "video": MediaKind.VIDEO}


def _make_asset(
    session: Session,
    upload: MediaUpload,
    path: Path,
    sha256: str,
    store: MediaStore,
    config: Config,
    now: dt.datetime,
) -> MediaAsset:
    found = inspect(path, max_pixels=config.media_max_pixels)
    limit = limits(config)[found.kind]
    if upload.size_bytes > limit:
        raise TooLarge(
            f"A {found.kind} may have at most {limit:,} bytes; this one has {upload.size_bytes:,}.",
            code="media_too_large",
        )
    key = f"{upload.organization_id}/{sha256}"  # + "/original", "/w640.webp", ...
    with tempfile.TemporaryDirectory(dir=store.incoming) as work:
        made: list[renditions.Rendition] = []
        placeholder = None
        if found.kind is MediaKind.IMAGE:
            made, placeholder = renditions.image_renditions(path, Path(work))
        elif found.kind is MediaKind.VIDEO:
            poster, placeholder = renditions.video_poster(path, Path(work), found.duration_ms or 0)
            made = [poster]
        # Renditions first, the original last: an original present means a whole asset.
        for rendition in made:
            store.put(f"{key}/{rendition.name}", rendition.path, rendition.content_type)
        store.put(f"{key}/{delivery.ORIGINAL}", path, found.content_type)
        described = [rendition.describe() for rendition in made]
    asset = MediaAsset(
        organization_id=upload.organization_id,
        sha256=sha256,
        kind=found.kind,
        content_type=found.content_type,
        size_bytes=upload.size_bytes,
        width=found.width,
        height=found.height,
        duration_ms=found.duration_ms,
        placeholder=placeholder,
        renditions=described,
        alt_text=upload.alt_text if found.kind is MediaKind.IMAGE else "",
        transcript=upload.transcript if found.kind is not MediaKind.IMAGE else "",
        filename=upload.filename,
        created_at=now,
        created_by_id=upload.created_by_id,
    )
    session.add(asset)
    session.flush()
    return asset


# --- reading and describing --------------------------------------------------------------


def get_asset(session: Session, *, actor: User, asset_id: int) -> MediaAsset:
    asset = session.get(MediaAsset, asset_id)
    if asset is None or asset.organization_id != actor.organization_id:
        raise NotFound("No media of your organization has this id.")
    return asset


def list_assets(
    session: Session, *, actor: User, page: int, page_size: int
) -> tuple[list[MediaAsset], int]:
    stmt = (
        select(MediaAsset)
        .where(MediaAsset.organization_id == actor.organization_id)
        .order_by(MediaAsset.id.desc())
    )
    return paginate(session, stmt, page=page, page_size=page_size)


def update_texts(
    session: Session, *, actor: User, asset_id: int, changes: dict[str, str]
) -> MediaAsset:
    asset = get_asset(session, actor=actor, asset_id=asset_id)
    blank = [field for field, text in changes.items() if not text.strip()]
    if blank:
        # Content that uses the file may be published: its text must not go blank.
        message = "Give the text; to replace it, send the new one."
        raise Invalid(message, errors={"json": {field: [message] for field in blank}})
    if "alt_text" in changes:
        asset.alt_text = changes["alt_text"]
    if "transcript" in changes:
        asset.transcript = changes["transcript"]
    session.commit()
    return asset


def missing_text(asset: MediaAsset) -> str | None:
    """Why this asset may not be published yet (WCAG), or None."""
    if asset.kind is MediaKind.IMAGE and not asset.alt_text.strip():
        return f"image {asset.id} has no alt text"
    if asset.kind is not MediaKind.IMAGE and not asset.transcript.strip():
        return f"{asset.kind} {asset.id} has no transcript or captions"
    return None


def asset_by_hash(session: Session, *, organization_id: int, sha256: str) -> MediaAsset | None:
    return session.scalar(
        select(MediaAsset).where(
            MediaAsset.organization_id == organization_id, MediaAsset.sha256 == sha256
        )
    )
