"""Media files made on the spot (Pillow, Debian's ffmpeg): real encodings, a few KB each."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

GPS_IFD = 0x8825


def photo(width: int = 1600, height: int = 1200, *, fmt: str = "JPEG", gps: bool = True) -> bytes:
    """A camera-like photo: a gradient with detail, EXIF with a GPS position."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste((200, 60, 40), (width // 4, height // 4, width // 2, height // 2))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), quality=85)
    return out.getvalue()


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def _ffmpeg(tmp: Path, name: str, *args: str) -> bytes:
    if not ffmpeg_available():
        pytest.fail("ffmpeg is missing: bin/test installs Debian's ffmpeg", pytrace=False)
    target = tmp / name
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(target)], check=True, timeout=60)
    return target.read_bytes()


def m4a(tmp: Path, seconds: float = 1.0) -> bytes:
    return _ffmpeg(tmp, "clip.m4a", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                   "-c:a", "aac", "-b:a", "64k")  # fmt: skip


def mp3(tmp: Path, seconds: float = 1.0) -> bytes:
    return _ffmpeg(tmp, "clip.mp3", "-f", "lavfi", "-i", f"sine=frequency=660:duration={seconds}",
                   "-c:a", "libmp3lame", "-b:a", "64k")  # fmt: skip


def mp4(tmp: Path, seconds: float = 1.0, size: str = "320x240") -> bytes:
    return _ffmpeg(
        tmp, "clip.mp4",
        "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=10",
        "-f", "lavfi", "-i", f"sine=duration={seconds}",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
        "-movflags", "+faststart",
    )  # fmt: skip
