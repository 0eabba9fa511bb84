"""The demo's media, made on the spot and uploaded the way an admin's files are: a card
picturing Situation-Behaviour-Impact (Pillow) and a short audio clip (Debian's ffmpeg)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from api.config import Config
from api.media.store import MediaStore
from api.models import User
from api.services import media

logger = logging.getLogger("bitewise.demo")

CARD_ALT = (
    "Three boxes from left to right: Situation (when and where), Behaviour (what they did), "
    "Impact (what it caused)."
)
CLIP_TRANSCRIPT = (
    "(A two-note chime, then silence: in the demo it stands in for a spoken example of SBI "
    "feedback.)"
)


def _card() -> bytes:
    image = Image.new("RGB", (1200, 630), (247, 245, 240))
    draw = ImageDraw.Draw(image)
    boxes = (
        ("Situation", "when and where", (66, 133, 244)),
        ("Behaviour", "what they did", (52, 168, 83)),
        ("Impact", "what it caused", (234, 67, 53)),
    )
    for n, (title, line, colour) in enumerate(boxes):
        left = 60 + n * 380
        draw.rounded_rectangle((left, 140, left + 320, 490), radius=28, fill=colour)
        draw.text((left + 30, 190), title, fill="white", font_size=48)
        draw.text((left + 30, 270), line, fill="white", font_size=30)
    draw.text((60, 60), "Feedback that lands: S-B-I", fill=(40, 40, 40), font_size=44)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _clip() -> bytes | None:
    if shutil.which("ffmpeg") is None:
        logger.warning("ffmpeg is missing: the demo has no audio clip")
        return None
    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / "clip.m4a"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
             "sine=frequency=660:duration=0.4,apad=pad_dur=0.2", "-f", "lavfi", "-i",
             "sine=frequency=880:duration=0.6", "-filter_complex", "[0][1]concat=n=2:v=0:a=1",
             "-c:a", "aac", "-b:a", "64k", "-y", str(target)],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        return target.read_bytes()


def demo_media(
    session: Session,
    *,
    actor: User,
    store: MediaStore | None,
    config: Config | None,
    now: dt.datetime,
) -> dict[str, int]:
    """Upload the demo files; their asset ids by name (none without a store)."""
    if store is None or config is None:
        return {}
    made: dict[str, int] = {}
    for name, data, texts in (
        ("card", _card(), {"alt_text": CARD_ALT}),
        ("clip", _clip(), {"transcript": CLIP_TRANSCRIPT}),
    ):
        if data is None:
            continue
        upload = media.begin_upload(
            session,
            actor=actor,
            data={"size_bytes": len(data), "filename": f"{name}", **texts},
            config=config,
            now=now,
        )
        asset, _ = media.receive(
            session,
            actor=actor,
            token=upload.address_key,
            body=io.BytesIO(data),
            store=store,
            config=config,
            now=now,
        )
        made[name] = asset.id
    return made
