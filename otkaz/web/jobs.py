"""Ingest jobs: run one at a time in a background thread of the server process that accepted
them, their progress readable meanwhile from any server process.

A job's state is kept in the store (``Database.save_ingest_job``), so that with
``otkaz serve --workers N`` every process answers its progress page. A job that was running
when its server process stopped stays "running" (what it stored stays too).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from otkaz.store import Database

log = logging.getLogger("otkaz.web")

Progress = Callable[[str, int, int], None]

# A running job's progress is written to the store at most this often (seconds), and at each
# new stage.
PROGRESS_EVERY = 0.5
_FIELDS = ("id", "user", "inputs", "created_at", "state", "stage", "done", "total", "summary", "error")


@dataclass
class Job:
    id: str
    user: str
    inputs: list[str]  # what the analyst gave, as shown to them
    created_at: str
    state: str = "queued"  # then running, then done or failed
    stage: str = ""  # the pipeline stage running: ingest, extract, merge
    done: int = 0
    total: int = 0
    summary: dict[str, Any] | None = None  # RunSummary.to_dict() once done
    error: str | None = None  # why the job failed, one line
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {name: list(self.inputs) if name == "inputs" else getattr(self, name) for name in _FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        return cls(**{name: data[name] for name in _FIELDS})


class JobRunner:
    """Runs submitted work one job at a time (the store takes one writer) and keeps the last
    ``keep`` jobs in ``store``."""

    def __init__(self, store: Database, keep: int = 100) -> None:
        self._store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="otkaz-ingest")
        self._keep = keep

    def submit(self, user: str, inputs: list[str], work: Callable[[Progress], dict[str, Any]]) -> Job:
        job = Job(
            id=secrets.token_hex(6),
            user=user,
            inputs=inputs,
            created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
        )
        self._save(job)
        self._executor.submit(self._run, job, work)
        return job

    def _save(self, job: Job) -> None:
        self._store.save_ingest_job(job.to_dict(), self._keep)

    def _run(self, job: Job, work: Callable[[Progress], dict[str, Any]]) -> None:
        job.state = "running"
        self._save(job)
        saved_at = time.monotonic()

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal saved_at
            with job._lock:
                new_stage = stage != job.stage
                job.stage, job.done, job.total = stage, done, total
            if new_stage or done >= total or time.monotonic() - saved_at >= PROGRESS_EVERY:
                self._save(job)
                saved_at = time.monotonic()

        try:
            job.summary = work(progress)
            job.state = "done"
        except Exception as exc:  # a job must end in a state the analyst can read, whatever broke
            log.exception("ingest job %s failed", job.id)
            job.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
            job.state = "failed"
        try:
            self._save(job)
        except Exception:  # the store is gone (the server is stopping): nothing left to tell
            log.exception("ingest job %s: its end could not be stored", job.id)

    def get(self, job_id: str) -> Job | None:
        found = self._store.ingest_jobs(job_id)
        return Job.from_dict(found[0]) if found else None

    def recent(self, limit: int = 20) -> list[Job]:
        """Newest first."""
        return [Job.from_dict(data) for data in self._store.ingest_jobs(limit=limit)]
