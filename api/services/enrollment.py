"""Enrollments: admins assign modules; learners enroll themselves and study."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Invalid
from api.models import (
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Item,
    Lesson,
    LessonProgress,
    Module,
    ModuleStatus,
    Role,
    Team,
    TeamAssignment,
    User,
    Visibility,
)
from api.services import application, memory, xapi_statements
from api.services._query import one_or_404, paginate, require_role


def assign(
    session: Session, *, actor: User, data: Mapping[str, Any], now: dt.datetime
) -> list[Enrollment]:
    """Assign a published module to one user or a whole team (idempotent)."""
    require_role(actor, Role.ADMIN)
    module = one_or_404(
        session,
        select(Module).where(
            Module.id == data["module_id"], Module.organization_id == actor.organization_id
        ),
        "No such module.",
        code="module_not_found",
    )
    if module.status is not ModuleStatus.PUBLISHED:
        raise Invalid("Only published modules can be assigned.", code="module_not_published")
    due_at = data.get("due_at")
    if due_at is not None and due_at <= now:
        raise Invalid(
            "due_at must be in the future.", errors={"json": {"due_at": ["In the past."]}}
        )
    if data.get("user_id") is not None:
        user = one_or_404(
            session,
            select(User).where(
                User.id == data["user_id"], User.organization_id == actor.organization_id
            ),
            "No such user.",
            code="user_not_found",
        )
        enrollment = _enroll(
            session,
            user=user,
            module=module,
            source=EnrollmentSource.ASSIGNED,
            now=now,
            assigned_by=actor,
            due_at=due_at,
        )
        session.commit()
        return [enrollment]
    team = one_or_404(
        session,
        select(Team).where(
            Team.id == data["team_id"], Team.organization_id == actor.organization_id
        ),
        "No such team.",
        code="team_not_found",
    )
    assignment = session.scalar(
        select(TeamAssignment).where(
            TeamAssignment.team_id == team.id, TeamAssignment.module_id == module.id
        )
    )
    if assignment is None:
        assignment = TeamAssignment(
            organization_id=actor.organization_id,
            team_id=team.id,
            module_id=module.id,
            assigned_by_id=actor.id,
            due_at=due_at,
            assigned_at=now,
        )
        session.add(assignment)
        session.flush()
    members = session.scalars(select(User).where(User.team_id == team.id).order_by(User.id))
    enrollments = [
        _enroll(
            session,
            user=member,
            module=module,
            source=EnrollmentSource.ASSIGNED,
            now=now,
            assigned_by=actor,
            due_at=assignment.due_at,
            team_assignment=assignment,
        )
        for member in members
    ]
    session.commit()
    return enrollments


def apply_team_assignments(session: Session, *, user: User, now: dt.datetime) -> None:
    """Give a user who joins a team the modules assigned to that team (no commit)."""
    if user.team_id is None:
        return
    rows = session.execute(
        select(TeamAssignment, Module)
        .join(Module, Module.id == TeamAssignment.module_id)
        .where(TeamAssignment.team_id == user.team_id, Module.status == ModuleStatus.PUBLISHED)
    )
    for assignment, module in rows:
        _enroll(
            session,
            user=user,
            module=module,
            source=EnrollmentSource.ASSIGNED,
            now=now,
            assigned_by=None,
            due_at=assignment.due_at,
            team_assignment=assignment,
        )


def list_enrollments(
    session: Session, *, actor: User, filters: Mapping[str, Any], page: int, page_size: int
) -> tuple[list, int]:
    require_role(actor, Role.ADMIN)
    stmt = (
        select(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.organization_id == actor.organization_id)
        .order_by(Enrollment.id)
    )
    if filters.get("module_id") is not None:
        stmt = stmt.where(Enrollment.module_id == filters["module_id"])
    if filters.get("user_id") is not None:
        stmt = stmt.where(Enrollment.user_id == filters["user_id"])
    if filters.get("team_id") is not None:
        stmt = stmt.where(User.team_id == filters["team_id"])
    if filters.get("status") is not None:
        stmt = stmt.where(Enrollment.status == filters["status"])
    return paginate(session, stmt, page=page, page_size=page_size)


def withdraw(session: Session, *, actor: User, enrollment_id: int) -> Enrollment:
    """Take an assignment back (idempotent). Practice of that module stops."""
    require_role(actor, Role.ADMIN)
    enrollment = one_or_404(
        session,
        select(Enrollment).where(
            Enrollment.id == enrollment_id, Enrollment.organization_id == actor.organization_id
        ),
        "No such enrollment.",
    )
    enrollment.status = EnrollmentStatus.WITHDRAWN
    session.commit()
    return enrollment


# --- the learner's side -----------------------------------------------------------------


def visible_modules_stmt(user: User):
    """Published modules of the user's organization that are open or assigned to them."""
    active = select(Enrollment.module_id).where(
        Enrollment.user_id == user.id, Enrollment.status != EnrollmentStatus.WITHDRAWN
    )
    return select(Module).where(
        Module.organization_id == user.organization_id,
        Module.status == ModuleStatus.PUBLISHED,
        (Module.visibility == Visibility.OPEN) | Module.id.in_(active),
    )


