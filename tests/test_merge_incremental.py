"""Incremental merging (otkaz.merge.incremental) gives what a full merge gives, after any change.

Random sequences of changes (documents added, re-extracted and removed; merge, split,
correct, confirm and reject decisions, with and without recorded keys; decisions deleted)
are applied to a store merged incrementally after each step, and to a second store
merged in full each time: the incidents (ids, reports, fields, statuses, reasons)
and the aliases must be the same, and the incidents equal ``merge`` of everything from
scratch.
"""
from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, make_url, select, text

from otkaz import pipeline
from otkaz.codebook import ACTORS
from otkaz.gazetteer import get_gazetteer
from otkaz.merge import merge, merge_decision, split_decision
from otkaz.merge.decisions import attach_mention_keys
from otkaz.model import (
    Count,
    DateRange,
    Decision,
    Document,
    Evidence,
    ExtractionResult,
    IncidentMention,
    as_plain,
)
from otkaz.store import Database
from otkaz.store.schema import decisions, incident_aliases, incident_labels, merge_index
from otkaz.store.schema import incidents as incidents_table

PLACES = ["Belgorod", "Kursk", "Donetsk", "Bakhmut", "Minsk", "Gomel"]
NAMES = ["Pavel Zorkin", "Dmitry Varlamov", "Ivan Petrov", "Oleg Sidorov", "Anna Kuznetsova"]
WORDS = "refused to fight returned home left unit mobilized soldiers commander deserted border front".split()


class World:
    """Random events and documents telling of them, some of them wrongly."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        gazetteer = get_gazetteer()
        self.places = [gazetteer.lookup(name, "en") for name in PLACES]
        self.events = [self._event() for _ in range(12)]
        self.documents = 0

    def _event(self) -> dict:
        rng = self.rng
        start = date(2023, 1, 20) + timedelta(days=rng.randrange(0, 70))
        return {
            "type": rng.choice(["combat_refusal", "desertion"]),
            "place": rng.choice(self.places),
            "origin": rng.choice([None, None, *self.places]),
            "date": DateRange(start, start + timedelta(days=rng.choice([0, 0, 1, 12]))),
            "count": rng.choice([1, 2, 40, 80, None]),
            "people": rng.sample(NAMES, rng.choice([0, 0, 1, 2])),
            "words": rng.sample(WORDS, 5),
        }

    def document(self) -> tuple[Document, list[IncidentMention]]:
        self.documents += 1
        rng = self.rng
        doc_id = f"doc-{self.documents:04d}"
        published = date(2023, 1, 25) + timedelta(days=rng.randrange(0, 90))
        document = Document(
            id=doc_id, text=f"{doc_id} " + "x" * 400, outlet=rng.choice(["Outlet A", "Outlet B", "Outlet C", None]),
            published=published.isoformat() if rng.random() < 0.9 else None, lang="en",
        )
        return document, self.mentions(doc_id)

    def mentions(self, doc_id: str) -> list[IncidentMention]:
        rng = self.rng
        found = []
        for n in range(rng.choice([1, 1, 1, 2, 3])):
            event = rng.choice(self.events)
            when = event["date"] if rng.random() < 0.8 else None
            if when and rng.random() < 0.3:
                shift = timedelta(days=rng.choice([-3, -1, 2, 4]))
                when = DateRange(when.start + shift, when.end + shift)
            count = event["count"] if rng.random() < 0.8 else rng.choice([None, 3, 200])
            people = event["people"] if rng.random() < 0.8 else rng.sample(NAMES, 1)
            text = " ".join(rng.sample(event["words"], 4) + rng.sample(WORDS, 2))
            found.append(IncidentMention(
                document_id=doc_id,
                type=event["type"] if rng.random() < 0.95 else "protest",
                actors=["mobilized"],
                count=Count(count, count),
                location=event["place"] if rng.random() < 0.85 else None,
                origin=event["origin"] if rng.random() < 0.7 else None,
                date=when,
                date_inferred=rng.random() < 0.1,
                people=list(people),
                confidence=0.6,
                evidence=[Evidence("incident", text, 10 * n, 10 * n + len(text))],
            ))
        return found


def _store(db: Database, document: Document, mentions: list[IncidentMention]) -> None:
    if not db.has_document(document.id):
        db.add_document(document)
    db.save_extraction(ExtractionResult(document_id=document.id, lang="en", processed=True, mentions=mentions), "v1")


def _state(db: Database) -> tuple[list[dict], list[tuple], list[tuple]]:
    """The incidents, their aliases, and the columns and labels the web's queries filter on."""
    incidents = [as_plain(incident) for incident in sorted(db.incidents(include_rejected=True), key=lambda i: i.id)]
    with db._read() as conn:  # noqa: SLF001 (the aliases and query columns have no reader of their own)
        aliases = sorted(tuple(row) for row in conn.execute(select(incident_aliases.c.old_id, incident_aliases.c.incident_id)))
        place = [incidents_table.c.id, incidents_table.c.country, incidents_table.c.region,
                 incidents_table.c.lat, incidents_table.c.lon]
        queried = sorted(tuple(row) for row in conn.execute(select(*place)))
        queried += sorted(tuple(row) for row in conn.execute(select(incident_labels)))
    return incidents, aliases, queried


