"""Merging through the store and the CLI: overrides that survive re-runs, statistics and
exports that count a merged incident once and leave names out unless asked.

A small fake extractor (``planned_extractor``) returns the mentions planned for
each test article, so that these tests check merging and its glue, fast; the end
of the file runs the real extractor on articles of our own (marked slow).
"""
from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import extractor_stand_in
from click.testing import CliRunner, Result

from otkaz import pipeline
from otkaz.cli import cli
from otkaz.gazetteer import get_gazetteer
from otkaz.ingest import IngestOptions
from otkaz.merge import attach_mention_keys
from otkaz.publish.redaction import REVEAL
from otkaz.model import Count, DateRange, Decision, Document, Evidence, ExtractionResult, IncidentMention
from otkaz.publish.stats import incident_stats
from otkaz.store import Database

ARTICLES = {
    "outlet_a.txt": "About 80 mobilized soldiers refused to return to the front on Sunday in Belgorod. "
    "Their spokesman, Pavel Zorkin, said they had no equipment.",
    "outlet_b.txt": "More than 70 mobilized men refused to fight near Belgorod on 25 September, "
    "according to Pavel Zorkin.",
    "outlet_c.txt": "Twelve conscripts refused to fight in Belgorod on 2 October.",
}
PUBLISHED = {"outlet_a.txt": "2022-09-27", "outlet_b.txt": "2022-09-28", "outlet_c.txt": "2022-10-03"}
# What the fake extractor finds in each article: count, day, people.
PLANS = {
    "outlet_a.txt": (Count(80, 80), "2022-09-25", ["Pavel Zorkin"]),
    "outlet_b.txt": (Count(70, None), "2022-09-25", ["Pavel Zorkin"]),
    "outlet_c.txt": (Count(12, 12), "2022-10-02", []),
}
NAME_PARTS = ("Pavel", "Zorkin")


def planned_extract(document: Document) -> ExtractionResult:
    count, day, people = PLANS[Path(document.id).name]
    first_sentence = document.text.split(". ")[0]
    evidence = [Evidence("incident", document.text, 0, len(document.text))]
    mention = IncidentMention(
        document.id,
        "combat_refusal",
        actors=["mobilized"],
        count=count,
        location=get_gazetteer().lookup("Belgorod"),
        date=DateRange(date.fromisoformat(day), date.fromisoformat(day)),
        people=list(people),
        confidence=0.7,
        evidence=evidence + [Evidence("count", first_sentence, 0, len(first_sentence))],
    )
    return ExtractionResult(document.id, document.lang, True, [mention])


def planned_extract_many(documents: Iterable[Document]) -> Iterator[ExtractionResult]:
    return map(planned_extract, documents)


