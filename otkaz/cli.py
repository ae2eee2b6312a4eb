"""The otkaz command line: a thin layer over otkaz.pipeline, otkaz.store and otkaz.publish."""
from __future__ import annotations

import dataclasses
import getpass
import json
import logging
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from otkaz import __version__
from otkaz.model import AuditEntry, Count, Decision, Incident, Place, parse_published
from otkaz.publish.exports import ALL_FORMATS, BINARY_FORMATS, export_records, write_export
from otkaz.publish.redaction import REVEAL
from otkaz.publish.stats import STATS_BY

if TYPE_CHECKING:
    from otkaz.ingest import IngestFailure, IngestWarning
    from otkaz.pipeline import Progress, RunSummary
    from otkaz.store import Database

EXIT_OK = 0
EXIT_INPUT_FAILED = 1
EXIT_STORE = 3
EXIT_NOTHING = 4

MAIN_HELP = """Turn news reports of Russian soldiers refusing to fight, deserting and
evading mobilization into a deduplicated, evidence-linked incident dataset.

\b
Start with:
  otkaz run examples/
  otkaz export --format csv -o incidents.csv
  otkaz stats --by month

Every verb takes --db (SQLite path or database URL; default
$OTKAZ_DATABASE_URL, else otkaz.db; evaluate uses a throwaway store),
--json (one JSON document on stdout) and -q/--quiet.

\b
Exit codes:
  0  all good
  1  some inputs failed (the rest was processed)
  2  usage error
  3  store/database error
  4  nothing to do, or not found
  128+N  stopped by signal N (130: Ctrl-C); the next run resumes
"""

T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    """One line on stderr, then the exit code: no traceback for an expected error."""
    click.echo(f"otkaz: {message}", err=True)
    raise click.exceptions.Exit(code)


class ByteSize(click.ParamType):
    """"20MB", "512KB", "1G" or a plain number of bytes (units are powers of 1024)."""

    name = "size"
    _UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
    _PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?)(?:I?B)?\s*$", re.IGNORECASE)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = self._PATTERN.match(str(value))
        if not match:
            self.fail(f"{value!r} is not a size like 20MB, 512KB or 1000000", param, ctx)
        return int(float(match[1]) * self._UNITS[match[2].upper()])


