"""What phones get: images at a few widths in WebP and JPEG with every metadata block
(EXIF, GPS included) left out, a ThumbHash to lay out with before the bytes arrive, and
for a video its poster frame. Pillow does the images, Debian's ffmpeg the frame.

Only renditions of an image are ever served, never the uploaded file: what a phone's
camera wrote into it (location, device, time) does not leave the server.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import thumbhash  # type: ignore[import-untyped]
from PIL import Image, ImageOps

from api.errors import Invalid
from api.media.inspect import demuxer_args

WIDTHS = (320, 640, 1280)
_FORMATS = (("webp", "WEBP", "image/webp"), ("jpg", "JPEG", "image/jpeg"))
_QUALITY = 80
_POSTER_AT = 0.5  # seconds into the video: past a fade-in from black


@dataclass(frozen=True)
class Rendition:
    name: str  # the key's last part: "w640.webp", "poster.jpg"
    path: Path
    width: int
    height: int
    content_type: str

    def describe(self) -> dict:
        data = self.path.read_bytes()
        return {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "content_type": self.content_type,
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }


def image_renditions(source: Path, workdir: Path) -> tuple[list[Rendition], str]:
    """Renditions at each width up to the image's own (at least one), and its ThumbHash."""
    with Image.open(source) as opened:
        # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that still covers the
        # widest rendition: a 12-megapixel photo costs a quarter of the memory and time.
        opened.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
        # The camera's orientation flag applied, then dropped with the rest of the EXIF.
        image = ImageOps.exif_transpose(opened)
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        widths = [w for w in WIDTHS if w < image.width] + [min(image.width, WIDTHS[-1])]
        renditions = []
        for width in sorted(set(widths)):
            height = max(1, round(image.height * width / image.width))
            scaled = (
                image
                if width == image.width
                else image.resize((width, height), Image.Resampling.LANCZOS)
            )
            for extension, pil_format, content_type in _FORMATS:
                frame = scaled.convert("RGB") if pil_format == "JPEG" else scaled
                path = workdir / f"w{width}.{extension}"
                # No exif=, no icc_profile=, no XMP: Pillow writes only what it is given.
                frame.save(path, pil_format, quality=_QUALITY, optimize=pil_format == "JPEG")
                renditions.append(Rendition(path.name, path, width, height, content_type))
        return renditions, placeholder(image)


def placeholder(image: Image.Image) -> str:
    """The image's ThumbHash, base64 (about 25 characters). Transparency is laid on white
    first: thumbhash 0.1.2 fails on images with an alpha channel that is used."""
    small = image.convert("RGBA")
    small.thumbnail((100, 100))
    flat = Image.new("RGBA", small.size, (255, 255, 255, 255))
    flat.alpha_composite(small)
    digest = thumbhash.rgba_to_thumb_hash(flat.width, flat.height, list(flat.tobytes()))
    return base64.b64encode(bytes(digest)).decode()


def video_poster(source: Path, workdir: Path, duration_ms: int) -> tuple[Rendition, str]:
    """A JPEG of one early frame (metadata-free, through Pillow), and its ThumbHash."""
    raw = workdir / "frame.png"
    # Half a second in (past a fade from black), else the first frame: a video may hold
    # one frame under two seconds of sound.
    for at in (_POSTER_AT, 0) if duration_ms > 1000 * _POSTER_AT * 2 else (0,):
        subprocess.run(
            ["ffmpeg", "-v", "error", *demuxer_args("video/mp4"), "-ss", str(at),
             "-i", str(source), "-frames:v", "1", "-y", str(raw)],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        if raw.exists():
            break
    else:
        raise Invalid("The video has no frame to show as its poster.", code="media_corrupt")
    with Image.open(raw) as frame:
        image = frame.convert("RGB")
        if image.width > WIDTHS[-1]:
            image = image.resize(
                (WIDTHS[-1], max(1, round(image.height * WIDTHS[-1] / image.width))),
                Image.Resampling.LANCZOS,
            )
        path = workdir / "poster.jpg"
        image.save(path, "JPEG", quality=_QUALITY, optimize=True)
        return Rendition("poster.jpg", path, image.width, image.height, "image/jpeg"), placeholder(
            image
        )
