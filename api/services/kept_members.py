"""Members this app has read already, kept by Firebase uid, each under a stamp of the rows
they came from; a request that uses one checks the stamp in a read it makes anyway.

"Practise now" read the member (user, organization, weights in force) in a round trip of
its own on every request: a fifth of the request's CPU. A kept member saves that read, and
is never trusted blind: the request's read of the learner's answers also returns the
member's stamp as it is now (``STAMP_ROW``), and a stamp that differs, or a member who is
gone, makes the request read the member again and start over (``StaleMember``). So a role
change, an erasure, new settings or new weights take effect on the very next request, on
every process and host, with no message between them.

The stamp is a hash of the user's and the organization's whole rows and the id of the
weights in force, so any change to either row moves it, whoever wrote it. PostgreSQL only
(the hash of a whole row is its syntax); on SQLite every request reads the member.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Integer, Text, bindparam, func, literal_column, select

from api.models import Organization, ParameterSet, User
from api.services import memory

if TYPE_CHECKING:
    from api.services.learners import Learner

# The user's and the organization's rows as they are now, hashed.
ROWS_HASH: ColumnElement[str] = literal_column(
    "md5(CAST(users AS text) || CAST(organizations AS text))", Text
)

# A member's stamp now, as a row of the answers' read (``practice._RECENT_CHECKED``):
# (weights in force, None, None, None, rows hash).
STAMP_ROW = (
    select(
        func.coalesce(memory.in_force(ParameterSet.id), 0).cast(Integer),
        ROWS_HASH,
    )
    .select_from(User)
    .join(Organization, Organization.id == User.organization_id)
    .where(User.id == bindparam("user_id"), User.firebase_uid == bindparam("uid"))
)


@dataclass(frozen=True, slots=True)
class Stamp:
    weights_id: int  # 0: the defaults
    rows_hash: str


class StaleMember(Exception):
    """The kept member's rows changed, or the member is gone: read them again."""


class KeptMembers:
    """Learners by Firebase uid with their stamps, for one app. Bounded by emptying it
    when full, and each entry re-read after ``max_age`` whatever its stamp says (the weights
    of one parameter set are never edited in place, but nothing needs to rely on it)."""

    def __init__(
        self,
        *,
        enabled: bool,
        limit: int = 20_000,
        max_age: dt.timedelta = dt.timedelta(minutes=10),
    ) -> None:
        self.enabled = enabled
        self.limit = limit
        self.max_age = max_age
        self._kept: dict[str, tuple[Learner, Stamp, dt.datetime]] = {}

    def get(self, uid: str, now: dt.datetime) -> tuple[Learner, Stamp] | None:
        kept = self._kept.get(uid) if self.enabled else None
        if kept is None or now - kept[2] > self.max_age:
            return None
        return kept[0], kept[1]

    def keep(self, learner: Learner, stamp: Stamp, now: dt.datetime) -> None:
        if not self.enabled:
            return
        if len(self._kept) >= self.limit:
            self._kept.clear()
        self._kept[learner.firebase_uid] = (learner, stamp, now)

    def forget(self, uid: str) -> None:
        self._kept.pop(uid, None)
