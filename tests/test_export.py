"""Exports (JSONL, CSV, GeoJSON), public and with names, on incidents built by hand."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from otkaz.model import Count, DateRange, Document, Evidence, Incident, IncidentMention, Place, Report
from otkaz.publish.exports import export_records, flat_columns, flat_record, to_geojson, write_export
from otkaz.publish.redaction import PublicView

TEXT = (
    "Private Oleg Varnavin, 29, deserted his unit near the front. "
    "Varnavin's mother said her son was tired. Later Anna Kolesnikova joined him."
)
TOWN = Place("Tver", 56.86, 35.9, "Tver Oblast", "RU", "city", key="test:tver")
REGION = Place("Kursk Oblast", 51.7, 36.2, "Kursk Oblast", "RU", "admin1", key="test:kursk")


def quote(text: str, field: str, part: str) -> Evidence:
    start = text.index(part)
    return Evidence(field, part, start, start + len(part))


def make_incident(
    incident_id: str,
    location: Place | None = TOWN,
    origin: Place | None = None,
    people: tuple[str, ...] = ("Oleg Varnavin",),
    text: str = TEXT,
    url: str | None = "https://example.org/a",
    quotes: tuple[tuple[str, str], ...] = (
        ("incident", "Private Oleg Varnavin, 29, deserted his unit near the front."),
        ("people", "Varnavin's mother said her son was tired."),
    ),
) -> Incident:
    document = Document(id=f"doc-{incident_id}", text=text, title="Oleg Varnavin deserts", url=url)
    evidence = [quote(text, field, part) for field, part in quotes]
    mention = IncidentMention(document.id, "desertion", people=list(people), evidence=evidence)
    return Incident(
        id=incident_id,
        type="desertion",
        actors=["mobilized", "contract_soldiers"],
        count=Count(1, 1),
        location=location,
        origin=origin,
        date=DateRange(date(2023, 3, 1), date(2023, 3, 31)),
        consequences=["criminal_case"],
        cited=["Agency A", "Outlet B"],
        people=list(people),
        confidence=0.81234,
        reports=[Report(document, mention)],
        merge_reasons=[{"rule": "single report", "note": "test"}],
    )


def test_jsonl_is_the_public_view_by_default() -> None:
    incident = make_incident("inc-1")
    out = io.StringIO()
    write_export([incident], "jsonl", out)
    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert "people" not in record
    assert "Varnavin" not in line and "Oleg" not in line and "Kolesnikova" not in line
    evidence = record["reports"][0]["evidence"]
    assert [e["quote"] for e in evidence] == [
        "Private [person 1], 29, deserted his unit near the front.",
        "[person 1]'s mother said her son was tired.",
    ]
    # Offsets point into the redacted text, where the quotes are: the same text for everyone.
    view = PublicView.computed([incident]).view(incident.reports[0].document)
    assert view is not None and all(view.text[e["start"] : e["end"]] == e["quote"] for e in evidence)
    assert "[person 2] joined him" in view.text  # a name the extractor did not record, too
    assert record["reports"][0]["document"]["title"] == "[person 1] deserts"
    # Everything but the reports is exactly to_export().
    expected = incident.to_export()
    for key in expected:
        if key != "reports":
            assert record[key] == expected[key]


def test_jsonl_with_names_is_exactly_to_export() -> None:
    incident = make_incident("inc-1")
    out = io.StringIO()
    write_export([incident], "jsonl", out, include_names=True)
    assert json.loads(out.getvalue()) == incident.to_export(include_names=True)
    assert "Oleg Varnavin" in out.getvalue()


def test_pseudonyms_are_stable_across_the_export_by_first_appearance() -> None:
    second_text = "Anna Kolesnikova refused. Then Oleg Varnavin fled too."
    first = make_incident("inc-1")
    people = ("Anna Kolesnikova", "Oleg Varnavin")
    second = make_incident("inc-2", people=people, text=second_text, quotes=(("incident", second_text),))
    records = export_records([first, second])
    assert records[1]["reports"][0]["evidence"][0]["quote"] == "[person 2] refused. Then [person 1] fled too."


def test_csv_rows_are_flat_and_parse() -> None:
    incidents = [make_incident("inc-1"), make_incident("inc-2", location=None, origin=REGION, url=None)]
    out = io.StringIO()
    assert write_export(incidents, "csv", out) == {"written": 2, "excluded": 0}
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == flat_columns() and "people" not in rows[0]
    assert rows[0]["actors"] == "mobilized;contract_soldiers"
    assert rows[0]["location_lat"] == "56.86" and rows[0]["location_precision"] == "city"
    assert rows[0]["cited"] == "Agency A;Outlet B"
    assert rows[0]["date_start"] == "2023-03-01" and rows[0]["date_end"] == "2023-03-31"
    assert rows[0]["reports"] == "1" and rows[0]["sources"] == "https://example.org/a"
    assert rows[0]["status"] == "unreviewed" and rows[0]["confidence"] == "0.812"
    assert rows[1]["location_name"] == "" and rows[1]["origin_name"] == "Kursk Oblast"
    assert rows[1]["sources"] == "[person 1] deserts"  # no URL: the title (never a file path)


def test_csv_with_names_has_a_people_column() -> None:
    out = io.StringIO()
    write_export([make_incident("inc-1", people=("Oleg Varnavin", "Anna Kolesnikova"))], "csv", out, True)
    [row] = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["people"] == "Oleg Varnavin;Anna Kolesnikova"


def test_empty_csv_still_has_its_header() -> None:
    out = io.StringIO()
    write_export([], "csv", out)
    assert out.getvalue().strip().split(",") == flat_columns()


def test_geojson_points_at_location_else_origin_and_counts_the_rest() -> None:
    incidents = [
        make_incident("inc-1"),
        make_incident("inc-2", location=None, origin=REGION),
        make_incident("inc-3", location=None, origin=None),
    ]
    out = io.StringIO()
    assert write_export(incidents, "geojson", out) == {"written": 2, "excluded": 1}
    collection = json.loads(out.getvalue())
    assert collection["type"] == "FeatureCollection" and collection["excluded"] == 1
    points = {f["properties"]["id"]: f["geometry"]["coordinates"] for f in collection["features"]}
    assert points == {"inc-1": [35.9, 56.86], "inc-2": [36.2, 51.7]}  # GeoJSON is (lon, lat)
    properties = collection["features"][0]["properties"]
    assert list(properties) == flat_columns()
    assert properties == flat_record(incidents[0])


def test_geojson_with_names_has_people() -> None:
    collection = to_geojson([make_incident("inc-1")], include_names=True)
    assert collection["features"][0]["properties"]["people"] == "Oleg Varnavin"


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        write_export([], "xml", io.StringIO())
