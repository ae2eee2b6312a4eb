"""The command line: every verb, --json shapes, exit codes, progress, privacy.

Most tests run the CLI in-process (click's CliRunner) with the fake extractor of
tests/test_pipeline.py, so they check the glue and stay fast; one test runs the
installed ``otkaz`` entry point, and one the real extractor (skipped until it exists).
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from otkaz.cli import cli
from test_pipeline import DATA, fake_extractor, with_a_repeated_mention  # noqa: F401  (fake_extractor: a fixture)

# A port nothing listens on: the connection is refused at once.
UNREACHABLE_DB = "postgresql://otkaz:secret@127.0.0.1:1/otkaz"
VERBS = ("documents", "evaluate", "export", "extract", "ingest", "run", "show")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh folder holding the test articles; the default store is otkaz.db in it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OTKAZ_DATABASE_URL", raising=False)
    shutil.copytree(DATA, tmp_path / "articles")
    return tmp_path


def otkaz(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def stderr_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


def stored_id(workdir: Path, relative: str) -> str:
    """A file's document id: its resolved path, however the command line named it."""
    return str((workdir / relative).resolve())


def test_help_lists_every_verb_and_the_exit_codes() -> None:
    result = otkaz("--help")
    assert result.exit_code == 0
    for verb in VERBS:
        assert f"  {verb} " in result.stdout
    assert "3  store/database error" in result.stdout and "4  nothing to do" in result.stdout


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_documents_itself_with_an_example(verb: str) -> None:
    result = otkaz(verb, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and f"otkaz {verb}" in result.stdout
    assert "--json" in result.stdout and "--quiet" in result.stdout


def test_ingest_a_batch_with_one_bad_file(workdir: Path) -> None:
    (workdir / "articles" / "broken.txt").write_bytes(b"\x00\xff\x00\xfe" * 40)
    result = otkaz("ingest", "articles")
    assert result.exit_code == 1
    assert result.stdout == "stored 3, duplicate 0, failed 1\n"
    assert stderr_lines(result) == ["otkaz: articles/broken.txt: binary file"]

    listed = otkaz("documents", "--json")
    assert listed.exit_code == 0
    assert sorted(row["id"] for row in json.loads(listed.stdout)) == [
        stored_id(workdir, "articles/desertion_en.txt"),
        stored_id(workdir, "articles/protest_ru.txt"),
        stored_id(workdir, "articles/weather_de.txt"),
    ]


def test_ingest_again_changes_nothing_and_says_so(workdir: Path) -> None:
    assert otkaz("ingest", "articles").exit_code == 0
    before = otkaz("documents", "--json").stdout

    again = otkaz("ingest", "articles")

    assert again.exit_code == 0
    assert again.stdout.startswith("stored 0, duplicate 3")
    assert "nothing new" in again.stdout
    assert otkaz("documents", "--json").stdout == before


def test_ingest_an_edited_file_updates_it(workdir: Path, fake_extractor: None) -> None:
    otkaz("run", "-q", "articles")
    article = workdir / "articles" / "desertion_en.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\nUpdated: the lawyer confirmed.\n", encoding="utf-8")

    result = otkaz("ingest", "articles")

    assert result.stdout == "stored 0, updated 1, duplicate 2, failed 0\n"
    statuses = {row["id"]: row["status"] for row in json.loads(otkaz("documents", "--json").stdout)}
    assert statuses[stored_id(workdir, "articles/desertion_en.txt")] == "pending"  # its old mentions no longer fit the text
    assert statuses[stored_id(workdir, "articles/protest_ru.txt")] == "processed"


def test_ingest_json_quiet_and_stdin(workdir: Path) -> None:
    result = otkaz("ingest", "--json", "articles/desertion_en.txt")
    summary = json.loads(result.stdout)
    assert summary["stored"] == 1 and summary["failures"] == [] and summary["inputs"] == 1

    quiet = otkaz("ingest", "-q", "-", "--lang", "en", "--published", "2023-01", stdin="Some text about the weather.")
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    [stdin_row] = [row for row in json.loads(otkaz("documents", "--json").stdout) if row["id"].startswith("stdin:")]
    assert stdin_row["lang"] == "en" and stdin_row["published"] == "2023-01"


