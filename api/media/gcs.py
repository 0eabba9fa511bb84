"""Media in a Google Cloud Storage bucket (Firebase Storage is one), through
google-cloud-storage; tested against gcp-storage-emulator via ``STORAGE_EMULATOR_HOST``.

Same keys as the local store. What differs is who moves the bytes: phones download from
the bucket by V4 signed URLs (the API checks its own signed URL, then redirects to one of
the bucket's for a few minutes), and admins upload straight to it by a signed PUT URL, so
large files never pass through a web worker. Signing needs a service account's key: the
file ``BITEWISE_MEDIA_CREDENTIALS`` names (or ``GOOGLE_APPLICATION_CREDENTIALS``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

from google.api_core.exceptions import NotFound, PreconditionFailed
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.oauth2 import service_account

INCOMING = "incoming/"  # uploads land here, then become content-addressed keys
REDIRECT_LIFETIME = dt.timedelta(minutes=15)


class GcsStore:
    def __init__(
        self,
        bucket: str,
        *,
        credentials_file: str,
        emulator_host: str | None = None,
    ) -> None:
        self.signer = service_account.Credentials.from_service_account_file(credentials_file)
        if emulator_host:
            endpoint = emulator_host if "://" in emulator_host else f"http://{emulator_host}"
            # Named here, not only through the environment: a test or a local run must
            # never reach storage.googleapis.com by a variable that went missing.
            self.client = storage.Client(
                project=self.signer.project_id or "emulator",
                credentials=AnonymousCredentials(),
                client_options={"api_endpoint": endpoint},
            )
            self.endpoint: str | None = endpoint
        else:
            self.client = storage.Client(project=self.signer.project_id, credentials=self.signer)
            self.endpoint = None
        self.bucket = self.client.bucket(bucket)
        self._incoming = Path(tempfile.gettempdir()) / "bitewise-media-incoming"

    @property
    def incoming(self) -> Path:
        """Local scratch space for processing (the bucket is not a file system)."""
        self._incoming.mkdir(parents=True, exist_ok=True)
        return self._incoming

    def put(self, key: str, source: Path, content_type: str) -> None:
        # Content-addressed: a key that exists holds these bytes already.
        with contextlib.suppress(PreconditionFailed):
            self.bucket.blob(key).upload_from_filename(
                str(source), content_type=content_type, if_generation_match=0
            )

    def exists(self, key: str) -> bool:
        return bool(self.bucket.blob(key).exists())

    def modified(self, key: str) -> dt.datetime:
        blob = self.bucket.blob(key)
        blob.reload()
        assert blob.updated is not None
        return blob.updated

    def size(self, key: str) -> int | None:
        blob = self.bucket.blob(key)
        try:
            blob.reload()
        except NotFound:
            return None
        return blob.size

    def fetch(self, key: str, target: Path) -> None:
        self.bucket.blob(key).download_to_filename(str(target))

    def delete(self, key: str) -> None:
        with contextlib.suppress(NotFound):
            self.bucket.blob(key).delete()

    def delete_prefix(self, prefix: str) -> int:
        gone = 0
        for key in list(self.keys(prefix)):
            self.delete(key)
            gone += 1
        return gone

    def keys(self, prefix: str = "") -> Iterator[str]:
        for blob in self.client.list_blobs(self.bucket, prefix=prefix):
            yield blob.name

    def drop_stale_incoming(self, before: dt.datetime) -> int:
        gone = 0
        for blob in self.client.list_blobs(self.bucket, prefix=INCOMING):
            if blob.updated is not None and blob.updated < before:
                self.delete(blob.name)
                gone += 1
        return gone

    def signed_get(self, key: str, content_type: str) -> str:
        return self._sign(key, "GET", REDIRECT_LIFETIME, response_type=content_type)

    def signed_put(self, key: str, lifetime: dt.timedelta) -> str:
        return self._sign(key, "PUT", lifetime, content_type="application/octet-stream")

    def _sign(
        self,
        key: str,
        method: str,
        lifetime: dt.timedelta,
        *,
        content_type: str | None = None,
        response_type: str | None = None,
    ) -> str:
        extra = {"api_access_endpoint": self.endpoint} if self.endpoint else {}
        return self.bucket.blob(key).generate_signed_url(
            version="v4",
            expiration=lifetime,
            method=method,
            credentials=self.signer,
            content_type=content_type,
            response_type=response_type,
            **extra,
        )
