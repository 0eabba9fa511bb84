"""Assignments (admins): who must study what, by when, and how far they are."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Page

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint, page_of
from api.resources.enrollments.schemas import (
    ENROLLMENT_EXAMPLE,
    AssignSchema,
    EnrollmentQuerySchema,
    EnrollmentSchema,
)
from api.services import enrollment

blp = Blueprint("enrollments", __name__, description="Assign modules and follow completion.")


@blp.route("/enrollments")
class Enrollments(MethodView):
    @blp.access(ADMIN)
    @blp.arguments(EnrollmentQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, EnrollmentSchema(many=True), example=[ENROLLMENT_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page, **filters: object) -> list:
        """List enrollments (filter by module, user, team, status)"""
        return page_of(
            pagination_parameters,
            enrollment.list_enrollments,
            actor=current_user(),
            filters=filters,
        )

    @blp.access(ADMIN)
    @blp.arguments(AssignSchema, example={"module_id": 1, "team_id": 1, "due_at": None})
    @blp.response(201, EnrollmentSchema(many=True), example=[ENROLLMENT_EXAMPLE])
    @blp.links(
        201,
        WithdrawEnrollment=("withdraw_enrollment", {"enrollment_id": "$response.body#/0/id"}),
    )
    @blp.errors(404, 422)
    def post(self, data: dict) -> list:
        """Assign a published module to a person or a team (idempotent)"""
        return enrollment.assign(deps.session(), actor=current_user(), data=data, now=deps.now())


@blp.route("/enrollments/<id:enrollment_id>")
class EnrollmentById(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, EnrollmentSchema, example={**ENROLLMENT_EXAMPLE, "status": "withdrawn"})
    @blp.errors(404)
    def delete(self, enrollment_id: int) -> object:
        """Withdraw an enrollment (idempotent): its practice stops"""
        return enrollment.withdraw(
            deps.session(), actor=current_user(), enrollment_id=enrollment_id
        )
