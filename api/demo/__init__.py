"""Demo organization, team, people and modules for a local run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.config import Config
from api.demo.media import demo_media
from api.media.store import MediaStore
from api.models import (
    Device,
    Item,
    ItemKind,
    Module,
    Organization,
    ReminderPreferences,
    Role,
    User,
)
from api.resources.modules.schemas import ModuleCreateSchema
from api.services import (
    content,
    enrollment,
    membership,
    reflections,
    reviews,
    team_space,
    versions,
)

DEMO_ORGANIZATION = "Demo Co"
ADMIN_EMAIL = "admin@demo.bitewise.example"
LEARNER_EMAILS = ("lena@demo.bitewise.example", "sam@demo.bitewise.example")
MANAGER_EMAIL = "maria@demo.bitewise.example"
MODULES_DIR = Path(__file__).parent / "modules"
# Teammates who studied and practised last week: with Lena, more than K (5) learners with
# data, so analytics show figures for the team (a smaller team is withheld, rightly).
TEAMMATES = (
    ("Priya Nair", "priya", "Europe/London"),
    ("Tomás Silva", "tomas", "Europe/Lisbon"),
    ("Aiko Tanaka", "aiko", "Asia/Tokyo"),
    ("Noah Becker", "noah", "Europe/Berlin"),
    ("Zanele Dube", "zanele", "Africa/Johannesburg"),
)


def load_demo(
    session: Session,
    *,
    now: dt.datetime,
    store: MediaStore | None = None,
    config: Config | None = None,
) -> bool:
    """Create the demo organization once. Returns False when it is already there. With a
    media store, the feedback module's first lesson gets a lead image and an audio clip."""
    if session.scalar(select(Organization.id).where(Organization.name == DEMO_ORGANIZATION)):
        return False
    # In use for three weeks: analytics release only weeks that have ended.
    founded = now - dt.timedelta(days=21)
    _, admin = membership.create_organization(
        session,
        name=DEMO_ORGANIZATION,
        admin_email=ADMIN_EMAIL,
        admin_name="Alex Admin",
        now=founded,
    )
    team = membership.create_team(session, actor=admin, name="Product Team", now=founded)
    people = [
        ("Maria Manager", MANAGER_EMAIL, Role.MANAGER, "Europe/Berlin"),
        ("Lena Ortiz", LEARNER_EMAILS[0], Role.LEARNER, "Europe/Berlin"),
        ("Sam Okafor", LEARNER_EMAILS[1], Role.LEARNER, "America/New_York"),
    ] + [(name, teammate_email(key), Role.LEARNER, zone) for name, key, zone in TEAMMATES]
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
            now=founded,
        )
    media = demo_media(session, actor=admin, store=store, config=config, now=founded)
    modules = []
    for path in sorted(MODULES_DIR.glob("*.json")):
        # Through the API's own schema, so the demo content is validated like any input.
        data = ModuleCreateSchema().load(json.loads(path.read_text()))
        if path.stem == "giving-useful-feedback" and media:
            lesson = data["lessons"][0]
            lesson["lead_media_id"] = media["card"]
            if "clip" in media:
                lesson["body_markdown"] += (
                    f"\n\nListen to the example: ![An SBI example, spoken](media:{media['clip']})"
                )
        module = content.create_module(session, actor=admin, data=data, now=founded)
        modules.append(
            content.publish_module(session, actor=admin, module_id=module.id, now=founded)
        )
    enrollment.assign(
        session, actor=admin, data={"module_id": modules[0].id, "team_id": team.id}, now=founded
    )
    _lenas_week(session, module=modules[0], now=now)
    _teammates_last_week(session, module=modules[0], now=now)
    _team_reflections(session, now=now)
    return True