def test_ingest_options_are_checked(workdir: Path) -> None:
    assert otkaz("ingest", "--published", "May 2023", "articles").exit_code == 2
    assert otkaz("ingest", "--max-size", "lots", "articles").exit_code == 2
    assert otkaz("ingest").exit_code == 2
    too_small = otkaz("ingest", "--max-size", "100B", "articles/desertion_en.txt")
    assert too_small.exit_code == 1 and "too large" in too_small.stderr


def test_nothing_to_ingest_exits_4(workdir: Path) -> None:
    (workdir / "empty").mkdir()
    result = otkaz("ingest", "empty")
    assert result.exit_code == 4
    assert stderr_lines(result) == ["otkaz: nothing to do: no inputs found"]


def test_unreachable_database_exits_3_with_one_line(workdir: Path) -> None:
    result = otkaz("ingest", "--db", UNREACHABLE_DB, "articles")
    assert result.exit_code == 3
    [line] = stderr_lines(result)
    assert line.startswith("otkaz: ") and "127.0.0.1" in line
    assert "secret" not in line  # the password is masked
    assert result.stdout == ""


def test_database_from_the_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTKAZ_DATABASE_URL", str(workdir / "from-env.db"))
    assert otkaz("ingest", "-q", "articles").exit_code == 0
    assert (workdir / "from-env.db").exists() and not (workdir / "otkaz.db").exists()


def test_run_summary_and_json(workdir: Path, fake_extractor: None) -> None:
    result = otkaz("run", "--db", "store.db", "articles")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "documents: stored 3, duplicate 0, failed 0",
        "extracted 2, not processed 1 (language)",
        "incident mentions 2, aggregates 0",
        "incidents 2",
        f"database: sqlite:///{Path('store.db')}",
        "next: otkaz export --db store.db --format csv -o incidents.csv",
    ]
    again = json.loads(otkaz("run", "--db", "store.db", "--json", "articles").stdout)
    assert again["stored"] == 0 and again["duplicates"] == 3 and again["incidents"] == 2
    assert again["database"] == "sqlite:///store.db"


def test_extract_and_extract_all(workdir: Path, fake_extractor: None) -> None:
    assert otkaz("extract").exit_code == 4  # an empty store: nothing to do
    otkaz("ingest", "-q", "articles")
    first = json.loads(otkaz("extract", "--json").stdout)
    assert (first["extracted"], first["not_processed"], first["incidents"]) == (2, 1, 2)
    assert json.loads(otkaz("extract", "--json").stdout)["extracted"] == 0
    assert otkaz("extract", "--all").stdout.splitlines()[0] == "extracted 2, not processed 1 (language)"