@pytest.fixture
def planned_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "otkaz.extract", extractor_stand_in("planned-1", planned_extract, planned_extract_many))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planned_extractor: None) -> Path:
    """The test articles stored in otkaz.db (the default store) of a fresh folder, extracted and merged."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OTKAZ_DATABASE_URL", raising=False)
    with Database("otkaz.db") as db:
        for name, text in ARTICLES.items():
            path = tmp_path / name
            path.write_text(text, encoding="utf-8")
            pipeline.run(db, [name], IngestOptions(published=PUBLISHED[name], lang="en", outlet=name[:-4]))
    return tmp_path


def otkaz(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def incidents_json() -> list[dict]:
    """The export with names: the documents keep their ids (the public export hides file paths)."""
    return [json.loads(line) for line in otkaz("export", "--include-names").stdout.splitlines()]


def documents_of(record: dict) -> list[str]:
    """The file names of an incident's reports (a file's document id is its resolved path)."""
    return [Path(report["document"]["id"]).name for report in record["reports"]]


def test_two_reports_of_one_refusal_are_one_incident_counted_once(workdir: Path) -> None:
    records = incidents_json()
    assert sorted(map(documents_of, records)) == [["outlet_a.txt", "outlet_b.txt"], ["outlet_c.txt"]]

    stats = json.loads(otkaz("stats", "--json").stdout)
    assert stats["total"] == {"key": "total", "incidents": 2, "people_at_least": 82, "unknown_count": 0, "reports": 3}
    table = otkaz("stats", "--by", "month").stdout
    assert table.splitlines()[1].split() == ["2022-09", "1", "70", "0", "2"]
    window = json.loads(otkaz("stats", "--json", "--from", "2022-10-01", "--to", "2022-10-31").stdout)
    assert window["total"]["incidents"] == 1 and window["total"]["people_at_least"] == 12

    rows = list(csv.DictReader(io.StringIO(otkaz("export", "--format", "acled").stdout)))
    merged = next(row for row in rows if row["reports"] == "2")
    assert len(rows) == 2 and merged["event_date"] == "2022-09-25" and merged["time_precision"] == "1"
    assert (merged["people_min"], merged["people_max"]) == ("70", "")
    assert (merged["location"], merged["geo_precision"], merged["source"]) == ("Belgorod", "1", "outlet_a;outlet_b")


def test_show_prints_the_signals_and_the_disagreements(workdir: Path) -> None:
    merged = next(record for record in incidents_json() if len(record["reports"]) == 2)
    text = otkaz("show", merged["id"]).stdout
    a, b = (workdir / "outlet_a.txt").resolve(), (workdir / "outlet_b.txt").resolve()
    assert f"signals: {a} ~ {b}: person +4, same_town +2" in text
    assert f"disagreement on count: {a}: 80; {b}: at least 70 -> from the lowest minimum" in text


def test_analyst_merge_and_split_survive_a_full_rerun(workdir: Path) -> None:
    pair = next(record for record in incidents_json() if len(record["reports"]) == 2)
    other = next(record for record in incidents_json() if len(record["reports"]) == 1)

    merged = otkaz("merge", pair["id"], other["id"], "--user", "anna", "--json")
    assert merged.exit_code == 0, merged.output
    [incident] = json.loads(merged.stdout)["incidents"]
    assert len(incident["reports"]) == 3
    assert otkaz("extract", "--all", "-q").exit_code == 0
    assert [documents_of(record) for record in incidents_json()] == [["outlet_a.txt", "outlet_b.txt", "outlet_c.txt"]]

    shown = json.loads(otkaz("show", "--json", incident["id"]).stdout)
    assert shown["merge_reasons"][-1] == {"rule": "analyst merge", "decision": 1, "user": "anna"}
    taken = incident["reports"][1]  # outlet_b's mention key (reports go by publication date)

    split = otkaz("split", incident["id"], "--mention", taken, "--user", "boris")
    assert split.exit_code == 0, split.output
    otkaz("extract", "--all", "-q")
    assert sorted(map(documents_of, incidents_json())) == [["outlet_a.txt", "outlet_c.txt"], ["outlet_b.txt"]]
    history = [entry.action for entry in Database("otkaz.db").audit_log() if entry.action != REVEAL]
    assert history == ["merge", "split"]


def test_bad_merge_and_split_requests_fail_with_one_line(workdir: Path) -> None:
    some_id = incidents_json()[0]["id"]
    unknown = otkaz("merge", some_id, "inc-0000000000000000")
    assert unknown.exit_code == 4 and unknown.stderr == "otkaz: incident inc-0000000000000000: not found (list them with: otkaz export)\n"
    assert otkaz("merge", some_id, some_id).exit_code == 2
    stray = otkaz("split", some_id, "--mention", "nope")
    assert stray.exit_code == 1 and "mention nope is not one of its reports" in stray.stderr
    assert otkaz("stats", "--from", "2022-10-02", "--to", "2022-10-01").exit_code == 2


def test_a_rejected_incident_leaves_exports_and_statistics(workdir: Path) -> None:
    with Database("otkaz.db") as db:
        single = next(incident for incident in db.incidents() if len(incident.reports) == 1)
        db.add_decision(attach_mention_keys(Decision("reject", single.id, "anna"), db.get_incident))
        pipeline.merge_all(db)
        pipeline.extract_pending(db, all_documents=True)
        pipeline.merge_all(db)
        assert incident_stats(db.incidents(include_rejected=True)).total.incidents == 1
    assert len(incidents_json()) == 1
    assert json.loads(otkaz("stats", "--json").stdout)["total"]["people_at_least"] == 70


def test_no_export_format_names_people_unless_asked(workdir: Path) -> None:
    for fmt in ("jsonl", "csv", "acled", "geojson"):
        default = otkaz("export", "--format", fmt)
        assert default.exit_code == 0 and not any(part in default.stdout for part in NAME_PARTS), fmt
        named = otkaz("export", "--format", fmt, "--include-names")
        assert "Pavel Zorkin" in named.stdout, fmt
    notes = [row["notes"] for row in csv.DictReader(io.StringIO(otkaz("export", "--format", "acled").stdout))]
    assert any("Their spokesman, [person 1], said" in note for note in notes)

    assert otkaz("export", "--format", "parquet", "-o", "out.parquet").exit_code == 0
    table = pq.read_table(workdir / "out.parquet")
    assert "people" not in table.column_names and table.num_rows == 2
    assert not any(part in json.dumps(table.to_pylist(), default=str) for part in NAME_PARTS)
    assert otkaz("export", "--format", "parquet", "--include-names", "-o", "named.parquet").exit_code == 0
    named = pq.read_table(workdir / "named.parquet").to_pylist()
    assert sorted(row["people"] for row in named) == [[], ["Pavel Zorkin"]]


def test_parquet_has_a_typed_schema(workdir: Path) -> None:
    otkaz("export", "--format", "parquet", "-o", "out.parquet")
    schema = pq.read_schema(workdir / "out.parquet")
    assert str(schema.field("date_start").type) == "date32[day]"
    assert str(schema.field("count_min").type) == "int32"
    assert str(schema.field("location").type.field("lat").type) == "double"
    assert str(schema.field("reports").type.value_type.field("evidence").type.value_type.field("start").type) == "int32"
    rows = pq.read_table(workdir / "out.parquet").to_pylist()
    merged = next(row for row in rows if len(row["reports"]) == 2)
    assert merged["date_start"] == date(2022, 9, 25) and merged["count_min"] == 70 and merged["count_max"] is None


# --------------------------------------------------------------------------- the real extractor

EN_FIRST = """About 80 mobilized soldiers refused to go back to the front on Sunday in Belgorod, \
the regional outlet Pskovskaya Guberniya reported. The men had been sent to the border region \
in October. Their commanders threatened them with criminal cases."""
EN_SECOND = """More than 70 mobilized men refused to fight on 25 September near the city of Belgorod, \
according to Pskovskaya Guberniya. Their relatives say the commanders threatened them with prosecution."""
RU_FIRST = """Около 80 мобилизованных отказались возвращаться на фронт в воскресенье в Белгороде, \
сообщила «Псковская губерния». Командиры угрожали им уголовными делами."""


def run_real(tmp_path: Path, articles: dict[str, tuple[str, str, str]]) -> list:
    """Ingest (text, published, lang) per file name with the real extractor; the incidents."""
    with Database(str(tmp_path / "real.db")) as db:
        for name, (text, published, lang) in articles.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
            pipeline.run(db, [str(tmp_path / name)], IngestOptions(published=published, lang=lang))
        return db.incidents()


def refusals(incidents: list) -> list:
    return [incident for incident in incidents if incident.type == "combat_refusal" and incident.count.min]


@pytest.mark.slow
def test_two_english_articles_with_other_words_and_numbers_make_one_incident(tmp_path: Path) -> None:
    incidents = run_real(tmp_path, {"first.txt": (EN_FIRST, "2022-09-27", "en"),
                                    "second.txt": (EN_SECOND, "2022-09-28", "en")})  # fmt: skip
    [refusal] = refusals(incidents)
    assert sorted(Path(r.document.id).name for r in refusal.reports) == ["first.txt", "second.txt"]
    assert refusal.count == Count(70, None) and refusal.date == DateRange(date(2022, 9, 25), date(2022, 9, 25))
    assert incident_stats(incidents).total.incidents == len(incidents)


@pytest.mark.slow
def test_an_english_and_a_russian_article_make_one_incident(tmp_path: Path) -> None:
    incidents = run_real(tmp_path, {"en.txt": (EN_FIRST, "2022-09-27", "en"),
                                    "ru.txt": (RU_FIRST, "2022-09-27", "ru")})  # fmt: skip
    if not any(Path(r.document.id).name == "ru.txt" for incident in incidents for r in incident.reports):
        pytest.skip("Russian extraction found nothing in the Russian article")
    [refusal] = refusals(incidents)
    assert sorted(Path(r.document.id).name for r in refusal.reports) == ["en.txt", "ru.txt"]


@pytest.mark.parametrize("verb", ["merge", "split", "stats"])
def test_the_new_verbs_document_themselves_with_an_example(verb: str) -> None:
    result = otkaz(verb, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and f"otkaz {verb}" in result.stdout
    assert "--json" in result.stdout and "--quiet" in result.stdout


def test_parquet_goes_to_a_pipe_but_not_to_a_terminal(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    piped = otkaz("export", "--format", "parquet")
    assert piped.exit_code == 0 and piped.stdout_bytes.startswith(b"PAR1")
    monkeypatch.setattr("otkaz.cli._stdout_is_terminal", lambda: True)
    refused = otkaz("export", "--format", "parquet")
    assert refused.exit_code == 2 and "parquet is binary: write it to a file with -o FILE" in refused.stderr