def _scratch(db: Database) -> list[dict]:
    return [as_plain(i) for i in merge(db.reports(), pipeline.usable_decisions(db.decisions()))]


def _decision(world: World, db: Database) -> Decision | None:
    rng = world.rng
    incidents = db.incidents(include_rejected=True)
    if len(incidents) < 2:
        return None
    kind = rng.choice(["merge", "merge", "split", "split", "correct", "confirm", "reject", "bare"])
    incident = rng.choice(incidents)
    if kind == "merge":
        same_type = [i for i in incidents if i.type == incident.type and i.id != incident.id] or incidents
        other = rng.choice([i for i in same_type if i.id != incident.id] or [incidents[0]])
        return None if other.id == incident.id else merge_decision(incident, [other], "anna")
    if kind == "split":
        several = [i for i in incidents if len(i.reports) > 1]
        if not several:
            return None
        incident = rng.choice(several)
        keys = [r.mention.key for r in incident.reports]
        return split_decision(incident, "anna", rng.sample(keys, 1) if rng.random() < 0.7 else [])
    if kind == "bare":  # a decision made elsewhere: no recorded keys, found by its id on every run
        return Decision("confirm", incident.id, "bob")
    payload = {"actors": [rng.choice(ACTORS)]} if kind == "correct" else {}
    return attach_mention_keys(Decision(kind, incident.id, "anna", payload=payload), {incident.id: incident}.get)


def _step(world: World, stores: list[Database], documents: dict[str, Document]) -> None:
    rng, db = world.rng, stores[0]
    roll = rng.random()
    if roll < 0.55 or len(documents) < 4:
        document, mentions = world.document()
        documents[document.id] = document
        for store in stores:
            _store(store, document, mentions)
    elif roll < 0.65:
        document = documents[rng.choice(sorted(documents))]
        mentions = world.mentions(document.id)
        for store in stores:
            _store(store, document, mentions)
    elif roll < 0.72:
        gone = documents.pop(rng.choice(sorted(documents)))
        for store in stores:
            store.remove_document(gone.id, "anna")
    elif roll < 0.75:
        with db._read() as conn:  # noqa: SLF001
            ids = sorted(conn.execute(select(decisions.c.id)).scalars())
        if ids:
            chosen = rng.choice(ids)
            for store in stores:
                with store._write() as conn:  # noqa: SLF001 (no API removes a decision yet)
                    conn.execute(delete(decisions).where(decisions.c.id == chosen))
    else:
        decision = _decision(world, db)
        if decision is not None:
            for store in stores:
                store.add_decision(decision)


