"""What a phone receives in a push, as schemas: the app parses these, so the spec says them.

FCM carries data as strings only: ids are digit strings, ``item_options`` a JSON array in a
string. The same title, body and data are in the in-app inbox (``GET /me/notifications``).
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.models import ItemKind
from api.resources.common import Out, UtcDateTime

KINDS = ["practice", "recap", "apply", "follow_up"]
DEEP_LINK = r"^bitewise://(practice|home|recap/\d+|apply/\d+|follow-up/\d+)$"


class PushDataSchema(Out):
    kind = ma.fields.String(validate=validate.OneOf(KINDS))
    deep_link = ma.fields.String(
        validate=validate.Regexp(DEEP_LINK),
        metadata={
            "description": "The screen to open: bitewise://practice, bitewise://recap/{module "
            "id}, bitewise://apply/{prompt id}, bitewise://follow-up/{prompt id}"
        },
    )
    notification_id = ma.fields.String(
        validate=validate.Regexp(r"^\d+$"),
        metadata={"description": "Report an open with POST /me/notifications/{id}/opened"},
    )
    item_id = ma.fields.String(
        validate=validate.Regexp(r"^\d+$"),
        metadata={
            "optional": True,
            "description": "Practice pushes: a question to answer from the notification "
            "(upload the answer with POST /learn/reviews)",
        },
    )
    item_kind = ma.fields.String(
        validate=validate.OneOf([k.value for k in ItemKind if k is not ItemKind.FREE_RECALL]),
        metadata={"optional": True, "description": "With item_id"},
    )
    item_options = ma.fields.String(
        metadata={"optional": True, "description": "With item_id: the options, a JSON array"}
    )


class InboxEntrySchema(Out):
    id = ma.fields.Integer(metadata={"description": "The notification id"})
    kind = ma.fields.String(validate=validate.OneOf(KINDS))
    sent_at = UtcDateTime()
    opened_at = UtcDateTime(allow_none=True, metadata={"description": "null: not opened yet"})
    title = ma.fields.String(metadata={"description": "As the phone showed it"})
    body = ma.fields.String()
    data = ma.fields.Nested(PushDataSchema)


INBOX_EXAMPLE = {
    "id": 812,
    "kind": "practice",
    "sent_at": "2026-11-24T07:30:05Z",
    "opened_at": None,
    "title": "5 questions, about 2 min",
    "body": "Which part of SBI is observable?",
    "data": {
        "kind": "practice",
        "deep_link": "bitewise://practice",
        "notification_id": "812",
        "item_id": "9",
        "item_kind": "single_choice",
        "item_options": '["Situation", "Behaviour", "Impact"]',
    },
}
