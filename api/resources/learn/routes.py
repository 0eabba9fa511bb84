"""The learner's side: modules open to me, reading one (cached by the phone), studying."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Page

from api import deps
from api.auth import current_user
from api.blueprint import Blueprint, page_of
from api.media import delivery
from api.models import Enrollment, Module, Organization
from api.resources.enrollments.schemas import ENROLLMENT_EXAMPLE, EnrollmentSchema
from api.resources.learn.schemas import (
    CATALOG_EXAMPLE,
    LEARNER_MODULE_EXAMPLE,
    OFFLINE_PACK_EXAMPLE,
    CatalogEntrySchema,
    LearnerModuleSchema,
    OfflinePackSchema,
)
from api.services import enrollment, media_use

blp = Blueprint(
    "learning",
    __name__,
    url_prefix="/learn",
    description="Learners browse, read and study modules. Practice items come without "
    "their answers.",
)


_MODULE_FIELDS = (
    "id",
    "title",
    "summary",
    "estimated_minutes",
    "tags",
    "version",
    "application_prompt",
    "reflection_question",
)


def _with_enrollment(module: Module, record: Enrollment | None) -> dict[str, Any]:
    return {**{f: getattr(module, f) for f in _MODULE_FIELDS}, "enrollment": record}


@blp.route("/modules")
class Catalog(MethodView):
    @blp.access()
    @blp.response(200, CatalogEntrySchema(many=True), example=[CATALOG_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page) -> list:
        """Modules open to me, with my enrollment in each"""
        rows = page_of(pagination_parameters, enrollment.list_catalog, user=current_user())
        return [_with_enrollment(module, record) for module, record in rows]


@blp.route("/modules/<id:module_id>")
class LearnerModule(MethodView):
    @blp.access()
    @blp.etag
    @blp.response(200, LearnerModuleSchema, example=LEARNER_MODULE_EXAMPLE)
    @blp.errors(404)
    def get(self, module_id: int) -> dict:
        """Read a module with its lessons and items, to study and cache offline (ETag)"""
        module, record, studied = enrollment.get_learner_module(
            deps.session(), user=current_user(), module_id=module_id
        )
        lessons = [
            {
                "id": lesson.id,
                "position": lesson.position,
                "title": lesson.title,
                "body_markdown": lesson.body_markdown,
                "key_points": lesson.key_points,
                "lead_media_id": lesson.lead_media_id,
                "studied": lesson.id in studied,
                "items": lesson.items,
            }
            for lesson in module.lessons
        ]
        return {
            **_with_enrollment(module, record),
            "lessons": lessons,
            "media": _media(module),
        }


def _media(module: Module) -> list[dict[str, Any]]:
    session = deps.session()
    organization = session.get(Organization, module.organization_id)
    assert organization is not None
    assets = media_use.module_assets(session, module.organization_id, module.lessons)
    return [delivery.describe(asset, organization, deps.now()) for asset in assets]


@blp.route("/modules/<id:module_id>/offline-pack")
class OfflinePack(MethodView):
    @blp.access()
    @blp.etag
    @blp.response(200, OfflinePackSchema, example=OFFLINE_PACK_EXAMPLE)
    @blp.errors(404)
    def get(self, module_id: int) -> dict:
        """Every file a module needs offline, to download before a flight

        One file per medium: an image's 640-pixel WebP (the largest below it if smaller),
        audio and video as uploaded, a video's poster. Each with its size, SHA-256 (check
        the download against it) and a URL valid until `expires_at`. The ETag changes when
        a file or a URL does.
        """
        module, _, _ = enrollment.get_learner_module(
            deps.session(), user=current_user(), module_id=module_id
        )
        files = [
            {"media_id": described["id"], **entry}
            for described in _media(module)
            for entry in delivery.offline_files(described)
        ]
        return {
            "module_id": module.id,
            "version": module.version,
            "total_bytes": sum(f["size_bytes"] for f in files),
            "expires_at": delivery.expiry_at(deps.now()),
            "files": files,
        }


@blp.route("/modules/<id:module_id>/enroll")
class Enroll(MethodView):
    @blp.access()
    @blp.response(200, EnrollmentSchema, example={**ENROLLMENT_EXAMPLE, "source": "self"})
    @blp.errors(404)
    def post(self, module_id: int) -> object:
        """Enroll myself in an open module (idempotent)"""
        return enrollment.self_enroll(
            deps.session(), user=current_user(), module_id=module_id, now=deps.now()
        )


@blp.route("/modules/<id:module_id>/studied")
class ModuleStudied(MethodView):
    @blp.access()
    @blp.response(200, EnrollmentSchema, example={**ENROLLMENT_EXAMPLE, "status": "completed"})
    @blp.errors(404)
    def post(self, module_id: int) -> object:
        """I finished studying this module (idempotent): spaced practice begins"""
        return enrollment.mark_module_studied(
            deps.session(), user=current_user(), module_id=module_id, now=deps.now()
        )


@blp.route("/lessons/<id:lesson_id>/studied")
class LessonStudied(MethodView):
    @blp.access()
    @blp.response(200, EnrollmentSchema, example=ENROLLMENT_EXAMPLE)
    @blp.errors(404)
    def post(self, lesson_id: int) -> object:
        """I studied this lesson (idempotent)"""
        return enrollment.mark_lesson_studied(
            deps.session(), user=current_user(), lesson_id=lesson_id, now=deps.now()
        )


@blp.route("/enrollments")
class MyEnrollments(MethodView):
    @blp.access()
    @blp.response(200, EnrollmentSchema(many=True), example=[ENROLLMENT_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page) -> list:
        """My enrollments"""
        return page_of(pagination_parameters, enrollment.list_my_enrollments, user=current_user())
