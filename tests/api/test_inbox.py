"""The in-app inbox, and the push data a phone parses, checked against the spec."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator
from sqlalchemy.orm import Session

from api.cli import render_spec
from api.push.messages import render
from tests.conftest import auth
from tests.factories import NotificationFactory, UserFactory

PAYLOADS = {
    "practice": {
        "kind": "practice",
        "due": 5,
        "minutes": 2,
        "deep_link": "bitewise://practice",
        "item": {"id": 9, "kind": "single_choice", "prompt": "Which?", "options": ["A", "B"]},
    },
    "recap": {"kind": "recap", "module_id": 3, "module_title": "Feedback",
              "deep_link": "bitewise://recap/3"},
    "apply": {"kind": "apply", "prompt_id": 4, "module_id": 3, "prompt": "Try it.",
              "deep_link": "bitewise://apply/4"},
    "follow_up": {"kind": "follow_up", "prompt_id": 4, "module_id": 3, "prompt": "Try it.",
                  "deep_link": "bitewise://follow-up/4"},
}  # fmt: skip


def schema_of(app: Flask, name: str) -> OAS31Validator:
    spec = json.loads(render_spec(app))
    rooted = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return OAS31Validator(rooted)


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_every_push_kind_is_what_the_spec_says_a_phone_gets(app: Flask, kind: str) -> None:
    _, _, data = render(PAYLOADS[kind], locale="de-DE", notification_id=812)
    errors = [e.message for e in schema_of(app, "PushData").iter_errors(data)]
    assert errors == [] and all(isinstance(v, str) for v in data.values())


def test_the_inbox_lists_what_was_sent_and_takes_opens(
    app: Flask, client: FlaskClient, db: Session, clock
) -> None:
    me = UserFactory(locale="de")
    other = UserFactory(organization=me.organization)
    sent = NotificationFactory(
        user=me, kind="practice", payload=PAYLOADS["practice"], status="sent",
        sent_at=clock.now() - dt.timedelta(hours=1),
    )  # fmt: skip
    NotificationFactory(user=me, status="pending")  # not sent yet: not in the inbox
    NotificationFactory(user=other, status="sent", sent_at=clock.now())
    [entry] = client.get("/me/notifications", headers=auth(me)).get_json()
    assert entry["id"] == sent.id and entry["opened_at"] is None
    assert entry["title"] == "5 Fragen, etwa 2 Min." and entry["body"] == "Which?"
    assert entry["data"]["notification_id"] == str(sent.id)
    assert [e.message for e in schema_of(app, "InboxEntry").iter_errors(entry)] == []
    opened = client.post(f"/me/notifications/{entry['id']}/opened", headers=auth(me))
    assert opened.status_code == 204
    [again] = client.get("/me/notifications", headers=auth(me)).get_json()
    assert again["opened_at"] == "2026-11-02T09:00:00Z"
    assert (
        client.post(f"/me/notifications/{sent.id}/opened", headers=auth(other)).status_code == 404
    )
