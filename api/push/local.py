"""The embedded default: no Firebase project, so print what would have been sent."""

from __future__ import annotations

import itertools
import logging

from api.push.gateway import PushMessage, SendResult

logger = logging.getLogger("bitewise.push")


class LocalGateway:
    """Records pushes in the log (and in ``sent``) instead of sending them."""

    def __init__(self) -> None:
        self.sent: list[PushMessage] = []
        self._ids = itertools.count(1)

    def send(self, message: PushMessage) -> SendResult:
        self.sent.append(message)
        logger.info(
            "push (local, not sent): %s | %s | %s",
            message.title,
            message.body,
            message.data.get("deep_link", ""),
            extra={"device_token": message.token[:12], "data": message.data},
        )
        return SendResult(message_id=f"local/{next(self._ids)}")
