"""What an uploaded file is, judged from its bytes alone: never from its name or from the
Content-Type the client claimed.

Accepted: JPEG, PNG, WebP images; AAC/M4A and MP3 audio; MP4 video (H.264, with AAC sound
or none). Refused, with nothing stored: any other type, a file that does not decode, an
image whose pixel count would blow up in memory (a decompression bomb), and a polyglot: a
file that is also something else (data after the image's end, a container whose boxes do
not add up to the file, markup a browser would run).
"""

from __future__ import annotations

import json
import re
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from api.errors import Invalid
from api.models import MediaKind

# Markup a browser would run, or a PDF, inside a media file: what a polyglot smuggles.
# (At least five bytes each: in 8 MB of compressed data a chance match is ~1 in 10^5.)
_FOREIGN = re.compile(rb"<(?:script|html|svg|iframe|body|\?php)|%PDF-", re.IGNORECASE)
# A ZIP is read from its end: its end-of-directory record sits in the last 64 KB.
_ZIP_END = b"PK\x05\x06"
_SCAN_BYTES = 8 * 1024 * 1024  # beyond this, the container checks stand alone
_FFPROBE_TIMEOUT = 30


@dataclass(frozen=True)
class Inspected:
    kind: MediaKind
    content_type: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


def sniff(head: bytes) -> str | None:
    """The content type the first bytes announce, if one we take."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def inspect(path: Path, *, max_pixels: int) -> Inspected:
    with path.open("rb") as file:
        head = file.read(64)
    content_type = sniff(head)
    if content_type is None:
        raise Invalid(
            "This is not a file type we take: JPEG, PNG or WebP images, M4A (AAC) or MP3 "
            "audio, MP4 (H.264) video.",
            code="media_unsupported",
        )
    _refuse_foreign_content(path)
    if content_type.startswith("image/"):
        return _image(path, content_type, max_pixels)
    _refuse_loose_boxes(path, content_type)
    return _audio_video(path, content_type)


def _image(path: Path, content_type: str, max_pixels: int) -> Inspected:
    expected = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}[content_type]
    try:
        with Image.open(path) as image:
            # Checked before decoding: a few KB of PNG can claim 100,000 x 100,000 pixels.
            width, height = image.size
            if width * height > max_pixels:
                raise Invalid(
                    f"The image has {width} x {height} pixels; at most {max_pixels:,} are "
                    "taken (larger ones cost gigabytes to decode).",
                    code="media_decompression_bomb",
                )
            if image.format != expected:
                raise _corrupt(f"it starts as {expected} but is {image.format}")
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image.load()  # decodes every pixel: a truncated or broken file fails here
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(
            "The image is too large to decode.", code="media_decompression_bomb"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _corrupt(str(error)) from None
    _refuse_trailing_image_data(path, content_type)
    return Inspected(MediaKind.IMAGE, content_type, width=width, height=height)


def _audio_video(path: Path, content_type: str) -> Inspected:
    probe = _ffprobe(path)
    streams = probe.get("streams", [])
    video = [s for s in streams if s.get("codec_type") == "video" and not _is_cover(s)]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    duration = float(probe.get("format", {}).get("duration") or 0)
    if content_type == "audio/mpeg":
        if video or [s.get("codec_name") for s in audio] != ["mp3"]:
            raise _corrupt("an MP3 file must hold one MP3 audio stream")
        return Inspected(MediaKind.AUDIO, "audio/mpeg", duration_ms=round(duration * 1000))
    if not video:
        if [s.get("codec_name") for s in audio] != ["aac"]:
            raise _corrupt("audio in MP4 (M4A) must be one AAC stream")
        return Inspected(MediaKind.AUDIO, "audio/mp4", duration_ms=round(duration * 1000))
    if len(video) != 1 or video[0].get("codec_name") != "h264":
        raise _corrupt("video must be one H.264 stream")
    if any(s.get("codec_name") != "aac" for s in audio):
        raise _corrupt("sound in MP4 video must be AAC")
    _decode_start(path)
    return Inspected(
        MediaKind.VIDEO,
        "video/mp4",
        width=int(video[0]["width"]),
        height=int(video[0]["height"]),
        duration_ms=round(duration * 1000),
    )


def _is_cover(stream: dict) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _ffprobe(path: Path) -> dict:
    try:
        done = subprocess.run(
            ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
             str(path)],
            capture_output=True,
            timeout=_FFPROBE_TIMEOUT,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise _corrupt("it took too long to read") from None
    if done.returncode != 0:
        raise _corrupt(done.stderr.decode(errors="replace").strip()[:200] or "unreadable")
    return json.loads(done.stdout or b"{}")


def _decode_start(path: Path) -> None:
    """Decode the first seconds: headers that parse over broken frames fail here."""
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-xerror", "-t", "2", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        timeout=_FFPROBE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise _corrupt(done.stderr.decode(errors="replace").strip()[:200] or "undecodable")


def _refuse_foreign_content(path: Path) -> None:
    with path.open("rb") as file:
        chunk = file.read(_SCAN_BYTES)
        file.seek(max(path.stat().st_size - 65_557, 0))
        tail = file.read()
    if _FOREIGN.search(chunk):
        raise _polyglot("it also holds markup a browser would run, or a PDF")
    if _ZIP_END in tail:
        raise _polyglot("it is also a ZIP archive")


def _refuse_trailing_image_data(path: Path, content_type: str) -> None:
    data = path.read_bytes()
    if content_type == "image/png":
        end = data.rfind(b"IEND")
        if end < 0 or data[end + 8 :].strip(b"\x00"):
            raise _polyglot("there is data after the PNG's end")
    elif content_type == "image/jpeg":
        if not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9"):
            raise _polyglot("there is data after the JPEG's end")
    elif int.from_bytes(data[4:8], "little") + 8 not in (len(data), len(data) - 1):
        raise _polyglot("the WebP's size does not match the file")


def _refuse_loose_boxes(path: Path, content_type: str) -> None:
    """An MP4's top-level boxes must cover the file exactly, with nothing after them."""
    if content_type == "audio/mpeg":
        return
    size = path.stat().st_size
    offset = 0
    with path.open("rb") as file:
        while offset < size:
            file.seek(offset)
            header = file.read(16)
            if len(header) < 8:
                raise _polyglot("the MP4 ends in the middle of a box")
            length = int.from_bytes(header[:4], "big")
            if length == 1 and len(header) == 16:
                length = int.from_bytes(header[8:16], "big")
            elif length == 0:
                length = size - offset  # the last box runs to the end
            if length < 8 or offset + length > size:
                raise _polyglot("the MP4's boxes do not add up to the file")
            offset += length


def _corrupt(why: str) -> Invalid:
    return Invalid(
        f"The file could not be read as what it claims to be: {why}.", code="media_corrupt"
    )


def _polyglot(why: str) -> Invalid:
    return Invalid(
        f"The file is more than one thing at once: {why}. Export it again from the app that "
        "made it.",
        code="media_polyglot",
    )
