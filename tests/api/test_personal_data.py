"""A learner's own data: all of it exported; on deletion only anonymous figures remain."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Enrollment, MemoryState, Reflection, ReviewLog, User
from tests.api.practice_helpers import post_reviews, review, studied_module
from tests.conftest import auth
from tests.factories import DeviceFactory, TeamFactory, UserFactory


def test_export_holds_everything_about_me_and_nothing_about_others(
    client: FlaskClient, db: Session, clock
) -> None:
    team = TeamFactory()
    me = UserFactory(team=team, organization=team.organization)
    other = UserFactory(team=team, organization=team.organization)
    _, items = studied_module(me, items=2)
    post_reviews(client, me, [review(i, clock.now()) for i in items])
    client.post(
        "/learn/reflections",
        json={"body": "My secret thought", "visibility": "anonymous"},
        headers=auth(me),
    )
    client.post(
        "/learn/reflections", json={"body": "Theirs", "visibility": "team"}, headers=auth(other)
    )
    DeviceFactory(user=me, token="my-phone-token-123456789")
    data = client.get("/me/export", headers=auth(me)).get_json()
    assert data["profile"]["email"] == me.email
    assert len(data["review_logs"]) == 2 and len(data["memory_states"]) == 2
    assert [r["body"] for r in data["reflections"]] == ["My secret thought"]
    assert data["devices"][0]["token"] == "my-phone-token-123456789"
    assert data["enrollments"][0]["status"] == "completed"
    assert "Theirs" not in str(data) and other.email not in str(data)
    assert data["review_logs"][0]["answered_at"].endswith("Z")


def test_erasing_keeps_only_anonymous_figures(client: FlaskClient, db: Session, clock) -> None:
    me = UserFactory()
    my_token, my_email = auth(me), me.email  # as the phone and the admin knew them
    admin = UserFactory(admin=True, organization=me.organization)
    _, items = studied_module(me, items=2)
    post_reviews(client, me, [review(i, clock.now()) for i in items])
    client.post(
        "/learn/reflections", json={"body": "Private", "visibility": "private"}, headers=auth(me)
    )
    assert client.post("/me/erase", json={"confirm": "yes"}, headers=auth(me)).status_code == 422
    assert (
        client.post("/me/erase", json={"confirm": "delete my data"}, headers=auth(me)).status_code
        == 204
    )
    for model, column in (
        (ReviewLog, "user_id"),
        (MemoryState, "user_id"),
        (Reflection, "author_id"),
    ):
        assert (
            db.scalar(
                select(func.count()).select_from(model).where(getattr(model, column) == me.id)
            )
            == 0
        )
    db.expire_all()
    tombstone = db.get(User, me.id)
    assert tombstone.email is None and tombstone.display_name == ""
    assert tombstone.firebase_uid is None and tombstone.deleted_at == clock.now()
    assert (
        db.scalar(select(Enrollment.status).where(Enrollment.user_id == me.id)).value == "completed"
    )
    assert client.get("/me", headers=my_token).status_code == 403  # can no longer sign in
    tombstone_email = auth(me, uid="new-account", email=tombstone.email)
    assert client.get("/me", headers=tombstone_email).status_code == 403  # nor can anyone
    listed = client.get("/users", headers=auth(admin)).get_json()
    assert [u["id"] for u in listed] == [admin.id]  # the tombstone is nobody
    assert my_email not in str(client.get("/enrollments", headers=auth(admin)).get_json())
    assert client.get(f"/users/{me.id}", headers=auth(admin)).status_code == 404
