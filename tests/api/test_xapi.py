"""xAPI statements: what they hold, incremental by stored time, never changed once written."""

from __future__ import annotations

import datetime as dt
import hashlib

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.services.xapi import pseudonym
from tests.api.practice_helpers import post_reviews, review, studied_module
from tests.conftest import auth
from tests.factories import TeamFactory, UserFactory

SETTLE = dt.timedelta(seconds=6)  # the export leaves out the last 5 seconds


def export(client: FlaskClient, admin, **query) -> dict:
    response = client.get("/xapi/statements", query_string=query, headers=auth(admin))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def everything(client: FlaskClient, admin, **query) -> list[dict]:
    """Follow ``more`` to the end, as a record store's consumer does."""
    out, cursor = [], 0
    while True:
        page = export(client, admin, cursor=cursor, **query)
        out += page["statements"]
        if not page["more"]:
            return out
        cursor = int(page["more"].rpartition("cursor=")[2])


def verbs(statements: list[dict]) -> list[str]:
    return sorted(s["verb"]["display"]["en-US"] for s in statements)


def test_statements_of_the_organizations_learning(client: FlaskClient, db: Session, clock) -> None:
    team = TeamFactory()
    team.organization.xapi_scope = "activity"
    learner = UserFactory(team=team, organization=team.organization)
    admin = UserFactory(admin=True, organization=team.organization)
    module, items = studied_module(learner, items=2, completed=False, title="Feedback")
    client.post(f"/learn/modules/{module.id}/studied", headers=auth(learner))
    post_reviews(
        client, learner, [review(items[0], clock.now()), review(items[1], clock.now(), right=False)]
    )
    [prompt] = client.get("/learn/prompts", headers=auth(learner)).get_json()
    client.post(
        f"/learn/prompts/{prompt['id']}/outcome",
        json={
            "outcome": "worked",
            "reflection": {"body": "SECRET REFLECTION", "visibility": "team"},
        },
        headers=auth(learner),
    )
    UserFactory(admin=True)  # another organization, with nothing to see here
    clock.advance(SETTLE)
    response = client.get("/xapi/statements", headers=auth(admin))
    statements = response.get_json()["statements"]
    assert verbs(statements) == ["answered", "answered", "completed", "tried"]
    text = response.get_data(as_text=True)
    assert "SECRET REFLECTION" not in text and learner.email not in text
    [actor] = {s["actor"]["account"]["name"] for s in statements}
    assert actor == pseudonym(team.organization, learner.id) != str(learner.id)
    assert {s["timestamp"] for s in statements} == {"2026-11-02T00:00:00Z"}  # the day only
    answered = sorted(
        (s for s in statements if s["verb"]["display"]["en-US"] == "answered"),
        key=lambda s: s["result"]["success"],
    )
    wrong, right = answered
    assert right["result"]["score"]["scaled"] == 1.0 and wrong["result"]["score"]["scaled"] == 0
    assert right["result"]["response"] == "1" and right["result"]["duration"] == "PT10.0S"
    assert right["object"]["definition"]["interactionType"] == "choice"
    assert [c["id"] for c in right["object"]["definition"]["choices"]] == ["0", "1", "2"]
    parent = right["context"]["contextActivities"]["parent"][0]
    assert parent["id"].endswith(f"/modules/{module.id}") and right["context"]["registration"]
    # Ids do not depend on the deployment's address.
    assert all(s["object"]["id"].startswith("https://xapi.bitewise.app/") for s in statements)
    tried = next(s for s in statements if s["verb"]["display"]["en-US"] == "tried")
    assert tried["result"] == {"response": "worked", "success": True}
    assert export(client, admin)["statements"] == statements  # the same ids, the same content


def test_periods_are_bounded_and_learners_refused(client: FlaskClient, db: Session, clock) -> None:
    admin = UserFactory(admin=True)
    too_long = {"since": "2026-09-01T00:00:00Z", "until": "2026-11-01T00:00:00Z"}
    assert (
        client.get("/xapi/statements", query_string=too_long, headers=auth(admin)).status_code
        == 422
    )
    backwards = {"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"}
    assert (
        client.get("/xapi/statements", query_string=backwards, headers=auth(admin)).status_code
        == 422
    )
    learner = UserFactory(organization=admin.organization)
    assert client.get("/xapi/statements", headers=auth(learner)).status_code == 403


def test_pages_by_cursor_cover_every_statement_once_while_more_arrive(
    client: FlaskClient, db: Session, clock
) -> None:
    team = TeamFactory()
    team.organization.xapi_scope = "activity"
    admin = UserFactory(admin=True, organization=team.organization)
    people = [UserFactory(team=team, organization=team.organization) for _ in range(3)]
    outsider = UserFactory()  # another organization, busy too
    modules = {}
    for person in [*people, outsider]:
        _, items = studied_module(person, items=8, completed=False)
        modules[person.id] = items
        # Several answers at the very same second: the order must still be total.
        post_reviews(client, person, [review(item, clock.now()) for item in items[:6]])
    clock.advance(SETTLE)
    first = export(client, admin, limit=7)
    assert len(first["statements"]) == 7 and "cursor=" in first["more"]
    # A late sync lands between two pages: it is neither repeated nor lost.
    post_reviews(client, people[0], [review(i, clock.now()) for i in modules[people[0].id][6:]])
    clock.advance(SETTLE)
    rest, cursor = [], int(first["more"].rpartition("cursor=")[2])
    while cursor is not None:
        page = export(client, admin, limit=7, cursor=cursor)
        rest += page["statements"]
        cursor = int(page["more"].rpartition("cursor=")[2]) if page["more"] else None
    got = [s["id"] for s in first["statements"] + rest]
    assert len(got) == len(set(got)) == 20
    assert {s["actor"]["account"]["name"] for s in first["statements"] + rest} == {
        pseudonym(team.organization, p.id) for p in people
    }


