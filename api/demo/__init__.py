"""Demo organization, team, people and modules for a local run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Organization, Role, Team, User
from api.resources.modules.schemas import ModuleCreateSchema
from api.services import content, enrollment, membership

DEMO_ORGANIZATION = "Demo Co"
ADMIN_EMAIL = "admin@demo.bitewise.example"
LEARNER_EMAILS = ("lena@demo.bitewise.example", "sam@demo.bitewise.example")
MANAGER_EMAIL = "maria@demo.bitewise.example"
MODULES_DIR = Path(__file__).parent / "modules"


def load_demo(session: Session, *, now: dt.datetime) -> bool:
    """Create the demo organization once. Returns False when it is already there."""
    if session.scalar(select(Organization.id).where(Organization.name == DEMO_ORGANIZATION)):
        return False
    _, admin = membership.create_organization(
        session, name=DEMO_ORGANIZATION, admin_email=ADMIN_EMAIL, admin_name="Alex Admin", now=now
    )
    team = membership.create_team(session, actor=admin, name="Product Team", now=now)
    people = [
        ("Maria Manager", MANAGER_EMAIL, Role.MANAGER, "Europe/Berlin"),
        ("Lena Ortiz", LEARNER_EMAILS[0], Role.LEARNER, "Europe/Berlin"),
        ("Sam Okafor", LEARNER_EMAILS[1], Role.LEARNER, "America/New_York"),
    ]
    for name, email, role, zone in people:
        membership.invite_user(
            session,
            actor=admin,
            data={
                "email": email,
                "display_name": name,
                "role": role,
                "team_id": team.id,
                "time_zone": zone,
            },
            now=now,
        )
    modules = []
    for path in sorted(MODULES_DIR.glob("*.json")):
        # Through the API's own schema, so the demo content is validated like any input.
        data = ModuleCreateSchema().load(json.loads(path.read_text()))
        module = content.create_module(session, actor=admin, data=data, now=now)
        modules.append(content.publish_module(session, actor=admin, module_id=module.id, now=now))
    enrollment.assign(
        session, actor=admin, data={"module_id": modules[0].id, "team_id": team.id}, now=now
    )
    return True


def demo_people(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Team, Team.id == User.team_id, isouter=True)
            .join(Organization, Organization.id == User.organization_id)
            .where(Organization.name == DEMO_ORGANIZATION)
            .order_by(User.id)
        )
    )
