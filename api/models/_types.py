"""Column types shared by the models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def str_enum(enum_cls: type[enum.StrEnum]) -> Enum:
    """Store a StrEnum by its value as a plain VARCHAR, portable across SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )
