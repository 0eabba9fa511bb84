"""The organization's learning activity as xAPI (1.0.3) statements, for a learning record store.

Statements are written when their records are stored (``xapi_statements``) and read here
as they were written. What an export holds is the organization's setting: module
completions only (``completions``, the default: the compliance need), or each learner's
answers and "tried at work" outcomes too (``activity``, which ``GET /me/privacy`` tells
every learner). Voiding statements for erased people always go out.

An export is incremental, as xAPI's own ``GET /statements`` is: ``since``/``until`` mean
the time the server stored a record (``stored``), not the phone's ``answered_at`` (an
answer synced after a consumer's window closed used to be missed for good), and pages go
by a cursor (``more``) over the order of storage, so a record stored between two pages
neither repeats nor slips between them. The last few seconds are left out until every
transaction that may still commit into them has (a row's id is taken before its commit).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Invalid
from api.models import Organization, Role, User, XapiStatement
from api.services._query import require_role
from api.services.pseudonyms import pseudonym

MAX_RANGE = dt.timedelta(days=31)
SETTLE = dt.timedelta(seconds=5)
SCOPES = {"completions": ("completed",), "activity": ("completed", "answered", "tried")}

__all__ = ["pseudonym", "statements"]


def statements(
    session: Session,
    *,
    actor: User,
    since: dt.datetime | None,
    until: dt.datetime | None,
    cursor: int,
    limit: int,
    now: dt.datetime,
) -> tuple[list[dict[str, Any]], int | None]:
    """Statements stored in [since, until), after ``cursor``, in the order they were
    stored; and the cursor of the next page (None: this was the last)."""
    require_role(actor, Role.ADMIN)
    organization = session.get_one(Organization, actor.organization_id)
    settled = now - SETTLE
    until = min(until or settled, settled)
    since = since or until - dt.timedelta(days=7)
    if since >= until or until - since > MAX_RANGE:
        raise Invalid(
            "Ask for a period of at most 31 days, since before until (stored time).",
            errors={"query": {"since": ["At most 31 days before until."]}},
        )
    verbs = (*SCOPES[organization.xapi_scope], "voided")
    rows = session.execute(
        select(XapiStatement.id, XapiStatement.statement, XapiStatement.stored_at)
        .where(
            XapiStatement.organization_id == organization.id,
            XapiStatement.verb.in_(verbs),
            XapiStatement.stored_at >= since,
            XapiStatement.stored_at < until,
            XapiStatement.id > cursor,
        )
        .order_by(XapiStatement.id)
        .limit(limit + 1)
    ).all()
    page = rows[:limit]
    return [statement for _, statement, _ in page], (page[-1][0] if len(rows) > limit else None)
