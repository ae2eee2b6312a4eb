"""Analysts' corrections from the review form: read them into a decision payload.

A "correct" payload holds only the fields that change, in their plain JSON form
(``{"count": {"min": 3, "max": 3}}``), plus an optional ``note``; merging applies it
over the machine's values on every re-run. ``otkaz.codebook`` checks every value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from otkaz.codebook import (
    MAX_COUNT,
    CodebookError,
    check_count,
    check_date,
    check_labels,
    check_note,
    check_place,
    check_text,
    check_type,
    shown,
)
from otkaz.model import ACTORS, CONSEQUENCES, Incident, Place

PlaceLookup = Callable[[str], Place | None]
LIST_SEPARATORS = (";", "\n")


class CorrectionError(CodebookError):
    """A form value that cannot be read, or a place the gazetteer cannot give; names the field."""


def place_plain(place: Place | None) -> dict[str, Any] | None:
    """A place's JSON form, its key kept (merging compares places by key)."""
    return {**place.to_dict(), "key": place.key} if place else None


def current_values(incident: Incident) -> dict[str, Any]:
    """The incident's correctable fields in plain JSON form."""
    return {
        "type": incident.type,
        "actors": list(incident.actors),
        "count": incident.count.to_dict(),
        "location": place_plain(incident.location),
        "origin": place_plain(incident.origin),
        "date": incident.date.to_dict() if incident.date else None,
        "consequences": list(incident.consequences),
        "cited": list(incident.cited),
        "people": list(incident.people),
    }


def gazetteer_lookup(name: str) -> Place | None:
    """The gazetteer's place for a name, Russian when written in Cyrillic."""
    lang = "ru" if any("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in name) else "en"
    try:
        from otkaz.gazetteer import (
            get_gazetteer,  # builds its index on first use
        )

        return get_gazetteer().lookup(name, lang)
    except (ImportError, OSError) as exc:
        raise CorrectionError(
            "place",
            f"the gazetteer cannot be read ({type(exc).__name__}): give the place's country, latitude and longitude",
        ) from None


# --- from a form -------------------------------------------------------------


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _split_list(raw: str) -> list[str]:
    for separator in LIST_SEPARATORS[1:]:
        raw = raw.replace(separator, LIST_SEPARATORS[0])
    return list(dict.fromkeys(part.strip() for part in raw.split(LIST_SEPARATORS[0]) if part.strip()))


def _count_bound(form: Mapping[str, Any], name: str) -> int | None:
    raw = _text(form, name)
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]+", raw):
        raise CorrectionError("count", f"{shown(raw)} is not a whole number of people")
    if len(raw.lstrip("0")) > len(str(MAX_COUNT)):  # before int(): Python refuses very long numbers
        raise CorrectionError("count", f"{shown(raw)} is more than {MAX_COUNT} people")
    return int(raw)


def _form_count(form: Mapping[str, Any]) -> dict[str, int | None]:
    low, high = _count_bound(form, "count_min"), _count_bound(form, "count_max")
    return check_count({"min": low, "max": high})


def _form_date(form: Mapping[str, Any]) -> dict[str, str] | None:
    start, end = _text(form, "date_start"), _text(form, "date_end")
    if not start and not end:
        return None
    return check_date({"start": start or end, "end": end or start})


def _coordinate(form: Mapping[str, Any], name: str) -> float | None:
    raw = _text(form, name)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        field, _, coordinate = name.partition("_")
        raise CorrectionError(field, f"{coordinate} {shown(raw)} is not a number") from None


def _form_place(
    form: Mapping[str, Any], prefix: str, current: Place | None, lookup: PlaceLookup
) -> dict[str, Any] | None:
    """The place a form gives: looked up by name when the analyst typed a new one without a point."""
    name = _text(form, prefix)
    if not name:
        return None
    name = check_text(prefix, name)
    lat, lon = _coordinate(form, f"{prefix}_lat"), _coordinate(form, f"{prefix}_lon")
    same_point = current is not None and (lat, lon) == (current.lat, current.lon)
    if (current is None or name != current.name) and (lat is None or lon is None or same_point):
        found = lookup(name)
        if found is None:
            raise CorrectionError(
                prefix, f"{shown(name)} is not in the gazetteer: give its country, latitude and longitude"
            )
        return place_plain(found)
    key = _text(form, f"{prefix}_key") or (current.key if current and name == current.name else None)
    return check_place(
        prefix,
        {
            "name": name,
            "lat": lat,
            "lon": lon,
            "admin1": _text(form, f"{prefix}_admin1") or None,
            "country": _text(form, f"{prefix}_country").upper() or None,
            "precision": _text(form, f"{prefix}_precision") or "city",
            "key": key or None,
        },
    )


def payload_from_form(form: Any, incident: Incident, lookup: PlaceLookup) -> dict[str, Any]:
    """The fields of ``form`` that differ from ``incident``, checked; the note when given."""
    proposed = {
        "type": check_type(_text(form, "type")),
        "actors": check_labels("actors", form.getlist("actors"), ACTORS),
        "count": _form_count(form),
        "location": _form_place(form, "location", incident.location, lookup),
        "origin": _form_place(form, "origin", incident.origin, lookup),
        "date": _form_date(form),
        "consequences": check_labels("consequences", form.getlist("consequences"), CONSEQUENCES),
        "cited": _split_list(_text(form, "cited")),
        "people": _split_list(_text(form, "people")),
    }
    if "people" not in form:  # the form of someone who may not see names leaves them alone
        del proposed["people"]
    current = current_values(incident)
    payload: dict[str, Any] = {name: value for name, value in proposed.items() if value != current[name]}
    if note := check_note(form.get("note")):
        payload["note"] = note
    if not payload:
        raise CorrectionError("payload", "nothing to correct: no field differs from the incident")
    return payload
