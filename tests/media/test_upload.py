"""Uploading media: what the bytes are decides, bad files store nothing, phones get
renditions without camera metadata, by signed URLs another organization cannot use."""

from __future__ import annotations

import hashlib
import io
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import MediaAsset
from tests.conftest import auth
from tests.factories import UserFactory
from tests.media import samples


@pytest.fixture
def admin(db: Session):
    return UserFactory(admin=True)


def begin(client: FlaskClient, admin, size: int, **texts) -> dict:
    response = client.post(
        "/media/uploads", json={"size_bytes": size, **texts}, headers=auth(admin)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def upload(client: FlaskClient, admin, data: bytes, **texts):
    address = begin(client, admin, len(data), **texts)
    return client.put(
        address["upload_url"],
        data=data,
        headers={**auth(admin), "Content-Type": "application/octet-stream"},
    )


def stored_files(config) -> list[Path]:
    root = Path(config.media_dir)
    return [p for p in root.rglob("*") if p.is_file() and ".incoming" not in p.parts]


def fetch(client: FlaskClient, url: str, **headers):
    return client.get(url, headers=headers, buffered=True)


def test_a_photo_becomes_renditions_without_its_camera_metadata(
    client: FlaskClient, admin, config
) -> None:
    data = samples.photo(1600, 1200)
    assert b"PhoneMaker" in data  # the upload carries EXIF with GPS
    response = upload(client, admin, data, alt_text="A red square on a grey gradient.")
    assert response.status_code == 201, response.get_json()
    asset = response.get_json()
    assert asset["kind"] == "image" and asset["content_type"] == "image/jpeg"
    assert (asset["width"], asset["height"]) == (1600, 1200)
    assert asset["placeholder"] and len(asset["placeholder"]) < 40
    assert asset["url"] is None  # the original is never served
    names = sorted(r["name"] for r in asset["renditions"])
    assert names == sorted(f"w{w}.{e}" for w in (320, 640, 1280) for e in ("webp", "jpg"))
    for rendition in asset["renditions"]:
        served = fetch(client, rendition["url"])
        assert served.status_code == 200
        assert served.mimetype == rendition["content_type"]
        image = Image.open(io.BytesIO(served.data))
        assert image.size == (rendition["width"], rendition["height"])
        assert not image.getexif() and b"PhoneMaker" not in served.data
        assert "exif" not in image.info and "icc_profile" not in image.info


def test_a_portrait_photo_says_portrait(client: FlaskClient, admin) -> None:
    """Phones store portrait photos on their side with an orientation flag: the sizes the
    app lays out with must be the upright ones, as the renditions are."""
    image = Image.linear_gradient("L").resize((1600, 1000)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees to show
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    asset = upload(client, admin, out.getvalue(), alt_text="A gradient.").get_json()
    assert (asset["width"], asset["height"]) == (1000, 1600)
    widest = max(asset["renditions"], key=lambda r: r["width"])
    assert (widest["width"], widest["height"]) == (1000, 1600)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_taken(client: FlaskClient, admin, fmt: str) -> None:
    response = upload(client, admin, samples.photo(400, 300, fmt=fmt, gps=False))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content_type"] == f"image/{fmt.lower()}"
    # Narrower than every width: one rendition at its own width, in both formats.
    assert {r["width"] for r in response.get_json()["renditions"]} == {320, 400}


def test_the_same_file_twice_is_stored_once(client: FlaskClient, admin, config, db) -> None:
    data = samples.photo(800, 600, gps=False)
    first = upload(client, admin, data)
    files = stored_files(config)
    again = upload(client, admin, data)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert stored_files(config) == files
    sha = hashlib.sha256(data).hexdigest()
    original = Path(config.media_dir) / str(admin.organization_id) / sha / "original"
    assert original.read_bytes() == data


def test_audio_and_video_keep_their_file_and_say_how_long(
    client: FlaskClient, admin, tmp_path: Path
) -> None:
    for data, kind, content_type in (
        (samples.m4a(tmp_path, 1.0), "audio", "audio/mp4"),
        (samples.mp3(tmp_path, 1.0), "audio", "audio/mpeg"),
        (samples.mp4(tmp_path, 2.0), "video", "video/mp4"),
    ):
        response = upload(client, admin, data, transcript="A tone.")
        assert response.status_code == 201, response.get_json()
        asset = response.get_json()
        assert (asset["kind"], asset["content_type"]) == (kind, content_type)
        assert 900 <= asset["duration_ms"] <= 2200
        served = fetch(client, asset["url"])
        assert served.status_code == 200 and served.data == data
        if kind == "video":
            [poster] = asset["renditions"]
            assert poster["name"] == "poster.jpg" and asset["placeholder"]
            assert (asset["width"], asset["height"]) == (320, 240)
            assert fetch(client, poster["url"]).mimetype == "image/jpeg"


def test_range_requests_and_etags_work_on_the_local_store(
    client: FlaskClient, admin, tmp_path: Path
) -> None:
    data = samples.mp4(tmp_path, 2.0)
    asset = upload(client, admin, data, transcript="A test card.").get_json()
    part = fetch(client, asset["url"], Range="bytes=100-199")
    assert part.status_code == 206 and part.data == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    whole = fetch(client, asset["url"])
    etag = whole.headers["ETag"]
    assert not etag.startswith("W/")  # strong: phones resume downloads with it
    assert "immutable" in whole.headers["Cache-Control"]
    assert fetch(client, asset["url"], **{"If-None-Match": etag}).status_code == 304


def _png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG that claim width x height pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
        )

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


BAD_FILES = {
    "text as .jpg": (b"just some text, named photo.jpg" * 10, "media_unsupported"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "media_unsupported"),
    "truncated jpeg": (None, "media_corrupt"),
    "decompression bomb": (_png_claiming(100_000, 100_000), "media_decompression_bomb"),
    "jpeg + zip polyglot": (None, "media_polyglot"),
    "jpeg with html inside": (None, "media_polyglot"),
    "gif": (b"GIF89a" + b"\x00" * 100, "media_unsupported"),
}  # fmt: skip


def _bad(name: str) -> bytes:
    photo = samples.photo(600, 400, gps=False)
    if name == "truncated jpeg":
        return photo[: len(photo) // 2]
    if name == "jpeg + zip polyglot":
        archive = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("index.html", "<p>hello</p>")
        return photo + archive.getvalue()
    if name == "jpeg with html inside":
        return photo[:2] + b"\xff\xfe\x00\x20<html><script>alert(1)</script>" + photo[2:]
    data, _ = BAD_FILES[name]
    assert data is not None
    return data


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_files_get_a_clear_error_and_nothing_is_stored(
    client: FlaskClient, admin, config, db: Session, name: str
) -> None:
    response = upload(client, admin, _bad(name), alt_text="x")
    body = response.get_json()
    assert response.status_code in (413, 422), body
    assert body["error"] == BAD_FILES[name][1] and body["message"]
    assert stored_files(config) == []
    assert db.scalar(select(func.count()).select_from(MediaAsset)) == 0


def test_a_video_mislabelled_as_an_image_is_judged_by_its_bytes(
    client: FlaskClient, admin, tmp_path: Path
) -> None:
    data = samples.mp4(tmp_path, 1.0)
    response = upload(client, admin, data, filename="holiday.jpg", transcript="Bars.")
    assert response.status_code == 201 and response.get_json()["kind"] == "video"


def test_sizes_are_limited_per_kind_and_must_match(client: FlaskClient, admin, config) -> None:
    too_big = client.post("/media/uploads", json={"size_bytes": 10 * 1024**3}, headers=auth(admin))
    assert too_big.status_code == 413 and too_big.get_json()["error"] == "media_too_large"
    data = samples.photo(300, 200, gps=False)
    address = begin(client, admin, len(data) + 10)
    short = client.put(address["upload_url"], data=data, headers=auth(admin))
    assert short.status_code == 422 and short.get_json()["error"] == "media_size_mismatch"
    assert stored_files(config) == []


def test_another_organization_can_neither_upload_to_nor_read_our_media(
    client: FlaskClient, admin, db: Session
) -> None:
    data = samples.photo(400, 300, gps=False)
    address = begin(client, admin, len(data))
    stranger = UserFactory(admin=True)  # another organization
    colleague_learner = UserFactory(organization=admin.organization)
    assert client.put(address["upload_url"], data=data, headers=auth(stranger)).status_code == 404
    assert (
        client.put(address["upload_url"], data=data, headers=auth(colleague_learner)).status_code
        == 403
    )
    asset = client.put(address["upload_url"], data=data, headers=auth(admin)).get_json()
    assert client.get(f"/media/{asset['id']}", headers=auth(stranger)).status_code == 404
    url = asset["renditions"][0]["url"]
    assert fetch(client, url).status_code == 200
    # The same file in the stranger's organization: its URL is not ours, nor ours theirs.
    theirs = upload(client, stranger, data).get_json()
    assert theirs["id"] != asset["id"]
    path, query = urlsplit(url).path, parse_qs(urlsplit(url).query)
    other_org = path.replace(
        f"/files/{admin.organization_id}/", f"/files/{stranger.organization_id}/"
    )
    forged = f"{other_org}?expires={query['expires'][0]}&signature={query['signature'][0]}"
    assert fetch(client, forged).status_code == 404
    unsigned = path
    assert fetch(client, unsigned).status_code == 404
    for junk in ("é" * 64, "zz", "", "0" * 64):
        odd = f"{path}?expires={query['expires'][0]}&signature={junk}"
        assert fetch(client, odd).status_code == 404
    assert (
        fetch(client, f"{path}?expires=1e9999&signature={query['signature'][0]}").status_code == 404
    )
    original = path.rsplit("/", 1)[0] + "/original"
    tampered = f"{original}?expires={query['expires'][0]}&signature={query['signature'][0]}"
    assert fetch(client, tampered).status_code == 404


def test_urls_expire(client: FlaskClient, admin, clock) -> None:
    import datetime as dt

    asset = upload(client, admin, samples.photo(400, 300, gps=False), alt_text="x").get_json()
    url = asset["renditions"][0]["url"]
    assert fetch(client, url).status_code == 200
    clock.advance(dt.timedelta(days=2, minutes=1))
    assert fetch(client, url).status_code == 404
    fresh = client.get(f"/media/{asset['id']}", headers=auth(admin)).get_json()
    assert fetch(client, fresh["renditions"][0]["url"]).status_code == 200
