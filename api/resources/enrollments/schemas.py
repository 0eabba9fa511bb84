from __future__ import annotations

import marshmallow as ma

from api.models import EnrollmentSource, EnrollmentStatus
from api.resources.common import Id, Out, UtcDateTime


class EnrollmentSchema(Out):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    module_id = ma.fields.Integer()
    source = ma.fields.Enum(EnrollmentSource, by_value=True)
    status = ma.fields.Enum(EnrollmentStatus, by_value=True)
    due_at = UtcDateTime(allow_none=True)
    assigned_at = UtcDateTime()
    started_at = UtcDateTime(allow_none=True)
    completed_at = UtcDateTime(allow_none=True)


class AssignSchema(ma.Schema):
    module_id = Id(required=True)
    user_id = Id(metadata={"description": "Assign to one person..."})
    team_id = Id(metadata={"description": "...or to a whole team, including later joiners."})
    due_at = UtcDateTime(allow_none=True, metadata={"description": "Be ready by this time."})

    @ma.validates_schema
    def one_target(self, data: dict, **_: object) -> None:
        if (data.get("user_id") is None) == (data.get("team_id") is None):
            raise ma.ValidationError("Give exactly one of user_id and team_id.", "_schema")


class EnrollmentQuerySchema(ma.Schema):
    module_id = Id(metadata={"description": "Only this module's enrollments"})
    user_id = Id(metadata={"description": "Only this person's enrollments"})
    team_id = Id(metadata={"description": "Only people now in this team"})
    status = ma.fields.Enum(
        EnrollmentStatus, by_value=True, metadata={"description": "Only enrollments in this state"}
    )


ENROLLMENT_EXAMPLE = {
    "id": 5,
    "user_id": 3,
    "module_id": 1,
    "source": "assigned",
    "status": "in_progress",
    "due_at": "2026-12-01T17:00:00Z",
    "assigned_at": "2026-11-02T09:30:00Z",
    "started_at": "2026-11-03T08:12:00Z",
    "completed_at": None,
}
