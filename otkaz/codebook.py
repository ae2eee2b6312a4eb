"""What an analyst may record: every value of a decision checked against the codebook.

A correction holds only the fields that change, in their export form
(``{"count": {"min": 3, "max": 3}}``); any decision may carry a note. Values are
checked before a decision is stored (``CodebookError`` names the field and says why)
and again when stored decisions are applied, so that one an older version let
through is reported and skipped instead of breaking every later run.

    from otkaz.codebook import check_correction
    check_correction({"count": {"min": 3, "max": 3}, "note": "recount"})
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from otkaz.model import ACTORS, CONSEQUENCES, DECISION_KINDS, INCIDENT_TYPES, PRECISIONS, Decision

# People in one incident: no single act involves more; national figures are aggregates.
MAX_COUNT = 1_000_000
# The war began in 2014; an incident cannot be dated after tomorrow (time zones).
EARLIEST_DATE = date(2014, 1, 1)
MAX_NOTE_LENGTH = 2000  # characters
MAX_NAME_LENGTH = 200  # a place, a person, a cited source, an account
MAX_ID_LENGTH = 200  # an incident id, a mention key, a place key
MAX_LIST_LENGTH = 100  # names in a list; incidents or mentions a decision names

# The coded fields an analyst can correct, in export order.
CORRECTABLE_FIELDS = ("type", "actors", "count", "location", "origin", "date", "consequences", "cited", "people")
NOTE = "note"
MENTION_KEYS = "mention_keys"  # recorded by the merge stage when a decision is made (otkaz.merge)
PLACE_KEYS = ("name", "lat", "lon", "admin1", "country", "precision", "key")

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
# Control characters (line breaks and tabs are allowed in notes only).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOTE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CodebookError(ValueError):
    """A value the codebook does not allow; the message is one line: "field: reason"."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def shown(value: Any, limit: int = 40) -> str:
    """A value as an error message quotes it: short, on one line, whatever its size."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return "a number of more than 19 digits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _latest_date() -> date:
    return datetime.now(UTC).date() + timedelta(days=1)


def check_text(field: str, value: Any, max_length: int = MAX_NAME_LENGTH, multiline: bool = False) -> str:
    """A non-empty piece of text (stripped): valid Unicode, no control characters, not too long."""
    if not isinstance(value, str) or not value.strip():
        raise CodebookError(field, f"expected a non-empty text, got {shown(value)}")
    text = value.strip()
    if len(text) > max_length:
        raise CodebookError(field, f"{len(text)} characters, more than the {max_length} allowed")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CodebookError(field, "not valid Unicode text (a lone surrogate)") from None
    if (_NOTE_CONTROL if multiline else _CONTROL).search(text):
        raise CodebookError(field, "holds a control character")
    return text


def check_note(value: Any) -> str | None:
    """A decision's note: None when absent or blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return check_text(NOTE, value, MAX_NOTE_LENGTH, multiline=True)


def check_type(value: Any) -> str:
    if value not in INCIDENT_TYPES:
        raise CodebookError("type", f"{shown(value)} is not one of {', '.join(INCIDENT_TYPES)}")
    return value


def _list(field: str, values: Any) -> list[Any]:
    if not isinstance(values, list):
        raise CodebookError(field, f"expected a list, got {shown(values)}")
    if len(values) > MAX_LIST_LENGTH:
        raise CodebookError(field, f"{len(values)} items, more than the {MAX_LIST_LENGTH} allowed")
    return values


def check_labels(field: str, values: Any, allowed: tuple[str, ...]) -> list[str]:
    unknown = [v for v in _list(field, values) if not isinstance(v, str) or v not in allowed]
    if unknown:
        raise CodebookError(field, f"{shown(unknown[0])} is not one of {', '.join(allowed)}")
    return list(dict.fromkeys(values))


def check_names(field: str, values: Any) -> list[str]:
    """A list of names (cited sources, people), each checked as text."""
    return list(dict.fromkeys(check_text(field, v) for v in _list(field, values)))


