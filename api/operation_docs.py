"""What each operation does, beyond its one-line summary: the spec's ``description``.

A view's docstring gives the summary (and may give the description itself, as its later
paragraphs); what is here fills in the rest, in one place beside the operationIds.
``tests/test_openapi.py`` insists that every operation has one.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from apispec import BasePlugin

_REVIEWS = """\
A phone uploads what the learner answered, right after a session or in one batch after
days offline (up to 500 reviews). Each review carries a client-made `id` (any string up to
64 characters, unique per learner): uploading the same review again, in the same or
another batch, stores nothing new and reports the same outcome, so a phone may retry a
whole batch until it gets a 200.

Each review is judged on its own; `results` has one entry per review, in order, with
`status` `accepted` (with the `rating` the server gave and, for choice items, `correct`
and the answer key as `feedback`) or `rejected` (with `error`: `invalid_review` for a
malformed one, `item_not_available` for an item not in a module the learner is enrolled
in, `answered_in_future` when `answered_at` is more than 5 minutes ahead of the server's
clock (the allowed clock skew), `answered_too_long_ago` past a year, `invalid_answer` when
the answer does not fit the item). The others in the batch are stored all the same.

Answers may arrive out of order and late: each is placed at its `answered_at` and the
item's memory is rebuilt from its whole history, so an offline answer from yesterday
counts as yesterday's. Limits: 30 uploads a minute per learner."""

DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("get", "/healthz"): "For a load balancer's liveness probe: 200 while the process runs; "
    "touches nothing else.",
    ("get", "/me"): "The signed-in member: role, organization, team, time zone and language. "
    "The first call with a verified email links an invitation (or answers 409 "
    "`choose_organization` when several organizations invited the address).",
    ("patch", "/me"): "Changes display name, IANA time zone (reminders and 'today' follow it) "
    "or language (pushes are written in it).",
    ("post", "/join"): "For a signed-in person with no organization: joins the team whose "
    "code this is, as a learner. Only a verified address becomes the member's email.",
    ("get", "/me/export"): "Every row Bitewise holds about the caller, as stored: the right "
    "of access (GDPR art. 15).",
    ("post", "/me/invitations/{invitation_id}/accept"): "Links the caller's sign-in to this "
    "invitation (which must be to their verified email). A member must leave their "
    "organization first (409 `already_member`).",
    ("get", "/me/privacy"): "In plain sentences, what admins, managers and the team can see "
    "of the caller under the organization's settings of now, what nobody sees, and what "
    "erasure removes.",
    ("get", "/me/devices"): "The phones that receive the caller's pushes (their tokens are "
    "never sent back).",
    ("post", "/me/devices"): "The app calls this at every start with its FCM registration "
    "token: a known token is refreshed (last seen now), a token someone else registered "
    "moves to the caller. A phone not seen for 60 days gets no pushes.",
    ("delete", "/me/devices/{device_id}"): "The app calls this at sign-out. Deleting a device "
    "that is not the caller's, or is gone, changes nothing (204).",
    ("get", "/me/reminders"): "The caller's reminder preferences, each null when the "
    "organization's default applies, in the caller's time zone.",
    ("patch", "/me/reminders"): "Window, working days, quiet hours (may run over midnight), "
    "a daily cap and a pause. Pushes already planned follow the new settings: each is "
    "checked against them when it is due.",
    ("post", "/me/notifications/{notification_id}/opened"): "The app reports that the "
    "learner opened this push (from the push's `notification_id`, or from the inbox): "
    "reminders then favour the hours the learner opens them at, and back off when ignored.",
    ("get", "/teams"): "Admins see every team; managers and learners their own.",
    ("post", "/teams"): "Admins only. A team gets a join code to share with colleagues.",
    ("get", "/teams/{team_id}"): "With its join code. Another organization's team is 404.",
    ("patch", "/teams/{team_id}"): "Admins only. `regenerate_join_code` invalidates the old "
    "code at once.",
    ("get", "/users"): "Admins only; erased people do not appear. Filter by team or role.",
    ("post", "/users"): "Admins only. The person becomes a member at their first sign-in "
    "with this address verified; the team's assigned modules are enrolled at once.",
    (
        "get",
        "/users/{user_id}",
    ): "Admins only; another organization's member, or an erased person, is 404.",
    ("patch", "/users/{user_id}"): "Admins only. Moving someone to a team enrolls them in its "
    "assigned modules; an admin cannot remove their own admin role.",
    ("get", "/modules"): "Admins only: drafts, published and archived modules.",
    ("post", "/modules"): "Admins only. A draft is edited in place until published.",
    ("get", "/modules/{module_id}"): "Admins only: with answers and explanations (learners "
    "read modules at `/learn/modules/{module_id}`).",
    ("patch", "/modules/{module_id}"): "Admins only. On a published module this makes a new "
    "version; learners' memory of items is kept.",
    ("post", "/modules/{module_id}/publish"): "Admins only. Publishing needs at least one "
    "lesson; it is version 1. Publishing again changes nothing.",
    ("post", "/modules/{module_id}/archive"): "Admins only. Archived modules leave learners' "
    "lists and practice; history stays.",
    ("get", "/modules/{module_id}/versions"): "Admins only: each version learners saw, with "
    "what changed and a snapshot.",
    ("post", "/modules/{module_id}/lessons"): "Admins only. On a published module: a new "
    "version, and enrolled learners meet the new items as new.",
    (
        "patch",
        "/lessons/{lesson_id}",
    ): "Admins only. On a published module: a new version, memory of its items kept.",
    ("delete", "/lessons/{lesson_id}"): "Admins only, and only while the module was never "
    "published (409 otherwise: learners may have practised its items).",
    ("post", "/lessons/{lesson_id}/items"): "Admins only. Free-recall items need a "
    "`model_answer`; choice items their `correct` options.",
    ("get", "/items/{item_id}"): "Admins only, with the answer key and explanation.",
    ("patch", "/items/{item_id}"): "Admins only. Changing the wording keeps the item (its "
    "`revision` counts); changing what is asked (kind, correct answer, number of options) "
    "on published content retires it and answers with the new item.",
    ("delete", "/items/{item_id}"): "Admins only. The item leaves practice; its history stays.",
    ("get", "/enrollments"): "Admins only: who is enrolled in what, and who completed it "
    "(a compliance need).",
    ("post", "/enrollments"): "Admins only. To a team: its members of now and whoever joins "
    "later. With `due_at`, practice makes sure the items are remembered on that date.",
    (
        "delete",
        "/enrollments/{enrollment_id}",
    ): "Admins only. The module leaves the learner's practice; what they answered stays.",
    (
        "get",
        "/organization/settings",
    ): "Admins only: practice, reminder, analytics and export settings.",
    ("patch", "/organization/settings"): "Admins only. `xapi_scope` decides whether the xAPI "
    "export holds individual answers; every learner sees it in `GET /me/privacy`.",
    ("get", "/outbox"): "Admins only: the organization's pushes by status and kind, the "
    "oldest due, the send rate and the failures of the last day by reason.",
    ("get", "/xapi/statements"): "Admins only. Module completions (and, with `xapi_scope` "
    "`activity`, answers and tried-at-work outcomes) as xAPI 1.0.3 statements for a "
    "learning record store, actors as keyed pseudonyms, times as the day. The same record "
    "always gives the same statement id; an erased person's statements come back as "
    "`voided` statements.",
    ("get", "/learn/modules"): "Open modules and the caller's assigned ones, with their "
    "enrollment.",
    ("get", "/learn/modules/{module_id}"): "With lessons and items, never a choice item's "
    "answer (a free-recall item's `model_answer` is there, to grade oneself against). A "
    "strong `ETag`: send it as `If-None-Match` to get a 304 when nothing changed.",
    ("post", "/learn/modules/{module_id}/enroll"): "Open modules only (assigned ones come "
    "from an admin).",
    ("post", "/learn/modules/{module_id}/studied"): "Every item of the module gets its first "
    "memory now (studying counts), 'try this at work' is planned for the next working day, "
    "and practice may ask these items from today.",
    ("post", "/learn/lessons/{lesson_id}/studied"): "The lesson's items get their first "
    "memory now and can come up in practice.",
    ("get", "/learn/enrollments"): "The caller's enrollments with status and due dates.",
    ("post", "/learn/reviews"): _REVIEWS,
    ("get", "/learn/practice"): "A session chosen by the scheduler for the minutes given (or "
    "the organization's session length) at the learner's own pace: the items whose review "
    "now adds the most to what they will remember. Answers come back with the upload.",
    ("get", "/learn/progress"): "Per module: mean recall now, items answered and mature, "
    "next due time, and the minutes of practice forecast for the next 7 and 30 days.",
    ("get", "/learn/recaps"): "Studied modules whose mean recall fell below the target: key "
    "points and the three weakest items.",
    ("post", "/learn/recaps/{module_id}/studied"): "The next recap of this module waits at "
    "least its mean stability in days.",
    ("get", "/learn/prompts"): "Open 'try this at work' prompts and how they ended.",
    ("post", "/learn/prompts/{prompt_id}/outcome"): "`not_yet` (with a reason) moves the "
    "prompt to the next working days, at most twice; `mixed` gives the module's items extra "
    "practice for 14 days. Optionally with a reflection.",
    ("get", "/learn/reflections"): "The caller's own, private and shared (a moderator's "
    "`hidden` is shown to the author only).",
    ("post", "/learn/reflections"): "Private by default; `team` shares it by name at once, "
    "`anonymous` in the team's next daily batch.",
    ("patch", "/learn/reflections/{public_id}"): "Every change of visibility gives the post a "
    "new id, so an anonymous post never carries an id once seen beside a name.",
    (
        "delete",
        "/learn/reflections/{public_id}",
    ): "Authors only; a shared one leaves the team feed at once.",
    ("get", "/team/feed"): "Shared reflections and questions of the caller's team (admins: "
    "any team with `team_id`), newest day first, in random order within a day; anonymous "
    "posts show no author and appear at the organization's midnight after they were written.",
    ("post", "/team/questions"): "Anonymous questions appear in the next daily batch.",
    ("get", "/team/questions/{question_id}"): "Answers carry their authors' names.",
    ("delete", "/team/questions/{question_id}"): "Only the asker; the answers go with it.",
    ("post", "/team/questions/{question_id}/answers"): "Teammates and the team's manager.",
    ("post", "/team/answers/{answer_id}/useful"): "The team's manager or an admin.",
    ("post", "/team/answers/{answer_id}/item"): "Admins only, for an answer marked useful. A "
    "retry answers 200 with the item made the first time.",
    ("post", "/team/posts/{post_id}/hide"): "The team's manager or an admin, with a reason; "
    "logged in the moderation log.",
    ("post", "/team/posts/{post_id}/restore"): "The team's manager or an admin, with a reason.",
    ("get", "/team/moderation"): "The team's manager (their team) or an admin.",
}


