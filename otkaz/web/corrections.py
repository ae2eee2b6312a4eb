"""Analysts' corrections: read and check them, from a form or from JSON, into a decision payload.

A "correct" payload holds only the fields that change, in their plain JSON form
(``{"count": {"min": 3, "max": 3}}``), plus an optional ``note``; merging applies it
over the machine's values on every re-run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from otkaz.model import (
    ACTORS,
    CONSEQUENCES,
    INCIDENT_TYPES,
    PRECISIONS,
    Count,
    DateRange,
    Incident,
    Place,
    as_plain,
)
from otkaz.web.present import FIELDS

PlaceLookup = Callable[[str], Place | None]
LIST_SEPARATORS = (";", "\n")


class CorrectionError(ValueError):
    """A corrected value that cannot be used; the message names the field and says why."""


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
            f"the gazetteer cannot be read ({type(exc).__name__}): "
            "give the place's country, latitude and longitude"
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
    if not raw.isdigit():
        raise CorrectionError(f"count: {raw!r} is not a whole number of people")
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
        raise CorrectionError(f"{name.replace('_', ' ')}: {raw!r} is not a number") from None


def _form_place(
    form: Mapping[str, Any], prefix: str, current: Place | None, lookup: PlaceLookup
) -> dict[str, Any] | None:
    """The place a form gives: looked up by name when the analyst typed a new one without a point."""
    name = _text(form, prefix)
    if not name:
        return None
    lat, lon = _coordinate(form, f"{prefix}_lat"), _coordinate(form, f"{prefix}_lon")
    same_point = current is not None and (lat, lon) == (current.lat, current.lon)
    if (current is None or name != current.name) and (lat is None or lon is None or same_point):
        found = lookup(name)
        if found is None:
            raise CorrectionError(
                f"{prefix}: {name!r} is not in the gazetteer: give its country, latitude and longitude"
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
    if note := _text(form, "note"):
        payload["note"] = note
    if not payload:
        raise CorrectionError("nothing to correct: no field differs from the incident")
    return payload


# --- checks shared with the JSON API ---------------------------------------------


def check_type(value: Any) -> str:
    if value not in INCIDENT_TYPES:
        raise CorrectionError(f"type: {value!r} is not one of {', '.join(INCIDENT_TYPES)}")
    return value


def check_labels(name: str, values: Any, allowed: tuple[str, ...]) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise CorrectionError(f"{name}: expected a list of labels")
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise CorrectionError(f"{name}: {unknown[0]!r} is not one of {', '.join(allowed)}")
    return list(dict.fromkeys(values))


def check_strings(name: str, values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise CorrectionError(f"{name}: expected a list of non-empty strings")
    return list(dict.fromkeys(v.strip() for v in values))


def check_count(value: Any) -> dict[str, int | None]:
    if not isinstance(value, dict):
        raise CorrectionError("count: expected {\"min\": n, \"max\": m}")
    low, high = value.get("min"), value.get("max")
    for bound in (low, high):
        if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool) or bound < 0):
            raise CorrectionError(f"count: {bound!r} is not a whole number of people")
    if low is not None and high is not None and high < low:
        raise CorrectionError(f"count: the maximum {high} is below the minimum {low}")
    return Count(low, high).to_dict()


def check_date(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    try:
        start, end = date.fromisoformat(value["start"]), date.fromisoformat(value["end"])
        return DateRange(start, end).to_dict()
    except (TypeError, KeyError, ValueError):
        raise CorrectionError(f"date: {value!r} is not two ISO dates (2023-05-31), the end not before the start") from None


def check_place(name: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"].strip():
        raise CorrectionError(f"{name}: expected a place with a name")
    lat, lon = value.get("lat"), value.get("lon")
    if (lat is None) != (lon is None):
        raise CorrectionError(f"{name}: give both latitude and longitude, or neither")
    if lat is not None and not (isinstance(lat, int | float) and -90 <= lat <= 90):
        raise CorrectionError(f"{name}: latitude {lat!r} is not between -90 and 90")
    if lon is not None and not (isinstance(lon, int | float) and -180 <= lon <= 180):
        raise CorrectionError(f"{name}: longitude {lon!r} is not between -180 and 180")
    country = value.get("country")
    if country is not None and not (isinstance(country, str) and len(country) == 2 and country.isalpha()):
        raise CorrectionError(f"{name}: country {country!r} is not a two-letter ISO code")
    precision = value.get("precision") or "city"
    if precision not in PRECISIONS:
        raise CorrectionError(f"{name}: precision {precision!r} is not one of {', '.join(PRECISIONS)}")
    place = Place.from_dict({**value, "precision": precision, "country": country.upper() if country else None})
    return place_plain(place)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "type": check_type,
    "actors": lambda v: check_labels("actors", v, ACTORS),
    "count": check_count,
    "location": lambda v: check_place("location", v),
    "origin": lambda v: check_place("origin", v),
    "date": check_date,
    "consequences": lambda v: check_labels("consequences", v, CONSEQUENCES),
    "cited": lambda v: check_strings("cited", v),
    "people": lambda v: check_strings("people", v),
}


def check_payload(payload: Any) -> dict[str, Any]:
    """A JSON "correct" payload, checked field by field; unknown keys are refused."""
    if not isinstance(payload, dict) or not payload:
        raise CorrectionError("payload: expected an object of corrected fields")
    unknown = sorted(set(payload) - set(FIELDS) - {"note"})
    if unknown:
        raise CorrectionError(f"payload: unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)}, note)")
    checked = {name: _CHECKS[name](value) for name, value in payload.items() if name != "note"}
    if "note" in payload:
        checked["note"] = str(payload["note"])
    return as_plain(checked)