def test_a_late_sync_is_exported_by_when_it_was_stored(
    client: FlaskClient, db: Session, clock
) -> None:
    """An answer from three days ago, synced now, used to fall into a window a consumer
    had already closed: since/until are the stored time now."""
    team = TeamFactory()
    team.organization.xapi_scope = "activity"
    admin = UserFactory(admin=True, organization=team.organization)
    learner = UserFactory(team=team, organization=team.organization)
    _, [item] = studied_module(learner, items=1, completed=False)
    window_end = clock.now()
    clock.advance(dt.timedelta(days=3))
    post_reviews(client, learner, [review(item, window_end - dt.timedelta(days=1))])
    clock.advance(SETTLE)
    closed = export(client, admin, since=(window_end - dt.timedelta(days=2)).isoformat(),
                    until=window_end.isoformat())  # fmt: skip
    assert closed["statements"] == []
    [late] = export(client, admin, since=window_end.isoformat())["statements"]
    assert late["timestamp"] == "2026-11-01T00:00:00Z"  # when it happened, by day


def test_an_exported_statement_never_changes(client: FlaskClient, db: Session, clock) -> None:
    """Renaming a module or rewording an item changed 8 of 42 earlier statements under the
    same ids, and the record store refused the next batch."""
    team = TeamFactory()
    team.organization.xapi_scope = "activity"
    admin = UserFactory(admin=True, organization=team.organization)
    learner = UserFactory(team=team, organization=team.organization)
    module, items = studied_module(learner, items=2, completed=False, title="Old title")
    client.post(f"/learn/modules/{module.id}/studied", headers=auth(learner))
    post_reviews(client, learner, [review(i, clock.now()) for i in items])
    clock.advance(SETTLE)
    before = {s["id"]: s for s in everything(client, admin)}
    client.patch(f"/modules/{module.id}", json={"title": "New title"}, headers=auth(admin))
    client.patch(f"/items/{items[0].id}", json={"prompt": "Reworded?"}, headers=auth(admin))
    clock.advance(SETTLE)
    after = {s["id"]: s for s in everything(client, admin)}
    assert {k: after[k] for k in before} == before


def test_by_default_the_export_holds_completions_only(
    client: FlaskClient, db: Session, clock
) -> None:
    team = TeamFactory()
    learner = UserFactory(team=team, organization=team.organization)
    admin = UserFactory(admin=True, organization=team.organization)
    module, items = studied_module(learner, items=2, completed=False)
    client.post(f"/learn/modules/{module.id}/studied", headers=auth(learner))
    post_reviews(client, learner, [review(i, clock.now()) for i in items])
    clock.advance(SETTLE)
    assert verbs(export(client, admin)["statements"]) == ["completed"]
    privacy = client.get("/me/privacy", headers=auth(learner)).get_json()
    assert privacy["xapi_scope"] == "completions"
    assert any("answers" in line for line in privacy["never"])
    # The admin turns the detailed export on: the learner is told, and it holds answers.
    client.patch("/organization/settings", json={"xapi_scope": "activity"}, headers=auth(admin))
    privacy = client.get("/me/privacy", headers=auth(learner)).get_json()
    assert privacy["xapi_scope"] == "activity"
    assert not any("answers" in line for line in privacy["never"])
    assert any("each answer you give" in line["sees"] for line in privacy["sees"])
    assert verbs(export(client, admin)["statements"]) == ["answered", "answered", "completed"]


def test_pseudonyms_are_keyed_per_organization(db: Session) -> None:
    one, other = TeamFactory().organization, TeamFactory().organization
    assert pseudonym(one, 7) != pseudonym(other, 7)
    assert pseudonym(one, 7) == pseudonym(one, 7)
    plain = {hashlib.sha256(str(7).encode()).hexdigest()[:32], hashlib.md5(b"7").hexdigest()}
    assert pseudonym(one, 7) not in plain


def test_erasure_voids_what_was_exported(client: FlaskClient, db: Session, clock) -> None:
    team = TeamFactory()
    team.organization.xapi_scope = "activity"
    learner = UserFactory(team=team, organization=team.organization)
    stays = UserFactory(team=team, organization=team.organization)
    admin = UserFactory(admin=True, organization=team.organization)
    for person in (learner, stays):
        module, items = studied_module(person, items=1, completed=False)
        client.post(f"/learn/modules/{module.id}/studied", headers=auth(person))
        post_reviews(client, person, [review(items[0], clock.now())])
    clock.advance(SETTLE)
    exported = everything(client, admin)
    name = pseudonym(team.organization, learner.id)
    mine = {s["id"] for s in exported if s["actor"]["account"]["name"] == name}
    assert len(mine) == 2
    clock.advance(dt.timedelta(days=1))
    erasing = clock.now()
    client.post("/me/erase", json={"confirm": "delete my data"}, headers=auth(learner))
    clock.advance(SETTLE)
    voids = everything(client, admin, since=erasing.isoformat())
    assert {v["object"]["id"] for v in voids} == mine
    assert all(v["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided" for v in voids)
    assert all(v["object"]["objectType"] == "StatementRef" for v in voids)
    # The first period again: the erased person's statements are gone, the other's stay.
    again = everything(client, admin, since=(erasing - dt.timedelta(days=2)).isoformat(),
                       until=erasing.isoformat())  # fmt: skip
    assert {s["id"] for s in again} == {s["id"] for s in exported} - mine
