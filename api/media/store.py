"""Object storage behind one small interface: the local file system (the embedded
default) or a Google Cloud Storage bucket.

Keys are ``{organization id}/{sha256}/original`` for an uploaded file and ``{organization
id}/{sha256}/{rendition}`` for what is made from it: content-addressed within an
organization, so a file uploaded twice is stored once, and one organization's keys never
name another's.
Files go in and out as files on disk, never whole in memory.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from api.config import Config
    from api.media.gcs import GcsStore


class MediaStore(Protocol):
    """What the services need of a store (``LocalStore``, ``api.media.gcs.GcsStore``)."""

    @property
    def incoming(self) -> Path:
        """A local directory for files being received or processed."""
        ...

    def put(self, key: str, source: Path, content_type: str) -> None:
        """Store the file at ``source`` under ``key`` (the same key twice: one copy)."""
        ...

    def exists(self, key: str) -> bool: ...

    def modified(self, key: str) -> dt.datetime: ...

    def fetch(self, key: str, target: Path) -> None:
        """Copy the object to a local file (for processing)."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with ``prefix``; how many went."""
        ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def drop_stale_incoming(self, before: dt.datetime) -> int: ...


class LocalStore:
    """Files under one directory; the API serves them itself (``api.media.delivery``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._incoming = root / ".incoming"  # uploads being received, same file system

    @property
    def incoming(self) -> Path:
        self._incoming.mkdir(parents=True, exist_ok=True)
        return self._incoming

    def path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            raise ValueError(f"not a media key: {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, source: Path, content_type: str) -> None:
        target = self.path(key)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f".{target.name}.{os.getpid()}")
        shutil.copyfile(source, staged)
        os.replace(staged, target)  # readers see the whole file or none

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def modified(self, key: str) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.path(key).stat().st_mtime, dt.UTC)

    def drop_stale_incoming(self, before: dt.datetime) -> int:
        """Half-received uploads of a process that died mid-upload."""
        gone = 0
        for path in self.incoming.rglob("*"):
            if path.is_file() and path.stat().st_mtime < before.timestamp():
                path.unlink(missing_ok=True)
                gone += 1
        return gone

    def fetch(self, key: str, target: Path) -> None:
        shutil.copyfile(self.path(key), target)

    def delete_prefix(self, prefix: str) -> int:
        gone = 0
        for key in list(self.keys(prefix)):
            self.path(key).unlink(missing_ok=True)
            gone += 1
        return gone

    def keys(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                key = relative.as_posix()
                if key.startswith(prefix):
                    yield key


def make_store(config: Config) -> LocalStore | GcsStore:
    """The bucket when one is configured, else the local directory."""
    if config.media_bucket:
        from api.media.gcs import GcsStore

        assert config.media_credentials is not None  # Config.check says so
        return GcsStore(
            config.media_bucket,
            credentials_file=config.media_credentials,
            emulator_host=config.storage_emulator_host,
        )
    return LocalStore(Path(config.media_dir).resolve())