def _check_published(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        parse_published(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    return value


def common_options(command: Callable[..., T]) -> Callable[..., T]:
    """--db, --json and -q/--quiet, the same on every verb."""
    command = click.option(
        "-q", "--quiet", is_flag=True, help="No summaries or progress; errors still print."
    )(command)
    command = click.option(
        "--json", "as_json", is_flag=True, help="Machine output: one JSON document on stdout."
    )(command)
    return click.option(
        "--db",
        "db_url",
        metavar="PATH|URL",
        help="SQLite file or database URL  [default: $OTKAZ_DATABASE_URL, else otkaz.db]",
    )(command)


def ingest_options(command: Callable[..., T]) -> Callable[..., T]:
    """What ingest applies to inputs that do not say it themselves."""
    options = [
        click.option("--published", metavar="DATE", callback=_check_published,
                     help="Publication date (2022-09-27, 2022-09 or 2022) for inputs without one."),
        click.option("--outlet", metavar="NAME", help="Outlet for inputs that do not name one."),
        click.option("--lang", metavar="CODE", help="Language (en, ru) for inputs without one; else detected."),
        click.option("--max-size", type=ByteSize(), default="20MB", show_default=True,
                     help="Inputs larger than this are refused."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def engine_options(command: Callable[..., T]) -> Callable[..., T]:
    """Where parsing runs: local processes or a Dask cluster."""
    options = [
        click.option("--workers", type=click.IntRange(1), default=None, metavar="N",
                     help="Parse in N processes (Dask: N local workers)  [default: the cores available]"),
        click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="local: processes of this machine; dask: a Dask cluster (--scheduler, else a local one)."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="The Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --engine dask)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _check_engine(engine: str, scheduler: str | None) -> dict[str, Any]:
    if scheduler and engine != "dask":
        raise click.BadParameter("needs --engine dask", param_hint="'--scheduler'")
    return {"engine": engine, "scheduler": scheduler}


@contextmanager
def engine_errors() -> Iterator[None]:
    """An engine that cannot start (Dask missing, scheduler unreachable) ends the command with exit code 3."""
    from otkaz.engines import EngineError

    try:
        yield
    except EngineError as exc:
        fail(str(exc), EXIT_STORE)


@contextmanager
def open_store(db_url: str | None) -> Iterator[Database]:
    """The store, closed afterwards; a database error ends the command with exit code 3."""
    from otkaz.store import Database, StoreError

    db = None
    try:
        db = Database(db_url)
        yield db
    except StoreError as exc:  # already one line naming the database
        fail(str(exc), EXIT_STORE)
    except SQLAlchemyError as exc:  # after opening, e.g. the server went away
        where = db.url if db is not None else "(not opened)"
        fail(f"database {where}: {_first_line(exc)}", EXIT_STORE)
    finally:
        if db is not None:
            db.close()


def _first_line(exc: SQLAlchemyError) -> str:
    """The driver's own message without SQLAlchemy's SQL dump and links."""
    reason = str(getattr(exc, "orig", None) or exc).strip()
    return reason.splitlines()[0] if reason else type(exc).__name__


class ProgressBars:
    """One progress bar per stage on stderr, fed by ``pipeline.Progress`` calls."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._bar: Any = None
        self._done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self.close()
            self._stage, self._done = stage, 0
            self._bar = click.progressbar(length=total, label=stage.ljust(8), file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


class StderrLog(logging.Handler):
    """The library's log records ("otkaz.*") as ``otkaz: message`` lines on stderr: warnings
    always, progress notes (INFO) only while progress is shown (``progress_for``)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.bars: ProgressBars | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.bars is not None:
            self.bars.close()  # a line of its own, not the tail of a bar
        click.echo(f"otkaz: {record.getMessage()}", err=True)


STDERR_LOG = StderrLog()


def _log_to_stderr() -> None:
    logger = logging.getLogger("otkaz")
    logger.setLevel(logging.INFO)  # the handler's level decides what shows
    if STDERR_LOG not in logger.handlers:
        logger.addHandler(STDERR_LOG)


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@contextmanager
def progress_for(quiet: bool, as_json: bool) -> Iterator[Progress | None]:
    """Progress bars only for a person watching a terminal."""
    if quiet or as_json or not _stderr_is_terminal():
        yield None
        return
    bars = ProgressBars()
    STDERR_LOG.setLevel(logging.INFO)
    STDERR_LOG.bars = bars
    try:
        yield bars
    finally:
        STDERR_LOG.setLevel(logging.WARNING)
        STDERR_LOG.bars = None
        bars.close()


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_failures(failures: list[IngestFailure]) -> None:
    for failure in failures:
        click.echo(f"otkaz: {failure.input}: {failure.reason}", err=True)


def print_warnings(warnings: list[IngestWarning]) -> None:
    """Inputs stored with a repair: said, though nothing failed (the exit code stays 0)."""
    for warning in warnings:
        click.echo(f"otkaz: {warning}", err=True)


def ingest_line(summary: RunSummary) -> str:
    updated = f", updated {summary.updated}" if summary.updated else ""
    line = f"stored {summary.stored}{updated}, duplicate {summary.duplicates}, failed {summary.failed}"
    if summary.duplicates and not (summary.stored or summary.updated or summary.failed):
        line += " (nothing new: the store already holds these documents)"
    return line


def extract_lines(summary: RunSummary) -> list[str]:
    refused = f", failed {summary.extraction_failed}" if summary.extraction_failed else ""
    unparsed = f", not parsed {summary.not_parsed} (no candidate word)" if summary.not_parsed else ""
    return [
        f"extracted {summary.extracted}{unparsed}, not processed {summary.not_processed} (language){refused}",
        f"incident mentions {summary.mentions}, aggregates {summary.aggregates}",
        f"incidents {summary.incidents}",
    ]


def db_option(db_url: str | None, db: Database) -> str:
    """The --db part of a suggested next command (a URL with its password masked)."""
    if not db_url:
        return ""
    return f" --db {shlex.quote(db.url if '://' in db_url else db_url)}"


def finish(summary: RunSummary, needs_inputs: bool = True) -> NoReturn:
    """Exit 1 when some input or extraction failed, 4 when there was nothing to read, else 0."""
    if summary.failures:
        raise click.exceptions.Exit(EXIT_INPUT_FAILED)
    if needs_inputs and summary.inputs == 0:
        fail("nothing to do: no inputs found", EXIT_NOTHING)
    raise click.exceptions.Exit(EXIT_OK)


@click.group(help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="otkaz")
def cli() -> None:
    _log_to_stderr()


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="PATH|URL|-...")
@ingest_options
@common_options
def ingest(inputs: tuple[str, ...], published: str | None, outlet: str | None, lang: str | None,
           max_size: int, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Read articles and store them, without extracting.

    Inputs are text files (optionally with a header or a .meta.json sidecar),
    HTML, JSONL, RSS/Atom feeds, .jsonl.gz, Parquet and WARC files (read as
    streams), folders of these (read recursively), URLs, or - for stdin. A document the store already holds (same text) is
    counted as a duplicate and left as it is; one whose text or metadata
    changed under the same id is updated (and extracted again later).

    \b
    Example:
      otkaz ingest articles/ https://example.org/story.html --published 2022-09
      stored 3, duplicate 1, failed 0
    """
    from otkaz import pipeline
    from otkaz.ingest import IngestOptions

    options = IngestOptions(published=published, outlet=outlet, lang=lang, max_bytes=max_size)
    with open_store(db_url) as db, progress_for(quiet, as_json) as progress:
        summary = pipeline.ingest_into(db, inputs, options, progress)
    print_warnings(summary.warnings)
    print_failures(summary.failures)
    if as_json:
        print_json(summary.to_dict())
    elif not quiet:
        click.echo(ingest_line(summary))
    finish(summary)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="PATH|URL|-...")
@ingest_options
@engine_options
@common_options
def run(inputs: tuple[str, ...], published: str | None, outlet: str | None, lang: str | None,
        max_size: int, workers: int | None, engine: str, scheduler: str | None, db_url: str | None,
        as_json: bool, quiet: bool) -> None:
    """Ingest, extract and merge: the whole pipeline.

    Takes the same inputs and options as ingest; then extracts every stored
    document not yet extracted and rebuilds the incidents. Documents without
    a word of the candidate vocabulary are not parsed. Parsing runs in
    --workers processes, or on a Dask cluster with --engine dask.

    \b
    Example:
      otkaz run examples/
      otkaz run --workers 2 archive.jsonl.gz
      otkaz run --db postgresql://otkaz@localhost/otkaz feed.xml
      otkaz run --engine dask --scheduler tcp://10.0.0.5:8786 archive.warc.gz
    """
    from otkaz import pipeline
    from otkaz.ingest import IngestOptions

    options = IngestOptions(published=published, outlet=outlet, lang=lang, max_bytes=max_size)
    extraction = _check_engine(engine, scheduler)
    with stopped_by_signals(), open_store(db_url) as db, progress_for(quiet, as_json) as progress, engine_errors():
        summary = pipeline.run(db, inputs, options, progress, workers=workers, **extraction)
        where, with_db = db.url, db_option(db_url, db)
    print_warnings(summary.warnings)
    print_failures(summary.failures)
    if as_json:
        print_json(summary.to_dict() | {"database": where})
    elif not quiet:
        lines = [f"documents: {ingest_line(summary)}", *extract_lines(summary), f"database: {where}"]
        lines.append(f"next: otkaz export{with_db} --format csv -o incidents.csv"
                     if summary.incidents else f"next: otkaz documents{with_db}")
        click.echo("\n".join(lines))
    finish(summary)


@cli.command()
@click.option("--all", "all_documents", is_flag=True, help="Re-extract every stored document.")
@engine_options
@common_options
def extract(all_documents: bool, workers: int | None, engine: str, scheduler: str | None, db_url: str | None,
            as_json: bool, quiet: bool) -> None:
    """(Re)extract stored documents, then rebuild the incidents.

    Without --all only documents never extracted, or extracted by another
    version of the extractor, are read.

    \b
    Example:
      otkaz extract --all --workers 2
    """
    from otkaz import pipeline

    extraction = _check_engine(engine, scheduler)
    with stopped_by_signals(), open_store(db_url) as db, progress_for(quiet, as_json) as progress, engine_errors():
        if not sum(db.extraction_status().values()):
            fail("nothing to do: the store holds no documents (try: otkaz ingest PATH)", EXIT_NOTHING)
        summary = pipeline.extract_and_merge(db, progress, all_documents=all_documents, workers=workers, **extraction)
        pipeline.redact_pending(db, progress)
    print_failures(summary.failures)
    if as_json:
        print_json(summary.to_dict())
    elif not quiet:
        click.echo("\n".join(extract_lines(summary)))
    finish(summary, needs_inputs=False)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(ALL_FORMATS), default="jsonl",
              show_default=True, help="Export format.")
@click.option("--include-names", is_flag=True,
              help="Keep people's names (a `people` field, names in quotes). Personal data: handle with care.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to FILE instead of stdout.")
@common_options
def export(fmt: str, include_names: bool, output: Path | None, db_url: str | None, as_json: bool,
           quiet: bool) -> None:
    """Export the incidents (rejected ones left out).

    JSONL has one incident per line with its reports and evidence quotes;
    CSV and GeoJSON have the flat fields; acled is a CSV with ACLED's
    columns (event_id, event_date, time_precision, ..., notes); Parquet
    holds the JSONL fields typed (binary: use -o, or pipe stdout). Without
    --include-names it is the public view: no `people` field, names in quotes,
    titles and notes replaced by "[person N]", private cited sources shown as
    their role, no file paths (see Privacy in the README). With it, the export
    is audited as a reveal of names. Without -o the export is the only thing
    written to stdout; with -o a summary is printed (as JSON with --json).

    \b
    Example:
      otkaz export --format geojson -o incidents.geojson
    """
    binary = fmt in BINARY_FORMATS
    if output is None and binary and _stdout_is_terminal():
        raise click.BadParameter(f"{fmt} is binary: write it to a file with -o FILE", param_hint="'--format'")
    from otkaz import pipeline
    from otkaz.publish.redaction import PublicView

    with open_store(db_url) as db, progress_for(quiet, as_json) as progress:
        incidents = db.incidents()
        if include_names:
            db.audit(AuditEntry(_login_name(), REVEAL, "export", f"otkaz export --format {fmt}"))
            view = None
        else:
            pipeline.redact_pending(db, progress)  # a store made by an older otkaz has no public view yet
            view = PublicView.of_store(db, {r.document.id for i in incidents for r in i.reports})
    if output is None:
        write_export(incidents, fmt, sys.stdout.buffer if binary else sys.stdout, include_names, view)
        return
    try:
        out = output.open("wb") if binary else output.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise click.BadParameter(f"cannot write {output}: {exc.strerror or exc}", param_hint="'-o'") from exc
    with out:
        counts = write_export(incidents, fmt, out, include_names, view)
    if as_json:
        print_json({"format": fmt, "output": str(output), **counts})
    elif not quiet:
        left_out = f" ({counts['excluded']} without a place left out)" if counts["excluded"] else ""
        click.echo(f"wrote {counts['written']} incidents to {output}{left_out}")


@cli.command()
@click.argument("incident_id", metavar="ID")
@common_options
def show(incident_id: str, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Show one incident, with its evidence.

    Its fields, its reports with their evidence quotes, and why it was merged.
    Names are shown: the audit log records it.

    \b
    Example:
      otkaz show inc-3f2a9c0d1e4b5a67
    """
    with open_store(db_url) as db:
        incident = _find_incident(db, incident_id)
        if incident is not None:
            db.audit(AuditEntry(_login_name(), REVEAL, "incident", incident.id))
    if incident is None:
        fail(f"incident {incident_id}: not found (list them with: otkaz export)", EXIT_NOTHING)
    if as_json:
        record = incident.to_export(include_names=True)
        print_json(record | {"status": incident.status, "merge_reasons": incident.merge_reasons})
    else:
        click.echo("\n".join(incident_lines(incident)))


def incident_lines(incident: Incident) -> list[str]:
    """A person's view of one incident."""
    lines = [f"{incident.id}  {incident.type}  ({incident.status}, confidence {incident.confidence:.2f})"]
    fields = {
        "actors": ", ".join(incident.actors),
        "count": _count_text(incident.count),
        "location": _place_text(incident.location),
        "origin": _place_text(incident.origin),
        "date": f"{incident.date.start} .. {incident.date.end}" if incident.date else "",
        "consequences": ", ".join(incident.consequences),
        "cited": ", ".join(incident.cited),
        "people": ", ".join(incident.people),
    }
    lines += [f"  {name:<13} {value or '-'}" for name, value in fields.items()]
    lines.append(f"reports ({len(incident.reports)}):")
    for number, report in enumerate(incident.reports, start=1):
        document = report.document
        about = ", ".join(filter(None, [document.outlet, document.published, document.url]))
        lines.append(f"  [{number}] {document.id}" + (f"  ({about})" if about else ""))
        if document.title:
            lines.append(f"      {document.title}")
        for evidence in report.mention.evidence:
            lines.append(f"      {evidence.field}: \"{evidence.quote}\" [{evidence.start}:{evidence.end}]")
    lines.append("merge reasons:")
    lines += [f"  {reason_text(reason)}" for reason in incident.merge_reasons]
    return lines


def reason_text(reason: dict[str, Any]) -> str:
    """One merge reason in words: signals and their scores, a disagreement, or an analyst's decision."""
    if "disagreement" in reason:
        values = "; ".join(f"{v.get('document')}: {_value_text(v.get('value'))}" for v in reason.get("values", []))
        return f"disagreement on {reason['disagreement']}: {values} -> {reason.get('resolution', '')}"
    rule = reason.get("rule", "?")
    if rule == "signals":
        first, second = reason.get("documents") or ["?", "?"]
        return f"signals: {first} ~ {second}: {reason.get('note', '')}"
    if rule.startswith("analyst"):
        who = f" by {reason.get('user')}" if reason.get("user") else ""
        number = f" (decision {reason['decision']})" if reason.get("decision") is not None else ""
        fields = f" of {', '.join(reason['fields'])}" if reason.get("fields") else ""
        note = f": {reason['note']}" if reason.get("note") else ""
        return f"{rule}{fields}{who}{number}{note}"
    return f"{rule}: {reason.get('note', '')}"


def _value_text(value: Any) -> str:
    """A field value as a disagreement records it (export form)."""
    if isinstance(value, dict) and {"start", "end"} <= value.keys():
        return f"{value['start']} .. {value['end']}"
    if isinstance(value, dict) and {"min", "max"} <= value.keys():
        return _count_text(Count.from_dict(value))
    if isinstance(value, dict) and "name" in value:
        return f"{value['name']} ({value.get('precision')})"
    return str(value)


def _count_text(count: Count) -> str:
    low, high = count.min, count.max
    if low is None and high is None:
        return "unknown"
    if high is None:
        return f"at least {low}"
    if low is None or low == high:
        return str(high)
    return f"{low}-{high}"


def _place_text(place: Place | None) -> str:
    if place is None:
        return ""
    where = ", ".join(dict.fromkeys(filter(None, [place.name, place.admin1, place.country])))
    point = f" at {place.lat}, {place.lon}" if place.lat is not None and place.lon is not None else ""
    return f"{where} ({place.precision}){point}"


def _user_option(command: Callable[..., T]) -> Callable[..., T]:
    return click.option("--user", default=None, metavar="NAME",
                        help="Who decides (recorded and audited)  [default: your login name]")(command)


def _note_option(command: Callable[..., T]) -> Callable[..., T]:
    return click.option("--note", default=None, metavar="TEXT", help="Why (kept with the decision).")(command)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment
        return "cli"


def _find_incident(db: Database, incident_id: str) -> Incident | None:
    """The incident, or the one that an id merging gave up leads to (said on stderr)."""
    incident = db.get_incident(incident_id)
    if incident is None and (new_id := db.moved_incident(incident_id)) is not None:
        click.echo(f"otkaz: incident {incident_id} is now {new_id} (merged again)", err=True)
        incident = db.get_incident(new_id)
    return incident


def _existing_incident(db: Database, incident_id: str) -> Incident:
    incident = _find_incident(db, incident_id)
    if incident is None:
        fail(f"incident {incident_id}: not found (list them with: otkaz export)", EXIT_NOTHING)
    return incident


def _record_decision(db: Database, decision: Decision) -> list[Incident]:
    """Store the decision, re-merge, and return the incidents now holding its mentions."""
    from otkaz import pipeline
    from otkaz.merge import MENTION_KEYS

    db.add_decision(decision)
    pipeline.merge_all(db)
    pipeline.redact_pending(db)  # a decision may name people: their names leave the public view
    keys = {key for group in decision.payload[MENTION_KEYS].values() for key in group}
    return sorted(db.incidents_holding(keys), key=lambda incident: incident.id)


def _decision_output(action: str, incidents: list[Incident], as_json: bool, quiet: bool) -> None:
    if as_json:
        print_json({"action": action, "incidents": [
            {"id": i.id, "reports": [r.mention.key for r in i.reports]} for i in incidents]})
    elif not quiet:
        for incident in incidents:
            click.echo(f"{incident.id}  {incident.type}  {len(incident.reports)} report(s)")


@cli.command("merge")
@click.argument("incident_ids", nargs=-1, metavar="ID ID...")
@click.option("--all", "merge_everything", is_flag=True,
              help="Instead: merge every mention and decision again from scratch (and rebuild the merge index).")
@_user_option
@_note_option
@common_options
def merge_command(incident_ids: tuple[str, ...], merge_everything: bool, user: str | None, note: str | None,
                  db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Merge incidents into one, whatever the signals say.

    The first ID is the incident the others join. The decision is stored
    (with the reports' mention keys, so it survives every re-run) and the
    incidents touched are merged again; the merged incident is printed (its
    id is that of its earliest report, so it may be another of the IDs).

    With --all (and no IDs), every incident is merged again from all
    mentions and decisions instead of only what changed since the last merge.

    \b
    Example:
      otkaz merge inc-3f2a9c0d1e4b5a67 inc-9b1c2d3e4f5a6b7c --user anna
      otkaz merge --all
    """
    from otkaz.codebook import CodebookError, check_decision
    from otkaz.merge import DecisionError, merge_decision

    if merge_everything:
        if incident_ids:
            raise click.UsageError("merge --all takes no incident ids")
        from otkaz import pipeline

        with open_store(db_url) as db:
            count = pipeline.merge_all(db, full=True)
        if as_json:
            print_json({"action": "merge", "all": True, "incidents": count})
        elif not quiet:
            click.echo(f"{count} incident(s) merged again from all mentions and decisions")
        return
    if len(set(incident_ids)) < 2:
        raise click.UsageError("merge needs two different incident ids or more")
    with open_store(db_url) as db:
        target, *others = [_existing_incident(db, incident_id) for incident_id in incident_ids]
        try:
            decision = check_decision(merge_decision(target, others, user or _login_name(), note))
        except (DecisionError, CodebookError) as exc:
            fail(str(exc), EXIT_INPUT_FAILED)
        incidents = _record_decision(db, decision)
    _decision_output("merge", incidents, as_json, quiet)


@cli.command("split")
@click.argument("incident_id", metavar="ID")
@click.option("--mention", "mention_keys", multiple=True, metavar="KEY",
              help="A report to take out, by its mention key (repeat; none: every report apart).")
@_user_option
@_note_option
@common_options
def split_command(incident_id: str, mention_keys: tuple[str, ...], user: str | None, note: str | None,
                  db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Split an incident, whatever the signals say.

    With --mention, those reports are taken out (and kept apart from the
    rest); without, every report becomes an incident of its own. Mention
    keys are listed by: otkaz show --json ID. The decision survives every
    re-run; the resulting incidents are printed.

    \b
    Example:
      otkaz split inc-3f2a9c0d1e4b5a67 --mention 9b1c2d3e4f5a6b7c
    """
    from otkaz.codebook import CodebookError, check_decision
    from otkaz.merge import DecisionError, split_decision

    with open_store(db_url) as db:
        incident = _existing_incident(db, incident_id)
        try:
            decision = check_decision(split_decision(incident, user or _login_name(), mention_keys, note))
        except (DecisionError, CodebookError) as exc:
            fail(str(exc), EXIT_INPUT_FAILED)
        incidents = _record_decision(db, decision)
    _decision_output("split", incidents, as_json, quiet)


def _check_day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a day like 2022-09-21") from exc


@cli.command()
@click.option("--by", type=click.Choice(STATS_BY), default="type", show_default=True, help="Group by.")
@click.option("--from", "date_from", metavar="DAY", callback=_check_day,
              help="Only incidents that may have happened on or after DAY (2022-09-21).")
@click.option("--to", "date_to", metavar="DAY", callback=_check_day,
              help="Only incidents that may have happened on or before DAY.")
@common_options
def stats(by: str, date_from: date | None, date_to: date | None, db_url: str | None, as_json: bool,
          quiet: bool) -> None:
    """Count incidents and people, each incident once however many reports it has.

    People are "at least N": the sum of each incident's lowest count;
    incidents with no number are counted apart. Rejected incidents and
    aggregate figures ("thousands fled") are never counted.

    \b
    Example:
      otkaz stats --by month --from 2022-09-21 --to 2022-12-31
    """
    from otkaz.publish.stats import format_stats, incident_stats

    if date_from and date_to and date_to < date_from:
        raise click.BadParameter(f"{date_to} is before --from {date_from}", param_hint="'--to'")
    with open_store(db_url) as db:
        result = incident_stats(db.incidents(), by, date_from, date_to)
        aggregates = len(db.aggregates())
    if as_json:
        print_json(result.to_dict() | {"aggregates_not_counted": aggregates})
    else:
        click.echo(format_stats(result))
        if not quiet and aggregates:
            click.echo(f"({aggregates} aggregate figures recorded, never counted)")


@cli.command()
@click.argument("gold_path", metavar="GOLD.jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--folds", type=click.IntRange(2, 100), metavar="K",
              help="Cross-validate the trained sentence model: split the articles into K folds and "
                   "extract each with a model trained on --train and the other folds, never on itself.")
@click.option("--train", "train_paths", multiple=True, metavar="GOLD.jsonl|FOLDER",
              type=click.Path(exists=True, path_type=Path),
              help="With --folds: coded datasets to train on besides the other folds (a folder: "
                   "every gold.jsonl under it). Repeatable.")
@click.option("--verbose", "-v", is_flag=True, help="List misses, false alarms and field errors.")
@click.option("--json", "as_json", is_flag=True, help="Machine output: one JSON document on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress; errors and the report still print.")
def evaluate(gold_path: Path, folds: int | None, train_paths: tuple[Path, ...], verbose: bool, as_json: bool,
             quiet: bool) -> None:
    """Score extraction and merging against gold codings.

    GOLD.jsonl has one line per article: doc (a path relative to the gold
    file's folder), published, lang and the coded incidents. The articles
    are ingested with the gold's date and language into a throwaway store,
    extracted and merged; the incidents (names included) are matched to the
    gold on shared quote text and their fields scored. Your own store is
    never touched, so evaluate takes no --db.

    With --folds K the score is held out: the trained sentence model that
    extracts each fold never saw it (the shipped model was trained on the
    development sets, so scoring them without --folds flatters it).

    \b
    Example:
      otkaz evaluate eval/dev/gold.jsonl --verbose
      otkaz evaluate eval/dev/gold.jsonl --folds 5 --train training/
    """
    from otkaz import pipeline
    from otkaz.evaluation import EvaluationError, format_report, load_gold, score

    if train_paths and not folds:
        raise click.UsageError("--train needs --folds (without it the shipped model is scored)")
    try:
        gold = load_gold(gold_path)
    except EvaluationError as exc:
        fail(str(exc), EXIT_INPUT_FAILED)
    if folds:
        report, failures = _cross_validate(gold, gold_path, folds, train_paths, quiet, as_json)
    else:
        with tempfile.TemporaryDirectory(prefix="otkaz-evaluate-") as folder, \
                open_store(str(Path(folder) / "evaluate.db")) as db, progress_for(quiet, as_json) as progress:
            failures = ingest_gold(db, gold, gold_path.parent)
            extraction = pipeline.extract_pending(db, progress)
            pipeline.merge_all(db)
            predictions = export_records(db.incidents(), include_names=True)
        failures += extraction.failures
        try:
            report = score(gold, predictions)
        except EvaluationError as exc:
            fail(str(exc), EXIT_INPUT_FAILED)
    print_failures(failures)
    if as_json:
        print_json(report.to_dict())
    else:
        click.echo(format_report(report, verbose=verbose))
    raise click.exceptions.Exit(EXIT_INPUT_FAILED if failures else EXIT_OK)


def _cross_validate(gold: list[Any], gold_path: Path, folds: int, train_paths: tuple[Path, ...], quiet: bool,
                    as_json: bool) -> tuple[Any, list[IngestFailure]]:
    from otkaz.datasets import read_dataset
    from otkaz.evaluation import EvaluationError
    from otkaz.extract.training import cross_validate, parse_articles, read_sets
    from otkaz.ingest import IngestFailure

    try:
        evaluated, failed = read_dataset(gold_path)
        training, failed_training = read_sets(train_paths)
    except EvaluationError as exc:
        fail(str(exc), EXIT_INPUT_FAILED)
    failures = [IngestFailure(*line.split(": ", 1)) for line in failed + failed_training]
    with progress_for(quiet, as_json) as progress:
        report = cross_validate(gold, parse_articles(evaluated, progress), parse_articles(training, progress), folds, progress)
    return report, failures


@cli.command()
@click.argument("gold_paths", nargs=-1, required=True, metavar="GOLD.jsonl|FOLDER...",
                type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the model files <lang>.npz (default: the package's own, which the extractor loads).")
@click.option("--json", "as_json", is_flag=True, help="Machine output: one JSON document on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary.")
def train(gold_paths: tuple[Path, ...], out: Path | None, as_json: bool, quiet: bool) -> None:
    """Train the sentence model of each language on coded datasets.

    Every article of the datasets (gold.jsonl beside its articles, as in
    ../shared/eval; a folder: every gold.jsonl under it) is parsed; each
    sentence that states a required gold incident teaches its type, each
    sentence that states none teaches that. One model per language found is
    written as <lang>.npz, with the thresholds at which the extractor uses its
    scores, chosen by 3-fold cross-validation on the same articles. Training is
    deterministic: the same data gives the same weights.

    \b
    Example (how the shipped models were made):
      otkaz train training/ ../shared/eval/dev/gold.jsonl ../shared/eval/dev-ru/gold.jsonl
    """
    from otkaz.extract.sentences import MODEL_DIR
    from otkaz.extract.training import train as train_models

    with progress_for(quiet, as_json) as progress:
        try:
            summary = train_models(gold_paths, out or MODEL_DIR, progress)
        except ValueError as exc:
            fail(str(exc), EXIT_INPUT_FAILED)
    if as_json:
        print_json(summary)
    elif not quiet:
        for row in summary:
            click.echo(f"{row['lang']}: {row['articles']} articles, {row['sentences']} sentences "
                       f"({row['incident_sentences']} state an incident), thresholds keep {row['thresholds']['keep']} "
                       f"add {row['thresholds']['add']} new {row['thresholds']['new']} beside {row['thresholds']['beside']} lone {row['thresholds']['lone']} -> {row['model']}")


def ingest_gold(db: Database, gold: list[Any], folder: Path) -> list[IngestFailure]:
    """Store each gold article under its gold ``doc`` id; returns the articles that failed."""
    from otkaz.ingest import IngestFailure, IngestOptions, IngestWarning, ingest

    failures = []
    for article in gold:
        options = IngestOptions(published=article.published, lang=article.lang)
        for item in ingest([str(folder / article.doc)], options):
            if isinstance(item, IngestFailure):
                failures.append(IngestFailure(article.doc, item.reason))
            elif isinstance(item, IngestWarning):
                print_warnings([IngestWarning(article.doc, item.message)])
            else:
                item.id = article.doc
                db.add_document(item)
    return failures


@cli.group(invoke_without_command=True)
@common_options
@click.pass_context
def documents(ctx: click.Context, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """List the stored documents; documents rm ID removes one.

    One row per document: id, language, publication date, extraction status
    (pending; processed; not_processed: a language no extractor reads; failed:
    the extractor failed on it, skipped until another extractor version or
    extract --all), incident mentions and the extraction's note (why it
    failed, what was left out). --json adds the extractor version.

    \b
    Example:
      otkaz documents --json
      otkaz documents rm articles/duplicate-story.txt
    """
    ctx.obj = {"db_url": db_url, "as_json": as_json, "quiet": quiet}  # for documents rm
    if ctx.invoked_subcommand is not None:
        return
    with open_store(db_url) as db:
        rows = document_rows(db)
    if as_json:
        print_json(rows)
        return
    if not rows:
        if not quiet:
            click.echo("no documents stored (try: otkaz ingest PATH)", err=True)
        return
    columns = ("id", "lang", "published", "status", "mentions", "note")
    table = [list(columns)] + [["-" if row[name] is None else str(row[name]) for name in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())


@documents.command("rm")
@click.argument("document_ids", nargs=-1, required=True, metavar="ID...")
@_user_option
@common_options
@click.pass_context
def documents_rm(ctx: click.Context, document_ids: tuple[str, ...], user: str | None, db_url: str | None,
                 as_json: bool, quiet: bool) -> None:
    """Remove stored documents, with their incident mentions and reports.

    Each removal is audited (who, when, the document's id, URL and outlet;
    not its text). The incidents are merged again at once: an incident only
    these documents reported goes, the others lose these reports. Ids are
    listed by: otkaz documents.

    \b
    Example:
      otkaz documents rm articles/duplicate-story.txt --user anna
    """
    from otkaz import pipeline

    group = ctx.obj or {}
    db_url, as_json, quiet = db_url or group.get("db_url"), as_json or group.get("as_json"), quiet or group.get("quiet")
    with open_store(db_url) as db:
        stored_ids = [_stored_document_id(db, document_id) for document_id in document_ids]
        removed, missing, incidents = pipeline.remove_documents(db, stored_ids, user or _login_name())
    for document_id in missing:
        click.echo(f"otkaz: document {document_id}: not found (list them with: otkaz documents)", err=True)
    if as_json:
        print_json({"removed": removed, "not_found": missing, "incidents": incidents})
    elif not quiet and removed:
        click.echo(f"removed {len(removed)} document{'s' if len(removed) != 1 else ''}; incidents {incidents}")
    if missing:
        raise click.exceptions.Exit(EXIT_INPUT_FAILED if removed else EXIT_NOTHING)


def _stored_document_id(db: Database, given: str) -> str:
    """``given`` if stored, else the id of the file it names (ingest ids files by resolved path)."""
    if db.has_document(given) or not Path(given).is_file():
        return given
    return str(Path(given).resolve())


def document_rows(db: Database) -> list[dict[str, Any]]:
    """One row per stored document, with its extraction state."""
    states = {state.document_id: state for state in db.document_states()}
    rows = []
    for document in db.documents():
        state = states[document.id]
        rows.append(
            {
                "id": document.id,
                "lang": document.lang,
                "published": document.published,
                "status": state.status,
                "mentions": state.mentions,
                "extractor_version": state.extractor_version,
                "note": state.note,
            }
        )
    return rows


# --------------------------------------------------------------------------- following sources


class Duration(click.ParamType):
    """"15m", "90s", "1h", "1.5" (seconds): a number of seconds."""

    name = "duration"
    _UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
    _PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, int | float):
            return float(value)
        match = self._PATTERN.match(str(value))
        if not match:
            self.fail(f"{value!r} is not a duration like 15m, 90s or 1h", param, ctx)
        return float(match[1]) * self._UNITS[match[2].lower()]


_STOP_SIGNALS = ("SIGINT", "SIGTERM")


@contextmanager
def _handling_stop_signals(handle: Callable[[int, Any], None]) -> Iterator[dict[int, Any]]:
    """``handle`` for SIGINT and SIGTERM while the block runs, the previous handlers after it;
    yields those previous handlers by signal number."""
    import signal

    numbers = [getattr(signal, name) for name in _STOP_SIGNALS]
    previous = {number: signal.getsignal(number) for number in numbers}
    for number in numbers:
        signal.signal(number, handle)
    try:
        yield previous
    finally:
        for number in numbers:
            signal.signal(number, previous[number])


@contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[list[int]]:
    """SIGINT and SIGTERM call ``stop`` (a clean stop); a second signal ends at once.
    Yields the list the signals received are appended to."""
    import signal

    received: list[int] = []
    previous: dict[int, Any] = {}

    def handle(number: int, _frame: Any) -> None:
        received.append(number)
        for each, handler in previous.items():  # a second signal: the default action, at once
            signal.signal(each, handler)
        stop()

    with _handling_stop_signals(handle) as before:
        previous.update(before)
        yield received


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGINT and SIGTERM stop the command where it is, through its clean-up (the workers
    ended, the transaction under way rolled back: what is saved stays, and the next run
    resumes), then exit 128 + N. Signals during the clean-up, which is short, are ignored."""
    import signal

    received: list[int] = []

    def handle(number: int, _frame: Any) -> None:
        received.append(number)
        if len(received) == 1:
            raise KeyboardInterrupt

    try:
        with _handling_stop_signals(handle):
            yield
    except KeyboardInterrupt:
        number = received[0] if received else signal.SIGINT  # one raised before the handler was in
        click.echo(f"otkaz: stopped by {signal_name(number)}: the next run resumes", err=True)
        raise click.exceptions.Exit(128 + number) from None


def poll_lines(report: Any) -> list[str]:
    """A person's view of one poll: the sources, the documents, the incidents that arrived."""
    stored = sum(s.stored for s in report.sources)
    updated = sum(s.updated for s in report.sources)
    lines = [
        f"poll {report.number} at {report.started_at}: {len(report.sources)} sources: "
        f"changed {report.count('changed')}, not modified {report.count('not_modified')}, "
        f"failed {report.count('failed')}" + (f", stopped {report.count('stopped')}" if report.count("stopped") else ""),
        f"documents: stored {stored}" + (f", updated {updated}" if updated else "") + f", failed {len(report.failures)}",
    ]
    summary = report.summary
    if summary.extracted or summary.not_processed:
        lines.append(f"extracted {summary.extracted}, not processed {summary.not_processed} (language)")
    for arrival in report.arrivals:
        incident = arrival.incident
        place = incident.location or incident.origin
        where = ", ".join(dict.fromkeys(filter(None, [place.name, place.admin1, place.country]))) if place else "-"
        label = "new" if arrival.kind == "new" else "more reports"
        reports = len(incident.reports)
        lines.append(f"{label}: {incident.id}  {incident.type}  {where}  ({reports} report{'s' if reports != 1 else ''})")
    if summary.extracted or summary.not_processed or report.arrivals:
        lines.append(f"incidents {summary.incidents}")
    if report.stopped:
        lines.append("stopped: the next start resumes where this poll stopped")
    return lines


@cli.command()
@click.argument("sources_file", metavar="SOURCES.txt", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--every", type=Duration(), default="15m", show_default=True,
              help="Wait this long between polls (15m, 90s, 1h).")
@click.option("--once", is_flag=True, help="Poll once, then exit (for cron); the exit code tells how it went.")
@click.option("--delay", type=Duration(), default="1s", show_default=True,
              help="Wait this long between two requests to one host.")
@click.option("--timeout", type=Duration(), default="30s", show_default=True, help="Give up a request after this long.")
@click.option("--retries", type=click.IntRange(0, 10), default=2, show_default=True,
              help="Further attempts after a network error or HTTP 5xx/429 (waiting 5s, 10s, ...).")
@click.option("--max-size", type=ByteSize(), default="20MB", show_default=True,
              help="Feeds and pages larger than this are refused.")
@common_options
def watch(sources_file: Path, every: float, once: bool, delay: float, timeout: float, retries: int,
          max_size: int, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Follow feeds (RSS/Atom) and pages: poll, store what is new, extract and merge it.

    SOURCES.txt holds one URL a line (# starts a comment line). Each poll
    asks only for what changed (ETag / Last-Modified, kept in the store),
    stores new feed entries (the article's page when the entry has only a
    summary), then extracts and merges, and prints the incidents that are
    new or have new reports. Requests to one host go one at a time, --delay
    apart. Ctrl-C (SIGINT) or SIGTERM stops cleanly after the current
    document; the next start resumes. Error counts: otkaz sources.
    With --json, one JSON document per poll (one line each).

    \b
    Example:
      otkaz watch sources.txt --every 15m
      otkaz watch sources.txt --once --json
    """
    from otkaz.ingest import IngestOptions
    from otkaz.watch import SourceListError, Watcher, WatchSettings, read_source_list

    try:
        urls, problems = read_source_list(sources_file)
    except SourceListError as exc:
        fail(str(exc), EXIT_INPUT_FAILED)
    print_failures(problems)
    if not urls:
        fail(f"{sources_file}: nothing to do: no URLs in it", EXIT_NOTHING)
    settings = WatchSettings(every=every, delay=delay, timeout=timeout, retries=retries,
                             ingest=IngestOptions(max_bytes=max_size))

    def show(report: Any) -> None:
        print_failures(report.failures)
        if as_json:
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        elif not quiet:
            click.echo("\n".join(poll_lines(report)))

    with open_store(db_url) as db:
        watcher = Watcher(db, urls, settings)
        if not (quiet or as_json):
            click.echo(f"otkaz: watching {len(urls)} sources into {db.url}"
                       + ("" if once else f", every {sources_every(every)} (Ctrl-C stops)"), err=True)
        with stop_on_signals(watcher.stop) as received:
            last = watcher.run(show, once=once)
    if received and not quiet:
        click.echo(f"otkaz: stopped by {signal_name(received[0])}", err=True)
    if received and once:
        raise click.exceptions.Exit(128 + received[0])  # stopped before the poll finished
    if once and (problems or last.failures):
        raise click.exceptions.Exit(EXIT_INPUT_FAILED)
    raise click.exceptions.Exit(EXIT_OK)


def signal_name(number: int) -> str:
    import signal

    return signal.Signals(number).name


def sources_every(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


@cli.command()
@common_options
def sources(db_url: str | None, as_json: bool, quiet: bool) -> None:
    """List the sources otkaz watch follows, with their error counts.

    One row per source: its URL, kind (feed or page), when it was last
    checked and last changed, the documents it brought, and the failed
    fetches in all. --json adds the last error and the validators.

    \b
    Example:
      otkaz sources
    """
    from dataclasses import asdict

    with open_store(db_url) as db:
        states = db.sources()
    if as_json:
        print_json([asdict(state) for state in states])
        return
    if not states:
        if not quiet:
            click.echo("no sources followed yet (try: otkaz watch SOURCES.txt --once)", err=True)
        return
    columns = ("url", "kind", "checked_at", "changed_at", "documents", "errors")
    table = [["url", "kind", "checked", "changed", "documents", "errors"]]
    table += [["-" if getattr(s, name) is None else str(getattr(s, name)) for name in columns] for s in states]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    for state in states:
        if state.last_error and not quiet:
            click.echo(f"last error of {state.url} at {state.last_error_at}: {state.last_error}")


# --------------------------------------------------------------------------- web application


@cli.command()
@click.option("--db", "db_url", metavar="PATH|URL",
              help="SQLite file or database URL  [default: $OTKAZ_DATABASE_URL, else otkaz.db]")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="ADDRESS",
              help="A proxy (IP address or network) whose X-Forwarded-For is believed; repeat for several  "
                   "[default: $OTKAZ_TRUSTED_PROXIES, else none]")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes answering requests (e.g. the number of cores). Several share the "
                   "store and sessions; web ingest jobs and sign-in throttling are per process (docs/web.md).")
def serve(db_url: str | None, host: str, port: int, trusted_proxies: tuple[str, ...], workers: int) -> None:
    """Start the web application: dashboard, incident pages, review, ingest, JSON API.

    \b
    Sign-in accounts: otkaz user add NAME --role analyst (on a store without accounts,
    serve creates an admin and prints its password once)
    Set OTKAZ_SECRET_KEY so that sessions outlive a restart; OTKAZ_TILE_URL for map tiles
    (default: country outlines only). Behind a reverse proxy, name it with --trusted-proxy
    so that sign-in throttling sees the clients' addresses. --workers N starts N server
    processes over the same store. See docs/web.md.
    """
    import uvicorn

    from otkaz import pipeline
    from otkaz.web import Settings, create_app, serving

    with open_store(db_url) as db:
        try:
            settings = Settings.from_env(db_url)
            if trusted_proxies:
                settings = dataclasses.replace(settings, trusted_proxies=trusted_proxies)
            app = create_app(settings, db=db)
        except ValueError as exc:  # a bad OTKAZ_TILE_URL or trusted proxy
            fail(str(exc), EXIT_INPUT_FAILED)
        # A store made by an older otkaz has no public view yet: make it before serving.
        pipeline.redact_pending(db, _announce_redaction)
        first_admin = _first_admin(db)
        click.echo(f"otkaz: serving {db.url} on http://{host}:{port}", err=True)
        if first_admin:
            click.echo(
                f"otkaz: no accounts yet: created admin 'admin' with password {first_admin} "
                "(sign in to review; change it under Account)",
                err=True,
            )
        if workers > 1:
            # Each worker process builds its own application (otkaz.web.app.app_from_env) from
            # the environment: the same store, settings and session key as this one.
            os.environ.update(_worker_environment(db, settings))
        else:
            # The application believes forwarded headers from the trusted proxies alone;
            # uvicorn's own handling would believe any local process.
            serving.freeze_startup_objects()
            uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
            return
    del app  # the workers build their own
    try:
        serving.run_workers(host, port, workers)
    except OSError as exc:
        fail(f"{host}:{port}: {exc.strerror or exc}", EXIT_INPUT_FAILED)
    except RuntimeError as exc:
        fail(str(exc), EXIT_STORE)


def _worker_environment(db, settings) -> dict[str, str]:
    """What a worker process needs to build the same application: the store's URL (with its
    password), the trusted proxies and a session key shared by all workers (a random one when
    OTKAZ_SECRET_KEY is unset: a session then works on every worker, and ends at restart)."""
    import secrets

    return {
        "OTKAZ_DATABASE_URL": db.connect_url(),
        "OTKAZ_TRUSTED_PROXIES": ",".join(settings.trusted_proxies),
        "OTKAZ_SECRET_KEY": settings.secret_key or secrets.token_urlsafe(32),
    }


def _announce_redaction(stage: str, done: int, total: int) -> None:
    if done == 0:
        click.echo(f"otkaz: making the public view (names -> pseudonyms) of {total} documents", err=True)


def _first_admin(db) -> str | None:
    """A store without accounts gets one admin, so that the first user can sign in and
    review at once (the public sees confirmed incidents only); its password is printed once."""
    import secrets

    from otkaz.web.auth import hash_password

    if db.users():
        return None
    password = secrets.token_urlsafe(12)
    db.add_user("admin", "admin", hash_password(password), by="otkaz serve")
    return password


def _check_role(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from otkaz.web.auth import check_role

    try:
        return check_role(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _new_password(from_stdin: bool) -> str:
    """From the first line of stdin, else asked twice without echo; 10 characters at least."""
    from otkaz.web.auth import MIN_PASSWORD_LENGTH

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        fail(f"password: {MIN_PASSWORD_LENGTH} characters or more, please", EXIT_INPUT_FAILED)
    return password


def _password_option(command: Callable[..., T]) -> Callable[..., T]:
    return click.option("--password-stdin", is_flag=True,
                        help="Read the password from the first line of stdin instead of asking.")(command)


@cli.group()
def user() -> None:
    """Accounts of the web application (roles: viewer, analyst, admin)."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, callback=_check_role, metavar="ROLE", help="viewer, analyst or admin.")
@_password_option
@common_options
def user_add(name: str, role: str, password_stdin: bool, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Create the account NAME with a password."""
    from otkaz.store import StoreError
    from otkaz.web.auth import hash_password

    with open_store(db_url) as db:
        password = _new_password(password_stdin)
        try:
            created = db.add_user(name, role, hash_password(password), by=_login_name())
        except StoreError as exc:
            fail(str(exc), EXIT_INPUT_FAILED)
        _user_output(created.audit_view(), f"added {name} ({role})", as_json, quiet)


@user.command("list")
@common_options
def user_list(db_url: str | None, as_json: bool, quiet: bool) -> None:
    """List the accounts."""
    with open_store(db_url) as db:
        accounts = [{**u.audit_view(), "created_at": u.created_at} for u in db.users()]
    if as_json:
        print_json(accounts)
        return
    for account in accounts:
        token = "  token" if account["has_api_token"] else ""
        click.echo(f"{account['name']}  {account['role']}  since {account['created_at']}{token}")


def _change_user(db_url: str | None, name: str, change: Callable[[Database], Any], done: str,
                 as_json: bool, quiet: bool) -> None:
    from otkaz.store import StoreError

    with open_store(db_url) as db:
        try:
            changed = change(db)
        except StoreError as exc:  # no such account
            fail(str(exc), EXIT_NOTHING)
        _user_output(changed.audit_view() if changed else {"name": name, "removed": True}, done, as_json, quiet)


def _user_output(data: dict[str, Any], line: str, as_json: bool, quiet: bool) -> None:
    if as_json:
        print_json(data)
    elif not quiet:
        click.echo(line)


@user.command("role")
@click.argument("name")
@click.argument("role", callback=_check_role, metavar="ROLE")
@common_options
def user_role(name: str, role: str, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Give the account NAME another ROLE (viewer, analyst or admin)."""
    _change_user(db_url, name, lambda db: db.set_user_role(name, role, by=_login_name()),
                 f"{name} is now {role}", as_json, quiet)


@user.command("password")
@click.argument("name")
@_password_option
@common_options
def user_password(name: str, password_stdin: bool, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Set a new password for the account NAME (every browser signed in to it is signed out)."""
    from otkaz.web.auth import hash_password

    digest = hash_password(_new_password(password_stdin))
    _change_user(db_url, name, lambda db: db.set_user_password(name, digest, by=_login_name()),
                 f"password of {name} changed; its sessions ended", as_json, quiet)


@user.command("token")
@click.argument("name")
@common_options
def user_token(name: str, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Print a new API token for NAME (it replaces the previous one; shown once)."""
    from otkaz.store import StoreError
    from otkaz.web.auth import new_api_token

    token, digest = new_api_token()
    with open_store(db_url) as db:
        try:
            db.set_user_token(name, digest, by=_login_name())
        except StoreError as exc:
            fail(str(exc), EXIT_NOTHING)
    if as_json:
        print_json({"name": name, "token": token})
    else:
        click.echo(token)


@user.command("revoke")
@click.argument("name")
@common_options
def user_revoke(name: str, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Revoke the API token of NAME."""
    _change_user(db_url, name, lambda db: db.set_user_token(name, None, by=_login_name()),
                 f"API token of {name} revoked", as_json, quiet)


@user.command("remove")
@click.argument("name")
@common_options
def user_remove(name: str, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Delete the account NAME (its sessions and token stop working)."""
    _change_user(db_url, name, lambda db: db.delete_user(name, by=_login_name()),
                 f"removed {name}", as_json, quiet)


@user.command("sessions")
@click.argument("name", required=False)
@common_options
def user_sessions(name: str | None, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """List the open sign-in sessions (of NAME, else of every account).

    \b
    Example:
      otkaz user sessions anna
    """
    from otkaz.store import StoreError

    with open_store(db_url) as db:
        try:
            records = db.sessions(name)
        except StoreError as exc:  # no such account
            fail(str(exc), EXIT_NOTHING)
    if as_json:
        print_json([dataclasses.asdict(record) for record in records])
        return
    if not records and not quiet:
        click.echo("no open sessions", err=True)
    for record in records:
        where = record.address or "-"
        click.echo(f"{record.id}  {record.user}  since {record.created_at}  last seen {record.last_seen_at}  "
                   f"from {where}  {record.user_agent or ''}".rstrip())


@user.command("revoke-sessions")
@click.argument("name")
@click.option("--session", "session_id", metavar="ID", help="Only this session (ids: otkaz user sessions NAME).")
@common_options
def user_revoke_sessions(name: str, session_id: str | None, db_url: str | None, as_json: bool, quiet: bool) -> None:
    """Sign NAME out of every browser (or of the session --session names).

    \b
    Example:
      otkaz user revoke-sessions anna
    """
    from otkaz.store import StoreError

    with open_store(db_url) as db:
        try:
            ended = db.revoke_sessions(name, by=_login_name(), session_id=session_id)
        except StoreError as exc:  # no such account or session
            fail(str(exc), EXIT_NOTHING)
    _user_output({"name": name, "sessions_ended": ended}, f"ended {ended} session(s) of {name}", as_json, quiet)


def main() -> None:
    cli(prog_name="otkaz")
