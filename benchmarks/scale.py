"""The scale benchmarks of one machine and of Dask (issue 10), in one command:

    .venv/bin/pip install -e '.[dask,bench]'
    .venv/bin/python benchmarks/scale.py                       # everything, at full size
    .venv/bin/python benchmarks/scale.py --docs 10000 --memory-size 200MB --only firehose,memory

Each figure comes from the real CLI (``otkaz run`` / ``otkaz extract``) run in a child
process on a corpus made by ``benchmarks/corpus.py`` (seeded), in a throwaway folder:

- firehose: ``otkaz run`` on --docs mixed documents (2% relevant): wall and CPU time, the
  share of documents that reached the parser, peak memory of the process tree;
- recall: the prefilter on every gold set under ../shared/eval (and training/*/gold.jsonl):
  quotes of required incidents kept / all, documents and text kept;
- workers: ``otkaz extract --all`` of --speedup-docs relevant documents, --workers 1 and 2;
- dask: the same with --engine dask --workers 1 and 2 (a local cluster);
- memory: ``otkaz run`` on a JSONL file of --memory-size: peak memory of the process tree, as
  the sum of the processes' resident sizes (RSS) and of their proportional sizes (PSS: a page
  shared by several processes counted once in all), with each process's figures at the peak;
- incremental: a store of documents with one synthetic mention each, telling --store-events
  events (one to three documents each; written through the store API, not parsed), merged in
  full once (the first merge, which builds the merge index) and given its public views (kept
  in --keep and reused with --reuse-store); then ``otkaz run`` of --added-docs new reports into
  it in a child process, as a user meets it (ingest, extraction, merging, public views), the
  same number of synthetic documents stored, merged and redacted in this process, and one
  review decision stored, merged and redacted as the web application does it; the result is
  checked against ``merge`` of everything from scratch when --check is given;
- web: ``benchmarks/web.py`` on a synthetic store of --web-incidents incidents, served by
  ``otkaz serve --workers`` --web-workers: p50/p99 of the dashboard, the API's list, a filtered
  deep page and an incident page at --web-clients concurrent clients.

Wall times depend on what else the machine runs: the CPU time (user + system of every
process of the run) is printed beside each.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402  (benchmarks/ is not a package)
import web  # noqa: E402

OTKAZ = [str(Path(sys.executable).with_name("otkaz"))]  # the CLI of this environment
BENCHMARKS = ("recall", "firehose", "workers", "dask", "memory", "incremental", "web")


class Measured:
    """A run's wall and CPU time and its peak memory, two ways: the peak of the sum of the
    resident set sizes (RSS) of the run's processes, which counts a page shared between
    processes (libraries, copy-on-write pages of a fork) once in each, and the peak of the sum
    of their proportional set sizes (PSS), which shares each such page out among them: what the
    run really takes. Each peak comes with each process's figures at that moment."""

    def __init__(self, wall: float, cpu: float, peak_rss: int, peak_pss: int,
                 at_peak_rss: list[ProcessMemory], at_peak_pss: list[ProcessMemory], output: dict,
                 own_peak: int = 0) -> None:
        self.wall, self.cpu, self.output, self.own_peak = wall, cpu, output, own_peak
        self.peak_rss, self.peak_pss = peak_rss, peak_pss
        self.at_peak_rss, self.at_peak_pss = at_peak_rss, at_peak_pss

    def __str__(self) -> str:
        return (f"wall {self.wall:7.1f} s   cpu {self.cpu:7.1f} s   "
                f"peak memory: RSS {_mb(self.peak_rss)} MB (sum of resident sizes), "
                f"PSS {_mb(self.peak_pss)} MB (sum of proportional sizes)")

    def processes(self) -> str:
        """Each process at the peak of each sum: ``otkaz 412/380/371`` is its RSS/PSS/USS in MB
        (USS: the pages it alone maps, what it adds to the machine's memory)."""
        def listed(members: list[ProcessMemory]) -> str:
            return ", ".join(f"{m.role} {_mb(m.rss)}/{_mb(m.pss)}/{_mb(m.uss)}" for m in members)
        return (f"  at the RSS peak (RSS/PSS/USS MB): {listed(self.at_peak_rss)}\n"
                f"  at the PSS peak (RSS/PSS/USS MB): {listed(self.at_peak_pss)}\n"
                f"  the otkaz process's own peak: RSS {_mb(self.own_peak)} MB (VmHWM)")


class ProcessMemory(NamedTuple):
    role: str  # otkaz, worker, forkserver, resource-tracker, or the name of another process
    rss: int
    pss: int
    uss: int


