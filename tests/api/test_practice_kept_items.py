"""Items a process has shown already are kept (``api.services.shown.KeptItems``): an
admin's edit must still reach every learner's next practice set, on every process."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection

from api import create_app
from api.config import Config
from api.services.shown import KeptItems
from tests.api.practice_helpers import practice_set, studied_module
from tests.conftest import auth
from tests.factories import UserFactory


def shown(result: dict) -> dict[int, tuple[str, str]]:
    return {
        e["item"]["id"]: (e["item"]["prompt"], e["item"]["module_title"]) for e in result["items"]
    }


def test_an_edit_through_another_process_shows_in_the_next_practice_set(
    client: FlaskClient, config: Config, connection: Connection, clock, db
) -> None:
    learner = UserFactory()
    admin = UserFactory(admin=True, organization=learner.organization)
    module, [first, second] = studied_module(learner, items=2, title="Feedback")
    before = shown(practice_set(client, learner))
    assert before[first.id] == (first.prompt, "Feedback")
    # A second app over the same database is another gunicorn worker or host.
    other = create_app(config, bind=connection, clock=clock).test_client()
    edited = other.patch(
        f"/items/{first.id}", json={"prompt": "Which part names what you saw?"}, headers=auth(admin)
    )
    assert edited.status_code == 200, edited.get_json()
    renamed = other.patch(
        f"/modules/{module.id}", json={"title": "Giving feedback"}, headers=auth(admin)
    )
    assert renamed.status_code == 200, renamed.get_json()
    after = shown(practice_set(client, learner))
    assert after[first.id] == ("Which part names what you saw?", "Giving feedback")
    assert after[second.id] == (second.prompt, "Giving feedback")


def test_learners_of_another_organization_see_their_own_items(client: FlaskClient, db) -> None:
    ours, theirs = UserFactory(), UserFactory()
    _, [our_item] = studied_module(ours, items=1, title="Ours")
    _, [their_item] = studied_module(theirs, items=1, title="Theirs")
    assert set(shown(practice_set(client, ours))) == {our_item.id}
    assert shown(practice_set(client, theirs)) == {their_item.id: (their_item.prompt, "Theirs")}
    assert set(shown(practice_set(client, ours))) == {our_item.id}


def test_a_full_store_is_emptied_and_every_item_still_shown(
    app: Flask, client: FlaskClient, db
) -> None:
    app.extensions["bitewise.shown"] = KeptItems(limit=3)
    learner = UserFactory()
    _, items = studied_module(learner, items=5)
    for _ in range(3):  # filled, then past the limit: emptied and filled again
        result = shown(practice_set(client, learner))
        assert result == {i.id: (i.prompt, i.lesson.module.title) for i in items}