@pytest.fixture
def twin(db_url: str, tmp_path: Path) -> Iterator[Database]:
    """A second store on the same kind of database (decision ids are given alike)."""
    if not db_url.startswith("postgresql"):
        with Database(str(tmp_path / "twin.db")) as twin:
            yield twin
        return
    schema = f"otkaz_twin_{uuid.uuid4().hex[:12]}"
    server = make_url(db_url).difference_update_query(["options"])
    engine = create_engine(server)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with Database(server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)) as twin:
            yield twin
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


# Seeds 4 and 5 merge each independent unit (a whole component, the new mentions that join it,
# the decisions touching it) alone: unit by unit, a merge still gives the incidents of a full one.
@pytest.mark.parametrize(("seed", "unit_batch"), [(1, None), (2, None), (3, None), (4, 1), (5, 1)])
def test_incremental_merging_equals_full_merging(
    db: Database, twin: Database, seed: int, unit_batch: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if unit_batch is not None:
        monkeypatch.setattr(pipeline.incremental, "UNIT_BATCH", unit_batch)
    world = World(seed)
    documents: dict[str, Document] = {}
    with twin as full:
        for step in range(70):
            _step(world, [db, full], documents)
            if world.rng.random() < 0.6 or step == 69:
                pipeline.merge_all(db)
                pipeline.merge_all(full, full=True)
                incremental, expected = _state(db), _state(full)
                assert incremental[0] == expected[0], f"step {step}"
                assert incremental[1] == expected[1], f"step {step}"
                assert incremental[2] == expected[2], f"step {step}"
                assert incremental[0] == _scratch(db), f"step {step}"
        assert len(incremental[0]) > 10
        assert any(len(incident["reports"]) > 1 for incident in incremental[0])


def test_first_merge_builds_the_index_and_later_ones_touch_only_what_changed(db: Database) -> None:
    world = World(7)
    for _ in range(30):
        _store(db, *world.document())
    pipeline.merge_all(db)  # no index yet: a full merge, which builds it
    with db._read() as conn:  # noqa: SLF001
        indexed = conn.execute(select(merge_index.c.mention_key)).scalars().all()
    assert sorted(indexed) == sorted(r.mention.key for r in db.reports())

    document, mentions = world.document()
    _store(db, document, mentions)
    change, _count = db.merge_incidents(
        lambda source: pipeline.incremental.update(source, pipeline.usable_decisions)
    )
    assert not change.full
    assert {m.key for m in mentions} <= change.keys
    assert len(change.keys) < len(indexed)
    assert _state(db)[0] == _scratch(db)

    nothing, _count = db.merge_incidents(
        lambda source: pipeline.incremental.update(source, pipeline.usable_decisions)
    )
    assert nothing.empty


def test_incidents_stored_by_other_means_make_the_next_merge_full(db: Database) -> None:
    world = World(8)
    for _ in range(10):
        _store(db, *world.document())
    pipeline.merge_all(db)
    db.replace_incidents([])
    change, count = db.merge_incidents(lambda source: pipeline.incremental.update(source, pipeline.usable_decisions))
    assert change.full
    assert _state(db)[0] == _scratch(db)
    assert count == sum(i["status"] != "rejected" for i in _scratch(db))


def test_two_merges_at_once_store_the_same_incidents(db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Merges do not change what merging reads: a merge that stores its update after another
    merge of the same changes stored it leaves the store as the first one left it."""
    world = World(9)
    for _ in range(20):
        _store(db, *world.document())
    pipeline.merge_all(db)
    for _ in range(5):
        _store(db, *world.document())
    update = pipeline.incremental.update
    meanwhile: list[str] = []

    def update_while_another_merges(source, usable, full=False):
        planned = update(source, usable, full)
        if not meanwhile:
            meanwhile.append("other merge")
            with Database(db_url) as other:
                pipeline.merge_all(other)
        return planned

    monkeypatch.setattr(pipeline.incremental, "update", update_while_another_merges)
    pipeline.merge_all(db)
    assert meanwhile == ["other merge"]
    assert _state(db)[0] == _scratch(db)
    nothing, _count = db.merge_incidents(lambda source: update(source, pipeline.usable_decisions))
    assert nothing.empty


def test_cli_merge_all_merges_everything_again(db_url: str) -> None:
    from click.testing import CliRunner

    from otkaz.cli import cli

    world = World(10)
    with Database(db_url) as db:
        for _ in range(10):
            _store(db, *world.document())
    result = CliRunner().invoke(cli, ["merge", "--all", "--db", db_url, "--json"])
    assert result.exit_code == 0, result.output
    with Database(db_url) as db:
        assert _state(db)[0] == _scratch(db)
        assert '"incidents": %d' % len([i for i in _scratch(db) if i["status"] != "rejected"]) in result.output
    refused = CliRunner().invoke(cli, ["merge", "--all", "inc-1", "--db", db_url])
    assert refused.exit_code != 0


def test_a_store_upgraded_from_0007_is_merged_in_full_first(db_url: str) -> None:
    """A store made before the merge index: its first merge is a full one, which builds it."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import insert

    from otkaz.store import codec
    from otkaz.store.database import MIGRATIONS, resolve_url
    from otkaz.store.schema import documents, incident_reports, incidents

    world = World(11)
    stories = [world.document() for _ in range(8)]
    engine = create_engine(resolve_url(db_url))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0007")
        for document, _mentions in stories:
            conn.execute(insert(documents).values(
                **codec.document_columns(document), content_hash=document.content_hash,
                ingested_at="2023-05-04T00:00:00+00:00", extraction_status="pending"))
    engine.dispose()
    with Database(db_url) as db:  # migrates to 0008
        for document, mentions in stories:
            _store(db, document, mentions)
        first = db.reports()[0]
        with db._write() as conn:  # noqa: SLF001 (incidents an older version stored)
            old = replace(merge([first])[0], id="inc-old")
            conn.execute(insert(incidents).values(codec.incident_row(old)))
            conn.execute(insert(incident_reports).values(
                incident_id="inc-old", position=0, document_id=first.document.id, mention_key=first.mention.key))
        change, _count = db.merge_incidents(lambda source: pipeline.incremental.update(source, pipeline.usable_decisions))
        assert change.full
        assert _state(db)[0] == _scratch(db)
        assert db.moved_incident("inc-old") == next(
            i["id"] for i in _scratch(db) if any(r["mention"]["document_id"] == first.document.id for r in i["reports"])
        )
        with db._read() as conn:  # noqa: SLF001
            assert len(conn.execute(select(merge_index.c.mention_key)).all()) == len(db.reports())


def test_a_merge_reads_the_mentions_of_its_blocks_a_chunk_at_a_time_without_texts(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: the blocks of a large store hold more mentions than a merge should hold at once
    (undated mentions are compared with every mention of their type and country). The merge
    reads them a chunk at a time, and never a document's text, with the incidents of a full merge."""
    from otkaz.store import merge_index as store_index

    monkeypatch.setattr(store_index, "_CHUNK", 10)
    kursk = get_gazetteer().lookup("Kursk", "en")

    def told(n: int, day: date | None) -> tuple[Document, list[IncidentMention]]:
        document = Document(id=f"chunked-{n:03d}", text=f"Soldier number {n} deserted. " + "Other news. " * 40,
                            outlet=f"Outlet {n}", published="2023-03-01", lang="en")
        quote = f"Soldier number {n} deserted."  # too short for the similar-wording signal
        mention = IncidentMention(
            document_id=document.id, type="desertion", actors=["soldiers"], count=Count(None, None),
            location=kursk, date=DateRange(day, day) if day else DateRange(date(2022, 2, 24), date(2023, 3, 1)),
            date_inferred=day is None, confidence=0.6, evidence=[Evidence("incident", quote, 0, len(quote))],
        )
        return document, [mention]

    for n in range(60):  # one block: same type and country, undated or of February
        document, mentions = told(n, None if n % 3 else date(2023, 2, 1 + n % 28))
        mentions[0].people = ["Pavel Zorkin"] if n == 31 else []
        _store(db, document, mentions)
    pipeline.merge_all(db)
    # One new report joins an indexed one (the same person), two others join none.
    joining = told(100, None)
    joining[1][0].people = ["Pavel Zorkin"]
    for document, mentions in (joining, told(101, None), told(102, date(2023, 2, 10))):
        _store(db, document, mentions)

    held: list[int] = []
    read = store_index.MergeReader.reports_of_documents

    def reports_of_documents(self, document_ids):  # noqa: ANN001, ANN202
        reports = read(self, document_ids)
        held.append(len(reports))
        assert all(report.document.text == "" for report in reports)
        return reports

    monkeypatch.setattr(store_index.MergeReader, "reports_of_documents", reports_of_documents)
    change, _count = db.merge_incidents(lambda source: pipeline.incremental.update(source, pipeline.usable_decisions))
    assert not change.full
    assert change.compared >= 60  # every indexed mention of the block was compared with a new one
    assert max(held) <= 10
    [merged] = db.incidents_holding([joining[1][0].key])
    assert sorted(report.document.id for report in merged.reports) == ["chunked-031", "chunked-100"]
    monkeypatch.undo()
    assert _state(db)[0] == _scratch(db)


def test_a_merge_holds_one_batch_of_units_at_a_time(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10: as a dense store fills, the mentions a merge re-merges grow with it (new
    mentions join ever more components). A merge indexes a bounded batch of independent units
    at a time and lets each batch's incidents go before it merges the next: what it holds
    follows its largest unit, not the store."""
    import gc
    import weakref

    from otkaz.merge.clusters import MergeIndex

    monkeypatch.setattr(pipeline.incremental, "UNIT_BATCH", 4)
    towns = [place for place in (get_gazetteer().lookup(name, "en") for name in PLACES) if place.country == "RU"]
    assert len(towns) >= 2

    def told(event: int, copy: int) -> tuple[Document, list[IncidentMention]]:
        # Events far apart in time (never one block), each told alike by several outlets.
        day = date(2022, 3, 1) + timedelta(days=20 * event)
        document = Document(id=f"event-{event:02d}-{copy}", text=f"Report {copy} of event {event}.",
                            outlet=f"Outlet {copy}", published=day.isoformat(), lang="en")
        quote = f"Forty mobilized soldiers from {towns[event % len(towns)].name} refused to go to the front."
        mention = IncidentMention(
            document_id=document.id, type="combat_refusal", actors=["mobilized"], count=Count(40, 40),
            location=towns[event % len(towns)], date=DateRange(day, day), confidence=0.6,
            evidence=[Evidence("incident", quote, 0, len(quote))],
        )
        return document, [mention]

    for event in range(12):
        for copy in range(2):
            _store(db, *told(event, copy))
    pipeline.merge_all(db)
    assert len(db.incidents()) == 12
    for event in range(12):  # a third report of every event: every component is merged again
        _store(db, *told(event, 2))

    indexed: list[int] = []
    alive: list[weakref.ref] = []  # the incidents of the batches merged before
    add, incidents = MergeIndex.add, MergeIndex.incidents

    def counting_add(self, reports):  # noqa: ANN001, ANN202
        reports = list(reports)
        gc.collect()
        assert not [ref for ref in alive if ref() is not None], "an earlier batch's incidents are still held"
        indexed.append(len(reports))
        return add(self, reports)

    def remembered_incidents(self, decisions=()):  # noqa: ANN001, ANN202
        found = incidents(self, decisions)
        alive.extend(weakref.ref(incident) for incident in found)
        return found

    monkeypatch.setattr(MergeIndex, "add", counting_add)
    monkeypatch.setattr(MergeIndex, "incidents", remembered_incidents)
    change, _count = db.merge_incidents(lambda source: pipeline.incremental.update(source, pipeline.usable_decisions))
    monkeypatch.undo()
    assert not change.full
    assert len(change.keys) == 36
    assert max(indexed) <= 6  # batches of at least 4 mentions, of whole units of 3
    assert sum(indexed) == 36
    assert change.largest_unit == 3
    assert _state(db)[0] == _scratch(db)
    assert sorted(len(incident.reports) for incident in db.incidents()) == [3] * 12
