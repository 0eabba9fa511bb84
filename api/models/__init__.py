"""All models, importable from one place (Alembic reads ``Base.metadata`` through this)."""

from api.db import Base
from api.models.analytics import AnalyticsRelease, XapiStatement
from api.models.application import ApplicationPrompt, Reflection
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
from api.models.media import MediaAsset, MediaKind, MediaUpload
from api.models.organization import Organization, Role, Team, User
from api.models.practice import MemoryState, ParameterSet, RecapLog, ReviewLog
from api.models.push import (
    Device,
    LearnerPlanning,
    Notification,
    PlannerSlice,
    ReminderPreferences,
    WorkerHeartbeat,
)
from api.models.team_space import ModerationAction, TeamAnswer, TeamQuestion

__all__ = [
    "AnalyticsRelease",
    "ApplicationPrompt",
    "Base",
    "Device",
    "Enrollment",
    "EnrollmentSource",
    "EnrollmentStatus",
    "Item",
    "ItemKind",
    "LearnerPlanning",
    "Lesson",
    "LessonProgress",
    "MediaAsset",
    "MediaKind",
    "MediaUpload",
    "MemoryState",
    "ModerationAction",
    "Module",
    "ModuleStatus",
    "ModuleVersion",
    "Notification",
    "Organization",
    "ParameterSet",
    "PlannerSlice",
    "RecapLog",
    "Reflection",
    "ReminderPreferences",
    "ReviewLog",
    "Role",
    "Team",
    "TeamAnswer",
    "TeamAssignment",
    "TeamQuestion",
    "User",
    "Visibility",
    "WorkerHeartbeat",
    "XapiStatement",
]
