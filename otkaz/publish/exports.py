"""Incidents -> JSONL, CSV and GeoJSON, with people's names left out unless asked for.

JSONL is ``Incident.to_export()`` one record per line (evidence included).
CSV and GeoJSON carry the flat fields of ``flat_record`` (no evidence).
Without ``include_names`` no record has a ``people`` key and every evidence
quote and document title has the names pseudonymized (see ``privacy``);
evidence offsets keep pointing into the original text.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from otkaz.model import Incident, Place
from otkaz.publish.privacy import Pseudonymizer

FORMATS = ("jsonl", "csv", "geojson")
LIST_SEPARATOR = ";"
PLACE_FIELDS = ("name", "lat", "lon", "admin1", "country", "precision")


def export_records(incidents: Iterable[Incident], include_names: bool = False) -> list[dict[str, Any]]:
    """The JSONL records: ``to_export()``, names pseudonymized unless ``include_names``."""
    incidents = list(incidents)
    records = [incident.to_export(include_names=include_names) for incident in incidents]
    if include_names:
        return records
    pseudonymizer = Pseudonymizer(name for incident in incidents for name in incident.people)
    for record in records:
        for report in record["reports"]:
            document = report["document"]
            if document.get("title"):
                document["title"] = pseudonymizer.redact(document["title"])
            for evidence in report["evidence"]:
                evidence["quote"] = pseudonymizer.redact(evidence["quote"])
    return records


def flat_columns(include_names: bool = False) -> list[str]:
    """The CSV header and the GeoJSON properties, in order."""
    places = [f"{prefix}_{name}" for prefix in ("location", "origin") for name in PLACE_FIELDS]
    columns = ["id", "type", "actors", "count_min", "count_max", *places]
    columns += ["date_start", "date_end", "consequences", "cited"]
    if include_names:
        columns.append("people")
    return columns + ["confidence", "reports", "sources", "status"]


def flat_record(incident: Incident, include_names: bool = False) -> dict[str, Any]:
    """One flat row: lists joined with ";", places spread over ``location_*`` / ``origin_*``."""
    sources = (report.document.url or report.document.id for report in incident.reports)
    values: dict[str, Any] = {
        "id": incident.id,
        "type": incident.type,
        "actors": LIST_SEPARATOR.join(incident.actors),
        "count_min": incident.count.min,
        "count_max": incident.count.max,
        **_place_columns("location", incident.location),
        **_place_columns("origin", incident.origin),
        "date_start": incident.date.start.isoformat() if incident.date else None,
        "date_end": incident.date.end.isoformat() if incident.date else None,
        "consequences": LIST_SEPARATOR.join(incident.consequences),
        "cited": LIST_SEPARATOR.join(incident.cited),
        "people": LIST_SEPARATOR.join(incident.people),
        "confidence": round(incident.confidence, 3),
        "reports": len(incident.reports),
        "sources": LIST_SEPARATOR.join(dict.fromkeys(sources)),
        "status": incident.status,
    }
    return {column: values[column] for column in flat_columns(include_names)}


def _place_columns(prefix: str, place: Place | None) -> dict[str, Any]:
    values = place.to_dict() if place else {}
    return {f"{prefix}_{name}": values.get(name) for name in PLACE_FIELDS}


def to_geojson(incidents: Iterable[Incident], include_names: bool = False) -> dict[str, Any]:
    """A FeatureCollection of points at the location, else the origin.

    Incidents with neither are left out and counted in ``excluded``.
    """
    features = []
    excluded = 0
    for incident in incidents:
        point = _point_of(incident)
        if point is None:
            excluded += 1
            continue
        features.append(
            {
                "type": "Feature",
                "id": incident.id,
                "geometry": {"type": "Point", "coordinates": list(point)},
                "properties": flat_record(incident, include_names),
            }
        )
    return {"type": "FeatureCollection", "features": features, "excluded": excluded}


def _point_of(incident: Incident) -> tuple[float, float] | None:
    """(lon, lat) as GeoJSON orders them."""
    for place in (incident.location, incident.origin):
        if place is not None and place.lat is not None and place.lon is not None:
            return (place.lon, place.lat)
    return None


def write_export(incidents: Iterable[Incident], fmt: str, out: TextIO, include_names: bool = False) -> dict[str, int]:
    """Write ``incidents`` to ``out`` in ``fmt``; returns {"written": n, "excluded": m}."""
    incidents = list(incidents)
    if fmt == "jsonl":
        for record in export_records(incidents, include_names):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return {"written": len(incidents), "excluded": 0}
    if fmt == "csv":
        rows = [flat_record(incident, include_names) for incident in incidents]
        writer = csv.DictWriter(out, fieldnames=flat_columns(include_names), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return {"written": len(rows), "excluded": 0}
    if fmt == "geojson":
        collection = to_geojson(incidents, include_names)
        json.dump(collection, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return {"written": len(collection["features"]), "excluded": collection["excluded"]}
    raise ValueError(f"unknown export format {fmt!r}: expected one of {', '.join(FORMATS)}")
