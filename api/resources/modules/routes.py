"""Authoring (admins): modules, their lessons and practice items, publishing, versions."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Page

from api import deps
from api.auth import current_user
from api.blueprint import ADMIN, Blueprint, page_of
from api.resources.modules.schemas import (
    ITEM_EXAMPLE,
    ITEM_OUT_EXAMPLE,
    LESSON_EXAMPLE,
    MODULE_CREATE_EXAMPLE,
    MODULE_EXAMPLE,
    MODULE_SUMMARY_EXAMPLE,
    ItemInSchema,
    ItemPatchSchema,
    ItemSchema,
    LessonInSchema,
    LessonPatchSchema,
    LessonSchema,
    ModuleCreateSchema,
    ModulePatchSchema,
    ModuleQuerySchema,
    ModuleSchema,
    ModuleSummarySchema,
    ModuleVersionSchema,
)
from api.services import content, items

blp = Blueprint(
    "authoring",
    __name__,
    description="Admins write modules (lessons, key points, practice items), publish and "
    "archive them. Editing published content creates a new version; fixing an item's "
    "wording keeps learners' memory of it.",
)

LESSON_OUT_EXAMPLE = {
    **LESSON_EXAMPLE,
    "id": 3,
    "position": 0,
    "lead_media_id": None,
    "items": [ITEM_OUT_EXAMPLE],
}


@blp.route("/modules")
class Modules(MethodView):
    @blp.access(ADMIN)
    @blp.arguments(ModuleQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ModuleSummarySchema(many=True), example=[MODULE_SUMMARY_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters: Page, status=None) -> list:
        """List the organization's modules (drafts included)"""
        return page_of(
            pagination_parameters, content.list_modules, actor=current_user(), status=status
        )

    @blp.access(ADMIN)
    @blp.arguments(ModuleCreateSchema, example=MODULE_CREATE_EXAMPLE)
    @blp.response(201, ModuleSchema, example={**MODULE_EXAMPLE, "status": "draft", "version": 0})
    @blp.links(
        201,
        GetModule=("get_module", {"module_id": "$response.body#/id"}),
        UpdateModule=("update_module", {"module_id": "$response.body#/id"}),
        PublishModule=("publish_module", {"module_id": "$response.body#/id"}),
        AddLesson=("add_lesson", {"module_id": "$response.body#/id"}),
        ListVersions=("list_module_versions", {"module_id": "$response.body#/id"}),
    )
    @blp.errors(422)
    def post(self, data: dict) -> object:
        """Create a draft module, optionally with its lessons and items"""
        return content.create_module(
            deps.session(), actor=current_user(), data=data, now=deps.now()
        )


@blp.route("/modules/<id:module_id>")
class ModuleById(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, ModuleSchema, example=MODULE_EXAMPLE)
    @blp.errors(404)
    def get(self, module_id: int) -> object:
        """Read a module with its lessons and items (answers included)"""
        return content.get_module(deps.session(), actor=current_user(), module_id=module_id)

    @blp.access(ADMIN)
    @blp.arguments(ModulePatchSchema, example={"estimated_minutes": 10})
    @blp.response(200, ModuleSchema, example=MODULE_EXAMPLE)
    @blp.errors(404, 409)
    def patch(self, changes: dict, module_id: int) -> object:
        """Edit a module's details"""
        return content.update_module(
            deps.session(),
            actor=current_user(),
            module_id=module_id,
            changes=changes,
            now=deps.now(),
        )


@blp.route("/modules/<id:module_id>/publish")
class PublishModule(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, ModuleSchema, example=MODULE_EXAMPLE)
    @blp.errors(404, 422)
    def post(self, module_id: int) -> object:
        """Publish a module (idempotent)"""
        return content.publish_module(
            deps.session(), actor=current_user(), module_id=module_id, now=deps.now()
        )


@blp.route("/modules/<id:module_id>/archive")
class ArchiveModule(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, ModuleSchema, example={**MODULE_EXAMPLE, "status": "archived"})
    @blp.errors(404)
    def post(self, module_id: int) -> object:
        """Archive a module (idempotent): learners stop seeing and practising it"""
        return content.archive_module(
            deps.session(), actor=current_user(), module_id=module_id, now=deps.now()
        )


