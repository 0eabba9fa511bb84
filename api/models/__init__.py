"""All models, importable from one place (Alembic reads ``Base.metadata`` through this)."""

from api.db import Base
from api.models.content import (
    Item,
    ItemKind,
    Lesson,
    Module,
    ModuleStatus,
    ModuleVersion,
    Visibility,
)
from api.models.enrollment import (
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LessonProgress,
    TeamAssignment,
)
from api.models.organization import Organization, Role, Team, User
from api.models.practice import MemoryState, ParameterSet, RecapLog, ReviewLog

__all__ = [
    "Base",
    "Enrollment",
    "EnrollmentSource",
    "EnrollmentStatus",
    "Item",
    "ItemKind",
    "Lesson",
    "LessonProgress",
    "MemoryState",
    "Module",
    "ModuleStatus",
    "ModuleVersion",
    "Organization",
    "ParameterSet",
    "RecapLog",
    "ReviewLog",
    "Role",
    "Team",
    "TeamAssignment",
    "User",
    "Visibility",
]
