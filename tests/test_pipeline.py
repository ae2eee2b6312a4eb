"""The pipeline (ingest -> extract -> merge into a store) and the placeholder merge.

The extractor is replaced by a small fake (``fake_extractor``) so that these tests
check the glue, fast; tests/test_cli.py runs the real extractor once.  ``db`` is
the shared fixture of conftest.py (SQLite, and PostgreSQL when configured).
"""
from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from conftest import extractor_stand_in

from otkaz import pipeline
from otkaz.ingest import IngestOptions
from otkaz.merge import merge
from otkaz.model import (
    Count,
    Decision,
    Document,
    Evidence,
    ExtractionResult,
    IncidentMention,
    Place,
    Report,
)
from otkaz.store import Database

DATA = Path(__file__).parent / "data" / "cli"
FAKE_VERSION = "fake-1"
FAKE_TRIGGERS = {"deserted": "desertion", "протест": "protest"}
FAKE_PLACE = Place("Belgorod Oblast", 50.7, 37.0, "Belgorod Oblast", "RU", "admin1", key="test:belgorod")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_FULL_NAME = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b(?=,)")  # "Pavel Zorkin, 31"


def fake_extract(document: Document) -> ExtractionResult:
    """One mention per sentence with a trigger word; people are "First Last," anywhere."""
    if document.lang not in ("en", "ru"):
        return ExtractionResult(document.id, document.lang, False, note=f"language {document.lang!r} is not processed")
    people = _FULL_NAME.findall(document.text)
    mentions = []
    for match in _SENTENCE.finditer(document.text):
        sentence = match.group().strip()
        start = document.text.index(sentence, match.start())
        for trigger, incident_type in FAKE_TRIGGERS.items():
            if trigger in sentence:
                evidence = [Evidence("incident", sentence, start, start + len(sentence))]
                evidence += [_quote_of(document.text, name) for name in people]
                mentions.append(
                    IncidentMention(
                        document.id,
                        incident_type,
                        actors=["mobilized"],
                        count=Count(2, 2),
                        location=FAKE_PLACE if "Belgorod" in sentence else None,
                        people=people,
                        confidence=0.7,
                        evidence=evidence,
                    )
                )
    return ExtractionResult(document.id, document.lang, True, mentions)


def _quote_of(text: str, name: str) -> Evidence:
    sentence = next(m for m in _SENTENCE.finditer(text) if name in m.group())
    return Evidence("people", sentence.group(), sentence.start(), sentence.end())


def fake_extract_many(documents: Iterable[Document]) -> Iterator[ExtractionResult]:
    return map(fake_extract, documents)


@pytest.fixture
def fake_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    """``otkaz.extract`` replaced, for the duration of a test, by the fake above."""
    monkeypatch.setitem(sys.modules, "otkaz.extract", extractor_stand_in(FAKE_VERSION, fake_extract, fake_extract_many))


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    """A folder with an English and a Russian article, a German one and a copy of the English one."""
    folder = tmp_path / "articles"
    shutil.copytree(DATA, folder)
    shutil.copy(DATA / "desertion_en.txt", folder / "copy_of_desertion.txt")
    return folder


def test_run_ingests_extracts_and_merges(fake_extractor: None, articles: Path, db: Database) -> None:
    (articles / "broken.txt").write_bytes(b"\x00\x01\x02\xff" * 50)
    seen: list[tuple[str, int, int]] = []
    summary = pipeline.run(db, [str(articles)], IngestOptions(), lambda *step: seen.append(step))

    assert summary.inputs == 5
    assert (summary.stored, summary.duplicates, summary.failed) == (3, 1, 1)
    assert summary.failures[0].input == str(articles / "broken.txt")
    assert (summary.extracted, summary.not_processed) == (2, 1)
    assert summary.mentions == 2  # one "deserted" sentence, one "протест"
    assert summary.incidents == 2 == len(db.incidents())
    assert seen[-1] == ("redact", 2, 2) and ("extract", 3, 3) in seen and ("ingest", 5, 5) in seen
    # Every document that reports an incident has its public view; the German one, none.
    assert len(db.redactions()) == 2
    broken = {"input": str(articles / "broken.txt"), "reason": summary.failures[0].reason}
    assert summary.to_dict()["failures"] == [broken]


def test_run_twice_changes_nothing(fake_extractor: None, articles: Path, db: Database) -> None:
    first = pipeline.run(db, [str(articles)], IngestOptions())
    incidents_before = {incident.id for incident in db.incidents()}

    again = pipeline.run(db, [str(articles)], IngestOptions())

    assert (again.stored, again.duplicates, again.extracted) == (0, 4, 0)
    assert again.incidents == first.incidents
    assert {incident.id for incident in db.incidents()} == incidents_before


def test_extract_all_reextracts_every_document(fake_extractor: None, articles: Path, db: Database) -> None:
    pipeline.ingest_into(db, [str(articles)], IngestOptions())
    assert pipeline.extract_pending(db).extracted == 2
    assert pipeline.extract_pending(db).extracted == 0
    everything = pipeline.extract_pending(db, all_documents=True)
    assert (everything.extracted, everything.not_processed) == (2, 1)


def test_decisions_survive_a_rerun(fake_extractor: None, articles: Path, db: Database) -> None:
    pipeline.run(db, [str(articles)], IngestOptions())
    rejected, corrected = sorted(incident.id for incident in db.incidents())[:2]
    db.add_decision(Decision("reject", rejected, "analyst"))
    db.add_decision(Decision("correct", corrected, "analyst", payload={"count": {"min": 5, "max": None}}))

    assert pipeline.merge_all(db) == 1  # of two: the rejected one is not counted
    pipeline.extract_pending(db, all_documents=True)
    pipeline.merge_all(db)

    assert rejected not in {incident.id for incident in db.incidents()}
    assert db.get_incident(corrected).count == Count(5, None)


def with_a_repeated_mention(documents: Iterable[Document]) -> Iterator[ExtractionResult]:
    """The fake's results, with the Russian document's mention listed twice (the store refuses that)."""
    for result in fake_extract_many(documents):
        if result.lang == "ru":
            result.mentions *= 2
        yield result


def test_a_refused_extraction_fails_that_document_only(
    fake_extractor: None, articles: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules["otkaz.extract"], "extract_many", with_a_repeated_mention)
    summary = pipeline.run(db, [str(articles)], IngestOptions())

    assert (summary.extracted, summary.not_processed, summary.extraction_failed) == (1, 1, 1)
    [failure] = summary.failures
    assert failure.input == str(articles / "protest_ru.txt") and "share the key" in failure.reason
    assert summary.incidents == 1
    # The refused document stays pending: the next run tries it again.
    assert [d.id for d in db.documents_to_extract(FAKE_VERSION)] == [failure.input]


def test_summaries_combine() -> None:
    left = pipeline.RunSummary(inputs=2, stored=1, extracted=1)
    right = pipeline.RunSummary(stored=2, mentions=4)
    assert pipeline.RunSummary.combine(left, right) == pipeline.RunSummary(inputs=2, stored=3, extracted=1, mentions=4)


def _report(document_id: str, sentence_start: int) -> Report:
    document = Document(id=document_id, text="x" * 100)
    evidence = [Evidence("incident", "x" * 10, sentence_start, sentence_start + 10)]
    mention = IncidentMention(document_id, "desertion", actors=["mobilized"], people=["A B"], evidence=evidence)
    return Report(document, mention)


def test_merge_applies_decisions_in_order() -> None:
    reports = [_report("a", 0), _report("b", 0)]
    first, second = ("inc-" + r.mention.key for r in reports)
    decisions = [
        Decision("reject", first, "u"),
        Decision("confirm", first, "u"),  # the later decision wins
        Decision("correct", second, "u", payload={"type": "protest", "location": None, "note": "checked"}),
        Decision("confirm", "inc-unknown", "u"),  # an incident that no longer exists: ignored
    ]
    incidents = {incident.id: incident for incident in merge(reports, decisions)}
    assert incidents[first].status == "confirmed"
    assert incidents[second].type == "protest" and incidents[second].status == "unreviewed"


def test_documents_without_a_candidate_word_are_never_parsed(
    fake_extractor: None, articles: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    (articles / "football_en.txt").write_text(
        "The home side won the cup final 2-1 after extra time on Saturday evening.\n"
        "Their coach praised the fans who travelled across the country to see the match.\n",
        encoding="utf-8",
    )
    parsed: list[str] = []
    fake = sys.modules["otkaz.extract"]
    monkeypatch.setattr(fake, "extract_many", lambda docs: fake_extract_many(parsed.extend(d.id for d in docs) or docs))
    summary = pipeline.run(db, [str(articles)], IngestOptions())
    football = str(articles / "football_en.txt")
    assert football not in parsed and str(articles / "protest_ru.txt") in parsed
    assert str(articles / "weather_de.txt") in parsed  # no German vocabulary: the extractor decides
    assert summary.not_parsed == 1 and summary.extracted == 2
    state = next(s for s in db.document_states() if s.document_id == football)
    assert (state.status, state.mentions, state.note) == ("processed", 0, "prefilter: no candidate word, not parsed")
    assert summary.mentions > 0


def test_without_the_prefilter_every_document_is_parsed(fake_extractor: None, articles: Path, db: Database) -> None:
    (articles / "football_en.txt").write_text("The home side won the cup final on Saturday.\n", encoding="utf-8")
    summary = pipeline.run(db, [str(articles)], IngestOptions(), prefilter=False)
    assert summary.not_parsed == 0 and summary.extracted == 3


@pytest.mark.slow
def test_a_run_merging_as_it_extracts_makes_the_incidents_of_one_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A long run merges every MERGE_EVERY mentions (so that a merge never holds a whole
    # archive's reports); here after every document, against one merge at the end.
    from otkaz import engines

    examples = Path(__file__).parents[1] / "examples"
    merges: list[int] = []
    merge_all = pipeline.merge_all
    monkeypatch.setattr(pipeline, "merge_all", lambda db, full=False: merges.append(1) or merge_all(db, full))

    def incidents_of(name: str) -> list[dict]:
        with Database(str(tmp_path / name)) as db:
            pipeline.run(db, [str(examples)], workers=1)
            return sorted((i.to_export(include_names=True) for i in db.incidents()), key=lambda i: i["id"])

    monkeypatch.setattr(pipeline, "MERGE_EVERY", 10**9)
    once = incidents_of("once.db")
    assert len(merges) == 1
    monkeypatch.setattr(pipeline, "MERGE_EVERY", 1)
    monkeypatch.setattr(engines, "BATCH", 1)
    merges.clear()
    as_it_goes = incidents_of("as-it-goes.db")
    assert len(merges) > 3
    assert as_it_goes == once and len(once) >= 5