def list_catalog(
    session: Session, *, user: User, page: int, page_size: int
) -> tuple[list[tuple[Module, Enrollment | None]], int]:
    modules, total = paginate(
        session, visible_modules_stmt(user).order_by(Module.id), page=page, page_size=page_size
    )
    by_module = _enrollments_by_module(session, user, [m.id for m in modules])
    return [(m, by_module.get(m.id)) for m in modules], total


def get_learner_module(
    session: Session, *, user: User, module_id: int
) -> tuple[Module, Enrollment | None, set[int]]:
    module = one_or_404(
        session, visible_modules_stmt(user).where(Module.id == module_id), "No such module."
    )
    enrollment = _enrollments_by_module(session, user, [module.id]).get(module.id)
    studied = set(
        session.scalars(
            select(LessonProgress.lesson_id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.user_id == user.id, Lesson.module_id == module.id)
        )
    )
    return module, enrollment, studied


def self_enroll(session: Session, *, user: User, module_id: int, now: dt.datetime) -> Enrollment:
    """Enroll in a module one can see (idempotent)."""
    module, _, _ = get_learner_module(session, user=user, module_id=module_id)
    enrollment = _enroll(session, user=user, module=module, source=EnrollmentSource.SELF, now=now)
    session.commit()
    return enrollment


def mark_lesson_studied(
    session: Session, *, user: User, lesson_id: int, now: dt.datetime
) -> Enrollment:
    lesson = one_or_404(session, select(Lesson).where(Lesson.id == lesson_id), "No such lesson.")
    module, enrollment, studied = get_learner_module(session, user=user, module_id=lesson.module_id)
    if enrollment is None:
        enrollment = _enroll(
            session, user=user, module=module, source=EnrollmentSource.SELF, now=now
        )
    if lesson.id not in studied:
        session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, studied_at=now))
    if enrollment.status is EnrollmentStatus.ENROLLED:
        enrollment.status = EnrollmentStatus.IN_PROGRESS
        enrollment.started_at = now
    session.flush()
    memory.expose(session, user=user, item_modules=_live_items(session, lesson_ids=[lesson.id]))
    session.commit()
    return enrollment


def mark_module_studied(
    session: Session, *, user: User, module_id: int, now: dt.datetime
) -> Enrollment:
    """The learner finished the module (idempotent): practice of its items starts."""
    module, enrollment, _ = get_learner_module(session, user=user, module_id=module_id)
    if enrollment is None:
        enrollment = _enroll(
            session, user=user, module=module, source=EnrollmentSource.SELF, now=now
        )
    if enrollment.status is not EnrollmentStatus.COMPLETED:
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.started_at = enrollment.started_at or now
        enrollment.completed_at = now
        session.flush()
        xapi_statements.store(
            session,
            [
                xapi_statements.completed(
                    user.organization,
                    enrollment_id=enrollment.id,
                    user_id=user.id,
                    module_id=module.id,
                    title=module.title,
                    at=now,
                )
            ],
        )
    application.start(session, user=user, module=module, now=now)
    session.flush()
    memory.expose(
        session,
        user=user,
        item_modules=_live_items(session, lesson_ids=[x.id for x in module.lessons]),
    )
    session.commit()
    return enrollment


def _live_items(session: Session, *, lesson_ids: list[int]) -> dict[int, int]:
    """Items in force of these lessons: {item id: module id}."""
    return dict(
        session.execute(
            select(Item.id, Item.module_id).where(
                Item.lesson_id.in_(lesson_ids), Item.retired_at.is_(None)
            )
        ).all()
    )


def list_my_enrollments(
    session: Session, *, user: User, page: int, page_size: int
) -> tuple[list, int]:
    stmt = (
        select(Enrollment)
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            Enrollment.user_id == user.id,
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
            Module.status == ModuleStatus.PUBLISHED,
        )
        .order_by(Enrollment.id)
    )
    return paginate(session, stmt, page=page, page_size=page_size)


def _enrollments_by_module(
    session: Session, user: User, module_ids: list[int]
) -> dict[int, Enrollment]:
    rows = session.scalars(
        select(Enrollment).where(
            Enrollment.user_id == user.id,
            Enrollment.module_id.in_(module_ids),
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
        )
    )
    return {e.module_id: e for e in rows}


def _enroll(
    session: Session,
    *,
    user: User,
    module: Module,
    source: EnrollmentSource,
    now: dt.datetime,
    assigned_by: User | None = None,
    due_at: dt.datetime | None = None,
    team_assignment: TeamAssignment | None = None,
) -> Enrollment:
    enrollment = session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.module_id == module.id)
    )
    if enrollment is None:
        enrollment = Enrollment(
            organization_id=user.organization_id,
            user_id=user.id,
            module_id=module.id,
            source=source,
            status=EnrollmentStatus.ENROLLED,
            assigned_at=now,
        )
        session.add(enrollment)
    elif enrollment.status is EnrollmentStatus.WITHDRAWN:
        enrollment.status = (
            EnrollmentStatus.COMPLETED if enrollment.completed_at else EnrollmentStatus.ENROLLED
        )
    if source is EnrollmentSource.ASSIGNED:
        enrollment.source = EnrollmentSource.ASSIGNED
        enrollment.assigned_by_id = assigned_by.id if assigned_by else enrollment.assigned_by_id
        enrollment.due_at = due_at if due_at is not None else enrollment.due_at
        if team_assignment is not None:
            enrollment.team_assignment_id = team_assignment.id
    session.flush()
    return enrollment
