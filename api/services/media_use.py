"""Media in content: which files a lesson or an item uses, that they are the
organization's own and of a kind that fits, and that published content has their texts.

A lesson has a lead image (``lead_media_id``) and may show any file in its body as
``![alt](media:ID)``; an item may have an image or audio clip with its prompt and an
image per option.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Invalid
from api.models import Item, Lesson, MediaAsset, MediaKind
from api.services.media import missing_text

INLINE = re.compile(r"\(media:(\d+)\)")


def inline_ids(body: str) -> list[int]:
    return [int(found) for found in INLINE.findall(body or "")]


def lesson_media(lesson: Lesson | Mapping[str, Any]) -> list[int]:
    get = lesson.get if isinstance(lesson, Mapping) else lambda f: getattr(lesson, f)
    lead = get("lead_media_id")
    return [*([lead] if lead is not None else []), *inline_ids(get("body_markdown") or "")]


def item_media(item: Item | Mapping[str, Any]) -> list[int]:
    get = item.get if isinstance(item, Mapping) else lambda f: getattr(item, f)
    prompt = get("prompt_media_id")
    options = [i for i in (get("option_media_ids") or []) if i is not None]
    return [*([prompt] if prompt is not None else []), *options]


def _assets(session: Session, organization_id: int, ids: Iterable[int]) -> dict[int, MediaAsset]:
    # An id no database integer holds names nothing (and would overflow the query).
    wanted = sorted({i for i in ids if 0 < i < 2**31})
    if not wanted:
        return {}
    rows = session.scalars(
        select(MediaAsset).where(
            MediaAsset.id.in_(wanted), MediaAsset.organization_id == organization_id
        )
    )
    return {asset.id: asset for asset in rows}


def _refuse(field: str, message: str) -> Invalid:
    return Invalid(message, code="media_not_found", errors={"json": {field: [message]}})


def check_lesson(session: Session, organization_id: int, data: Mapping[str, Any]) -> None:
    """The lesson's media exist in this organization; the lead is an image."""
    lead = data.get("lead_media_id")
    inline = inline_ids(data.get("body_markdown") or "")
    found = _assets(session, organization_id, [*([lead] if lead is not None else []), *inline])
    if lead is not None and (lead not in found or found[lead].kind is not MediaKind.IMAGE):
        raise _refuse("lead_media_id", f"No image {lead} among your organization's media.")
    for media_id in inline:
        if media_id not in found:
            raise _refuse("body_markdown", f"No media {media_id} among your organization's media.")


def check_item(
    session: Session, organization_id: int, data: Mapping[str, Any], options: Sequence[str]
) -> None:
    """The item's prompt medium is an image or audio, each option's an image, all this
    organization's; one entry per option (or none)."""
    prompt = data.get("prompt_media_id")
    per_option = list(data.get("option_media_ids") or [])
    if per_option and len(per_option) != len(options):
        message = f"Give one entry per option ({len(options)}), null for an option without one."
        raise Invalid(message, errors={"json": {"option_media_ids": [message]}})
    named = [i for i in per_option if i is not None]
    found = _assets(session, organization_id, [*([prompt] if prompt is not None else []), *named])
    if prompt is not None and (prompt not in found or found[prompt].kind is MediaKind.VIDEO):
        raise _refuse(
            "prompt_media_id", f"No image or audio {prompt} among your organization's media."
        )
    for media_id in named:
        if media_id not in found or found[media_id].kind is not MediaKind.IMAGE:
            raise _refuse(
                "option_media_ids", f"No image {media_id} among your organization's media."
            )


def module_assets(
    session: Session, organization_id: int, lessons: Iterable[Lesson]
) -> list[MediaAsset]:
    """Every file the module's lessons and items in force use, in order of first use."""
    ordered: list[int] = []
    for lesson in lessons:
        ordered += lesson_media(lesson)
        for item in lesson.items:
            ordered += item_media(item)
    found = _assets(session, organization_id, ordered)
    seen: dict[int, MediaAsset] = {}
    for media_id in ordered:
        if media_id in found and media_id not in seen:
            seen[media_id] = found[media_id]
    return list(seen.values())


def refuse_missing_text(session: Session, organization_id: int, lessons: Iterable[Lesson]) -> None:
    """Published content needs alt text on its images and transcripts on its recordings."""
    missing = [
        why
        for asset in module_assets(session, organization_id, lessons)
        if (why := missing_text(asset)) is not None
    ]
    if missing:
        raise Invalid(
            "Add the missing texts before publishing (PATCH /media/{media_id}): "
            + "; ".join(missing)
            + ".",
            code="media_text_missing",
        )
