"""Media on a Google Cloud Storage bucket, against gcp-storage-emulator on 127.0.0.1:
uploads go straight to the bucket by signed URL, phones are redirected to the bucket's
signed URLs, and the same checks, scoping and lifecycle hold."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from gcp_storage_emulator.server import create_server
from PIL import Image
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from api import create_app
from api.config import Config
from api.services import media_lifecycle
from tests.conftest import auth
from tests.factories import UserFactory
from tests.live import free_port
from tests.media import samples

BUCKET = "bitewise-media-test"


@pytest.fixture
def emulator() -> Iterator[str]:
    """An empty bucket for each test (tests reuse organization ids)."""
    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=BUCKET)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def signer(tmp_path: Path) -> Path:
    """A throwaway service account key: it signs URLs locally, nothing is ever sent."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "media-sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "bitewise-test",
                "client_email": "media@bitewise-test.iam.gserviceaccount.com",
                "private_key": pem,
                "token_uri": "http://127.0.0.1:1/token",
            }
        )
    )
    return path


@pytest.fixture
def gcs_app(
    config: Config, connection: Connection, clock, db: Session, emulator: str, signer: Path
) -> Flask:
    from dataclasses import replace

    bucketed = replace(
        config,
        media_bucket=BUCKET,
        media_credentials=str(signer),
        storage_emulator_host=emulator,
    )
    return create_app(bucketed, bind=connection, clock=clock)


@pytest.fixture
def gcs(gcs_app: Flask) -> FlaskClient:
    return gcs_app.test_client()


@pytest.fixture
def admin(db: Session):
    return UserFactory(admin=True)


def http(url: str, *, data: bytes | None = None, method: str = "GET", **headers) -> tuple:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def upload_to_bucket(client: FlaskClient, admin, data: bytes, **texts):
    address = client.post(
        "/media/uploads", json={"size_bytes": len(data), **texts}, headers=auth(admin)
    ).get_json()
    assert address["upload_url"].startswith("http://127.0.0.1:")  # the bucket, not the API
    status, _, _ = http(
        address["upload_url"],
        data=data,
        method="PUT",
        **{"Content-Type": "application/octet-stream"},
    )
    assert status == 200
    return client.post(address["complete_url"], headers=auth(admin))


def bucket_keys(app: Flask) -> list[str]:
    return sorted(app.extensions["bitewise.media"].keys())


def test_an_image_goes_to_the_bucket_and_phones_get_it_from_there(
    gcs: FlaskClient, gcs_app: Flask, admin
) -> None:
    data = samples.photo(1400, 1000)
    answer = upload_to_bucket(gcs, admin, data, alt_text="A red square.")
    assert answer.status_code == 201, answer.get_json()
    asset = answer.get_json()
    keys = bucket_keys(gcs_app)
    assert not [k for k in keys if k.startswith("incoming/")]  # the upload was moved
    assert f"{admin.organization_id}/{asset['sha256']}/original" in keys
    rendition = next(r for r in asset["renditions"] if r["name"] == "w640.webp")
    redirected = gcs.get(rendition["url"])
    assert redirected.status_code == 302
    location = redirected.headers["Location"]
    assert "X-Goog-Signature=" in location and location.startswith("http://127.0.0.1:")
    status, body, _ = http(location)
    assert status == 200 and len(body) == rendition["size_bytes"]
    image = Image.open(io.BytesIO(body))
    assert image.size == (640, 457) and not image.getexif()
    status, part, _ = http(location, Range="bytes=0-99")
    assert status == 206 and part == body[:100]
    again = gcs.post(
        f"/media/uploads/{answer.request.path.split('/')[3]}/complete", headers=auth(admin)
    )
    assert again.status_code == 200 and again.get_json()["id"] == asset["id"]


def test_a_bad_file_in_the_bucket_is_refused_and_removed(
    gcs: FlaskClient, gcs_app: Flask, admin
) -> None:
    photo = samples.photo(300, 200, gps=False)
    answer = upload_to_bucket(gcs, admin, photo + b"PK\x05\x06" + b"\x00" * 18)
    assert answer.status_code == 422 and answer.get_json()["error"] == "media_polyglot"
    assert bucket_keys(gcs_app) == []


def test_completing_before_the_bytes_arrived_is_a_conflict(gcs: FlaskClient, admin) -> None:
    address = gcs.post("/media/uploads", json={"size_bytes": 10}, headers=auth(admin)).get_json()
    early = gcs.post(address["complete_url"], headers=auth(admin))
    assert early.status_code == 409 and early.get_json()["error"] == "upload_incomplete"
    stranger = UserFactory(admin=True)
    assert gcs.post(address["complete_url"], headers=auth(stranger)).status_code == 404


def test_the_api_url_of_another_organizations_file_gets_no_redirect(
    gcs: FlaskClient, admin
) -> None:
    asset = upload_to_bucket(
        gcs, admin, samples.photo(300, 200, gps=False), alt_text="x"
    ).get_json()
    url = asset["renditions"][0]["url"]
    stranger = UserFactory(admin=True)
    forged = url.replace(f"/files/{admin.organization_id}/", f"/files/{stranger.organization_id}/")
    assert gcs.get(forged).status_code == 404
    assert gcs.get(url.split("?")[0]).status_code == 404


def test_gc_and_purge_work_on_the_bucket(
    gcs: FlaskClient, gcs_app: Flask, admin, db: Session, clock
) -> None:
    import datetime as dt

    upload_to_bucket(gcs, admin, samples.photo(300, 200, gps=False), alt_text="x")
    store = gcs_app.extensions["bitewise.media"]
    clock.advance(dt.timedelta(days=8))
    collected = media_lifecycle.collect(db, store, now=clock.now())
    assert collected.assets == 1 and bucket_keys(gcs_app) == []
    upload_to_bucket(gcs, admin, samples.photo(310, 200, gps=False), alt_text="x")
    purged = media_lifecycle.purge_organization(db, store, admin.organization_id)
    assert purged.assets == 1 and bucket_keys(gcs_app) == []


def test_bytes_in_the_bucket_must_be_what_was_announced(
    gcs: FlaskClient, gcs_app: Flask, admin
) -> None:
    data = samples.photo(300, 200, gps=False)
    address = gcs.post(
        "/media/uploads", json={"size_bytes": len(data) + 10, "alt_text": "x"}, headers=auth(admin)
    ).get_json()
    status, _, _ = http(
        address["upload_url"],
        data=data,
        method="PUT",
        **{"Content-Type": "application/octet-stream"},
    )
    assert status == 200
    answer = gcs.post(address["complete_url"], headers=auth(admin))
    assert answer.status_code == 422 and answer.get_json()["error"] == "media_size_mismatch"
    assert bucket_keys(gcs_app) == []
