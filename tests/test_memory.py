"""Memory: which process of a run holds which NLP models (issue 10: peak memory of a large run).

Each run here is a real ``otkaz run --workers 2`` in a fresh interpreter, so that no model a
test of this session loaded counts; the driver then reports what the otkaz process holds.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# Runs the CLI with batches of 2 documents (the examples are then shared out among the
# workers, not parsed in this process), then prints which parser models this process loaded.
RUN_AND_REPORT = """
import json, sys
from otkaz import engines
engines.BATCH = 2
from otkaz.cli import cli
code = cli.main(args=sys.argv[1:], prog_name="otkaz", standalone_mode=False)
from otkaz.extract.parsing import load_english
from otkaz.lang.ru import load_russian
print(json.dumps({"exit": code, "english": load_english.cache_info().currsize,
                  "russian": load_russian.cache_info().currsize}))
"""


def _run_and_report(*argv: str) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, *argv], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
def test_the_otkaz_process_of_a_multi_worker_run_loads_no_parser_model(tmp_path: Path) -> None:
    # The workers parse; the otkaz process stores, merges and makes the public views, which read
    # the names the workers found and the languages' lexicons, not their parsers.
    report = _run_and_report("run", str(EXAMPLES), "--workers", "2", "--db", str(tmp_path / "otkaz.db"), "-q")
    assert report == {"exit": 0, "english": 0, "russian": 0}


# Sentences written for this test: news of no incident, in English.
CITY_NEWS = (
    "The council of a river town voted to repair the old footbridge before the spring floods. "
    "Residents said the buses to the northern suburbs now run every twenty minutes. "
    "A bakery on the main square opened a second shop near the railway station. "
)


@pytest.mark.slow
def test_the_parser_is_given_a_few_news_items_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parsers' working memory grows with the text they parse at once (spaCy: about 3 MB a
    # thousand characters): a worker parsing sixteen news items at once peaked 158 MB above its
    # models, one parsing three at once 37 MB.
    from otkaz import pipeline
    from otkaz.lang import get_language
    from otkaz.model import Document

    english = get_language("en")
    parsed_at_once: list[list[int]] = []
    parse_many = english.parse_many

    def recorded(texts, *args, **kwargs):
        texts = list(texts)
        parsed_at_once.append([len(text) for text in texts])
        return parse_many(texts, *args, **kwargs)

    monkeypatch.setattr(english, "parse_many", recorded)
    items = [Document(id=f"news-{n}", text=CITY_NEWS * 12, lang="en") for n in range(8)]  # 3,000 characters each
    results = [result for _document, result in pipeline.extract_each(items)]
    assert [result.document_id for result in results] == [item.id for item in items]
    assert sum(len(lengths) for lengths in parsed_at_once) == len(items)
    assert all(sum(lengths) <= 10_000 for lengths in parsed_at_once), parsed_at_once


# Reports written for this test, in English only.
ENGLISH_REPORTS = [
    "Two mobilized men from Tula deserted their unit in March and returned home, their mothers said.",
    "A contract soldier refused to fight near Kupiansk and was detained by military police.",
    "Five conscripts from Chita refused to go to the front, a local outlet reported on Monday.",
    "A soldier from Omsk deserted in May; a court later sentenced him to five years.",
    "Residents of Ufa protested against the mobilization outside the draft office on Saturday.",
    "A man from Perm fled to Kazakhstan to avoid the draft, his wife told reporters.",
]


def _models_of_this_worker() -> dict:
    """What a worker holds: the languages its fork server loaded before forking it (None: not
    forked from one), the parser models it has, and whether its inherited objects are frozen."""
    import gc

    from otkaz.extract.parsing import load_english
    from otkaz.lang.ru import load_russian

    preload = sys.modules.get("otkaz.preload")
    return {
        "preloaded": list(preload.LOADED) if preload is not None else None,
        "english": load_english.cache_info().currsize,
        "russian": load_russian.cache_info().currsize,
        "frozen": gc.get_freeze_count() > 0,
    }


@pytest.mark.slow
def test_the_workers_of_an_english_run_share_the_english_models_and_never_load_the_russian_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loaded once in the fork server, before the workers are forked from it: the workers share
    # those pages instead of loading a copy each. Russian is not loaded by anyone.
    from otkaz import engines, pipeline
    from otkaz.ingest import IngestOptions
    from otkaz.store import Database

    monkeypatch.setattr(engines, "BATCH", 2)  # the reports are shared out among the workers
    probed: list[dict] = []

    class ProbedProcesses(engines.LocalProcesses):
        def close(self) -> None:
            probes = [self._pool.submit(_models_of_this_worker) for _ in range(4)]
            probed.extend(probe.result() for probe in probes)
            super().close()

    monkeypatch.setattr(engines, "LocalProcesses", ProbedProcesses)
    reports = tmp_path / "reports.jsonl"
    reports.write_text("".join(json.dumps({"id": f"r{n}", "text": text, "lang": "en", "published": "2023-06-01"}) + "\n"
                               for n, text in enumerate(ENGLISH_REPORTS)), encoding="utf-8")
    with Database(str(tmp_path / "otkaz.db")) as db:
        summary = pipeline.run(db, [str(reports)], IngestOptions(), workers=2)
    assert summary.extracted == len(ENGLISH_REPORTS) and summary.mentions > 0
    assert probed and all(probe == {"preloaded": ["en"], "english": 1, "russian": 0, "frozen": True} for probe in probed), probed


def test_the_store_tells_the_languages_of_the_documents_to_extract(db) -> None:
    # What the fork server loads before the workers of a run start (otkaz.pipeline.extract_pending).
    from otkaz.model import Document, ExtractionResult

    english, russian, unknown = (Document(id=f"{name}.txt", text=f"A report, {name}.", lang=lang)
                                 for name, lang in (("english", "en"), ("russian", "ru"), ("unknown", None)))
    for document in (english, russian, unknown):
        db.add_document(document)
    db.save_extraction(ExtractionResult(russian.id, "ru", True), "v1")
    assert db.document_languages("v1") == {"en"}
    assert db.document_languages("v2") == db.document_languages() == {"en", "ru"}
