"""Incidents -> JSONL, CSV, ACLED-like CSV, GeoJSON and Parquet, with people's names left out unless asked for.

JSONL is ``Incident.to_export()`` one record per line (evidence included).
CSV and GeoJSON carry the flat fields of ``flat_record`` (no evidence).
"acled" is a CSV in the column layout of ACLED event data (``ACLED_COLUMNS``).
Parquet holds the JSONL record under a typed schema (``parquet_schema``), plus
the incident's status; it is binary, so it is written to a binary stream.
CSV and ACLED cells that a spreadsheet would run as a formula are neutralized
(``spreadsheet_safe``). Without ``include_names`` every text comes from the public view of the documents
(``redaction.PublicView``): no ``people`` key, names in quotes, notes and titles
replaced by pseudonyms, private cited sources shown as their role, evidence offsets
pointing into the redacted text, no local file paths. Pass the store's view
(``PublicView.of_store``); without one it is made on the spot, which parses the texts.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from otkaz.model import DateRange, Document, Incident, Place
from otkaz.publish.redaction import PublicView

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = ("jsonl", "csv", "geojson")  # the text formats every export reader knows
TEXT_FORMATS = (*FORMATS, "acled")
BINARY_FORMATS = ("parquet",)
ALL_FORMATS = (*TEXT_FORMATS, *BINARY_FORMATS)
LIST_SEPARATOR = ";"
PLACE_FIELDS = ("name", "lat", "lon", "admin1", "country", "precision")


def public_view(incidents: list[Incident], include_names: bool, view: PublicView | None) -> PublicView | None:
    """The view the export reads (None: names included, the originals are read)."""
    if include_names:
        return None
    return view if view is not None else PublicView.computed(incidents)


def export_records(
    incidents: Iterable[Incident], include_names: bool = False, view: PublicView | None = None
) -> list[dict[str, Any]]:
    """The JSONL records: ``to_export()``, or with ``include_names`` false the public view's records."""
    incidents = list(incidents)
    shown = public_view(incidents, include_names, view)
    if shown is None:
        return [incident.to_export(include_names=True) for incident in incidents]
    return [shown.record(incident) for incident in incidents]


def flat_columns(include_names: bool = False) -> list[str]:
    """The CSV header and the GeoJSON properties, in order."""
    places = [f"{prefix}_{name}" for prefix in ("location", "origin") for name in PLACE_FIELDS]
    columns = ["id", "type", "actors", "count_min", "count_max", *places]
    columns += ["date_start", "date_end", "consequences", "cited"]
    if include_names:
        columns.append("people")
    return columns + ["confidence", "reports", "sources", "status"]


def flat_record(incident: Incident, include_names: bool = False, view: PublicView | None = None) -> dict[str, Any]:
    """One flat row: lists joined with ";", places spread over ``location_*`` / ``origin_*``.

    ``sources``: the reports' URLs, else (names included) their ids; publicly (``view``
    given) their URLs, else their titles or outlets, never a file path."""
    if view is None:
        sources = [report.document.url or report.document.id for report in incident.reports]
        cited = incident.cited
    else:
        sources = [view.source(report.document) for report in incident.reports]
        cited = view.cited(incident)
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
        "cited": LIST_SEPARATOR.join(cited),
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


def to_geojson(
    incidents: Iterable[Incident], include_names: bool = False, view: PublicView | None = None
) -> dict[str, Any]:
    """A FeatureCollection of points at the location, else the origin.

    Incidents with neither are left out and counted in ``excluded``.
    """
    incidents = list(incidents)
    shown = public_view(incidents, include_names, view)
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
                "properties": flat_record(incident, include_names, shown),
            }
        )
    return {"type": "FeatureCollection", "features": features, "excluded": excluded}


def _point_of(incident: Incident) -> tuple[float, float] | None:
    """(lon, lat) as GeoJSON orders them."""
    for place in (incident.location, incident.origin):
        if place is not None and place.lat is not None and place.lon is not None:
            return (place.lon, place.lat)
    return None


# --------------------------------------------------------------------------- ACLED-like CSV

ACLED_COLUMNS = [
    "event_id", "event_date", "year", "time_precision", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "country", "admin1", "location", "latitude", "longitude",
    "geo_precision", "place_role", "source", "source_scale", "notes",
    "people_min", "people_max", "reports", "date_start", "date_end",
    "consequences", "cited", "confidence", "status",
]  # fmt: skip
# ACLED's event types are about political violence; these group the codebook's types
# the same way, and ``sub_event_type`` keeps the codebook label.
EVENT_TYPES = {
    "combat_refusal": "Refusal to serve",
    "desertion": "Refusal to serve",
    "discharge_attempt": "Refusal to serve",
    "draft_refusal": "Evasion of mobilization",
    "draft_evasion": "Evasion of mobilization",
    "flight_abroad": "Evasion of mobilization",
    "protest": "Protests",
    "violent_resistance": "Violent resistance",
}
GEO_PRECISION = {"city": 1, "admin1": 2, "country": 3}
WEEK_OR_MONTH_DAYS = 31


