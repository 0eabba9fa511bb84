"""factory_boy factories. The conftest binds them to each test's session."""

from __future__ import annotations

import datetime as dt

import factory
from factory.alchemy import SQLAlchemyModelFactory

from api.models import (
    Device,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Item,
    ItemKind,
    Lesson,
    Module,
    ModuleStatus,
    Notification,
    Organization,
    Role,
    Team,
    User,
    Visibility,
)

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class OrganizationFactory(_Base):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    created_at = T0


class TeamFactory(_Base):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    join_code = factory.Sequence(lambda n: f"JOIN{n:04d}")
    created_at = T0


class UserFactory(_Base):
    class Meta:
        model = User

    organization = factory.SubFactory(OrganizationFactory)
    team = None
    firebase_uid = factory.Sequence(lambda n: f"uid-{n}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.LEARNER
    time_zone = "Europe/Berlin"
    locale = "en"
    invited_at = T0
    joined_at = T0

    class Params:
        admin = factory.Trait(role=Role.ADMIN)
        manager = factory.Trait(role=Role.MANAGER)
        invited = factory.Trait(firebase_uid=None, joined_at=None)


class ModuleFactory(_Base):
    class Meta:
        model = Module

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    summary = "A short module."
    estimated_minutes = 10
    tags = factory.LazyFunction(lambda: ["skills"])
    status = ModuleStatus.PUBLISHED
    visibility = Visibility.OPEN
    version = 1
    application_prompt = "Try it today."
    reflection_question = "How did it go?"
    created_at = T0
    updated_at = T0
    published_at = T0

    class Params:
        draft = factory.Trait(status=ModuleStatus.DRAFT, version=0, published_at=None)
        archived = factory.Trait(status=ModuleStatus.ARCHIVED)
        assigned_only = factory.Trait(visibility=Visibility.ASSIGNED)


class LessonFactory(_Base):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    body_markdown = "Read this."
    key_points = factory.LazyFunction(lambda: ["Remember this."])


class ItemFactory(_Base):
    class Meta:
        model = Item

    lesson = factory.SubFactory(LessonFactory)
    module_id = factory.SelfAttribute("lesson.module_id")
    position = factory.Sequence(lambda n: n)
    kind = ItemKind.SINGLE_CHOICE
    prompt = factory.Sequence(lambda n: f"Question {n}?")
    options = factory.LazyFunction(lambda: ["Yes", "No"])
    answer = factory.LazyFunction(lambda: {"correct": [0]})
    explanation = "Because."
    revision = 1


class EnrollmentFactory(_Base):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    module = factory.SubFactory(ModuleFactory)
    organization_id = factory.SelfAttribute("user.organization_id")
    source = EnrollmentSource.ASSIGNED
    status = EnrollmentStatus.ENROLLED
    assigned_at = T0


class DeviceFactory(_Base):
    class Meta:
        model = Device

    user = factory.SubFactory(UserFactory)
    organization_id = factory.SelfAttribute("user.organization_id")
    token = factory.Sequence(lambda n: f"device-token-{n}")
    platform = "android"
    app_version = "1.4.0"
    locale = "en"
    created_at = T0
    last_seen_at = T0


class NotificationFactory(_Base):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    organization_id = factory.SelfAttribute("user.organization_id")
    kind = "recap"
    # A real local day per row, as the planner writes them (kind:YYYY-MM-DD).
    dedupe_key = factory.Sequence(lambda n: f"recap:{T0.date() + dt.timedelta(days=n)}")
    payload = factory.LazyFunction(
        lambda: {
            "kind": "recap",
            "module_id": 1,
            "module_title": "Feedback",
            "deep_link": "bitewise://recap/1",
        }
    )
    send_at = T0
    expires_at = factory.LazyAttribute(lambda o: o.send_at + dt.timedelta(hours=8))
    status = "pending"
    attempts = 0
    created_at = T0


ALL = [
    OrganizationFactory,
    TeamFactory,
    UserFactory,
    ModuleFactory,
    LessonFactory,
    ItemFactory,
    EnrollmentFactory,
    DeviceFactory,
    NotificationFactory,
]
