"""My devices, my reminder preferences, and "I opened this push"."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Page

from api import deps
from api.auth import current_user
from api.blueprint import Blueprint, page_of
from api.limits import per_user
from api.push.messages import render
from api.resources.devices.push_schemas import INBOX_EXAMPLE, InboxEntrySchema
from api.resources.devices.schemas import (
    DEVICE_EXAMPLE,
    PREFERENCES_EXAMPLE,
    DeviceInSchema,
    DeviceSchema,
    PreferencesPatchSchema,
    PreferencesSchema,
)
from api.services import devices

blp = Blueprint(
    "reminders",
    __name__,
    url_prefix="/me",
    description="Push reminders: register this phone, choose when reminders may come, and "
    "report opened pushes (so reminders learn the learner's good moments).",
)


@blp.route("/devices")
class Devices(MethodView):
    @blp.access()
    @blp.response(200, DeviceSchema(many=True), example=[DEVICE_EXAMPLE])
    def get(self) -> list:
        """My registered devices"""
        return devices.list_devices(deps.session(), user=current_user())

    @blp.access()
    @blp.limit(per_user("10/minute"))
    @blp.arguments(
        DeviceInSchema,
        example={
            "token": "fQx3kT9zRb2:APA91bHnV0x7Lc2QmW8yZ4pD6sJ1eK3uA9tG5hN0rB",
            "platform": "android",
            "app_version": "1.4.0",
            "locale": "de-DE",
        },
    )
    @blp.response(200, DeviceSchema, example=DEVICE_EXAMPLE)
    @blp.links(200, Unregister=("unregister_device", {"device_id": "$response.body#/id"}))
    def post(self, data: dict) -> object:
        """Register this phone's FCM token (idempotent; call at every app start)"""
        return devices.register_device(
            deps.session(), user=current_user(), data=data, now=deps.now()
        )


@blp.route("/devices/<id:device_id>")
class DeviceById(MethodView):
    @blp.access()
    @blp.response(204)
    def delete(self, device_id: int) -> None:
        """Stop pushes to one of my devices (idempotent)"""
        devices.remove_device(deps.session(), user=current_user(), device_id=device_id)


@blp.route("/reminders")
class Reminders(MethodView):
    @blp.access()
    @blp.response(200, PreferencesSchema, example=PREFERENCES_EXAMPLE)
    def get(self) -> dict:
        """When reminders may come (mine, or my organization's defaults)"""
        return devices.preferences(deps.session(), user=current_user())

    @blp.access()
    @blp.arguments(
        PreferencesPatchSchema,
        example={
            "window_start": "09:00",
            "quiet_start": "12:00",
            "quiet_end": "13:00",
            "paused_until": "2026-12-28",
        },
    )
    @blp.response(200, PreferencesSchema, example=PREFERENCES_EXAMPLE)
    @blp.errors(422)
    def patch(self, changes: dict) -> dict:
        """Change when reminders may come (null: back to the organization's default)"""
        return devices.update_preferences(deps.session(), user=current_user(), changes=changes)


@blp.route("/notifications")
class Inbox(MethodView):
    @blp.access()
    @blp.response(200, InboxEntrySchema(many=True), example=[INBOX_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page) -> list:
        """Pushes I was sent, newest first (an in-app inbox)

        What each phone showed (title and body in the learner's language) and the data it
        carried, with whether it was opened: an app can list them and report opens without
        reading ids out of a push. The last 30 days.
        """
        me = current_user()
        rows = page_of(pagination_parameters, devices.inbox, user=me, now=deps.now())
        return [inbox_entry(row, me.locale) for row in rows]


@blp.route("/notifications/<id:notification_id>/opened")
class Opened(MethodView):
    @blp.access()
    @blp.limit(per_user("120/minute"))
    @blp.response(204)
    @blp.errors(404)
    def post(self, notification_id: int) -> None:
        """I opened this push (idempotent)"""
        devices.mark_opened(
            deps.session(), user=current_user(), notification_id=notification_id, now=deps.now()
        )


def inbox_entry(row, locale: str) -> dict:
    title, body, data = render(row.payload, locale=locale, notification_id=row.id)
    return {
        "id": row.id,
        "kind": row.kind,
        "sent_at": row.sent_at,
        "opened_at": row.opened_at,
        "title": title,
        "body": body,
        "data": data,
    }
