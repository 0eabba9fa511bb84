"""Media no longer used, and an organization's media when it leaves.

Garbage collection deletes an asset (its row and every object under its key) only when
nothing can show it any more: no lesson or item row names it (retired items included:
their history stays readable), no lesson body in force or in any published version's
snapshot shows it inline, no snapshot's lesson or item names it, and it is older than the
grace period (an admin may have uploaded it to attach it next). Running it twice deletes
nothing more; objects go after their row is gone, so a crash between the two leaves only
unreachable bytes, which the next run's sweep of the store removes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.media.store import MediaStore
from api.models import Item, Lesson, MediaAsset, MediaUpload, Module, ModuleVersion
from api.services.media_use import inline_ids, item_media, lesson_media

GRACE = dt.timedelta(days=7)


@dataclass
class Collected:
    assets: int = 0
    objects: int = 0


def used_ids(session: Session, organization_id: int) -> set[int]:
    """Every asset id any content of the organization names, now or in a published version."""
    used: set[int] = set()
    lessons = session.execute(
        select(Lesson.lead_media_id, Lesson.body_markdown)
        .join(Module, Module.id == Lesson.module_id)
        .where(Module.organization_id == organization_id)
    )
    for lead, body in lessons:
        used.update(lesson_media({"lead_media_id": lead, "body_markdown": body}))
    items = session.execute(
        select(Item.prompt_media_id, Item.option_media_ids)
        .join(Module, Module.id == Item.module_id)
        .where(Module.organization_id == organization_id)
    )
    for prompt, options in items:
        used.update(item_media({"prompt_media_id": prompt, "option_media_ids": options}))
    snapshots = session.scalars(
        select(ModuleVersion.snapshot)
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(Module.organization_id == organization_id)
    )
    for snapshot in snapshots:
        used.update(_snapshot_media(snapshot))
    return used


def _snapshot_media(snapshot: dict[str, Any]) -> Iterable[int]:
    for lesson in snapshot.get("lessons", []):
        yield from lesson_media(lesson)
        yield from inline_ids(lesson.get("body_markdown") or "")
        for item in lesson.get("items", []):
            yield from item_media(item)


def collect(
    session: Session, store: MediaStore, *, now: dt.datetime, grace: dt.timedelta = GRACE
) -> Collected:
    result = Collected()
    organizations = session.scalars(select(MediaAsset.organization_id).distinct()).all()
    for organization_id in organizations:
        used = used_ids(session, organization_id)
        unused = session.scalars(
            select(MediaAsset).where(
                MediaAsset.organization_id == organization_id,
                MediaAsset.created_at < now - grace,
                MediaAsset.id.not_in(used) if used else MediaAsset.id.is_not(None),
            )
        ).all()
        prefixes = [f"{organization_id}/{asset.sha256}/" for asset in unused]
        _forget(session, [asset.id for asset in unused])
        session.commit()  # the rows first: a URL must never point at half an asset
        result.assets += len(unused)
        result.objects += sum(store.delete_prefix(prefix) for prefix in prefixes)
    result.objects += _sweep(session, store, before=now - grace)
    store.drop_stale_incoming(now - grace)
    return result


def purge_organization(session: Session, store: MediaStore, organization_id: int) -> Collected:
    """Remove every media row and object of an organization that is leaving. Its content
    must be gone first (the rows are referenced by lessons and items)."""
    ids = session.scalars(
        select(MediaAsset.id).where(MediaAsset.organization_id == organization_id)
    ).all()
    session.execute(delete(MediaUpload).where(MediaUpload.organization_id == organization_id))
    _forget(session, list(ids))
    session.commit()
    return Collected(assets=len(ids), objects=store.delete_prefix(f"{organization_id}/"))


def _forget(session: Session, asset_ids: list[int]) -> None:
    if not asset_ids:
        return
    session.execute(
        update(MediaUpload).where(MediaUpload.asset_id.in_(asset_ids)).values(asset_id=None)
    )
    session.execute(delete(MediaAsset).where(MediaAsset.id.in_(asset_ids)))


def _sweep(session: Session, store: MediaStore, *, before: dt.datetime) -> int:
    """Objects no asset row owns (left by a crash between a run's two steps), once older
    than the grace period: an upload being processed writes its objects before its row."""
    owned = {
        f"{organization_id}/{sha}/"
        for organization_id, sha in session.execute(
            select(MediaAsset.organization_id, MediaAsset.sha256)
        )
    }
    gone = 0
    for key in list(store.keys()):
        prefix = key.rsplit("/", 1)[0] + "/"
        if prefix not in owned and store.modified(key) < before:
            gone += store.delete_prefix(key)
    return gone
