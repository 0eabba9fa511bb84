"""Organizations, teams and users: creating them, inviting, and linking Firebase sign-ins."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, contains_eager

from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models import Organization, Role, Team, User
from api.services import enrollment, memory
from api.services._query import paginate, require_role

_JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in meetings


def new_join_code() -> str:
    return "".join(secrets.choice(_JOIN_CODE_ALPHABET) for _ in range(8))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_organization(
    session: Session, *, name: str, admin_email: str, admin_name: str = "", now: dt.datetime
) -> tuple[Organization, User]:
    """Bootstrap: an organization and its first admin (linked at their first sign-in)."""
    org = Organization(name=name, created_at=now)
    admin = User(
        organization=org,
        email=normalize_email(admin_email),
        display_name=admin_name,
        role=Role.ADMIN,
        invited_at=now,
    )
    session.add_all([org, admin])
    session.commit()
    return org, admin


# --- signing in -------------------------------------------------------------------------


def verified_email(claims: Mapping[str, Any]) -> str | None:
    """The token's email if Firebase verified it, else None: anyone can create a Firebase
    account under an address they do not own."""
    email = claims.get("email")
    if email and claims.get("email_verified") is True:
        return normalize_email(str(email))
    return None


def pending_invitations(session: Session, *, claims: Mapping[str, Any]) -> list[User]:
    """Invitations, in any organization, to the token's verified address."""
    email = verified_email(claims)
    if email is None:
        return []
    return list(
        session.scalars(
            select(User)
            .where(
                User.email == email,
                User.firebase_uid.is_(None),
                User.deleted_at.is_(None),  # an erased learner's tombstone is nobody's
            )
            .order_by(User.invited_at, User.id)
        )
    )


# Every signed-in request runs this: built once. The organization and the weights in
# force come in the same round trip, nearly every request needs them.
_MEMBER = (
    select(User)
    .join(User.organization)
    .options(contains_eager(User.organization), *memory.with_weights_in_force())
    .where(User.firebase_uid == bindparam("uid"))
)


def resolve_member(session: Session, *, claims: Mapping[str, Any], now: dt.datetime) -> User:
    """The member behind verified token claims, linking an invitation on first sign-in.

    One invitation to the verified address is taken; several (two organizations invited
    the same person) are never picked among silently: the person chooses
    (``GET /me/invitations``), or any organization could capture someone by inviting
    them first.
    """
    user = session.scalar(_MEMBER, {"uid": claims["uid"]})
    if user is not None:
        return user
    invited = pending_invitations(session, claims=claims)
    if len(invited) == 1:
        return _link(session, invited[0], claims, now)
    if invited:
        raise Conflict(
            f"{len(invited)} organizations have invited you: choose one "
            "(GET /me/invitations, then POST /me/invitations/{id}/accept).",
            code="choose_organization",
        )
    raise Forbidden(
        "You are signed in but not a member of any organization. Ask your admin for an "
        "invitation, or join a team with its join code (POST /join).",
        code="not_a_member",
    )


def accept_invitation(
    session: Session, *, claims: Mapping[str, Any], invitation_id: int, now: dt.datetime
) -> User:
    invited = next(
        (i for i in pending_invitations(session, claims=claims) if i.id == invitation_id), None
    )
    if invited is None:
        raise NotFound("No such invitation to your verified address.")
    if session.scalar(select(User.id).where(User.firebase_uid == claims["uid"])) is not None:
        raise Conflict(
            "You are a member of an organization already: leave it first (POST /me/erase).",
            code="already_member",
        )
    return _link(session, invited, claims, now)


def _link(session: Session, invited: User, claims: Mapping[str, Any], now: dt.datetime) -> User:
    invited.firebase_uid = claims["uid"]
    invited.joined_at = now
    if not invited.display_name:
        invited.display_name = str(claims.get("name") or "")
    session.commit()
    return invited


def join_with_code(
    session: Session, *, claims: Mapping[str, Any], join_code: str, now: dt.datetime
) -> User:
    """Join the team whose join code this is, as a learner.

    Only a verified address becomes the member's email: an unverified one would let a
    code holder join as the CFO's address and lock the real CFO out. An invitation to the
    verified address in that organization is taken up instead of duplicated.
    """
    if session.scalar(select(User.id).where(User.firebase_uid == claims["uid"])) is not None:
        raise Conflict("You are already a member of an organization.", code="already_member")
    team = session.scalar(select(Team).where(Team.join_code == join_code.strip().upper()))
    if team is None:
        raise NotFound("No team has this join code.", code="join_code_unknown")
    email = verified_email(claims)
    if email is not None:
        existing = session.scalar(
            select(User).where(
                User.organization_id == team.organization_id,
                User.email == email,
                User.deleted_at.is_(None),
            )
        )
        if existing is not None and existing.firebase_uid is None:
            return _link(session, existing, claims, now)
        if existing is not None:
            # Only the address's owner gets here (it is verified): no one else learns it.
            raise Conflict(
                "Your address is a member of this organization under another sign-in.",
                code="email_member",
            )
    user = User(
        organization_id=team.organization_id,
        team_id=team.id,
        firebase_uid=claims["uid"],
        email=email,
        display_name=str(claims.get("name") or ""),
        role=Role.LEARNER,
        invited_at=now,
        joined_at=now,
    )
    session.add(user)
    session.flush()
    enrollment.apply_team_assignments(session, user=user, now=now)
    session.commit()
    return user


