"""Stable operationIds: the names generated clients give their functions.

A generated admin client reads as ``create_module``, ``publish_module``, ``assign_module``;
without these it would be ``post_modules_module_id_publish``. Renaming one breaks every
client generated before, so treat a change here like any API change.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin

OPERATION_IDS: dict[tuple[str, str], str] = {
    ("get", "/healthz"): "healthz",
    ("get", "/readyz"): "readyz",
    ("get", "/me"): "get_me",
    ("patch", "/me"): "update_me",
    ("post", "/join"): "join_team",
    ("get", "/me/export"): "export_my_data",
    ("post", "/me/erase"): "erase_my_data",
    ("get", "/me/privacy"): "get_my_privacy",
    ("get", "/me/invitations"): "list_my_invitations",
    ("post", "/me/invitations/{invitation_id}/accept"): "accept_invitation",
    ("get", "/me/devices"): "list_my_devices",
    ("post", "/me/devices"): "register_device",
    ("delete", "/me/devices/{device_id}"): "unregister_device",
    ("get", "/me/reminders"): "get_my_reminders",
    ("patch", "/me/reminders"): "update_my_reminders",
    ("get", "/me/notifications"): "list_my_notifications",
    ("post", "/me/notifications/{notification_id}/opened"): "notification_opened",
    ("get", "/teams"): "list_teams",
    ("post", "/teams"): "create_team",
    ("get", "/teams/{team_id}"): "get_team",
    ("patch", "/teams/{team_id}"): "update_team",
    ("get", "/users"): "list_users",
    ("post", "/users"): "invite_user",
    ("get", "/users/{user_id}"): "get_user",
    ("patch", "/users/{user_id}"): "update_user",
    ("get", "/modules"): "list_modules",
    ("post", "/modules"): "create_module",
    ("get", "/modules/{module_id}"): "get_module",
    ("patch", "/modules/{module_id}"): "update_module",
    ("post", "/modules/{module_id}/publish"): "publish_module",
    ("post", "/modules/{module_id}/archive"): "archive_module",
    ("get", "/modules/{module_id}/versions"): "list_module_versions",
    ("post", "/modules/{module_id}/lessons"): "add_lesson",
    ("post", "/media/uploads"): "begin_media_upload",
    ("put", "/media/uploads/{token}"): "upload_media",
    ("post", "/media/uploads/{token}/complete"): "complete_media_upload",
    ("get", "/media"): "list_media",
    ("get", "/media/{media_id}"): "get_media",
    ("patch", "/media/{media_id}"): "update_media",
    ("get", "/media/files/{organization_id}/{sha256}/{name}"): "get_media_file",
    ("get", "/learn/modules/{module_id}/offline-pack"): "get_offline_pack",
    ("patch", "/lessons/{lesson_id}"): "update_lesson",
    ("delete", "/lessons/{lesson_id}"): "delete_lesson",
    ("post", "/lessons/{lesson_id}/items"): "add_item",
    ("get", "/items/{item_id}"): "get_item",
    ("patch", "/items/{item_id}"): "update_item",
    ("delete", "/items/{item_id}"): "retire_item",
    ("get", "/enrollments"): "list_enrollments",
    ("post", "/enrollments"): "assign_module",
    ("delete", "/enrollments/{enrollment_id}"): "withdraw_enrollment",
    ("get", "/organization/settings"): "get_settings",
    ("patch", "/organization/settings"): "update_settings",
    ("get", "/organization/settings/retention"): "get_retention_advice",
    ("get", "/outbox"): "get_outbox",
    ("get", "/analytics"): "get_analytics",
    ("get", "/xapi/statements"): "list_xapi_statements",
    ("get", "/learn/modules"): "list_my_modules",
    ("get", "/learn/modules/{module_id}"): "study_module",
    ("post", "/learn/modules/{module_id}/enroll"): "enroll_myself",
    ("post", "/learn/modules/{module_id}/studied"): "module_studied",
    ("post", "/learn/lessons/{lesson_id}/studied"): "lesson_studied",
    ("get", "/learn/enrollments"): "list_my_enrollments",
    ("post", "/learn/reviews"): "upload_reviews",
    ("get", "/learn/practice"): "get_practice_set",
    ("get", "/learn/progress"): "get_my_progress",
    ("get", "/learn/recaps"): "list_my_recaps",
    ("post", "/learn/recaps/{module_id}/studied"): "recap_studied",
    ("get", "/learn/prompts"): "list_my_prompts",
    ("post", "/learn/prompts/{prompt_id}/outcome"): "answer_prompt",
    ("get", "/learn/reflections"): "list_my_reflections",
    ("post", "/learn/reflections"): "write_reflection",
    ("patch", "/learn/reflections/{public_id}"): "update_reflection",
    ("delete", "/learn/reflections/{public_id}"): "delete_reflection",
    ("get", "/team/feed"): "get_team_feed",
    ("post", "/team/questions"): "ask_team",
    ("get", "/team/questions/{question_id}"): "get_question",
    ("delete", "/team/questions/{question_id}"): "delete_question",
    ("post", "/team/questions/{question_id}/answers"): "answer_question",
    ("post", "/team/answers/{answer_id}/useful"): "mark_answer_useful",
    ("post", "/team/answers/{answer_id}/item"): "answer_to_item",
    ("post", "/team/posts/{post_id}/hide"): "hide_post",
    ("post", "/team/posts/{post_id}/restore"): "restore_post",
    ("get", "/team/moderation"): "list_moderation",
}


class OperationIdPlugin(BasePlugin):
    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            name = OPERATION_IDS.get((method, path or ""))
            if name is None:
                raise LookupError(f"{method.upper()} {path} needs a name in api/operation_ids.py")
            operation["operationId"] = name
