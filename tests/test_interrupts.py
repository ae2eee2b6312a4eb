"""An interrupted run stops; it does not hang, and the next run resumes.

A real ``otkaz extract --all --workers 2`` process (its fork server and workers included) is
sent SIGINT or SIGTERM, to it alone or to its process group (Ctrl-C on a terminal), as its
first worker appears: the moment the pool starts workers, when an interrupt used to leave
a worker the pool did not know of (and the run waited for it forever). The run must exit
128 + N and leave no process behind; the next run must leave the store an uninterrupted
run leaves.

A real ``otkaz run --workers 2`` (local workers, or a local Dask cluster) killed with SIGKILL
(the OOM killer, ``kill -9``) cannot stop anything itself: the processes it started must end
on their own, and the next run must leave the store an uninterrupted run leaves.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from test_crash import snapshot

pytestmark = pytest.mark.slow

OTKAZ = Path(sys.executable).with_name("otkaz")
MARK = "OTKAZ_TEST_INTERRUPT_MARK"  # in the environment of the run and of every process it starts
FINISH = 300  # seconds a run has to end, interrupted or not: far more than it takes
GONE = 60  # seconds the processes of a killed run have to end: far more than they take

TOWNS = ["Kostroma", "Tver", "Kursk", "Orel", "Tambov", "Penza", "Kirov", "Vologda", "Pskov", "Ryazan",
         "Samara", "Saratov"]
MONTHS = ["March", "April", "May", "June"]


def report(number: int) -> dict[str, Any]:
    """A short report of a soldier's refusal, different for each number (written for this test)."""
    town, court = TOWNS[number % len(TOWNS)], TOWNS[(number * 5 + 3) % len(TOWNS)]
    month, years = MONTHS[number % len(MONTHS)], 2 + number % 4
    text = (f"A mobilized soldier from {town} refused to return to his unit after leave, his wife told "
            f"reporters on {1 + number % 27} {month} 2023. The garrison military court in {court} sentenced "
            f"the {22 + number % 20}-year-old private to {years} years in a penal colony for leaving his unit "
            "without permission. His lawyer said he would appeal the verdict.")
    return {"id": f"interrupt-{number:03d}", "title": f"Soldier from {town} sentenced", "text": text,
            "lang": "en", "published": f"2023-{4 + number % 3:02d}-{1 + number % 27:02d}",
            "outlet": "Test Wire"}