def _mb(size: int) -> str:
    return f"{size / 2**20:.0f}"


def _role(process: psutil.Process, root: psutil.Process) -> str:
    """What a process of the run is, by its command line: a process forked from multiprocessing's
    fork server has the server's command line, so its parent tells it apart."""
    if process.pid == root.pid:
        return "otkaz"
    command = " ".join(process.cmdline())
    if "resource_tracker" in command:
        return "resource-tracker"
    if "forkserver" in command:
        return "worker" if process.ppid() != root.pid else "forkserver"
    if "spawn_main" in command or "distributed" in command:
        return "worker"
    return process.name()


def _high_water_mark(pid: int) -> int:
    """A process's peak RSS in bytes (Linux: VmHWM); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0


def measure(args: list[str]) -> Measured:
    """Run otkaz in a child process; its wall time, the CPU time and the peak memory (RSS and PSS
    of the process and its children, each summed, sampled every 0.2 s)."""
    start = time.perf_counter()
    process = psutil.Popen([*OTKAZ, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    own_peak = 0  # the otkaz process's own peak RSS (VmHWM), as last read before it ended
    at_peak_rss: list[ProcessMemory] = []
    at_peak_pss: list[ProcessMemory] = []
    cpu_by_pid: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss, at_peak_rss, at_peak_pss, own_peak
        while not done.is_set():
            own_peak = max(own_peak, _high_water_mark(process.pid))
            try:
                tree = [process, *process.children(recursive=True)]
            except psutil.NoSuchProcess:
                tree = []
            members = []
            for member in tree:
                try:
                    memory = member.memory_full_info()  # PSS needs /proc/PID/smaps(_rollup)
                    members.append(ProcessMemory(_role(member, process), memory.rss, memory.pss, memory.uss))
                    times = member.cpu_times()
                    cpu_by_pid[member.pid] = times.user + times.system
                except (psutil.NoSuchProcess, psutil.ZombieProcess):
                    pass
            rss, pss = sum(m.rss for m in members), sum(m.pss for m in members)
            if rss > peak_rss:
                peak_rss, at_peak_rss = rss, members
            if pss > peak_pss:
                peak_pss, at_peak_pss = pss, members
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    before = os.times()
    stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    after = os.times()
    wall = time.perf_counter() - start
    # Children waited for are in os.times(); worker processes of a pool are too once reaped,
    # else the last sample of each is the best we have.
    reaped = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    cpu = max(reaped, sum(cpu_by_pid.values()))
    if process.returncode not in (0, 1):
        raise SystemExit(f"otkaz {' '.join(args)} failed ({process.returncode}):\n{stderr[-2000:]}")
    return Measured(wall, cpu, peak_rss, peak_pss, at_peak_rss, at_peak_pss,
                    json.loads(stdout) if stdout.strip() else {}, own_peak)


def write_corpus(path: Path, docs: int | None = None, relevant: float = 0.02, size: int | None = None,
                 seed: int = 1) -> int:
    with path.open("w", encoding="utf-8") as out:
        return corpus.write(out, corpus.generate(docs, relevant, seed, size))


def bench_recall() -> None:
    from otkaz.datasets import read_dataset
    from otkaz.evaluation import fold
    from otkaz.prefilter import get_prefilter

    prefilter = get_prefilter()
    gold_sets = sorted((ROOT.parent / "shared").glob("eval/*/gold.jsonl")) + sorted(ROOT.glob("training/*/gold.jsonl"))
    if not gold_sets:
        print("recall: no gold sets (../shared/eval is absent)")
        return
    for gold in gold_sets:
        articles, _failures = read_dataset(gold)
        quotes = kept_quotes = documents = kept_documents = chars = kept_chars = 0
        for article in articles:
            text, lang = article.document.text, article.document.lang
            relevant = prefilter.is_relevant_text(text, lang)
            spans = prefilter.relevant_spans(text, lang) if relevant else []
            documents += 1
            kept_documents += relevant
            chars += len(text)
            kept_chars += sum(end - start for start, end in spans)
            kept = fold(" ".join(text[start:end] for start, end in spans))
            for incident in article.required:
                for quote in incident["quotes"]:
                    quotes += 1
                    kept_quotes += fold(quote) in kept
        name = gold.parent.relative_to(gold.parents[2])
        print(f"recall {name}: quotes of required incidents kept {kept_quotes}/{quotes} = {kept_quotes / max(quotes, 1):.2f}; "
              f"documents kept {kept_documents}/{documents}; text kept {kept_chars / max(chars, 1):.0%}")


def bench_firehose(folder: Path, docs: int, workers: int) -> None:
    path = folder / "firehose.jsonl"
    write_corpus(path, docs)
    result = measure(["run", str(path), "--db", str(folder / "firehose.db"), "--workers", str(workers), "--json"])
    out = result.output
    parsed = out["extracted"] + out["not_processed"]
    total = parsed + out["not_parsed"]
    print(f"firehose {docs} documents (--workers {workers}): {result}")
    print(f"  reached the parser {parsed}/{total} = {parsed / max(total, 1):.1%}; mentions {out['mentions']}, incidents {out['incidents']}")


def _relevant_store(folder: Path, docs: int) -> Path:
    path, db = folder / "relevant.jsonl", folder / "relevant.db"
    if not db.exists():
        write_corpus(path, docs, relevant=1.0, seed=2)
        measure(["ingest", str(path), "--db", str(db), "--json"])
    return db


def bench_speedup(folder: Path, docs: int, engine: str) -> None:
    db = _relevant_store(folder, docs)
    runs = {}
    for workers in (1, 2):
        runs[workers] = measure(["extract", "--all", "--db", str(db), "--engine", engine, "--workers", str(workers), "--json"])
        print(f"{engine} --workers {workers}, {docs} relevant documents: {runs[workers]}")
    print(f"  speed-up {engine} 2 vs 1 workers: {runs[1].wall / runs[2].wall:.2f}x (wall time)")


def bench_memory(folder: Path, size: int, workers: int) -> None:
    path = folder / "big.jsonl"
    docs = write_corpus(path, size=size, seed=3)
    result = measure(["run", str(path), "--db", str(folder / "big.db"), "--workers", str(workers), "--json"])
    print(f"memory: {path.stat().st_size / 2**20:.0f} MB JSONL, {docs} documents (--workers {workers}): {result}")
    print(result.processes())


# --------------------------------------------------------------------------- incremental merging

PLACES = ("Belgorod Kursk Bryansk Voronezh Moscow Kazan Pskov Samara Tula Donetsk Luhansk Bakhmut Kharkiv "
          "Kherson Zaporizhzhia Mariupol Kyiv Minsk Gomel Brest Grodno Yerevan Tbilisi Almaty").split()
TYPES = ("combat_refusal", "desertion", "draft_refusal", "draft_evasion", "flight_abroad", "protest",
         "discharge_attempt", "violent_resistance")
WORDS = ("refused fight front unit commander mobilized soldiers deserted returned home border police detained "
         "court sentenced contract wrote complaint video appeal regiment brigade assault training ground "
         "camp wives mothers protest governor").split()
SYLLABLES = "ka ro mi zo va le ni pe tu sa do gri bo ve ly ch sh ov in".split()


class SyntheticNews:
    """Seeded events, each told by one to three documents of one mention each."""

    def __init__(self, seed: int) -> None:
        import random
        from datetime import date

        from otkaz.gazetteer import get_gazetteer

        self.rng = random.Random(seed)
        gazetteer = get_gazetteer()
        self.places = [gazetteer.lookup(name, "en") for name in PLACES]
        self.first_day = date(2022, 2, 24)
        self.documents = 0

    def _name(self) -> str:
        rng = self.rng
        word = lambda: "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()  # noqa: E731
        return f"{word()} {word()}ov"

    def event(self) -> dict:
        from datetime import timedelta

        from otkaz.model import DateRange

        rng = self.rng
        day = self.first_day + timedelta(days=rng.randrange(4 * 365))
        count = rng.choice([1, 1, 2, 3, 5, 12, 40, 80, 150, None])
        return {
            "type": rng.choice(TYPES), "place": rng.choice(self.places),
            "date": DateRange(day, day + timedelta(days=rng.choice([0, 0, 0, 1, 6]))), "count": count,
            "people": [self._name()] if count == 1 and rng.random() < 0.7 else [],
            "words": rng.sample(WORDS, 8),
        }

    def document(self, event: dict):
        from datetime import timedelta

        from otkaz.model import Count, Document, Evidence, ExtractionResult, IncidentMention

        rng = self.rng
        self.documents += 1
        doc_id = f"synthetic-{self.documents:07d}"
        text = " ".join(rng.sample(event["words"], 6)) + f" ({doc_id})"
        published = event["date"].end + timedelta(days=rng.randrange(4))
        document = Document(id=doc_id, text=text, outlet=f"Outlet {rng.randrange(40)}",
                            published=published.isoformat(), lang="en")
        mention = IncidentMention(
            document_id=doc_id, type=event["type"], actors=["mobilized"], count=Count(event["count"], event["count"]),
            location=event["place"], date=event["date"], people=list(event["people"]), confidence=0.6,
            evidence=[Evidence("incident", text, 0, len(text))],
        )
        return document, ExtractionResult(document_id=doc_id, lang="en", processed=True, mentions=[mention])

    def told(self, count: int, events: list[dict]) -> Iterator[tuple]:
        """The documents of ``count`` new events (kept in ``events``), one to three each."""
        for _ in range(count):
            event = self.event()
            events.append(event)
            for _ in range(self.rng.choice([1, 1, 1, 2, 3])):
                yield self.document(event)

    def stories(self, documents: int, events: list[dict]) -> Iterator[tuple]:
        """``documents`` documents: of new events (kept in ``events``), a third of them retold."""
        while documents > 0:
            event = self.event() if not events or self.rng.random() < 0.75 else self.rng.choice(events)
            events.append(event)
            for _ in range(min(documents, self.rng.choice([1, 1, 1, 2, 3]))):
                documents -= 1
                yield self.document(event)


def _store_stories(db, stories, batch: int = 2000) -> None:
    # Saved as this extractor's results, so that a later ``otkaz run`` does not extract them again.
    from otkaz.extract import EXTRACTOR_VERSION

    chunk: list = []
    for story in [*stories, None]:
        if story is not None:
            chunk.append(story)
        if chunk and (story is None or len(chunk) == batch):
            db.add_documents([document for document, _ in chunk])
            db.save_extractions([result for _, result in chunk], EXTRACTOR_VERSION)
            chunk = []


def _timed(action):
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_incremental(folder: Path, store_events: int, added: int, check: bool, reuse: bool = False,
                      without_views: bool = False) -> None:
    """The incremental store (built once, or reused from --keep with --reuse-store), then what a
    user meets on it: ``otkaz run`` of --added-docs new reports in a child process (ingest,
    extraction, merging and the public views), and one review decision stored, merged and
    redacted as the web application does it; then the same steps in this process, timed apart."""
    from otkaz import pipeline
    from otkaz.merge import merge, merge_decision
    from otkaz.model import as_plain
    from otkaz.store import Database

    news, events = SyntheticNews(seed=10), []
    path = folder / f"incremental-{store_events}.db"
    if reuse and path.exists():
        for _story in news.told(store_events, events):  # the same events again, to retell some
            pass
        print(f"incremental: reusing {path} ({news.documents} documents of one mention each, {store_events} events)")
    else:
        path.unlink(missing_ok=True)
        with Database(str(path)) as db:
            _none, wall, cpu = _timed(lambda: _store_stories(db, news.told(store_events, events)))
            print(f"incremental: stored {news.documents} documents of one mention each, telling {store_events} events "
                  f"(store API): wall {wall:.1f} s, cpu {cpu:.1f} s")
            count, wall, cpu = _timed(lambda: pipeline.merge_all(db))
            print(f"  first merge (full, builds the merge index): {count} incidents; wall {wall:.1f} s, cpu {cpu:.1f} s")
    with Database(str(path)) as db:
        if without_views:  # the stored documents' views left unmade: only those of later changes are
            from otkaz.publish.redaction import REDACTION_VERSION

            marked, last = db.view_marks(REDACTION_VERSION)
            db.clear_view_marks(marked, last)
            print(f"  public views of the {len(marked)} stored documents with a mention left unmade (--without-views)")
        else:
            made, wall, cpu = _timed(lambda: pipeline.redact_pending(db))
            print(f"  public views the store lacks: {made} made; wall {wall:.1f} s, cpu {cpu:.1f} s")
    print(f"  load average {os.getloadavg()[0]:.1f}")

    # What a user meets: otkaz run of new reports (real texts, parsed) into the store.
    reports = folder / f"added-{added}.jsonl"
    with reports.open("w", encoding="utf-8") as out:
        corpus.write(out, ({**record, "id": f"added-{record['id']}"}
                           for record in corpus.generate(added, relevant=1.0, seed=len(events))))
    result = measure(["run", str(reports), "--db", str(path), "--json"])
    out = result.output
    print(f"  otkaz run of {added} new reports (child process: ingest, extraction, merge, public views): "
          f"wall {result.wall:.1f} s, cpu {result.cpu:.1f} s; {out['mentions']} mentions, {out['incidents']} incidents")

    with Database(str(path)) as db:
        made, wall, cpu = _timed(lambda: pipeline.redact_pending(db))
        print(f"  a refresh of the public views with nothing changed: {made} made; wall {wall:.3f} s, cpu {cpu:.3f} s")
        new = list(news.stories(added, events))
        _none, store_wall, store_cpu = _timed(lambda: _store_stories(db, new))
        change = {}

        def merge_added():
            change["update"], count = db.merge_incidents(
                lambda source: pipeline.incremental.update(source, pipeline.usable_decisions))
            return count

        count, wall, cpu = _timed(merge_added)
        update = change["update"]
        made, redact_wall, redact_cpu = _timed(lambda: pipeline.redact_pending(db))
        print(f"  {added} synthetic documents added in this process: storing wall {store_wall:.2f} s; incremental merge "
              f"wall {wall:.2f} s, cpu {cpu:.2f} s ({len(update.keys)} mentions re-merged, {update.compared} pairs "
              f"compared); public views wall {redact_wall:.2f} s, cpu {redact_cpu:.2f} s ({made} made); {count} incidents")
        held = [db.incidents_holding([result.mentions[0].key])[0] for _, result in new[:10]]
        target = held[0]
        other = next(incident for incident in held if incident.id != target.id)

        def decide():  # as otkaz.web.review.decide does
            db.add_decision(merge_decision(target, [other], "bench"))
            pipeline.merge_all(db)
            return pipeline.redact_pending(db)

        made, wall, cpu = _timed(decide)
        print(f"  one review decision (merge of two incidents), stored, merged and its views refreshed ({made} made): "
              f"wall {wall:.3f} s, cpu {cpu:.3f} s")
        if check:
            expected, wall, _cpu = _timed(lambda: merge(db.reports(), pipeline.usable_decisions(db.decisions())))
            same = [as_plain(i) for i in expected] == [as_plain(i) for i in sorted(db.incidents(True), key=lambda i: i.id)]
            print(f"  check: incremental incidents {'equal' if same else 'DIFFER FROM'} a merge from scratch "
                  f"(which took {wall:.1f} s)")
            if not same:
                raise SystemExit("incremental merging differs from a full merge")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="Documents of the firehose.")
    parser.add_argument("--speedup-docs", type=int, default=96, help="Relevant documents of the speed-up runs.")
    parser.add_argument("--memory-size", type=corpus.parse_size, default=corpus.parse_size("1GB"))
    parser.add_argument("--workers", type=int, default=2, help="Workers of the firehose and memory runs.")
    parser.add_argument("--store-events", type=int, default=100_000,
                        help="Events the incremental store's documents tell (about as many incidents).")
    parser.add_argument("--added-docs", type=int, default=100, help="Documents the incremental run adds.")
    parser.add_argument("--check", action="store_true", help="Compare the incremental result with a full merge.")
    parser.add_argument("--reuse-store", action="store_true",
                        help="Reuse the incremental store of an earlier run in the --keep folder (it changes each run).")
    parser.add_argument("--without-views", action="store_true",
                        help="Make no public views of the incremental store's documents (on this machine 160,135 take "
                             "about 1.5 h); the measured steps still make the views of what they change.")
    parser.add_argument("--web-incidents", type=int, default=100_000, help="Incidents of the web store.")
    parser.add_argument("--web-clients", type=int, default=20, help="Concurrent clients of the web run.")
    parser.add_argument("--web-workers", type=int, default=2, help="Server processes of the web run.")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help=f"Some of: {','.join(BENCHMARKS)}")
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it (default: a temporary one).")
    args = parser.parse_args(argv)
    chosen = args.only.split(",")
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark {', '.join(sorted(unknown))}")
    print(f"machine: {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB; "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="otkaz-bench-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        if "recall" in chosen:
            bench_recall()
        if "firehose" in chosen:
            bench_firehose(folder, args.docs, args.workers)
        if "workers" in chosen:
            bench_speedup(folder, args.speedup_docs, "local")
        if "dask" in chosen:
            bench_speedup(folder, args.speedup_docs, "dask")
        if "memory" in chosen:
            bench_memory(folder, args.memory_size, args.workers)
        if "incremental" in chosen:
            bench_incremental(folder, args.store_events, args.added_docs, args.check, args.reuse_store,
                              args.without_views)
        if "web" in chosen:
            print("web: the dashboard and the API on a large store")
            web.main(["--incidents", str(args.web_incidents), "--clients", str(args.web_clients),
                      "--workers", str(args.web_workers), "--store", str(folder / f"web-{args.web_incidents}.db")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
