"""Who becomes a member, and as which address: attacks on joining and invitations.

A join code is shared in meetings and chats, so its holder may be anyone; an invitation
may come from any organization's admin. Neither may take someone else's address or pick
an organization for a person.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.dev_tokens import emulator_id_token
from tests.cert_server import bearer
from tests.conftest import PROJECT_ID, auth
from tests.factories import OrganizationFactory, TeamFactory, UserFactory


def token(uid: str, email: str, *, verified: bool = True) -> dict[str, str]:
    return bearer(
        emulator_id_token(project_id=PROJECT_ID, uid=uid, email=email, email_verified=verified)
    )


def test_joining_under_an_unverified_address_does_not_take_it(
    client: FlaskClient, db: Session
) -> None:
    team = TeamFactory(join_code="TEAM2345")
    admin = UserFactory(admin=True, organization=team.organization)
    impostor = token("impostor", "cfo@acme.example", verified=False)
    joined = client.post("/join", json={"join_code": "TEAM2345"}, headers=impostor)
    assert joined.status_code == 201 and joined.get_json()["email"] is None
    # The real CFO can still be invited, and signs in as the invitation.
    invited = client.post(
        "/users", json={"email": "cfo@acme.example", "role": "manager"}, headers=auth(admin)
    )
    assert invited.status_code == 201
    me = client.get("/me", headers=token("real-cfo", "cfo@acme.example"))
    assert me.status_code == 200 and me.get_json()["id"] == invited.get_json()["id"]
    assert me.get_json()["role"] == "manager"


def test_a_code_holder_learns_nothing_about_who_is_a_member(
    client: FlaskClient, db: Session
) -> None:
    team = TeamFactory(join_code="TEAM3456")
    UserFactory(organization=team.organization, email="ceo@acme.example")
    probe = token("prober", "ceo@acme.example", verified=False)
    response = client.post("/join", json={"join_code": "TEAM3456"}, headers=probe)
    assert response.status_code == 201  # not "already invited": an address proves nothing


def test_a_verified_invitee_who_uses_the_code_takes_up_the_invitation(
    client: FlaskClient, db: Session
) -> None:
    team = TeamFactory(join_code="TEAM4567")
    invited = UserFactory(
        organization=team.organization, invited=True, email="new@acme.example", team=None
    )
    joined = client.post(
        "/join", json={"join_code": "TEAM4567"}, headers=token("new", "new@acme.example")
    )
    assert joined.status_code == 201 and joined.get_json()["id"] == invited.id


def test_several_invitations_are_never_picked_among_silently(
    client: FlaskClient, db: Session
) -> None:
    first_org, second_org = OrganizationFactory(name="Early Bird"), OrganizationFactory(name="Acme")
    UserFactory(organization=first_org, invited=True, email="pat@acme.example")
    chosen = UserFactory(organization=second_org, invited=True, email="pat@acme.example")
    pat = token("pat", "pat@acme.example")
    refused = client.get("/me", headers=pat)
    assert refused.status_code == 409 and refused.get_json()["error"] == "choose_organization"
    listed = client.get("/me/invitations", headers=pat).get_json()
    assert [i["organization"] for i in listed] == ["Early Bird", "Acme"]
    accepted = client.post(f"/me/invitations/{chosen.id}/accept", headers=pat)
    assert accepted.status_code == 200 and accepted.get_json()["organization_id"] == second_org.id
    assert client.get("/me", headers=pat).get_json()["id"] == chosen.id
    # The other invitation stays open: Pat may leave and take it up later.
    [left_open] = client.get("/me/invitations", headers=pat).get_json()
    again = client.post(f"/me/invitations/{left_open['id']}/accept", headers=pat)
    assert again.status_code == 409 and again.get_json()["error"] == "already_member"
    assert (
        client.post("/me/erase", json={"confirm": "delete my data"}, headers=pat).status_code == 204
    )
    moved = client.post(f"/me/invitations/{left_open['id']}/accept", headers=pat)
    assert moved.status_code == 200 and moved.get_json()["organization_id"] == first_org.id


def test_nobody_accepts_an_invitation_to_another_address(client: FlaskClient, db: Session) -> None:
    invited = UserFactory(invited=True, email="someone@acme.example")
    for probe in (
        token("thief", "thief@evil.example"),
        token("thief2", "someone@acme.example", verified=False),
    ):
        response = client.post(f"/me/invitations/{invited.id}/accept", headers=probe)
        assert response.status_code == 404
        assert client.get("/me/invitations", headers=probe).get_json() == []


def test_the_last_admin_cannot_leave(client: FlaskClient, db: Session) -> None:
    admin = UserFactory(admin=True)
    leave = {"confirm": "delete my data"}
    refused = client.post("/me/erase", json=leave, headers=auth(admin))
    assert refused.status_code == 409 and refused.get_json()["error"] == "last_admin"
    UserFactory(admin=True, organization=admin.organization, invited=True)  # not signed in
    assert client.post("/me/erase", json=leave, headers=auth(admin)).status_code == 409
    UserFactory(admin=True, organization=admin.organization)
    assert client.post("/me/erase", json=leave, headers=auth(admin)).status_code == 204
