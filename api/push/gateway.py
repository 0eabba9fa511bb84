"""What the dispatcher needs from a push service, whichever it is."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class Failure(enum.StrEnum):
    UNREGISTERED = "unregistered"  # the token is gone: remove the device
    SENDER_MISMATCH = "sender_mismatch"  # the token belongs to another project: remove it
    QUOTA = "quota_exceeded"  # retry after Retry-After
    UNAVAILABLE = "unavailable"  # 500/503 or the network: retry with backoff
    INVALID = "invalid_argument"  # our message is wrong: do not retry
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PushMessage:
    token: str
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)
    # Devices show one notification per key: a resend replaces, never doubles.
    collapse_key: str = ""


@dataclass(frozen=True, slots=True)
class SendResult:
    message_id: str | None = None
    failure: Failure | None = None
    retry_after: float | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None


class PushGateway(Protocol):
    def send(self, message: PushMessage) -> SendResult:
        """Send one message; never raises for a delivery problem, reports it instead."""
        ...


@runtime_checkable
class StreamingGateway(Protocol):
    def send_stream(
        self, messages: Sequence[PushMessage]
    ) -> Iterator[list[tuple[int, SendResult]]]:
        """Send many at once; yield (index, result) pairs as answers arrive, and send on
        only when asked for the next ones (so the caller records what it was given first)."""
        ...