def update_profile(session: Session, *, user: User, changes: Mapping[str, Any]) -> User:
    for field in ("display_name", "time_zone", "locale"):
        if field in changes:
            setattr(user, field, changes[field])
    session.commit()
    return user


# --- teams ------------------------------------------------------------------------------


def create_team(session: Session, *, actor: User, name: str, now: dt.datetime) -> Team:
    require_role(actor, Role.ADMIN)
    _check_team_name_free(session, actor.organization_id, name)
    team = Team(
        organization_id=actor.organization_id, name=name, join_code=new_join_code(), created_at=now
    )
    session.add(team)
    session.commit()
    return team


def list_teams(session: Session, *, actor: User, page: int, page_size: int) -> tuple[list, int]:
    stmt = select(Team).where(Team.organization_id == actor.organization_id).order_by(Team.id)
    if actor.role != Role.ADMIN:
        stmt = stmt.where(Team.id == actor.team_id)
    return paginate(session, stmt, page=page, page_size=page_size)


def get_team(session: Session, *, actor: User, team_id: int) -> Team:
    team = session.scalar(
        select(Team).where(Team.id == team_id, Team.organization_id == actor.organization_id)
    )
    if team is None or (actor.role != Role.ADMIN and team.id != actor.team_id):
        raise NotFound("No such team.")
    return team


def update_team(session: Session, *, actor: User, team_id: int, changes: Mapping[str, Any]) -> Team:
    require_role(actor, Role.ADMIN)
    team = get_team(session, actor=actor, team_id=team_id)
    if "name" in changes and changes["name"] != team.name:
        _check_team_name_free(session, actor.organization_id, changes["name"])
        team.name = changes["name"]
    if changes.get("regenerate_join_code"):
        team.join_code = new_join_code()
    session.commit()
    return team


def _check_team_name_free(session: Session, organization_id: int, name: str) -> None:
    clash = session.scalar(
        select(Team.id).where(Team.organization_id == organization_id, Team.name == name)
    )
    if clash is not None:
        raise Conflict("A team with this name exists already.", code="team_exists")


# --- users ------------------------------------------------------------------------------


def invite_user(
    session: Session, *, actor: User, data: Mapping[str, Any], now: dt.datetime
) -> User:
    require_role(actor, Role.ADMIN)
    email = normalize_email(data["email"])
    if session.scalar(
        select(User.id).where(User.organization_id == actor.organization_id, User.email == email)
    ):
        raise Conflict("This email is already a member or invited.", code="user_exists")
    team_id = data.get("team_id")
    if team_id is not None:
        get_team(session, actor=actor, team_id=team_id)
    user = User(
        organization_id=actor.organization_id,
        email=email,
        display_name=data.get("display_name", ""),
        role=data.get("role", Role.LEARNER),
        team_id=team_id,
        time_zone=data.get("time_zone", "UTC"),
        locale=data.get("locale", "en"),
        invited_at=now,
    )
    session.add(user)
    session.flush()
    enrollment.apply_team_assignments(session, user=user, now=now)
    session.commit()
    return user


def list_users(
    session: Session,
    *,
    actor: User,
    team_id: int | None,
    role: Role | None,
    page: int,
    page_size: int,
) -> tuple[list, int]:
    require_role(actor, Role.ADMIN)
    stmt = (
        select(User)
        .where(User.organization_id == actor.organization_id, User.deleted_at.is_(None))
        .order_by(User.id)
    )
    if team_id is not None:
        stmt = stmt.where(User.team_id == team_id)
    if role is not None:
        stmt = stmt.where(User.role == role)
    return paginate(session, stmt, page=page, page_size=page_size)


def get_user(session: Session, *, actor: User, user_id: int) -> User:
    require_role(actor, Role.ADMIN)
    user = session.scalar(
        select(User).where(
            User.id == user_id,
            User.organization_id == actor.organization_id,
            User.deleted_at.is_(None),
        )
    )
    if user is None:
        raise NotFound("No such user.")
    return user


def update_user(
    session: Session, *, actor: User, user_id: int, changes: Mapping[str, Any], now: dt.datetime
) -> User:
    user = get_user(session, actor=actor, user_id=user_id)
    if "role" in changes and user.id == actor.id and changes["role"] != Role.ADMIN:
        raise Invalid("You cannot remove your own admin role.", code="last_admin_guard")
    if "team_id" in changes and changes["team_id"] != user.team_id:
        if changes["team_id"] is not None:
            get_team(session, actor=actor, team_id=changes["team_id"])
        user.team_id = changes["team_id"]
        session.flush()
        enrollment.apply_team_assignments(session, user=user, now=now)
    for field in ("role", "display_name", "time_zone", "locale"):
        if field in changes:
            setattr(user, field, changes[field])
    session.commit()
    return user