# Path and paging parameters, the same wherever they appear.
PARAMETERS: dict[str, str] = {
    "answer_id": "A team answer's id (the `id` of an answer in GET /team/questions/{question_id}).",
    "device_id": "A device's id, from POST or GET /me/devices.",
    "enrollment_id": "An enrollment's id, from GET or POST /enrollments.",
    "invitation_id": "An invitation's id, from GET /me/invitations.",
    "item_id": "An item's id, from GET /modules/{module_id}.",
    "lesson_id": "A lesson's id, from the module that holds it.",
    "media_id": "A media file's id, from POST /media/uploads' PUT or GET /media.",
    "module_id": "A module's id, from the module lists (GET /modules, GET /learn/modules).",
    "notification_id": "A push's id: `notification_id` in its data, or `id` in "
    "GET /me/notifications.",
    "post_id": "A team post's id (question or answer), from GET /team/feed or /team/moderation.",
    "prompt_id": "An application prompt's id, from GET /learn/prompts or a push's data.",
    "public_id": "A reflection's id, from GET /learn/reflections.",
    "question_id": "A team question's id, from GET /team/feed.",
    "team_id": "A team's id, from GET /teams.",
    "user_id": "A member's id, from GET /users.",
    "page": "The page to return, from 1. The `X-Pagination` response header gives the "
    "total and the number of pages.",
    "page_size": "Entries per page.",
}


def _describe(parameters: list[Any]) -> None:
    for parameter in parameters:
        name = parameter.get("name") if isinstance(parameter, dict) else None
        if name in PARAMETERS and not parameter.get("description"):
            parameter["description"] = PARAMETERS[name]


class DescriptionPlugin(BasePlugin):
    """Adds the description of each operation whose docstring gave only a summary, and of
    each path or paging parameter."""

    def path_helper(
        self,
        path: str | None = None,
        operations: dict | None = None,
        parameters: list[dict] | None = None,
        **kwargs: Any,
    ) -> None:
        _describe(parameters or [])

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if path is None or operation.get("description"):
                continue
            if (method, path) in DESCRIPTIONS:
                operation["description"] = DESCRIPTIONS[method, path]
        for operation in (operations or {}).values():
            _describe(operation.get("parameters", []))


def typed_enum(self: Any, field: ma.fields.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """An apispec attribute function: marshmallow's Enum fields by value come out as a bare
    ``enum`` with no ``type``; generators then type them as "any of these values", and
    validators accept a number where a string is due. Name the type."""
    if not isinstance(field, ma.fields.Enum) or "type" in ret:
        return {}
    values = [v for v in ret.get("enum", []) if v is not None]
    if not values or not all(isinstance(v, str) for v in values):
        return {}
    return {"type": ["string", "null"] if field.allow_none else "string"}