def test_extract_reports_a_refused_document_and_exits_1(
    workdir: Path, fake_extractor: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    otkaz("ingest", "-q", "articles")
    monkeypatch.setattr(sys.modules["otkaz.extract"], "extract_many", with_a_repeated_mention)
    result = otkaz("extract")
    assert result.exit_code == 1
    [line] = stderr_lines(result)
    assert line.startswith(f"otkaz: {stored_id(workdir, 'articles/protest_ru.txt')}: cannot save extraction")
    assert result.stdout.splitlines()[0] == "extracted 1, not processed 1 (language), failed 1"


def test_documents_table(workdir: Path, fake_extractor: None) -> None:
    otkaz("ingest", "-q", "articles")
    pending = otkaz("documents").stdout.splitlines()
    assert pending[0].split() == ["id", "lang", "published", "status", "mentions", "note"]
    assert pending[1].split() == [stored_id(workdir, "articles/desertion_en.txt"), "en", "2023-05-12", "pending", "0", "-"]
    otkaz("extract", "-q")
    rows = {row["id"]: row for row in json.loads(otkaz("documents", "--json").stdout)}
    assert rows[stored_id(workdir, "articles/desertion_en.txt")] == {
        "id": stored_id(workdir, "articles/desertion_en.txt"),
        "lang": "en",
        "published": "2023-05-12",
        "status": "processed",
        "mentions": 1,
        "extractor_version": "fake-1",
        "note": None,
    }
    assert rows[stored_id(workdir, "articles/weather_de.txt")]["status"] == "not_processed"
    assert rows[stored_id(workdir, "articles/weather_de.txt")]["note"] == "language 'de' is not processed"


def test_no_documents_yet(workdir: Path) -> None:
    empty = otkaz("documents")
    assert empty.exit_code == 0 and empty.stdout == ""
    assert empty.stderr == "no documents stored (try: otkaz ingest PATH)\n"
    assert json.loads(otkaz("documents", "--json").stdout) == []


def incident_ids(workdir: Path) -> list[str]:
    lines = otkaz("export", "--format", "jsonl").stdout.splitlines()
    return [json.loads(line)["id"] for line in lines]


def test_show_an_incident(workdir: Path, fake_extractor: None) -> None:
    otkaz("run", "-q", "articles/desertion_en.txt")
    [incident_id] = incident_ids(workdir)

    shown = otkaz("show", incident_id)
    assert shown.exit_code == 0
    text = shown.stdout
    assert text.startswith(f"{incident_id}  desertion  (unreviewed, confidence 0.70)")
    assert "  count         2" in text and "Belgorod Oblast" in text
    assert 'incident: "Two mobilized soldiers from Tambov deserted' in text
    assert "single report: no report of another document matched it" in text

    record = json.loads(otkaz("show", "--json", incident_id).stdout)
    assert record["id"] == incident_id and record["status"] == "unreviewed"
    assert record["people"] == ["Pavel Zorkin"] and record["merge_reasons"][0]["rule"] == "single report"


def test_show_an_unknown_incident_exits_4(workdir: Path) -> None:
    result = otkaz("show", "inc-0000000000000000")
    assert result.exit_code == 4
    assert stderr_lines(result) == ["otkaz: incident inc-0000000000000000: not found (list them with: otkaz export)"]


def test_export_formats_parse_and_leave_names_out(workdir: Path, fake_extractor: None) -> None:
    otkaz("run", "-q", "articles")

    jsonl = otkaz("export", "--format", "jsonl")
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert jsonl.exit_code == 0 and len(records) == 2
    assert all("people" not in record for record in records)
    assert "Zorkin" not in jsonl.stdout
    quotes = [e["quote"] for record in records for r in record["reports"] for e in r["evidence"]]
    assert "[person 1], 31, and a fellow soldier left their positions and travelled home by bus." in quotes

    rows = list(csv.DictReader(io.StringIO(otkaz("export", "--format", "csv").stdout)))
    assert len(rows) == 2 and "people" not in rows[0]
    assert {row["type"] for row in rows} == {"desertion", "protest"}

    geojson = json.loads(otkaz("export", "--format", "geojson").stdout)
    assert geojson["type"] == "FeatureCollection"
    assert len(geojson["features"]) == 1 and geojson["excluded"] == 1  # the protest has no place


def test_export_with_names_and_to_a_file(workdir: Path, fake_extractor: None) -> None:
    otkaz("run", "-q", "articles")
    result = otkaz("export", "--include-names", "--format", "csv", "-o", "out.csv", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"format": "csv", "output": "out.csv", "written": 2, "excluded": 0}
    with open(workdir / "out.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert {row["type"]: row["people"] for row in rows} == {"desertion": "Pavel Zorkin", "protest": ""}

    named = otkaz("export", "--include-names")
    assert "Pavel Zorkin" in named.stdout and '"people": ["Pavel Zorkin"]' in named.stdout

    text = otkaz("export", "--format", "geojson", "-o", "map.geojson")
    assert text.stdout == "wrote 1 incidents to map.geojson (1 without a place left out)\n"


def test_export_to_an_unwritable_file_is_a_usage_error(workdir: Path) -> None:
    result = otkaz("export", "-o", "no/such/folder/out.jsonl")
    assert result.exit_code == 2
    assert "cannot write no/such/folder/out.jsonl: No such file or directory" in result.stderr


def write_gold(folder: Path) -> Path:
    """A gold file of our own over the test articles (one incident, found by the fake)."""
    incident = {
        "id": "t-desertion",
        "required": True,
        "quotes": ["Two mobilized soldiers from Tambov deserted their unit in the Belgorod region"],
        "type": "desertion",
        "actors": ["mobilized"],
        "count": {"min": 2, "max": 2},
    }
    lines = [
        {"doc": "articles/desertion_en.txt", "published": "2023-05-12", "lang": "en", "incidents": [incident]},
        {"doc": "articles/weather_de.txt", "published": "2023-06", "lang": "de", "incidents": []},
    ]
    gold = folder / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return gold


def test_evaluate_scores_a_gold_file_in_a_throwaway_store(workdir: Path, fake_extractor: None) -> None:
    gold = write_gold(workdir)
    text = otkaz("evaluate", str(gold))
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("articles 2, gold required incidents 1, predictions 1\n")
    assert "recall 1.000 (1/1)" in text.stdout

    report = json.loads(otkaz("evaluate", "--json", str(gold)).stdout)
    assert report["incidents"]["matched"] == 1 and report["fields"]["count"]["correct"] == 1
    assert not (workdir / "otkaz.db").exists()  # the user's store is not touched


def test_evaluate_reports_a_missing_article_and_a_bad_gold(workdir: Path, fake_extractor: None) -> None:
    gold = write_gold(workdir)
    (workdir / "articles" / "weather_de.txt").unlink()
    result = otkaz("evaluate", str(gold))
    assert result.exit_code == 1
    assert stderr_lines(result) == ["otkaz: articles/weather_de.txt: no such file or directory"]

    gold.write_text("{not json\n", encoding="utf-8")
    bad = otkaz("evaluate", str(gold))
    assert bad.exit_code == 1 and len(stderr_lines(bad)) == 1 and "malformed JSON" in bad.stderr


def test_progress_bars_only_for_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from otkaz import cli as cli_module

    with cli_module.progress_for(quiet=False, as_json=False) as progress:
        assert progress is None  # pytest's stderr is not a terminal
    monkeypatch.setattr(cli_module, "_stderr_is_terminal", lambda: True)
    with cli_module.progress_for(quiet=False, as_json=False) as progress:
        assert isinstance(progress, cli_module.ProgressBars)
    for quiet, as_json in ((True, False), (False, True)):
        with cli_module.progress_for(quiet, as_json) as progress:
            assert progress is None


def test_installed_entry_point_hides_progress_when_not_a_terminal(workdir: Path) -> None:
    entry_point = Path(sys.executable).with_name("otkaz")
    if not entry_point.exists():
        pytest.skip("the otkaz entry point is not installed next to this Python")
    done = subprocess.run(
        [str(entry_point), "ingest", "--db", "sub.db", "articles"],
        capture_output=True, text=True, cwd=workdir, timeout=300,
    )
    assert done.returncode == 0
    assert done.stdout == "stored 3, duplicate 0, failed 0\n"
    assert done.stderr == ""  # no progress bar, no traceback
    failed = subprocess.run(
        [str(entry_point), "show", "--db", UNREACHABLE_DB, "inc-x"],
        capture_output=True, text=True, cwd=workdir, timeout=300,
    )
    assert failed.returncode == 3 and len(failed.stderr.splitlines()) == 1


def _real_extractor_available() -> bool:
    try:
        from otkaz.extract import extract  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not _real_extractor_available(), reason="otkaz.extract.extract is not built yet")
def test_run_with_the_real_extractor(workdir: Path) -> None:
    result = otkaz("run", "--json", "articles")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["extracted"] == 2 and summary["not_processed"] == 1
    assert summary["incidents"] >= 1
    records = [json.loads(line) for line in otkaz("export").stdout.splitlines()]
    assert any(record["type"] == "desertion" for record in records)
    # Whatever names the extractor found are absent from the default export.
    default_export = json.dumps(records, ensure_ascii=False)
    named = [json.loads(line) for line in otkaz("export", "--include-names").stdout.splitlines()]
    for name in {name for record in named for name in record["people"]}:
        assert all(part not in default_export for part in name.split() if len(part) >= 3)
    assert "Zorkin" not in default_export


def test_suggested_command_never_shows_a_password() -> None:
    from types import SimpleNamespace

    from otkaz.cli import db_option

    masked = SimpleNamespace(url="postgresql+psycopg://otkaz:***@db.example.org/otkaz")
    assert db_option("postgresql://otkaz:secret@db.example.org/otkaz", masked) == (
        " --db 'postgresql+psycopg://otkaz:***@db.example.org/otkaz'"
    )
    assert db_option("my store.db", masked) == " --db 'my store.db'"
    assert db_option(None, masked) == ""