def _only_keys(field: str, value: Any, allowed: tuple[str, ...], expected: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CodebookError(field, f"expected {expected}, got {shown(value)}")
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise CodebookError(field, f"unknown key {shown(unknown[0])} (expected {expected})")
    return value


def check_count(value: Any) -> dict[str, int | None]:
    """{"min": m, "max": n}: whole numbers of people from 0 to MAX_COUNT, or null; max not below min."""
    value = _only_keys("count", value, ("min", "max"), '{"min": m, "max": n}')
    low, high = value.get("min"), value.get("max")
    for bound in (low, high):
        if bound is None:
            continue
        if not isinstance(bound, int) or isinstance(bound, bool) or bound < 0:
            raise CodebookError("count", f"{shown(bound)} is not a whole number of people")
        if bound > MAX_COUNT:
            raise CodebookError("count", f"{shown(bound)} is more than {MAX_COUNT} people")
    if low is not None and high is not None and high < low:
        raise CodebookError("count", f"the maximum {high} is below the minimum {low}")
    return {"min": low, "max": high}


def _day(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise CodebookError("date", f"{shown(value)} is not an ISO date like 2023-05-31")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CodebookError("date", f"{shown(value)} is not a day of the calendar") from None
    latest = _latest_date()
    if not EARLIEST_DATE <= day <= latest:
        raise CodebookError("date", f"{value} is not between {EARLIEST_DATE} and {latest}")
    return day


def check_date(value: Any) -> dict[str, str] | None:
    """{"start": day, "end": day} (ISO, from EARLIEST_DATE to tomorrow, the end not before the start), or null."""
    if value is None:
        return None
    value = _only_keys("date", value, ("start", "end"), '{"start": "2023-05-01", "end": "2023-05-31"}')
    start, end = _day(value.get("start")), _day(value.get("end"))
    if end < start:
        raise CodebookError("date", f"the end {end} is before the start {start}")
    return {"start": start.isoformat(), "end": end.isoformat()}


def _coordinate(field: str, name: str, value: Any, limit: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CodebookError(field, f"{name} {shown(value)} is not a number")
    if not -limit <= value <= limit:
        raise CodebookError(field, f"{name} {shown(value)} is not between -{limit} and {limit}")
    return float(value)


def check_place(field: str, value: Any) -> dict[str, Any] | None:
    """A place {name, lat, lon, admin1, country, precision, key}, or null; a missing precision is "city"."""
    if value is None:
        return None
    value = _only_keys(field, value, PLACE_KEYS, "a place {name, lat, lon, admin1, country, precision}")
    name = check_text(field, value.get("name"))
    lat = _coordinate(field, "latitude", value.get("lat"), 90)
    lon = _coordinate(field, "longitude", value.get("lon"), 180)
    if (lat is None) != (lon is None):
        raise CodebookError(field, "give both latitude and longitude, or neither")
    admin1 = value.get("admin1")
    country = value.get("country")
    if country is not None and not (isinstance(country, str) and _COUNTRY.fullmatch(country)):
        raise CodebookError(field, f"country {shown(country)} is not a two-letter ISO code")
    precision = value.get("precision") or "city"
    if precision not in PRECISIONS:
        raise CodebookError(field, f"precision {shown(precision)} is not one of {', '.join(PRECISIONS)}")
    key = value.get("key")
    return {
        "name": name,
        "lat": lat,
        "lon": lon,
        "admin1": None if admin1 is None else check_text(field, admin1),
        "country": country.upper() if country else None,
        "precision": precision,
        "key": None if key is None else check_text(field, key, MAX_ID_LENGTH),
    }


_FIELD_CHECKS = {
    "type": check_type,
    "actors": lambda v: check_labels("actors", v, ACTORS),
    "count": check_count,
    "location": lambda v: check_place("location", v),
    "origin": lambda v: check_place("origin", v),
    "date": check_date,
    "consequences": lambda v: check_labels("consequences", v, CONSEQUENCES),
    "cited": lambda v: check_names("cited", v),
    "people": lambda v: check_names("people", v),
}


def check_correction(payload: Any) -> dict[str, Any]:
    """A "correct" payload as an analyst sends it: corrected fields and an optional note, each checked."""
    if not isinstance(payload, dict) or not payload:
        raise CodebookError("payload", "expected an object of corrected fields")
    unknown = sorted(str(name) for name in payload if name not in (*CORRECTABLE_FIELDS, NOTE))
    if unknown:
        fields = ", ".join(CORRECTABLE_FIELDS)
        raise CodebookError("payload", f"unknown field {shown(unknown[0])} (fields: {fields}, note)")
    checked: dict[str, Any] = {name: _FIELD_CHECKS[name](payload[name]) for name in CORRECTABLE_FIELDS if name in payload}
    if not checked:
        raise CodebookError("payload", "nothing to correct: a correction names the fields it changes")
    if note := check_note(payload.get(NOTE)):
        checked[NOTE] = note
    return checked


def _check_id(field: str, value: Any) -> str:
    return check_text(field, value, MAX_ID_LENGTH)


def _check_mention_keys(value: Any) -> dict[str, list[str]]:
    """{incident id: [mention keys]}, as the merge stage records them."""
    if not isinstance(value, dict) or len(value) > MAX_LIST_LENGTH + 1:
        raise CodebookError(MENTION_KEYS, f"expected {{incident id: [mention keys]}}, got {shown(value)}")
    return {
        _check_id(MENTION_KEYS, incident_id): [_check_id(MENTION_KEYS, key) for key in _list(MENTION_KEYS, keys)]
        for incident_id, keys in value.items()
    }


def check_decision(decision: Decision) -> Decision:
    """The decision with every value checked (a correction's fields, the note, ids, the user)."""
    if decision.kind not in DECISION_KINDS:
        raise CodebookError("kind", f"{shown(decision.kind)} is not one of {', '.join(DECISION_KINDS)}")
    payload = decision.payload
    if not isinstance(payload, dict):
        raise CodebookError("payload", f"expected an object, got {shown(payload)}")
    if decision.kind == "correct":
        checked = check_correction({name: value for name, value in payload.items() if name != MENTION_KEYS})
    else:
        unknown = sorted(str(name) for name in payload if name not in (NOTE, MENTION_KEYS))
        if unknown:
            raise CodebookError("payload", f"unknown field {shown(unknown[0])} for a {decision.kind} (only a note)")
        checked = {NOTE: note} if (note := check_note(payload.get(NOTE))) else {}
    if MENTION_KEYS in payload:
        checked[MENTION_KEYS] = _check_mention_keys(payload[MENTION_KEYS])
    return replace(
        decision,
        incident_id=_check_id("incident", decision.incident_id),
        user=check_text("user", decision.user),
        other_ids=[_check_id("other_ids", other) for other in _list("other_ids", decision.other_ids)],
        payload=checked,
    )
