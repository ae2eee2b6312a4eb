"""Where extraction runs: in this process, in N local processes, or on a Dask cluster.

Every engine maps batches of documents to their extraction results, batch by batch in
the order given, with a bounded number of batches in flight (memory stays flat however
many documents there are). Each process (or Dask worker) loads the NLP models of a language
once, on its first batch of that language, and keeps them: ``otkaz.extract`` caches them per
process. Local processes are forked from a server process that has loaded the models of the
languages to parse, so that they share those models' memory instead of loading a copy each
(``LocalProcesses``). Extraction of one document does not depend on the others, so every
engine gives the results of one process.

    with open_engine(workers=2, languages={"en"}) as engine:   # or open_engine("dask", scheduler=...)
        for results in engine.map_batches(batches):
            ...
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any, Protocol

from otkaz.lang import LANGUAGES
from otkaz.model import Document, ExtractionResult
from otkaz.parent_watch import when_the_parent_ends

ENGINES = ("local", "dask")
BATCH = 16  # documents per task: large enough to pay a task's overhead, small enough to share out
IN_FLIGHT_PER_WORKER = 2  # tasks queued per worker, so that none waits for the next batch


class EngineError(Exception):
    """The engine cannot start (a missing package, an unreachable scheduler); one line."""


class Engine(Protocol):
    workers: int

    def map_batches(self, batches: Iterable[list[Document]]) -> Iterator[list[ExtractionResult]]: ...


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def extract_batch(documents: list[Document]) -> list:
    """One batch's results in order: an ``ExtractionResult``, or ``pipeline.ExtractionFailed`` for
    a document the extractor fails on (the others are still extracted)."""
    from otkaz.pipeline import extract_each  # imported here: a worker imports it on its first task

    return [result for _, result in extract_each(documents)]


class InProcess:
    """Extraction in this process: no start-up cost, one core."""

    workers = 1

    def map_batches(self, batches: Iterable[list[Document]]) -> Iterator[list[ExtractionResult]]:
        return map(extract_batch, batches)


def _ordered(submit: Callable[[list[Document]], Any], result: Callable[[Any], list[ExtractionResult]],
             batches: Iterable[list[Document]], in_flight: int) -> Iterator[list[ExtractionResult]]:
    """Results in the order of the batches, with at most ``in_flight`` tasks submitted ahead."""
    pending: deque[Any] = deque()
    for batch in batches:
        pending.append(submit(batch))
        if len(pending) >= in_flight:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


# Imported by the fork server first (SIGINT ignored), and once it has imported the package
# of each language to load (the models loaded).
PRELOAD_START = "otkaz.preload_start"
PRELOAD_MODULE = "otkaz.preload"
FORK_SERVER_PARENT = "OTKAZ_FORK_SERVER_PARENT"  # the pid of the process starting the fork server


class LocalProcesses:
    """Extraction in ``workers`` processes of this machine.

    The workers are forked from multiprocessing's fork server, a fresh interpreter (not a fork
    of this process, which holds database connections and threads) that first loads the models
    of ``languages`` (``otkaz.preload``): every worker shares those pages with it, copy-on-write,
    instead of holding a copy of its own, so the models take their memory once, not once per
    worker. A worker meeting another language loads its models itself. The fork server lives
    as long as the engine (one engine at a time: another one in this process meanwhile gets
    workers of this server). Where there is no fork server (Windows), workers are spawned and
    each loads what it meets.
    """

    def __init__(self, workers: int, languages: Iterable[str] = ()) -> None:
        self.workers = workers
        self._fork_server = "forkserver" in multiprocessing.get_all_start_methods()
        if self._fork_server:
            context = multiprocessing.get_context("forkserver")
            read = sorted({lang.lower() for lang in languages} & LANGUAGES.keys())
            # the server imports these in order: PRELOAD_START, each language's package, PRELOAD_MODULE
            context.set_forkserver_preload([PRELOAD_START, *(LANGUAGES[lang].split(":")[0] for lang in read),
                                            PRELOAD_MODULE])
            # the server, once it dies with this process (otkaz.preload_start), checks that this
            # process has not died already: the environment is all it is started with
            os.environ[FORK_SERVER_PARENT] = str(os.getpid())
        else:
            context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker)

    def map_batches(self, batches: Iterable[list[Document]]) -> Iterator[list[ExtractionResult]]:
        return _ordered(lambda batch: self._pool.submit(extract_batch, batch), Future.result,
                        batches, self.workers * IN_FLIGHT_PER_WORKER)

    def close(self) -> None:
        try:
            self._pool.shutdown(cancel_futures=True)
        except BaseException:  # interrupted while the workers finish
            self.abort()
            raise
        if self._fork_server:
            from multiprocessing import forkserver

            # the server and the models it holds go now, not when this process exits (a run
            # merges and makes its views after extracting); _stop is the only way Python has
            forkserver._forkserver._stop()

    def abort(self) -> None:
        """Stop at once, after an interrupt or an error: the batches in flight are dropped and
        the workers ended, rather than waited for.

        Through the fork server, the workers are ended as its children: an interrupt while the
        pool starts a worker (from the request to the fork server until the pool has its pid)
        leaves one the pool does not know of, waiting for tasks forever, and the fork server
        stops only once every worker has.
        """
        self._pool.shutdown(wait=False, cancel_futures=True)
        if not self._fork_server:  # spawned workers: each ends after its batch
            return
        from multiprocessing import forkserver

        import psutil

        server_pid = forkserver._forkserver._forkserver_pid
        if server_pid is not None:
            try:
                server = psutil.Process(server_pid)
                _stopped(server)  # it forks no worker from now on, not even one asked for before
                workers = server.children()
                server.kill()
            except psutil.NoSuchProcess:  # it ended (a SIGTERM to the process group)
                workers = []
            for worker in workers:  # their batches are dropped: nothing to wait for
                with suppress(psutil.NoSuchProcess):
                    worker.kill()
            psutil.wait_procs(workers, timeout=5)  # gone before this process is
        forkserver._forkserver._stop()  # our end of its pipe closed, the server reaped


def _start_worker() -> None:
    """A worker's start: SIGINT (Ctrl-C goes to the whole process group) is for the parent,
    which stops the workers itself (forked workers inherit this from ``otkaz.preload_start``;
    spawned ones need it here). And the worker ends when the parent does, also when the parent
    is killed (SIGKILL, the OOM killer) and stops nothing itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()


