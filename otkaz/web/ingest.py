"""Ingest from the browser: upload files, paste text or give URLs; watch the job; see what failed.

Uploads are saved to a temporary folder and read by ``otkaz.ingest`` under the name
"upload/<batch>/<file name>", which becomes the document id (a path in a temporary folder
would mean nothing later). Then extraction, merging and redaction run as in ``otkaz.pipeline.run``.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from otkaz.ingest import IngestOptions, Source
from otkaz.ingest.sources import is_url
from otkaz.model import parse_published
from otkaz.pipeline import Progress, extract_pending, ingest_sources, merge_all, redact_pending
from otkaz.store import Database
from otkaz.web.app import render
from otkaz.web.auth import Principal, check_csrf, requirement
from otkaz.web.jobs import JobRunner

router = APIRouter()
Ingester = Annotated[Principal, Depends(requirement("ingest"))]
PASTED_NAME = "pasted.txt"
_CHUNK = 1024 * 1024
_MAX_NAME = 60  # characters of an upload's name: 240 bytes of UTF-8 at most, under every file system's limit


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def ingest_options(form: FormData) -> IngestOptions:
    published = _text(form, "published") or None
    try:
        parse_published(published)
    except ValueError as exc:
        raise HTTPException(400, f"published: {exc}") from None
    lang = _text(form, "lang") or None
    if lang and lang not in ("en", "ru"):
        raise HTTPException(400, f"lang: {lang!r} is not en or ru (leave it empty to detect)")
    return IngestOptions(published=published, outlet=_text(form, "outlet") or None, lang=lang)


def upload_name(filename: str | None) -> str:
    """The upload's own base name, safe to save under: printable characters only (others become
    "_"), at most ``_MAX_NAME`` of them, its suffix kept; "upload" when nothing is left."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = "".join(ch if ch.isprintable() else "_" for ch in name).strip()
    if name.strip(".") == "":
        return "upload"
    path = PurePath(name)
    suffix = path.suffix if len(path.suffix) <= 16 else ""
    return name[: _MAX_NAME - len(suffix)] + suffix if len(name) > _MAX_NAME else name


async def _save_upload(upload: UploadFile, folder: Path, limit: int) -> Path:
    """The upload written under its own base name (numbered if taken); refused past ``limit`` bytes."""
    name = upload_name(upload.filename)
    target = folder / name
    number = 1
    while target.exists():
        number += 1
        target = folder / f"{PurePath(name).stem}-{number}{PurePath(name).suffix}"
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"{name}: larger than {limit // (1024 * 1024)} MB")
            out.write(chunk)
    return target


def _batch_label() -> str:
    return "upload/" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")


def _work(request: Request, sources: list[Source], options: IngestOptions, folder: Path) -> Any:
    db: Database = request.app.state.db
    lock = request.app.state.decision_lock

    def work(progress: Progress) -> dict[str, Any]:
        try:
            summary = ingest_sources(db, sources, options, progress)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        summary = summary.combine(extract_pending(db, progress))
        progress("merge", 0, 1)
        with lock:  # merging must not interleave with an analyst's decision
            summary.incidents = merge_all(db)
        progress("merge", 1, 1)
        redact_pending(db, progress)
        return summary.to_dict()

    return work


@router.get("/ingest", include_in_schema=False)
def ingest_page(request: Request, principal: Ingester) -> Response:
    jobs: JobRunner = request.app.state.jobs
    return render(request, "ingest.html", {"jobs": jobs.recent(20)})


@router.post("/ingest", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def ingest_submit(request: Request, principal: Ingester) -> Response:
    form = await request.form()
    options = ingest_options(form)
    limit = request.app.state.settings.max_upload_bytes
    label = _batch_label()
    folder = Path(tempfile.mkdtemp(prefix="otkaz-upload-"))
    try:
        sources = await _sources(form, folder, label, limit)
    except HTTPException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not sources:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(400, "nothing to ingest: choose files, paste a text or give a URL")
    jobs: JobRunner = request.app.state.jobs
    job = jobs.submit(principal.name or "", [s.name for s in sources], _work(request, sources, options, folder))
    return RedirectResponse(f"/ingest/jobs/{job.id}", status_code=303)


async def _sources(form: FormData, folder: Path, label: str, limit: int) -> list[Source]:
    sources = []
    for upload in form.getlist("files"):
        if isinstance(upload, str) or not upload.filename:
            continue  # an empty file field
        path = await _save_upload(upload, folder, limit)
        sources.append(Source(f"{label}/{path.name}", "file", path))
    if text := _text(form, "text"):
        path = folder / PASTED_NAME
        path.write_text(text + "\n", encoding="utf-8")
        sources.append(Source(f"{label}/{PASTED_NAME}", "file", path))
    for url in _text(form, "urls").split():
        if not is_url(url):
            raise HTTPException(400, f"{url}: not an http(s) URL")
        sources.append(Source(url, "url"))
    return sources


def _job_or_404(request: Request, job_id: str) -> Any:
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no ingest job {job_id!r} (the last 100 jobs are kept)")
    return job


@router.get("/ingest/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, job_id: str, principal: Ingester) -> Response:
    return render(request, "job.html", {"job": _job_or_404(request, job_id).to_dict()})


@router.get("/api/jobs/{job_id}", tags=["ingest"])
def job_status(request: Request, job_id: str, principal: Ingester) -> dict[str, Any]:
    """An ingest job's progress and, once done, its summary (failures with their reasons)."""
    return _job_or_404(request, job_id).to_dict()
