"""An attacker's probes of the media endpoints (a helper's run against bin/run found each
of these a 500, a leak or a file taken that should not have been)."""

from __future__ import annotations

import copy
import io
import subprocess
import zlib
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from api.resources.modules.schemas import MODULE_CREATE_EXAMPLE
from tests.conftest import auth
from tests.factories import UserFactory
from tests.media import samples
from tests.media.test_upload import begin, upload


@pytest.fixture
def admin(db: Session):
    return UserFactory(admin=True)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_transparent_images_are_taken(client: FlaskClient, admin) -> None:
    for image in (
        Image.new("RGBA", (300, 200), (255, 0, 0, 128)),
        Image.new("RGBA", (300, 200), (0, 0, 0, 0)),
        Image.new("P", (300, 200)),
    ):
        if image.mode == "P":
            image.info["transparency"] = 0
        answer = upload(client, admin, png(image), alt_text="A logo.")
        assert answer.status_code == 201, answer.get_json()
        assert answer.get_json()["placeholder"]


def test_an_image_too_tall_for_renditions_is_refused_not_a_500(client: FlaskClient, admin) -> None:
    answer = upload(client, admin, png(Image.new("L", (200, 20_000), 128)), alt_text="x")
    assert answer.status_code == 422 and answer.get_json()["error"] == "media_unsupported"


def test_a_video_of_one_frame_gets_its_poster(client: FlaskClient, admin, tmp_path: Path) -> None:
    target = tmp_path / "one.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:size=320x240:rate=10",
         "-f", "lavfi", "-i", "sine=duration=2", "-frames:v", "1", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-y", str(target)],
        check=True,
        timeout=60,
    )  # fmt: skip
    answer = upload(client, admin, target.read_bytes(), transcript="A tone.")
    assert answer.status_code == 201, answer.get_json()
    assert [r["name"] for r in answer.get_json()["renditions"]] == ["poster.jpg"]


def test_a_playlist_dressed_as_an_mp3_opens_nothing_on_the_server(
    client: FlaskClient, admin, tmp_path: Path
) -> None:
    """ffprobe guessed the format from the contents: an "MP3" that was an HLS playlist
    naming a file on the server was taken, and errors said which paths existed."""
    secret = tmp_path / "server-side.mp3"
    secret.write_bytes(samples.mp3(tmp_path, 1.0))
    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n{secret}\n#EXT-X-ENDLIST\n"
    data = b"ID3\x04\x00\x00\x00\x00\x00\x00" + playlist.encode()
    answer = upload(client, admin, data, transcript="x")
    body = answer.get_json()
    assert answer.status_code == 422 and body["error"] == "media_corrupt"
    assert str(tmp_path) not in body["message"] and "/" not in body["message"].split(":")[-1]


def test_refusals_name_no_path_on_the_server(client: FlaskClient, admin, tmp_path) -> None:
    """ffprobe's own error named the upload's path on the server."""
    for broken in (
        b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8,
        samples.mp4(tmp_path, 2.0)[:2000],
    ):
        answer = upload(client, admin, broken, transcript="x")
        assert answer.status_code == 422
        message = answer.get_json()["message"]
        assert ".incoming" not in message and "/tmp" not in message
        assert str(tmp_path) not in message


def _chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


@pytest.mark.parametrize("case", ["png_junk_then_iend", "jpeg_junk_then_eoi", "mp3_javascript"])
def test_polyglots_that_end_like_the_format_are_still_refused(
    client: FlaskClient, admin, tmp_path: Path, case: str
) -> None:
    if case == "png_junk_then_iend":
        data = png(Image.new("RGB", (200, 100))) + b"<p>junk</p>" * 50 + _chunk(b"IEND", b"")
    elif case == "jpeg_junk_then_eoi":
        data = samples.photo(300, 200, gps=False) + b"junk" * 200 + b"\xff\xd9"
    else:
        data = samples.mp3(tmp_path, 1.0) + b'<a href="javascript:alert(1)">x</a>'
    answer = upload(client, admin, data, alt_text="x", transcript="x")
    assert answer.status_code == 422 and answer.get_json()["error"] == "media_polyglot"


@pytest.mark.parametrize(
    "change",
    [
        {"lead_media_id": 0},
        {"lead_media_id": 2**63},
        {"body_markdown": "![x](media:99999999999999999999)"},
        {"items": [{**MODULE_CREATE_EXAMPLE["lessons"][0]["items"][0], "prompt_media_id": 0}]},
        {
            "items": [
                {**MODULE_CREATE_EXAMPLE["lessons"][0]["items"][0], "option_media_ids": [0, 0, 0]}
            ]
        },
    ],
)
def test_impossible_media_ids_are_422_not_500(client: FlaskClient, admin, change: dict) -> None:
    body = copy.deepcopy(MODULE_CREATE_EXAMPLE)
    body["lessons"][0].update(change)
    answer = client.post("/modules", json=body, headers=auth(admin))
    assert answer.status_code == 422, answer.get_json()


def test_odd_inputs_get_clear_answers(client: FlaskClient, admin) -> None:
    assert client.get(f"/media?page={2**62}", headers=auth(admin)).status_code == 200
    fractional = client.post("/media/uploads", json={"size_bytes": 12.5}, headers=auth(admin))
    assert fractional.status_code == 422
    data = samples.photo(300, 200, gps=False)
    asset = upload(client, admin, data, alt_text="A red square.").get_json()
    blank = client.patch(f"/media/{asset['id']}", json={"alt_text": "   "}, headers=auth(admin))
    assert blank.status_code == 422
    # A client that labels the upload JSON still uploads a file.
    address = begin(client, admin, len(samples.photo(320, 200, gps=False)))
    labelled = client.put(
        address["upload_url"],
        data=samples.photo(320, 200, gps=False),
        headers={**auth(admin), "Content-Type": "application/json"},
    )
    assert labelled.status_code == 201, labelled.get_json()


class _Counting(io.RawIOBase):
    """A request body of ``size`` bytes (``head``, then zeros) that says how far into it
    the server read."""

    def __init__(self, head: bytes, size: int) -> None:
        self.head, self.size, self.position, self.read_bytes = head, size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.size}[whence]
        self.position = base + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        n = max(min(len(buffer), self.size - self.position), 0)
        start = self.position
        buffer[:n] = (self.head[start : start + n] + bytes(n))[:n]
        self.position += n
        self.read_bytes = max(self.read_bytes, self.position)
        return n


def test_an_oversized_image_is_refused_before_the_rest_is_read(
    client: FlaskClient, admin, config
) -> None:
    size = 25 * 1024 * 1024  # over the 20 MB of an image, under the 250 MB of a video
    address = begin(client, admin, size)
    body = _Counting(samples.photo(200, 100, gps=False)[:4096], size)
    answer = client.put(
        address["upload_url"],
        input_stream=body,
        headers={**auth(admin), "Content-Length": str(size)},
    )
    assert answer.status_code == 413 and answer.get_json()["error"] == "media_too_large"
    assert body.read_bytes <= 2 * 1024 * 1024
