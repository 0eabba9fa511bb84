"""What a phone is shown of the items chosen for it, and the app's copy of those it has
shown already, kept under each item's content version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from api.models import Item, Module

_SHOWN = (
    select(
        Item.id,
        Item.revision,
        Item.kind,
        Item.prompt,
        Item.options,
        Item.answer,
        Item.module_id,
        Module.title,
        Module.version,
    )
    .join(Module, Module.id == Item.module_id)
    .where(Item.id.in_(bindparam("item_ids", expanding=True)))
)

Shown = dict[int, tuple[Row[Any], str]]  # item id -> its columns, its module's title


def items_to_show(session: Session, item_ids: Sequence[int]) -> Shown:
    """The chosen items (what a phone shows of them) with their module titles, one query."""
    if not item_ids:
        return {}
    rows = session.connection().execute(_SHOWN, {"item_ids": list(item_ids)}).all()
    return {row.id: (row, row.title) for row in rows}


class KeptItems:
    """Items shown already, kept by one app under the item and its module's content
    version. Every change to a published module's items or title moves that version
    (``versions.record_change``; only published modules are practised), and practice reads
    it with the learner's items, so an edit shows in the next practice set on every
    process and host without a message between them. Bounded by emptying it when full:
    the items practised at a time across organizations are far fewer than the limit."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._kept: dict[tuple[int, int], tuple[Row[Any], str]] = {}

    def items_to_show(
        self, session: Session, item_ids: Sequence[int], *, versions: dict[int, int]
    ) -> Shown:
        """``items_to_show`` for items whose content versions (item -> version, as read
        with the learner's items) are known; a query only for those not kept at them."""
        shown: Shown = {}
        missing = []
        for item_id in item_ids:
            kept = self._kept.get((item_id, versions[item_id]))
            if kept is None:
                missing.append(item_id)
            else:
                shown[item_id] = kept
        read = items_to_show(session, missing)
        if len(self._kept) + len(read) > self.limit:
            self._kept.clear()
        for item_id, (row, title) in read.items():
            # Kept under the version read now: an edit committed since the learner's items
            # were read shows already, and is kept where the next request will look.
            shown[item_id] = self._kept[(item_id, row.version)] = (row, title)
        return shown
