"""Schema pieces and the id URL converter shared by several resources."""

from __future__ import annotations

import copy
import datetime as dt
import zoneinfo
from typing import Any

import marshmallow as ma
from marshmallow import validate
from marshmallow.schema import SchemaMeta
from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1


class IdConverter(BaseConverter):
    """Positive 32-bit ids only: anything else is a plain 404, never a database error."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class PublicIdConverter(BaseConverter):
    """The random 32-hex ids of team posts (they say nothing about order or author)."""

    regex = r"[0-9a-f]{32}"


def public_id_converter_schema(_converter: BaseConverter) -> dict:
    return {
        "type": "string",
        "pattern": "^[0-9a-f]{32}$",
        "example": "9f0c1e6b2a7d4c3e8b5a1f2d3c4b5a69",
    }


def id_converter_schema(_converter: BaseConverter) -> dict:
    # The example is what Swagger UI's "Try it out" offers and generated docs show.
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID, "example": 1}


def check_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ma.ValidationError("Not an IANA time zone, e.g. 'Europe/Berlin'.") from exc


def TimeZone(**kwargs: Any) -> ma.fields.String:
    # The column holds 64 characters; IANA's longest name has 32.
    kwargs.setdefault("metadata", {"example": "Europe/Berlin"})
    return ma.fields.String(validate=[validate.Length(max=64), check_time_zone], **kwargs)


def Locale(**kwargs: Any) -> ma.fields.String:
    """A language tag: BCP 47 ("de-DE"), or the underscore form Android's Locale prints."""
    kwargs.setdefault("metadata", {"example": "de-DE"})
    return ma.fields.String(
        validate=[
            # The column holds 35 characters (found by schemathesis: longer was a 500).
            validate.Length(2, 35),
            validate.Regexp(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{1,8})*$", error="Not a language tag."),
        ],
        **kwargs,
    )


def Id(**kwargs: object) -> ma.fields.Integer:
    return ma.fields.Integer(validate=validate.Range(1, MAX_ID), **kwargs)  # type: ignore[arg-type]


# Every date a client sends falls between these. Without a bound, a date at the calendar's
# edge overflowed a conversion or a default period ("0001-01-01T00:30:00+01:00" in UTC, the
# week before 0001-01-02): a 500 on reviews, enrollments, analytics and xAPI alike.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
OUT_OF_RANGE = "Out of range: dates from 2000-01-01 to 2100-12-31 only."


def _within_range(day: dt.date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ma.ValidationError(OUT_OF_RANGE)


class UtcDateTime(ma.fields.AwareDateTime):
    """ISO 8601 with an offset in; always UTC out (and into the services), written with
    ``Z``: the most common TypeScript validator setup (zod's datetime) refuses ``+00:00``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        try:
            moment = super()._deserialize(value, attr, data, **kwargs).astimezone(dt.UTC)
        except OverflowError as exc:
            raise ma.ValidationError(OUT_OF_RANGE) from exc
        _within_range(moment.date())
        return moment

    def _serialize(
        self, value: dt.datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> Any:
        if value is None:
            return None
        text = str(super()._serialize(value.astimezone(dt.UTC), attr, obj, **kwargs))
        return text[:-6] + "Z" if text.endswith("+00:00") else text


class Day(ma.fields.Date):
    """A calendar date in, between EARLIEST and LATEST."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        day = super()._deserialize(value, attr, data, **kwargs)
        _within_range(day)
        return day


class StoredDate(Day):
    """A date kept as ISO text in a JSON column (holidays, working-day lists)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return super()._serialize(value, attr, obj, **kwargs)


class _RequiredOnTheWayOut(SchemaMeta):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        klass = super().__new__(mcs, name, bases, attrs)
        for field_name, field in list(klass._declared_fields.items()):
            if field.metadata.get("optional") or field.required or field.load_only:
                continue
            # A copy: an inherited field may belong to an input schema too.
            mine = copy.copy(field)
            mine.required = True
            klass._declared_fields[field_name] = mine
        return klass


class Out(ma.Schema, metaclass=_RequiredOnTheWayOut):
    """A response schema: every field is one the server always sends, so the spec lists it
    as required and a generated client types it as present (a field sent only sometimes
    says so with ``metadata={"optional": True}``). Loading never uses these schemas, so
    ``required`` only speaks to the spec."""