def _team_reflections(session: Session, *, now: dt.datetime) -> None:
    """Two shared reflections in the team feed: one by name, one anonymous."""
    by_email = {
        u.email: u for u in session.scalars(select(User).where(User.email.in_(LEARNER_EMAILS)))
    }
    # Sam signed in ten days ago (he writes below) and has not practised yet.
    sam = by_email[LEARNER_EMAILS[1]]
    sam.firebase_uid = "demo-sam"  # the uid bin/token derives from his address
    sam.joined_at = now - dt.timedelta(days=10)
    reflections.create(
        session,
        user=by_email[LEARNER_EMAILS[1]],
        now=now - dt.timedelta(days=2),
        data={
            "body": "Asking 'what made this sensible at the time?' in our incident review "
            "turned a blame hunt into a list of missing alerts.",
            "visibility": "team",
        },
    )
    reflections.create(
        session,
        user=by_email[LEARNER_EMAILS[0]],
        now=now - dt.timedelta(days=1),
        data={
            "body": "I was the one who missed the deploy step. Hearing it discussed without "
            "names made it easy to admit and fix.",
            "visibility": "anonymous",
        },
    )
    # An anonymous question, answered by a teammate and by the manager, who found it useful.
    maria = session.scalar(select(User).where(User.email == MANAGER_EMAIL))
    assert maria is not None
    asked = team_space.ask(
        session,
        user=by_email[LEARNER_EMAILS[1]],
        now=now - dt.timedelta(days=2),  # anonymous: in the team's feed from the next midnight
        data={"body": "How do I raise a mistake in a retro when it was mine?", "anonymous": True},
    )
    team_space.answer(
        session,
        user=by_email[LEARNER_EMAILS[0]],
        public_id=asked.public_id,
        now=now - dt.timedelta(hours=20),
        data={"body": "Describe what happened and what made it easy to miss; skip the apology."},
    )
    useful = team_space.answer(
        session,
        user=maria,
        public_id=asked.public_id,
        now=now - dt.timedelta(hours=19),
        data={"body": "Say it first: once the person closest to it speaks plainly, others do too."},
    )
    team_space.mark_useful(session, user=maria, public_id=useful.public_id, now=now)


def _lenas_week(session: Session, *, module: Module, now: dt.datetime) -> None:
    """Lena studied the assigned module last week and practised once since; she has a
    phone and takes reminders at any hour, so the worker plans one for her right away."""
    lena = session.scalar(select(User).where(User.email == LEARNER_EMAILS[0]))
    assert lena is not None
    lena.firebase_uid = "demo-lena"  # as if she had signed in (the demo token's uid)
    lena.joined_at = now - dt.timedelta(days=8)
    six_days_ago = now - dt.timedelta(days=6)
    enrollment.mark_module_studied(session, user=lena, module_id=module.id, now=six_days_ago)
    items = versions.live_items(session, module.id)
    answers = []
    for day, offset in ((6, 0), (6, 0.01), (5, 0)):
        for n, item in enumerate(items):
            right = not (day == 5 and n == 1)
            answers.append(
                _demo_answer(
                    item, now - dt.timedelta(days=day - offset), right, f"demo-{day}-{offset}-{n}"
                )
            )
    reviews.record_reviews(session, user=lena, reviews=answers, now=now)
    session.add(
        Device(
            user_id=lena.id,
            organization_id=lena.organization_id,
            token="demo-lena-phone-token-0001",
            platform="android",
            app_version="1.0.0",
            locale="en",
            created_at=now,
            last_seen_at=now,
        )
    )
    session.add(
        ReminderPreferences(
            user_id=lena.id,
            window_start="00:00",
            window_end="23:59",
            working_days=list(range(7)),
            max_per_day=5,
        )
    )
    session.commit()


def teammate_email(key: str) -> str:
    return f"{key}@demo.bitewise.example"


def _teammates_last_week(session: Session, *, module: Module, now: dt.datetime) -> None:
    """Five teammates signed in two weeks ago, studied the assigned module on Tuesday of
    the last week that has ended and practised it on Tuesday and Thursday, some answers
    wrong: the week GET /analytics shows for the team."""
    monday = dt.datetime.combine(
        now.date() - dt.timedelta(days=now.weekday() + 7), dt.time(9), tzinfo=dt.UTC
    )
    items = versions.live_items(session, module.id)
    for n, (_, key, _) in enumerate(TEAMMATES):
        person = session.scalar(select(User).where(User.email == teammate_email(key)))
        assert person is not None
        person.firebase_uid = f"demo-{key}"
        person.joined_at = now - dt.timedelta(days=14)
        studied = monday + dt.timedelta(days=1, hours=n)
        enrollment.mark_module_studied(session, user=person, module_id=module.id, now=studied)
        answers = [
            _demo_answer(item, studied + dt.timedelta(days=day), (i + n + day) % 4 != 0,
                         f"demo-{key}-{day}-{i}")
            for day in (0, 2)
            for i, item in enumerate(items)
        ]  # fmt: skip
        reviews.record_reviews(session, user=person, reviews=answers, now=now)


def _demo_answer(item: Item, at: dt.datetime, right: bool, review_id: str) -> dict:
    if item.kind is ItemKind.FREE_RECALL:
        answer: dict = {"self_grade": 3 if right else 1}
    elif item.kind is ItemKind.TRUE_FALSE:
        answer = {"value": item.answer["value"] if right else not item.answer["value"]}
    else:
        correct = item.answer["correct"]
        wrong = [i for i in range(len(item.options)) if i not in correct][:1]
        answer = {"selected": correct if right else wrong}
    return {
        "id": review_id,
        "item_id": item.id,
        "answered_at": at,
        "duration_ms": 12_000,
        "answer": answer,
    }
