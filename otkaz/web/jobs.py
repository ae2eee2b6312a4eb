"""Ingest jobs: run one at a time in a background thread, their progress readable meanwhile.

Jobs live in the server process's memory: a restart forgets them (what they stored stays).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("otkaz.web")

Progress = Callable[[str, int, int], None]


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

    def progress(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            self.stage, self.done, self.total = stage, done, total

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "id": self.id,
                "user": self.user,
                "inputs": list(self.inputs),
                "created_at": self.created_at,
                "state": self.state,
                "stage": self.stage,
                "done": self.done,
                "total": self.total,
                "summary": self.summary,
                "error": self.error,
            }


class JobRunner:
    """Runs submitted work one job at a time (the store takes one writer) and keeps the last ``keep``."""

    def __init__(self, keep: int = 100) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="otkaz-ingest")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def submit(self, user: str, inputs: list[str], work: Callable[[Progress], dict[str, Any]]) -> Job:
        job = Job(
            id=secrets.token_hex(6),
            user=user,
            inputs=inputs,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                self._jobs.popitem(last=False)
        self._executor.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Progress], dict[str, Any]]) -> None:
        job.state = "running"
        try:
            summary = work(job.progress)
        except Exception as exc:  # a job must end in a state the analyst can read, whatever broke
            log.exception("ingest job %s failed", job.id)
            job.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
            job.state = "failed"
            return
        job.summary = summary
        job.state = "done"

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self) -> list[Job]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))