@blp.route("/modules/<id:module_id>/versions")
class ModuleVersions(MethodView):
    @blp.access(ADMIN)
    @blp.response(
        200,
        ModuleVersionSchema(many=True),
        example=[
            {
                "version": 1,
                "change": "published",
                "created_at": "2026-11-02T09:30:00Z",
                "created_by_id": 1,
                "snapshot": {"title": "Giving useful feedback", "lessons": []},
            }
        ],
    )
    @blp.errors(404)
    def get(self, module_id: int) -> list:
        """List a module's published versions with their snapshots"""
        return content.list_versions(deps.session(), actor=current_user(), module_id=module_id)


@blp.route("/modules/<id:module_id>/lessons")
class ModuleLessons(MethodView):
    @blp.access(ADMIN)
    @blp.arguments(LessonInSchema, example=LESSON_EXAMPLE)
    @blp.response(201, LessonSchema, example=LESSON_OUT_EXAMPLE)
    @blp.links(
        201,
        UpdateLesson=("update_lesson", {"lesson_id": "$response.body#/id"}),
        AddItem=("add_item", {"lesson_id": "$response.body#/id"}),
        DeleteLesson=("delete_lesson", {"lesson_id": "$response.body#/id"}),
    )
    @blp.errors(404, 409, 422)
    def post(self, data: dict, module_id: int) -> object:
        """Add a lesson (with its items) at the end of a module"""
        return content.add_lesson(
            deps.session(), actor=current_user(), module_id=module_id, data=data, now=deps.now()
        )


@blp.route("/lessons/<id:lesson_id>")
class LessonById(MethodView):
    @blp.access(ADMIN)
    @blp.arguments(LessonPatchSchema, example={"title": "The SBI model, step by step"})
    @blp.response(200, LessonSchema, example=LESSON_OUT_EXAMPLE)
    @blp.errors(404, 409)
    def patch(self, changes: dict, lesson_id: int) -> object:
        """Edit a lesson"""
        return content.update_lesson(
            deps.session(),
            actor=current_user(),
            lesson_id=lesson_id,
            changes=changes,
            now=deps.now(),
        )

    @blp.access(ADMIN)
    @blp.response(204)
    @blp.errors(404, 409)
    def delete(self, lesson_id: int) -> None:
        """Delete a lesson of a module that was never published"""
        content.delete_lesson(deps.session(), actor=current_user(), lesson_id=lesson_id)


@blp.route("/lessons/<id:lesson_id>/items")
class LessonItems(MethodView):
    @blp.access(ADMIN)
    @blp.arguments(ItemInSchema, example=ITEM_EXAMPLE)
    @blp.response(201, ItemSchema, example=ITEM_OUT_EXAMPLE)
    @blp.links(
        201,
        GetItem=("get_item", {"item_id": "$response.body#/id"}),
        UpdateItem=("update_item", {"item_id": "$response.body#/id"}),
        RetireItem=("retire_item", {"item_id": "$response.body#/id"}),
    )
    @blp.errors(404, 409, 422)
    def post(self, data: dict, lesson_id: int) -> object:
        """Add a practice item to a lesson"""
        return items.add_item(
            deps.session(), actor=current_user(), lesson_id=lesson_id, data=data, now=deps.now()
        )


@blp.route("/items/<id:item_id>")
class ItemById(MethodView):
    @blp.access(ADMIN)
    @blp.response(200, ItemSchema, example=ITEM_OUT_EXAMPLE)
    @blp.errors(404)
    def get(self, item_id: int) -> object:
        """Read a practice item"""
        return items.get_item(deps.session(), actor=current_user(), item_id=item_id)

    @blp.access(ADMIN)
    @blp.arguments(
        ItemPatchSchema, example={"prompt": "Which part of SBI names what you saw or heard?"}
    )
    @blp.response(200, ItemSchema, example={**ITEM_OUT_EXAMPLE, "revision": 2})
    @blp.errors(404, 409, 422)
    def patch(self, changes: dict, item_id: int) -> object:
        """Edit an item. Wording keeps its identity; a new answer makes a new item (returned)"""
        return items.update_item(
            deps.session(), actor=current_user(), item_id=item_id, changes=changes, now=deps.now()
        )

    @blp.access(ADMIN)
    @blp.response(204)
    @blp.errors(404)
    def delete(self, item_id: int) -> None:
        """Retire an item from practice (idempotent; history is kept)"""
        items.retire_item(deps.session(), actor=current_user(), item_id=item_id, now=deps.now())