def write_reports(path: Path, count: int) -> Path:
    path.write_text("".join(json.dumps(report(n)) + "\n" for n in range(count)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding 64 reports, none extracted: four batches, more than two workers take at once."""
    folder = tmp_path_factory.mktemp("interrupts")
    reports = write_reports(folder / "reports.jsonl", 64)
    store = folder / "stored.db"
    subprocess.run([str(OTKAZ), "ingest", "-q", "--db", str(store), str(reports)], check=True, timeout=FINISH)
    return store


@pytest.fixture(scope="module")
def uninterrupted(stored: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = tmp_path_factory.mktemp("uninterrupted") / "otkaz.db"
    shutil.copy(stored, store)
    assert otkaz("extract", "--all", "--workers", "2", "--db", str(store)).wait(timeout=FINISH) == 0
    return snapshot(str(store))


def otkaz(*args: str, mark: str = "") -> subprocess.Popen[bytes]:
    """``otkaz ARGS`` in a process group of its own, its output to /dev/null (a process left
    behind holding a pipe would make a reader wait too)."""
    return subprocess.Popen([str(OTKAZ), *args], start_new_session=True, env={**os.environ, MARK: mark},
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def marked(mark: str) -> list[psutil.Process]:
    """The processes running with ``mark`` in their environment."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARK) == mark and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:  # ended meanwhile, or not ours to read
            pass
    return found


def first_worker_started(run: subprocess.Popen[bytes]) -> None:
    """Back when the run's fork server has forked its first worker (or the run has ended)."""
    parent = psutil.Process(run.pid)
    while run.poll() is None:
        try:
            servers = [p for p in parent.children() if "multiprocessing.forkserver" in " ".join(p.cmdline())]
            if servers and servers[0].children():
                return
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.01)


@pytest.fixture
def mark() -> Iterator[str]:
    """A mark for one test's processes; any still running at its end are killed."""
    mark = uuid.uuid4().hex
    yield mark
    for process in marked(mark):
        process.kill()


@pytest.mark.parametrize(("signal_number", "to_group"), [
    pytest.param(signal.SIGINT, False, id="SIGINT-to-the-run"),  # kill -INT PID
    pytest.param(signal.SIGINT, True, id="SIGINT-to-its-group"),  # Ctrl-C: the run, its fork server and workers
    pytest.param(signal.SIGTERM, False, id="SIGTERM-to-the-run"),  # kill PID
])
def test_a_run_interrupted_as_its_workers_start_stops_and_the_next_run_resumes(
    signal_number: int, to_group: bool, stored: Path, uninterrupted: dict[str, Any], mark: str, tmp_path: Path
) -> None:
    store = tmp_path / "otkaz.db"
    shutil.copy(stored, store)
    for delay in (0.0, 0.1):  # at once, then as the first worker takes its batch
        run = otkaz("extract", "--all", "--workers", "2", "--db", str(store), mark=mark)
        first_worker_started(run)
        time.sleep(delay)
        (os.killpg if to_group else os.kill)(run.pid, signal_number)
        assert run.wait(timeout=FINISH) == 128 + signal_number
        left = psutil.wait_procs(marked(mark), timeout=FINISH)[1]  # the resource tracker ends after the run
        assert not left, f"left behind: {[' '.join(p.cmdline())[:80] for p in left]}"

    resumed = otkaz("extract", "--workers", "2", "--db", str(store))
    assert resumed.wait(timeout=FINISH) == 0
    assert snapshot(str(store)) == uninterrupted


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """256 reports: 16 batches, so that a run killed a second after its workers start is still parsing."""
    return write_reports(tmp_path_factory.mktemp("killed") / "reports.jsonl", 256)


@pytest.fixture(scope="module")
def run_uninterrupted(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = tmp_path_factory.mktemp("run-uninterrupted") / "otkaz.db"
    assert otkaz("run", "--workers", "2", "--db", str(store), str(reports)).wait(timeout=FINISH) == 0
    return snapshot(str(store))


def started(run: subprocess.Popen[bytes], count: int) -> None:
    """Back when the run has started ``count`` processes besides multiprocessing's resource
    tracker (or has ended): local, the fork server, then its workers; Dask, its worker processes."""
    parent = psutil.Process(run.pid)
    while run.poll() is None:
        try:
            processes = [p for p in parent.children(recursive=True)
                         if "multiprocessing.resource_tracker" not in " ".join(p.cmdline())]
            if len(processes) >= count:
                return
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.01)


@pytest.mark.parametrize(("engine", "all_started"), [
    pytest.param("local", 3, id="local"),  # the fork server and two workers
    pytest.param("dask", 2, id="dask"),  # two worker processes (the scheduler and nannies run in the run)
])
def test_a_run_killed_with_sigkill_leaves_no_process_behind_and_the_next_run_resumes(
    engine: str, all_started: int, reports: Path, run_uninterrupted: dict[str, Any], mark: str, tmp_path: Path
) -> None:
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    store = tmp_path / "otkaz.db"
    command = ["run", "--engine", engine, "--workers", "2", "--db", str(store), str(reports)]
    # as the first process starts (local: the fork server loading the models), as the last
    # does, then a second later, with batches being parsed
    for count, delay in ((1, 0.0), (all_started, 0.0), (all_started, 1.0)):
        run = otkaz(*command, mark=mark)
        started(run, count)
        time.sleep(delay)
        assert run.poll() is None, "the run ended before it was killed"
        run.kill()
        assert run.wait(timeout=FINISH) == -signal.SIGKILL
        left = psutil.wait_procs(marked(mark), timeout=GONE)[1]
        assert not left, f"left behind: {[' '.join(p.cmdline())[:80] for p in left]}"

    resumed = otkaz(*command)
    assert resumed.wait(timeout=FINISH) == 0
    assert snapshot(str(store)) == run_uninterrupted


# A stand-in for the fork server: a fresh interpreter whose first import is the fork server's,
# then a model load that takes minutes; and for its parent, a process that starts it and waits.
LOADING = "import otkaz.preload_start, time; print('loading', flush=True); time.sleep(300)"
STARTING_THE_SERVER = f"""
import os, subprocess, sys, time
os.environ["OTKAZ_FORK_SERVER_PARENT"] = str(os.getpid())
server = subprocess.Popen([sys.executable, "-c", {LOADING!r}], stdout=subprocess.PIPE)
print(server.stdout.readline().decode(), end="", flush=True)
time.sleep(300)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="prctl(PR_SET_PDEATHSIG) is Linux's")
def test_a_fork_server_killed_while_it_loads_the_models_does_not_load_on(mark: str) -> None:
    parent = subprocess.Popen([sys.executable, "-c", STARTING_THE_SERVER], env={**os.environ, MARK: mark},
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    assert parent.stdout.readline() == b"loading\n"
    (server,) = psutil.Process(parent.pid).children()
    parent.kill()
    parent.wait(timeout=FINISH)
    assert not psutil.wait_procs([server], timeout=GONE)[1], "the server still loads"


def test_a_fork_server_whose_parent_died_before_it_started_ends_at_once() -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()  # its pid names the parent that died: this test's process is the server's now
    server = subprocess.run([sys.executable, "-c", LOADING], stdin=subprocess.DEVNULL, capture_output=True,
                            env={**os.environ, "OTKAZ_FORK_SERVER_PARENT": str(ended.pid)}, timeout=GONE)
    assert (server.returncode, server.stdout) == (1, b"")
