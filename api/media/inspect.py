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
import logging
import re
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from api.errors import Invalid
from api.models import MediaKind

# Markup a browser would run, or a PDF, inside a media file: what a polyglot smuggles.
# At least five bytes each (``<svg`` alone would turn up by chance in one large video in
# sixty); files are served with their own type, nosniff and a CSP that runs nothing, so
# this is a second line.
_FOREIGN = re.compile(
    rb"<(?:script|html|svg[\s>/]|iframe|body|\?php)|%PDF-|javascript:|onerror\s*=",
    re.IGNORECASE,
)
# A ZIP is read from its end: its end-of-directory record sits in the last 64 KB.
_ZIP_END = b"PK\x05\x06"
_SCAN_CHUNK = 8 * 1024 * 1024
_FFPROBE_TIMEOUT = 60
# WebP's limit on a side; a taller or wider image could not have its renditions.
MAX_SIDE = 16_383
logger = logging.getLogger("bitewise.media")


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
            orientation = image.getexif().get(0x0112, 1)
            if max(width, height) > MAX_SIDE:
                raise Invalid(
                    f"The image is {width} x {height} pixels; a side may have at most "
                    f"{MAX_SIDE:,}.",
                    code="media_unsupported",
                )
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
                # Every block is still decoded (a truncated or broken file fails here); a
                # JPEG only at a scale that spares memory (a quarter for 12 megapixels).
                image.draft("RGB", (2048, 2048))
                image.load()
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(
            "The image is too large to decode.", code="media_decompression_bomb"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        logger.info("image refused: %s", error)
        raise _corrupt("the image does not decode") from None
    _refuse_trailing_image_data(path, content_type)
    # What the phone shows: a camera's orientation flag turning the picture on its side
    # swaps the sides (the renditions are made upright).
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return Inspected(MediaKind.IMAGE, content_type, width=width, height=height)


def demuxer_args(content_type: str) -> list[str]:
    """Read the file as the container its bytes announced, from this file only: left to
    guess, ffmpeg would take an upload for a playlist (HLS, concat) and open the files it
    names on the server."""
    return ["-protocol_whitelist", "file", "-f", "mp3" if content_type == "audio/mpeg" else "mp4"]


def _audio_video(path: Path, content_type: str) -> Inspected:
    probe = _ffprobe(path, content_type)
    streams = probe.get("streams", [])
    video = [s for s in streams if s.get("codec_type") == "video" and not _is_cover(s)]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    duration = float(probe.get("format", {}).get("duration") or 0)
    if content_type == "audio/mpeg":
        if video or [s.get("codec_name") for s in audio] != ["mp3"]:
            raise _corrupt("an MP3 file must hold one MP3 audio stream")
        _decode(path, content_type)  # all of it: audio is small, junk hides in it
        return Inspected(MediaKind.AUDIO, "audio/mpeg", duration_ms=round(duration * 1000))
    if not video:
        if [s.get("codec_name") for s in audio] != ["aac"]:
            raise _corrupt("audio in MP4 (M4A) must be one AAC stream")
        _decode(path, content_type)
        return Inspected(MediaKind.AUDIO, "audio/mp4", duration_ms=round(duration * 1000))
    if len(video) != 1 or video[0].get("codec_name") != "h264":
        raise _corrupt("video must be one H.264 stream")
    if any(s.get("codec_name") != "aac" for s in audio):
        raise _corrupt("sound in MP4 video must be AAC")
    _decode(path, content_type, seconds=2)
    return Inspected(
        MediaKind.VIDEO,
        "video/mp4",
        width=int(video[0]["width"]),
        height=int(video[0]["height"]),
        duration_ms=round(duration * 1000),
    )


def _is_cover(stream: dict) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _ffprobe(path: Path, content_type: str) -> dict:
    command = ["ffprobe", "-v", "error", *demuxer_args(content_type), "-print_format", "json",
               "-show_format", "-show_streams", str(path)]  # fmt: skip
    done = _run(command, "it could not be read")
    return json.loads(done.stdout or b"{}")


def _decode(path: Path, content_type: str, *, seconds: float | None = None) -> None:
    """Decode it (or its first seconds): headers that parse over broken frames fail here."""
    limit = ["-t", str(seconds)] if seconds else []
    command = ["ffmpeg", "-v", "error", "-xerror", *demuxer_args(content_type), *limit,
               "-i", str(path), "-f", "null", "-"]  # fmt: skip
    _run(command, "it does not decode")


def _run(command: list[str], why: str) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(command, capture_output=True, timeout=_FFPROBE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise _corrupt("it took too long to read") from None
    if done.returncode != 0:
        # ffmpeg's own words name paths on this server: they go to the log, not the admin.
        logger.info("%s: %s", why, done.stderr.decode(errors="replace").strip()[:500])
        raise _corrupt(why)
    return done


def _refuse_foreign_content(path: Path) -> None:
    size = path.stat().st_size
    with path.open("rb") as file:
        carry = b""
        while chunk := file.read(_SCAN_CHUNK):
            if _FOREIGN.search(carry + chunk):
                raise _polyglot("it also holds markup a browser would run, or a PDF")
            carry = chunk[-16:]  # a pattern across two chunks
        file.seek(max(size - 65_557, 0))
        tail = file.read()
    if _ZIP_END in tail:
        raise _polyglot("it is also a ZIP archive")


def _refuse_trailing_image_data(path: Path, content_type: str) -> None:
    data = path.read_bytes()
    if content_type == "image/png":
        if _png_end(data) != len(data):
            raise _polyglot("there is data after the PNG's end")
    elif content_type == "image/jpeg":
        # The image, then only further JPEGs (a camera's MPF previews and depth maps).
        offset = 0
        while offset < len(data) and data[offset : offset + 2] == b"\xff\xd8":
            end = _jpeg_end(data, offset)
            if end < 0:
                raise _polyglot("the JPEG's structure does not hold together")
            offset = end
        if data[offset:].strip(b"\x00\r\n "):
            raise _polyglot("there is data after the JPEG's end")
    elif int.from_bytes(data[4:8], "little") + 8 not in (len(data), len(data) - 1):
        raise _polyglot("the WebP's size does not match the file")


def _jpeg_end(data: bytes, start: int) -> int:
    """Where the JPEG starting at ``start`` ends (after its EOI marker), walking its
    segments and skipping each scan's entropy-coded data; -1 if it does not hold together."""
    offset = start + 2
    while offset + 2 <= len(data):
        if data[offset] != 0xFF:
            return -1
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker == 0xD9:
            return offset + 2
        if marker in (0x01, *range(0xD0, 0xD8)):
            offset += 2
            continue
        if offset + 4 > len(data):
            return -1
        offset += 2 + int.from_bytes(data[offset + 2 : offset + 4], "big")
        if marker == 0xDA:  # the scan: up to the next marker that is not a restart
            while offset + 1 < len(data):
                if data[offset] == 0xFF and data[offset + 1] not in (0x00, *range(0xD0, 0xD8)):
                    break
                offset += 1
    return -1


def _png_end(data: bytes) -> int:
    """Where the PNG's IEND chunk ends, walking its chunks from the signature (-1: never)."""
    offset = 8
    while offset + 12 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        offset += 12 + length
        if kind == b"IEND":
            return offset
    return -1


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