def time_precision(interval: DateRange | None) -> int | None:
    """ACLED's time precision: 1 the day is known, 2 a span of up to a month, 3 wider (None: undated)."""
    if interval is None:
        return None
    if interval.days == 1:
        return 1
    return 2 if interval.days <= WEEK_OR_MONTH_DAYS else 3


def acled_columns(include_names: bool = False) -> list[str]:
    return ACLED_COLUMNS + (["people"] if include_names else [])


def acled_record(incident: Incident, view: PublicView | None = None) -> dict[str, Any]:
    """One ACLED-like row; ``view`` given: the public's (notes and cited from it, no ``people``).

    event_date is the first day the incident may have happened (the interval is in
    date_start/date_end); the place is the location, else the origin (``place_role``
    says which); source_scale stays empty (no outlet scales are known).
    """
    place, role = (incident.location, "location") if incident.location else (incident.origin, "origin")
    place_values = place.to_dict() if place else {}
    actors = incident.actors or [""]
    notes = view.first_quote(incident) if view is not None else _first_incident_quote(incident)
    row = {
        "event_id": incident.id,
        "event_date": incident.date.start.isoformat() if incident.date else None,
        "year": incident.date.start.year if incident.date else None,
        "time_precision": time_precision(incident.date),
        "event_type": EVENT_TYPES.get(incident.type, incident.type),
        "sub_event_type": incident.type,
        "actor1": actors[0],
        "assoc_actor_1": LIST_SEPARATOR.join(actors[1:]),
        "country": place_values.get("country"),
        "admin1": place_values.get("admin1"),
        "location": place_values.get("name"),
        "latitude": place_values.get("lat"),
        "longitude": place_values.get("lon"),
        "geo_precision": GEO_PRECISION.get(place.precision) if place else None,
        "place_role": role if place else None,
        "source": LIST_SEPARATOR.join(dict.fromkeys(_source_name(r.document) for r in incident.reports)),
        "source_scale": None,
        "notes": notes,
        "people_min": incident.count.min,
        "people_max": incident.count.max,
        "reports": len(incident.reports),
        "date_start": incident.date.start.isoformat() if incident.date else None,
        "date_end": incident.date.end.isoformat() if incident.date else None,
        "consequences": LIST_SEPARATOR.join(incident.consequences),
        "cited": LIST_SEPARATOR.join(view.cited(incident) if view is not None else incident.cited),
        "confidence": round(incident.confidence, 3),
        "status": incident.status,
    }
    if view is None:
        row["people"] = LIST_SEPARATOR.join(incident.people)
    return row


def _first_incident_quote(incident: Incident) -> str | None:
    for report in incident.reports:
        for evidence in report.mention.evidence:
            if evidence.field == "incident":
                return evidence.quote
    return None


def _source_name(document: Document) -> str:
    """The outlet, else the web host: never a file path or title, which may name people."""
    if document.outlet:
        return document.outlet
    host = urlsplit(document.url).hostname if document.url else None
    return host or "unknown"


# --------------------------------------------------------------------------- Parquet