def _exit_with_parent() -> None:
    """End this process as soon as the process that started it has ended: a worker of a dead
    parent would wait for tasks forever, and keep the fork server (which ends once no process
    holds its end of the server's pipe) and the resource tracker alive; ending the workers ends
    them all (``otkaz.parent_watch``)."""
    when_the_parent_ends(lambda: os._exit(1))  # at once: nothing of the batch under way will be read


def _stopped(process: Any, wait: float = 5.0) -> None:
    """SIGSTOP to ``process``, and back once it has stopped (the signal takes effect after any
    fork under way, whose child is then listed), or after ``wait`` seconds."""
    import psutil

    process.suspend()
    deadline = time.monotonic() + wait
    while process.status() not in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE) and time.monotonic() < deadline:
        time.sleep(0.01)


class DaskCluster:
    """Extraction on a Dask cluster: a scheduler's address, or a local cluster of ``workers``
    single-threaded worker processes. The workers need otkaz installed (same version)."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, timeout: str = "30s") -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:
            raise EngineError(f"the dask engine needs dask.distributed ({exc.name} missing): "
                              "pip install 'otkaz[dask]'") from exc
        self._cluster = None
        try:
            if scheduler:
                self._client = Client(scheduler, timeout=timeout)
            else:
                self._cluster = LocalCluster(n_workers=workers or available_cores(), threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            where = scheduler or "a local cluster"
            raise EngineError(f"cannot start the dask engine on {where}: {exc}") from exc
        self.workers = max(1, sum(self._client.nthreads().values()))

    def map_batches(self, batches: Iterable[list[Document]]) -> Iterator[list[ExtractionResult]]:
        # pure=False: two batches with equal content are still two tasks (each is saved)
        return _ordered(lambda batch: self._client.submit(extract_batch, batch, pure=False),
                        lambda future: future.result(), batches, self.workers * IN_FLIGHT_PER_WORKER)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


@contextmanager
def open_engine(engine: str = "local", workers: int | None = None, scheduler: str | None = None,
                documents: int | None = None, languages: Iterable[str] = ()) -> Iterator[Engine]:
    """The engine asked for, closed afterwards.

    ``local``: ``workers`` processes (default: the cores available) sharing the models of
    ``languages`` (those of the documents to parse, when known), or this process when one
    is asked for or ``documents`` (how many will be parsed, when known) fit in one batch, so
    that a small run pays no start-up. ``dask``: the cluster at ``scheduler``, else a local
    one of ``workers`` processes.
    """
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r} (expected one of {', '.join(ENGINES)})")
    if engine == "dask":
        opened: Any = DaskCluster(scheduler, workers)
    elif scheduler:
        raise EngineError("--scheduler needs --engine dask")
    else:
        workers = workers or available_cores()
        small = documents is not None and documents <= BATCH
        opened = InProcess() if workers == 1 or small else LocalProcesses(workers, languages)
    close = getattr(opened, "close", lambda: None)
    try:
        yield opened
    except BaseException:  # interrupted, or failed: nothing will take the batches in flight
        getattr(opened, "abort", close)()
        raise
    close()
