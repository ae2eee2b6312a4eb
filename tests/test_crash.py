"""Crash safety and concurrent writers, with real processes on a real store (SQLite, and
PostgreSQL when configured): a run killed with SIGKILL at random points and run again leaves
the same store as an uninterrupted run; two runs writing one store at once lose nothing.

The runs are forked by tests/crash_driver.py from one process that loaded the NLP models.
A run is killed right after its N-th SQL statement, N drawn at random (the seed is printed:
set OTKAZ_CRASH_SEED to replay) from the statements an uninterrupted run executes.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from conftest import POSTGRES_ENV, _postgres_schema_url
from otkaz.merge import merge
from otkaz.model import as_plain
from otkaz.store import Database
from otkaz.store.schema import incident_aliases

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).parents[1] / "examples"
DRIVER = Path(__file__).with_name("crash_driver.py")
KILLS = {"sqlite": 5, "postgres": 2}  # random kill points per backend
# The examples in two halves for two writers; the Tolyatti arson is reported in both (in
# English in one, in Russian in the other), so the writers' reports must merge across them.
WRITERS = (
    ["tolyatti-draft-office-fire.txt", "makhachkala-protest.html", "kazakhstan-arrivals-cp1251.txt"],
    ["court-and-fire.jsonl", "regional-wire.rss"],
)


class Driver:
    """tests/crash_driver.py, one process for the module: the models load once."""

    def __init__(self) -> None:
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=env, cwd=Path(__file__).parent,
        )

    def ask(self, request: Any) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the driver ended (exit {self.process.wait()})"
        return json.loads(answer)

    def steps(self, steps: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        return [self.ask(step) for step in steps]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=600) == 0


@pytest.fixture(scope="module")
def driver() -> Any:
    started = Driver()
    started.ask({"warm": [str(EXAMPLES)]})
    yield started
    started.close()


def run(db_url: str, *inputs: Path, kill_after: int | None = None) -> dict[str, Any]:
    return {"argv": ["run", "-q", "--db", db_url, *map(str, inputs)], "kill_after": kill_after}


def overlapping_run(db_url: str, *inputs: Path, kill_after: int | None = None) -> dict[str, Any]:
    """A run that extracts (in one process: --workers 1) from its first stored document on,
    while it stores the rest."""
    step = run(db_url, *inputs, kill_after=kill_after)
    return step | {"argv": [*step["argv"], "--workers", "1"], "start_after": 1}


def snapshot(db_url: str) -> dict[str, Any]:
    """Everything the store holds but timestamps and the merge counter."""
    with Database(db_url) as db:
        documents = [
            (d.id, d.content_hash, d.title, d.url, d.published, d.lang, d.source_format) for d in db.documents()
        ]
        with db._engine.connect() as conn:
            aliases = [(row.old_id, row.incident_id) for row in conn.execute(select(incident_aliases))]
        return {
            "documents": documents,
            "states": [as_plain(state) for state in db.document_states()],
            "mentions": [(r.document.id, as_plain(r.mention)) for r in db.reports()],
            "aggregates": [as_plain(a) for a in db.aggregates()],
            "incidents": [as_plain(i.to_export(include_names=True)) | {"status": i.status}
                          for i in db.incidents(include_rejected=True)],
            "merge_reasons": [i.merge_reasons for i in db.incidents(include_rejected=True)],
            "aliases": sorted(aliases),
        }


def backend(db_url: str) -> str:
    return "postgres" if db_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    return folder


@pytest.fixture
def new_store(db_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes more stores beside ``db_url``: SQLite files, or PostgreSQL schemas (dropped after)."""
    schemas: list[Iterator[str]] = []
    numbers = itertools.count()

    def make() -> str:
        if backend(db_url) == "sqlite":
            return str(tmp_path / f"store-{next(numbers)}.db")
        schemas.append(_postgres_schema_url(os.environ[POSTGRES_ENV]))
        return next(schemas[-1])

    yield make
    for schema in schemas:
        next(schema, None)  # the generator drops its schema


@pytest.mark.parametrize("killed_run", [run, overlapping_run])
def test_a_run_killed_at_random_points_and_run_again_leaves_the_same_store(
    driver: Driver, db_url: str, examples: Path, new_store: Callable[[], str], killed_run: Callable[..., dict[str, Any]]
) -> None:
    seed = int(os.environ.get("OTKAZ_CRASH_SEED") or random.SystemRandom().randrange(10**6))
    print(f"OTKAZ_CRASH_SEED={seed}")
    [whole] = driver.ask([killed_run(db_url, examples)])
    assert whole == {"exit": 0, "statements": whole["statements"]}
    points = sorted(random.Random(seed).sample(range(1, whole["statements"] + 1), KILLS[backend(db_url)]))

    stores = [new_store() for _ in points]
    steps = []
    for store, point in zip(stores, points):
        steps += [[killed_run(store, examples, kill_after=point)], [killed_run(store, examples)]]
    results = driver.steps(steps)

    expected = snapshot(db_url)
    assert expected["incidents"] and expected["mentions"]
    for n, (store, point) in enumerate(zip(stores, points)):
        killed, again = results[2 * n][0], results[2 * n + 1][0]
        assert killed == {"killed": signal.SIGKILL}, (point, killed)
        assert again["exit"] == 0, (point, again)
        assert snapshot(store) == expected, f"killed after statement {point} of {whole['statements']}"


def test_two_writers_at_once_lose_nothing(
    driver: Driver, db_url: str, examples: Path, new_store: Callable[[], str]
) -> None:
    halves = [[examples / name for name in names] for names in WRITERS]
    articles = [p.name for p in examples.iterdir() if not p.name.endswith(".meta.json")]  # sidecars go along
    assert sorted(p.name for half in halves for p in half) == sorted(articles)
    rounds = 2
    stores = [new_store() for _ in range(rounds)]
    steps = [[run(db_url, *halves[0], *halves[1])]]  # one writer: what the store must hold
    steps += [[run(store, *halves[0]), run(store, *halves[1])] for store in stores]  # two at once

    results = driver.steps(steps)

    expected = snapshot(db_url)
    assert expected.pop("aliases") == []
    for store, pair in zip(stores, results[1:]):
        assert [writer["exit"] for writer in pair] == [0, 0], pair
        got = snapshot(store)
        # An incident one writer stored may have moved when the other's reports joined it:
        # its old id is then an alias of a current incident, which one writer alone never makes.
        current = {incident["id"] for incident in got["incidents"]}
        assert all(new in current for _, new in got.pop("aliases"))
        assert got == expected
        with Database(store) as db:  # the stored incidents are those of every stored mention
            rebuilt = merge(db.reports(), db.decisions())
            assert [i.id for i in rebuilt] == sorted(i.id for i in db.incidents(include_rejected=True))
