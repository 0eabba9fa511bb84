from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.resources.common import Locale, Out, UtcDateTime

_HH_MM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use 24-hour HH:MM, e.g. 08:30.")


class DeviceInSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    token = ma.fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(20, 512),
        metadata={"description": "The FCM registration token of this app install."},
    )
    platform = ma.fields.String(required=True, validate=validate.OneOf(["ios", "android", "web"]))
    app_version = ma.fields.String(validate=validate.Length(max=40), load_default="")
    locale = Locale(load_default=None)
    created_at = UtcDateTime(dump_only=True)
    last_seen_at = UtcDateTime(dump_only=True)


class PreferencesPatchSchema(ma.Schema):
    time_zone = ma.fields.String(
        dump_only=True, metadata={"description": "Change it with PATCH /me."}
    )
    window_start = ma.fields.String(validate=_HH_MM, allow_none=True)
    window_end = ma.fields.String(validate=_HH_MM, allow_none=True)
    working_days = ma.fields.List(
        ma.fields.Integer(validate=validate.Range(0, 6)),
        validate=validate.Length(max=7),
        allow_none=True,
        metadata={"description": "Monday 0 ... Sunday 6."},
    )
    quiet_start = ma.fields.String(validate=_HH_MM, allow_none=True)
    quiet_end = ma.fields.String(validate=_HH_MM, allow_none=True)
    max_per_day = ma.fields.Integer(
        validate=validate.Range(0, 10),
        allow_none=True,
        metadata={
            "description": "0: no pushes. Two pushes on one day go two hours apart at least."
        },
    )
    paused_until = ma.fields.Date(
        allow_none=True, metadata={"description": "No pushes before this day (holidays)."}
    )


class DeviceSchema(Out, DeviceInSchema):
    class Meta:
        exclude = ("token",)  # the app's own secret: never sent back


class PreferencesSchema(Out, PreferencesPatchSchema):
    pass


DEVICE_EXAMPLE = {
    "id": 4,
    "platform": "android",
    "app_version": "1.4.0",
    "locale": "de-DE",
    "created_at": "2026-11-02T09:00:00Z",
    "last_seen_at": "2026-11-25T07:58:00Z",
}
PREFERENCES_EXAMPLE = {
    "time_zone": "Europe/Berlin",
    "window_start": "08:30",
    "window_end": "17:30",
    "working_days": [0, 1, 2, 3, 4],
    "quiet_start": "12:00",
    "quiet_end": "13:00",
    "max_per_day": 2,
    "paused_until": None,
}