def parquet_schema(include_names: bool = False) -> pa.Schema:
    """The JSONL record's fields, typed; dates as dates; plus ``status``."""
    import pyarrow as pa  # here, not on top: only Parquet needs its import time

    strings = pa.list_(pa.string())
    coordinates = {"lat", "lon"}
    place = pa.struct([(name, pa.float64() if name in coordinates else pa.string()) for name in PLACE_FIELDS])
    document = pa.struct([(name, pa.string()) for name in ("id", "url", "path", "title", "outlet", "published")])
    evidence = pa.struct([("field", pa.string()), ("quote", pa.string()), ("start", pa.int32()), ("end", pa.int32())])
    report = pa.struct([("document", document), ("evidence", pa.list_(evidence))])
    fields = [
        pa.field("id", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("actors", strings),
        pa.field("count_min", pa.int32()),
        pa.field("count_max", pa.int32()),
        pa.field("location", place),
        pa.field("origin", place),
        pa.field("date_start", pa.date32()),
        pa.field("date_end", pa.date32()),
        pa.field("consequences", strings),
        pa.field("cited", strings),
    ]
    if include_names:
        fields.append(pa.field("people", strings))
    fields += [
        pa.field("confidence", pa.float64()),
        pa.field("status", pa.string()),
        pa.field("reports", pa.list_(report)),
    ]
    return pa.schema(fields)


def parquet_table(
    incidents: Iterable[Incident], include_names: bool = False, view: PublicView | None = None
) -> pa.Table:
    import pyarrow as pa

    incidents = list(incidents)
    rows = []
    for incident, record in zip(incidents, export_records(incidents, include_names, view), strict=True):
        count, interval = record.pop("count"), record.pop("date")
        record |= {
            "count_min": count["min"],
            "count_max": count["max"],
            "date_start": date.fromisoformat(interval["start"]) if interval else None,
            "date_end": date.fromisoformat(interval["end"]) if interval else None,
            "status": incident.status,
        }
        rows.append(record)
    return pa.Table.from_pylist(rows, schema=parquet_schema(include_names))


# --------------------------------------------------------------------------- writing

# Text a spreadsheet would run as a formula starts with one of these (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row whose text cannot run in a spreadsheet: text starting like a formula gets a
    leading apostrophe (shown as text). Each ";"-joined item counts as a start too, since a
    spreadsheet whose list separator is ";" splits such a cell. Numbers stay numbers."""
    return {column: _safe_text(value) if isinstance(value, str) else value for column, value in row.items()}


def _safe_text(text: str) -> str:
    items = text.split(LIST_SEPARATOR)
    return LIST_SEPARATOR.join("'" + item if item.startswith(FORMULA_STARTS) else item for item in items)



def write_export(
    incidents: Iterable[Incident],
    fmt: str,
    out: IO[Any],
    include_names: bool = False,
    view: PublicView | None = None,
) -> dict[str, int]:
    """Write ``incidents`` to ``out`` in ``fmt``; returns {"written": n, "excluded": m}.

    ``out`` is a text stream, or a binary one for the ``BINARY_FORMATS``. Without
    ``include_names`` the texts come from ``view`` (see the module's description).
    """
    incidents = list(incidents)
    shown = public_view(incidents, include_names, view) if fmt in ALL_FORMATS else None
    if fmt == "parquet":
        if isinstance(out, io.TextIOBase):
            raise ValueError("parquet is binary: write it to a file opened in binary mode")
        import pyarrow.parquet as pq

        pq.write_table(parquet_table(incidents, include_names, shown), out)
        return {"written": len(incidents), "excluded": 0}
    if fmt == "acled":
        writer = csv.DictWriter(out, fieldnames=acled_columns(include_names), lineterminator="\n")
        writer.writeheader()
        writer.writerows(spreadsheet_safe(acled_record(incident, shown)) for incident in incidents)
        return {"written": len(incidents), "excluded": 0}
    if fmt == "jsonl":
        for record in export_records(incidents, include_names, shown):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return {"written": len(incidents), "excluded": 0}
    if fmt == "csv":
        rows = [spreadsheet_safe(flat_record(incident, include_names, shown)) for incident in incidents]
        writer = csv.DictWriter(out, fieldnames=flat_columns(include_names), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return {"written": len(rows), "excluded": 0}
    if fmt == "geojson":
        collection = to_geojson(incidents, include_names, shown)
        json.dump(collection, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return {"written": len(collection["features"]), "excluded": collection["excluded"]}
    raise ValueError(f"unknown export format {fmt!r}: expected one of {', '.join(ALL_FORMATS)}")


def export_chunks(
    batches: Iterable[list[Incident]],
    fmt: str,
    include_names: bool = False,
    view_of: Callable[[list[Incident]], PublicView] | None = None,
) -> Iterator[str | bytes]:
    """``write_export``'s output a batch of incidents at a time, so that a server can send an
    export of any size without holding its incidents: text pieces, or for Parquet bytes (the
    file, written a row group per batch). Without ``include_names``, ``view_of(batch)`` gives
    the public view of the batch's documents (e.g. ``PublicView.of_store`` of their ids: a
    person's pseudonym is the store's, whatever the batch). GeoJSON comes out as JSON equal to
    ``write_export``'s, laid out differently."""
    if fmt not in ALL_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: expected one of {', '.join(ALL_FORMATS)}")

    def shown(batch: list[Incident]) -> PublicView | None:
        if include_names:
            return None
        return view_of(batch) if view_of is not None else PublicView.computed(batch)

    if fmt == "parquet":
        import pyarrow.parquet as pq

        out = io.BytesIO()
        with pq.ParquetWriter(out, parquet_schema(include_names)) as writer:
            for batch in batches:
                writer.write_table(parquet_table(batch, include_names, shown(batch)))
        yield out.getvalue()
        return
    if fmt == "geojson":
        yield '{"type": "FeatureCollection", "features": ['
        excluded, first = 0, True
        for batch in batches:
            collection = to_geojson(batch, include_names, shown(batch))
            excluded += collection["excluded"]
            for feature in collection["features"]:
                yield ("\n" if first else ",\n") + json.dumps(feature, ensure_ascii=False)
                first = False
        yield f'\n], "excluded": {excluded}}}\n'
        return
    columns = acled_columns(include_names) if fmt == "acled" else flat_columns(include_names)
    if fmt != "jsonl":  # csv, acled: the header first
        out = io.StringIO()
        csv.DictWriter(out, fieldnames=columns, lineterminator="\n").writeheader()
        yield out.getvalue()
    for batch in batches:
        out = io.StringIO()
        view = shown(batch)
        if fmt == "jsonl":
            write_export(batch, fmt, out, include_names, view)
        else:
            writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
            for incident in batch:
                row = acled_record(incident, view) if fmt == "acled" else flat_record(incident, include_names, view)
                writer.writerow(spreadsheet_safe(row))
        yield out.getvalue()
