"""What a person's organization can see about them, under its settings of today.

``GET /me/privacy`` says it to the person; the README says the same. Each line here must
stay true of the code: ``tests/api/test_privacy_statement.py`` checks the ones that depend
on settings against what the export and the endpoints really give.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.models import Organization, User
from scheduler.privacy import EPSILON, MIN_K


def statement(session: Session, *, user: User) -> dict[str, Any]:
    org = session.get_one(Organization, user.organization_id)
    k = max(org.min_group_size, MIN_K)
    activity = org.xapi_scope == "activity"
    sees = [
        {
            "who": "admins",
            "sees": "Your name, email, role, team, time zone and language.",
        },
        {
            "who": "admins",
            "sees": "Which modules you are enrolled in, their due dates, and when you "
            "completed each (a compliance need).",
        },
        {
            "who": "admins",
            "sees": (
                "The xAPI export for their learning record store: your module completions, "
                "each answer you give (right or wrong, how long it took, your rating) and "
                "each 'tried at work' outcome"
                if activity
                else "The xAPI export for their learning record store: your module completions only"
            )
            + ", under a pseudonym and by day (not the time). Your name and email are not "
            "in it, but admins can tell who completed what from the enrollments.",
        },
        {
            "who": "admins",
            "sees": "Which reminders are planned for you and sent to you, and when (to answer "
            "'why did I get no reminder?'), not whether you opened them.",
        },
        {
            "who": "admins and your team's manager",
            "sees": f"Weekly figures of groups of at least {k} learners with data, with "
            f"noise (differential privacy, epsilon {EPSILON:g} per figure): never yours "
            "alone, however they ask.",
        },
        {
            "who": "your team, its manager and admins",
            "sees": "What you share with your team by name, with your name; anonymous posts "
            "without it, dated by the day they appear (the organization's next midnight).",
        },
    ]
    never = [
        "Your private reflections.",
        "Who wrote an anonymous post (not even admins: the author is kept only so that "
        "you can edit or delete it).",
        "Your memory of each item (what you are likely to forget).",
    ]
    if not activity:
        never.insert(0, "Your individual answers, ratings and 'tried at work' outcomes.")
    return {
        "organization": org.name,
        "role": user.role.value,
        "xapi_scope": org.xapi_scope,
        "min_group_size": k,
        "sees": sees,
        "never": never,
        "on_erasure": "POST /me/erase deletes your answers, memory, reflections, named posts, "
        "devices and pushes, and you leave the organization. Statements already exported "
        "are voided in the next export; the organization must delete any copies it took "
        "elsewhere. Anonymous posts stay in the team feed, tied to nobody (delete them first "
        "if you want them gone). Group figures already released keep your share, with noise.",
    }
