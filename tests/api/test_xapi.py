"""xAPI statements: completed, answered, tried at work; never reflections; stable ids."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.services.xapi import pseudonym
from tests.api.practice_helpers import post_reviews, review, studied_module
from tests.conftest import auth
from tests.factories import TeamFactory, UserFactory


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
    clock.advance(dt.timedelta(minutes=5))
    response = client.get("/xapi/statements", headers=auth(admin))
    statements = response.get_json()
    verbs = sorted(s["verb"]["display"]["en"] for s in statements)
    assert verbs == ["answered", "answered", "completed", "tried"]
    assert "SECRET REFLECTION" not in response.get_data(as_text=True)
    [actor] = {s["actor"]["account"]["name"] for s in statements}
    assert actor == pseudonym(team.organization, learner.id) != str(learner.id)
    assert learner.email not in response.get_data(as_text=True)
    assert {s["timestamp"] for s in statements} == {"2026-11-02T00:00:00Z"}  # the day only
    answered = [s for s in statements if s["verb"]["display"]["en"] == "answered"]
    assert sorted(s["result"]["success"] for s in answered) == [False, True]
    assert answered[0]["result"]["duration"] == "PT10.0S"
    tried = next(s for s in statements if s["verb"]["display"]["en"] == "tried")
    assert tried["result"] == {"response": "worked"}
    assert client.get("/xapi/statements", headers=auth(admin)).get_json() == statements  # same ids
    page = client.get("/xapi/statements?page_size=2&page=2", headers=auth(admin))
    assert page.get_json() == statements[2:4]
    assert json.loads(page.headers["X-Pagination"])["total"] == 4


def test_periods_are_bounded_and_learners_refused(client: FlaskClient, db: Session, clock) -> None:
    admin = UserFactory(admin=True)
    too_long = {"since": "2026-09-01T00:00:00+00:00", "until": "2026-11-01T00:00:00+00:00"}
    assert (
        client.get("/xapi/statements", query_string=too_long, headers=auth(admin)).status_code
        == 422
    )
    backwards = {"since": "2026-11-02T00:00:00+00:00", "until": "2026-11-01T00:00:00+00:00"}
    assert (
        client.get("/xapi/statements", query_string=backwards, headers=auth(admin)).status_code
        == 422
    )
    learner = UserFactory(organization=admin.organization)
    assert client.get("/xapi/statements", headers=auth(learner)).status_code == 403


def test_pages_cut_in_the_database_cover_every_statement_once(
    client: FlaskClient, db: Session, clock
) -> None:
    team = TeamFactory()
    team.organization.xapi_scope = "activity"
    admin = UserFactory(admin=True, organization=team.organization)
    people = [UserFactory(team=team, organization=team.organization) for _ in range(3)]
    outsider = UserFactory()  # another organization, busy too
    for person in [*people, outsider]:
        _, items = studied_module(person, items=8, completed=False)
        # Several answers at the very same second: the order must still be total.
        post_reviews(client, person, [review(item, clock.now()) for item in items])
    clock.advance(dt.timedelta(minutes=5))

    whole = client.get("/xapi/statements?page_size=100", headers=auth(admin))
    everything = whole.get_json()
    assert json.loads(whole.headers["X-Pagination"])["total"] == len(everything) == 24
    assert {s["actor"]["account"]["name"] for s in everything} == {
        pseudonym(team.organization, p.id) for p in people
    }
    pages = [
        client.get(f"/xapi/statements?page_size=7&page={n}", headers=auth(admin)).get_json()
        for n in range(1, 6)
    ]
    assert [len(p) for p in pages] == [7, 7, 7, 3, 0]
    assert [s for p in pages for s in p] == everything
    assert [s["timestamp"] for s in everything] == sorted(s["timestamp"] for s in everything)


def test_by_default_the_export_holds_completions_only(
    client: FlaskClient, db: Session, clock
) -> None:
    team = TeamFactory()
    learner = UserFactory(team=team, organization=team.organization)
    admin = UserFactory(admin=True, organization=team.organization)
    module, items = studied_module(learner, items=2, completed=False)
    client.post(f"/learn/modules/{module.id}/studied", headers=auth(learner))
    post_reviews(client, learner, [review(i, clock.now()) for i in items])
    clock.advance(dt.timedelta(minutes=5))
    statements = client.get("/xapi/statements", headers=auth(admin)).get_json()
    assert [s["verb"]["display"]["en"] for s in statements] == ["completed"]
    privacy = client.get("/me/privacy", headers=auth(learner)).get_json()
    assert privacy["xapi_scope"] == "completions"
    assert any("answers" in line for line in privacy["never"])
    # The admin turns the detailed export on: the learner is told, and it holds answers.
    client.patch("/organization/settings", json={"xapi_scope": "activity"}, headers=auth(admin))
    privacy = client.get("/me/privacy", headers=auth(learner)).get_json()
    assert privacy["xapi_scope"] == "activity"
    assert not any("answers" in line for line in privacy["never"])
    assert any("each answer you give" in line["sees"] for line in privacy["sees"])
    statements = client.get("/xapi/statements", headers=auth(admin)).get_json()
    assert sorted(s["verb"]["display"]["en"] for s in statements) == [
        "answered",
        "answered",
        "completed",
    ]


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
    clock.advance(dt.timedelta(minutes=5))
    exported = client.get("/xapi/statements", headers=auth(admin)).get_json()
    mine = {
        s["id"]
        for s in exported
        if s["actor"]["account"]["name"] == pseudonym(team.organization, learner.id)
    }
    assert len(mine) == 2
    clock.advance(dt.timedelta(days=1))
    erasing = clock.now()
    client.post("/me/erase", json={"confirm": "delete my data"}, headers=auth(learner))
    clock.advance(dt.timedelta(minutes=5))
    since = (erasing - dt.timedelta(hours=1)).isoformat()
    later = client.get("/xapi/statements", query_string={"since": since}, headers=auth(admin))
    voids = later.get_json()
    assert {v["object"]["id"] for v in voids} == mine
    assert all(v["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided" for v in voids)
    assert all(v["object"]["objectType"] == "StatementRef" for v in voids)
    # The first period again: the erased person's statements are gone, the other's stay.
    again = client.get(
        "/xapi/statements",
        query_string={"since": (erasing - dt.timedelta(days=2)).isoformat(), "until": since},
        headers=auth(admin),
    ).get_json()
    assert {s["id"] for s in again} == {s["id"] for s in exported} - mine
