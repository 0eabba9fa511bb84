"""Push texts per locale, and the data a push carries for the app.

FCM data values must be strings. ``deep_link`` opens the right screen; a practice push
may carry one question so that the learner can answer from the notification.
"""

from __future__ import annotations

import json
from typing import Any

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "practice": ("{due} questions, about {minutes} min", "A quick round keeps it fresh."),
        "recap": ("Recap: {module}", "Two minutes to refresh the key points."),
        "apply": ("Try this at work today", "{prompt}"),
        "follow_up": ("How did it go?", "You tried: {prompt}"),
    },
    "de": {
        "practice": ("{due} Fragen, etwa {minutes} Min.", "Eine kurze Runde hält es frisch."),
        "recap": ("Rückblick: {module}", "Zwei Minuten für die wichtigsten Punkte."),
        "apply": ("Heute bei der Arbeit ausprobieren", "{prompt}"),
        "follow_up": ("Wie ist es gelaufen?", "Ausprobiert: {prompt}"),
    },
}


def render(
    payload: dict[str, Any], *, locale: str, notification_id: int
) -> tuple[str, str, dict[str, str]]:
    """Title, body and data of a push, in the device's language (English if unknown)."""
    # "de-DE" from iOS and the web, "de_DE" from Android's Locale: both are German.
    language = locale.replace("_", "-").split("-")[0].lower()
    texts = TEXTS.get(language, TEXTS["en"])
    kind = payload["kind"]
    title_format, body_format = texts[kind]
    values = {
        "due": payload.get("due", 0),
        "minutes": payload.get("minutes", 1),
        "module": payload.get("module_title", ""),
        "prompt": payload.get("prompt", ""),
    }
    title, body = title_format.format(**values), body_format.format(**values)
    data = {
        "kind": kind,
        "deep_link": str(payload.get("deep_link", "bitewise://home")),
        "notification_id": str(notification_id),
    }
    item = payload.get("item")
    if item:
        body = item["prompt"]
        data.update(
            item_id=str(item["id"]),
            item_kind=str(item["kind"]),
            item_options=json.dumps(item.get("options", [])),
        )
    return title[:120], body[:240], data
