"""Where parsing runs: N local processes and a Dask cluster give the results of one process."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from otkaz import engines, pipeline
from otkaz.cli import cli
from otkaz.ingest import IngestOptions
from otkaz.publish.exports import export_records
from otkaz.store import Database

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _store_contents(db: Database) -> dict[str, Any]:
    """What a run leaves in the store, ids, evidence and names included."""
    return {
        "incidents": export_records(db.incidents(), include_names=True),
        "documents": [(s.document_id, s.status, s.mentions, s.note) for s in db.document_states()],
        "aggregates": [(a.document_id, a.type, a.count.min, a.count.max) for a in db.aggregates()],
        # the public views, made from the NER entities each engine's workers found
        "views": db.redactions(),
        "entities": db.redaction_entities(db.document_ids(with_mentions=True)),
    }


@pytest.fixture(scope="module")
def single_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with Database(str(tmp_path_factory.mktemp("single") / "otkaz.db")) as db:
        summary = pipeline.run(db, [str(EXAMPLES)], IngestOptions(), workers=1)
        assert summary.mentions > 0
        return _store_contents(db)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 2 documents, so that the examples are shared out among the workers."""
    monkeypatch.setattr(engines, "BATCH", 2)


@pytest.mark.slow
def test_two_local_processes_give_the_results_of_one(
    single_process: dict[str, Any], small_batches: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []

    class RecordedProcesses(engines.LocalProcesses):
        def __init__(self, workers: int, languages: Any = ()) -> None:
            started.append(workers)
            super().__init__(workers, languages)

    monkeypatch.setattr(engines, "LocalProcesses", RecordedProcesses)
    with Database(str(tmp_path / "otkaz.db")) as db:
        pipeline.run(db, [str(EXAMPLES)], IngestOptions(), workers=2)
        assert _store_contents(db) == single_process
    assert started == [2]


@pytest.mark.slow
def test_a_dask_cluster_of_two_workers_gives_the_results_of_one_process(
    single_process: dict[str, Any], small_batches: None, tmp_path: Path
) -> None:
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Database(str(tmp_path / "otkaz.db")) as db:
            pipeline.run(db, [str(EXAMPLES)], IngestOptions(), engine="dask", scheduler=cluster.scheduler_address)
            assert _store_contents(db) == single_process


@pytest.mark.slow
def test_cli_dask_engine_with_a_local_cluster(single_process: dict[str, Any], small_batches: None, tmp_path: Path) -> None:
    db_path = str(tmp_path / "otkaz.db")
    result = CliRunner().invoke(cli, ["run", str(EXAMPLES), "--engine", "dask", "--workers", "2", "--db", db_path, "-q"])
    assert result.exit_code == 0, result.output
    with Database(db_path) as db:
        assert _store_contents(db) == single_process


def test_a_small_run_or_one_worker_parses_in_this_process() -> None:
    with engines.open_engine(workers=4, documents=engines.BATCH) as engine:
        assert isinstance(engine, engines.InProcess)
    with engines.open_engine(workers=1, documents=10_000) as engine:
        assert isinstance(engine, engines.InProcess)


def test_scheduler_without_the_dask_engine_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(EXAMPLES), "--scheduler", "tcp://127.0.0.1:1", "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "--scheduler" in result.output and "needs --engine dask" in result.output


def test_an_unreachable_scheduler_is_an_engine_error() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(engines.EngineError, match=f"cannot start the dask engine on tcp://127.0.0.1:{port}"):
        engines.DaskCluster(f"tcp://127.0.0.1:{port}", timeout="2s")


def test_documents_to_parse_go_to_the_engine_in_batches_and_every_document_gets_one_result(
    small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from otkaz.model import Document, ExtractionResult

    monkeypatch.setattr(pipeline, "READ_AHEAD", 10)
    sent: list[list[str]] = []

    class RecordingEngine:
        workers = 1

        def map_batches(self, batches: Any) -> Any:
            for batch in batches:
                sent.append([d.id for d in batch])
                yield [ExtractionResult(d.id, d.lang, True, note="parsed") for d in batch]

    texts = ["He deserted from his unit." if n in (3, 4, 5, 30) else "The weather was mild." for n in range(35)]
    documents = [Document(id=f"d{n:02d}", text=text, lang="en") for n, text in enumerate(texts)]
    results = [r for batch in pipeline.extract_results(documents, RecordingEngine()) for r in batch]
    assert sorted(r.document_id for r in results) == [d.id for d in documents]
    assert sorted(r.document_id for r in results if r.note == "parsed") == ["d03", "d04", "d05", "d30"]
    assert sent[:2] == [["d03", "d04"], ["d05"]]  # full batch, then sent early after 10 documents read
    assert all(len(batch) <= 2 for batch in sent)


@pytest.fixture
def overlapping_run(small_batches: None, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A run that starts extracting after its first stored document, with what it does
    recorded in order: "store" for a batch of documents stored, "send" for a batch sent to
    the engine."""
    monkeypatch.setattr(pipeline, "START_AFTER", 1)
    events: list[str] = []
    add_documents, extract_results = Database.add_documents, pipeline.extract_results

    def recorded_add(db: Database, docs: list[Any]) -> Any:
        events.append("store")
        return add_documents(db, docs)

    class RecordedEngine:
        def __init__(self, engine: Any) -> None:
            self.engine, self.workers = engine, engine.workers

        def map_batches(self, batches: Any) -> Any:
            def sent() -> Any:
                for batch in batches:
                    events.append("send")
                    yield batch
            return self.engine.map_batches(sent())

    monkeypatch.setattr(Database, "add_documents", recorded_add)
    monkeypatch.setattr(pipeline, "extract_results",
                        lambda documents, engine, prefilter=True: extract_results(documents, RecordedEngine(engine), prefilter))
    return events


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_extracts_while_it_ingests_with_the_results_of_ingesting_first(
    single_process: dict[str, Any], overlapping_run: list[str], workers: int, tmp_path: Path
) -> None:
    with Database(str(tmp_path / "otkaz.db")) as db:
        summary = pipeline.run(db, [str(EXAMPLES)], IngestOptions(), workers=workers)
        assert _store_contents(db) == single_process
    # documents went to the engine before the last input was stored: ingest and extraction overlapped
    assert "send" in overlapping_run[: len(overlapping_run) - overlapping_run[::-1].index("store")]
    assert summary.stored + summary.duplicates == summary.extracted + summary.not_parsed + summary.not_processed


@pytest.mark.slow
def test_a_document_stored_anew_while_its_old_text_is_extracted_keeps_the_new_texts_results(
    overlapping_run: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.setattr(pipeline, "INGEST_BATCH", 1)
    old = "A mobilized soldier from Kazan deserted from his unit in March 2023, the court said."
    new = "Two mobilized men from Pskov refused to fight near Bakhmut in May 2023, their wives said."
    lines = [{"id": "story", "text": old, "lang": "en"},
             {"id": "other", "text": "Three reservists from Tula deserted in June 2023, a local channel said.", "lang": "en"},
             *({"id": f"filler-{n}", "text": f"The weather in town {n} was mild all week.", "lang": "en"} for n in range(6)),
             {"id": "story", "text": new, "lang": "en"}]
    path = tmp_path / "corrected.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with Database(str(tmp_path / "overlap.db")) as db:
        pipeline.run(db, [str(path)], IngestOptions(), workers=2)  # batches in flight meanwhile
        overlapped = _store_contents(db)
    with Database(str(tmp_path / "ingested-first.db")) as db:
        pipeline.ingest_into(db, [str(path)])
        pipeline.extract_and_merge(db)
        pipeline.redact_pending(db)
        assert _store_contents(db) == overlapped
    assert any("Pskov" in str(incident) for incident in overlapped["incidents"])
