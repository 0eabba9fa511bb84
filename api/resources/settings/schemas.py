from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.resources.common import Out, StoredDate, TimeZone


class SettingsPatchSchema(ma.Schema):
    target_retention = ma.fields.Float(
        validate=validate.Range(0.70, 0.97),
        metadata={"description": "Predicted recall below which an item is due (0.70-0.97)."},
    )
    session_minutes = ma.fields.Integer(validate=validate.Range(1, 30))
    new_items_per_day = ma.fields.Integer(validate=validate.Range(0, 100))
    max_reviews_per_day = ma.fields.Integer(
        validate=validate.Range(5, 500),
        metadata={"description": "Beyond this a backlog is spread over the following days."},
    )
    practice_weekdays = ma.fields.List(
        ma.fields.Integer(validate=validate.Range(0, 6)),
        validate=validate.Length(1, 7),
        metadata={"description": "Days learners practise, Monday 0 ... Sunday 6."},
    )
    min_group_size = ma.fields.Integer(
        validate=validate.Range(3, 50),
        metadata={"description": "Analytics withhold figures for smaller groups (3 at least)."},
    )
    time_zone = TimeZone(
        metadata={
            "description": "The organization's IANA zone: team posts are dated in it, and "
            "anonymous ones published at its midnight."
        }
    )
    xapi_scope = ma.fields.String(
        validate=validate.OneOf(["completions", "activity"]),
        metadata={
            "description": "What GET /xapi/statements holds: module completions only "
            "(default), or each learner's answers and outcomes too. Learners see the "
            "setting in GET /me/privacy."
        },
    )
    holidays = ma.fields.List(
        StoredDate(),
        validate=validate.Length(max=366),
        metadata={"description": "No practice."},
    )


class SettingsSchema(Out, SettingsPatchSchema):
    pass


SETTINGS_EXAMPLE = {
    "target_retention": 0.9,
    "session_minutes": 5,
    "new_items_per_day": 10,
    "max_reviews_per_day": 60,
    "practice_weekdays": [0, 1, 2, 3, 4],
    "holidays": ["2026-12-24", "2026-12-25"],
    "min_group_size": 5,
    "time_zone": "Europe/Berlin",
    "xapi_scope": "completions",
}
