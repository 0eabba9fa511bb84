"""Authentication with firebase-admin: emulator tokens, real RS256 tokens, membership."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.dev_tokens import emulator_id_token
from tests.cert_server import SigningKey, bearer, signed_claims
from tests.conftest import PROJECT_ID, auth
from tests.factories import TeamFactory, UserFactory


def test_no_token_is_401_in_the_error_shape(client: FlaskClient) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] == "missing_token"
    assert body["code"] == 401 and body["status"] == "Unauthorized"
    assert "Bearer" in body["message"]


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer not-a-jwt", "bearer a.b.c"])
def test_malformed_authorization_is_401(client: FlaskClient, header: str) -> None:
    response = client.get("/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"] in {"missing_token", "invalid_token"}


def test_token_for_another_project_is_401(client: FlaskClient, db: Session) -> None:
    user = UserFactory()
    token = emulator_id_token(project_id="someone-else", uid=user.firebase_uid)
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_member_reads_own_profile(client: FlaskClient, db: Session) -> None:
    user = UserFactory(time_zone="Asia/Tokyo")
    response = client.get("/me", headers=auth(user))
    assert response.status_code == 200
    assert response.get_json()["id"] == user.id
    assert response.get_json()["time_zone"] == "Asia/Tokyo"


def test_stranger_is_told_how_to_join(client: FlaskClient, db: Session) -> None:
    token = emulator_id_token(project_id=PROJECT_ID, uid="stranger", email="x@nowhere.example")
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"] == "not_a_member"


def test_invitation_links_on_first_sign_in_with_verified_email(
    client: FlaskClient, db: Session
) -> None:
    invited = UserFactory(invited=True, email="new@corp.example")
    token = emulator_id_token(project_id=PROJECT_ID, uid="fresh-uid", email="New@Corp.example")
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["id"] == invited.id
    db.refresh(invited)
    assert invited.firebase_uid == "fresh-uid"
    assert invited.joined_at is not None


def test_unverified_email_does_not_claim_an_invitation(client: FlaskClient, db: Session) -> None:
    invited = UserFactory(invited=True, email="victim@corp.example")
    token = emulator_id_token(
        project_id=PROJECT_ID, uid="attacker", email="victim@corp.example", email_verified=False
    )
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 403
    db.refresh(invited)
    assert invited.firebase_uid is None


def test_join_with_team_code(client: FlaskClient, db: Session) -> None:
    team = TeamFactory(join_code="ABCD2345")
    token = emulator_id_token(project_id=PROJECT_ID, uid="joiner", email="j@corp.example")
    response = client.post("/join", json={"join_code": "abcd2345"}, headers=bearer(token))
    assert response.status_code == 201
    body = response.get_json()
    assert body["team_id"] == team.id
    assert body["organization_id"] == team.organization_id
    assert body["role"] == "learner"
    assert client.get("/me", headers=bearer(token)).status_code == 200
    again = client.post("/join", json={"join_code": "ABCD2345"}, headers=bearer(token))
    assert again.status_code == 409


def test_unknown_join_code_is_404(client: FlaskClient, db: Session) -> None:
    token = emulator_id_token(project_id=PROJECT_ID, uid="joiner2", email="k@corp.example")
    response = client.post("/join", json={"join_code": "NOPE9999"}, headers=bearer(token))
    assert response.status_code == 404
    assert response.get_json()["error"] == "join_code_unknown"


def test_profile_update_validates_time_zone(client: FlaskClient, db: Session) -> None:
    user = UserFactory()
    bad = client.patch("/me", json={"time_zone": "Mars/Olympus"}, headers=auth(user))
    assert bad.status_code == 422
    assert "time_zone" in bad.get_json()["errors"]["json"]
    good = client.patch("/me", json={"time_zone": "America/Chicago"}, headers=auth(user))
    assert good.status_code == 200
    assert good.get_json()["time_zone"] == "America/Chicago"


# --- the real path: RS256 signatures checked against certificates from a local server ------


@pytest.mark.usefixtures("real_verification")
def test_real_signed_token_is_accepted(
    client: FlaskClient, db: Session, signing_key: SigningKey
) -> None:
    user = UserFactory()
    response = client.get("/me", headers=bearer(signing_key.sign(signed_claims(user))))
    assert response.status_code == 200
    assert response.get_json()["id"] == user.id


@pytest.mark.usefixtures("real_verification")
def test_real_expired_token_is_401(
    client: FlaskClient, db: Session, signing_key: SigningKey
) -> None:
    user = UserFactory()
    token = signing_key.sign(signed_claims(user, age=7200))
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"] == "token_expired"


@pytest.mark.usefixtures("real_verification")
def test_real_token_with_bad_signature_is_401(
    client: FlaskClient, db: Session, signing_key: SigningKey
) -> None:
    user = UserFactory()
    impostor = SigningKey(signing_key.kid)  # same kid, different key
    response = client.get("/me", headers=bearer(impostor.sign(signed_claims(user))))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


@pytest.mark.usefixtures("real_verification")
def test_real_token_for_wrong_project_is_401(
    client: FlaskClient, db: Session, signing_key: SigningKey
) -> None:
    user = UserFactory()
    token = signing_key.sign(signed_claims(user, project="another-project"))
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401


@pytest.mark.usefixtures("real_verification")
def test_unsigned_emulator_token_is_refused_outside_emulator_mode(
    client: FlaskClient, db: Session
) -> None:
    user = UserFactory()
    response = client.get("/me", headers=auth(user))
    assert response.status_code == 401


def test_role_is_enforced(client: FlaskClient, db: Session) -> None:
    learner = UserFactory()
    manager = UserFactory(manager=True, organization=learner.organization)
    admin = UserFactory(admin=True, organization=learner.organization)
    assert client.get("/users", headers=auth(learner)).status_code == 403
    assert client.get("/users", headers=auth(manager)).status_code == 403
    assert client.get("/users", headers=auth(admin)).status_code == 200


def test_development_tokens_expire_like_real_ones(client: FlaskClient, db: Session) -> None:
    user = UserFactory()
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    old = emulator_id_token(project_id=PROJECT_ID, uid=user.firebase_uid, issued_at=issued)
    response = client.get("/me", headers=bearer(old))
    assert response.status_code == 401 and response.get_json()["error"] == "token_expired"
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    early = emulator_id_token(project_id=PROJECT_ID, uid=user.firebase_uid, issued_at=future)
    assert client.get("/me", headers=bearer(early)).get_json()["error"] == "invalid_token"


def test_an_invalid_token_is_explained_in_words(client: FlaskClient) -> None:
    body = client.get("/me", headers={"Authorization": "Bearer not-a-token"}).get_json()
    assert body["error"] == "invalid_token"
    assert "b'" not in body["message"] and "Sign in again" in body["message"]
