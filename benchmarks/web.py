"""The web application on a large store (issue 10): latency of the dashboard, the API's list
and an incident page under concurrent clients.

    .venv/bin/python benchmarks/web.py                          # 100,000 incidents, 20 clients
    .venv/bin/python benchmarks/web.py --incidents 10000 --requests 200 --store /tmp/web.db
    .venv/bin/python benchmarks/web.py --store /tmp/web.db --workers 2      # otkaz serve --workers 2

Builds a SQLite store of --incidents synthetic incidents (seeded; each with one or two reports,
through the store API: add_documents, save_extractions, replace_incidents, save_redaction),
or reuses --store when it exists; starts ``otkaz serve`` on it in a child process; then, with
--clients concurrent clients (one asyncio process, aiohttp, a keep-alive connection each), asks
--requests times each of: ``/`` (the public dashboard: totals, facets, timeline and the first
page), ``/api/incidents`` (the first 100), ``/api/incidents?type=desertion&country=RU&sort=-reports&page=50``
(a filtered, sorted, deep page) and ``/incidents/ID`` (a random confirmed incident). Prints p50,
p99 and requests per second for each, the CPU time the server's processes spent per request
(psutil), which other work on the machine does not inflate as it does latency, and the CPU time
the clients spent per request. The clients run on the same machine as the server: on a 2-core
machine they take some of its time, which is why they are aiohttp's (about 0.3 ms of CPU a
request here; httpx's AsyncClient took 2.5 to 3 ms, as much as the server's own work).
Needs the ``bench`` extra (``pip install -e '.[bench]'``: psutil, aiohttp).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import psutil

from otkaz.model import Count, DateRange, Document, Evidence, ExtractionResult, Incident, IncidentMention, Place, Report
from otkaz.publish.redaction import REDACTION_VERSION, names_digest
from otkaz.store import Database, IncidentQuery

OTKAZ = [str(Path(sys.executable).with_name("otkaz"))]
TYPES = ["desertion", "combat_refusal", "protest", "flight_abroad", "desertion", "combat_refusal"]
ACTORS = ["mobilized", "contract", "conscript", "officer"]
CONSEQUENCES = ["arrested", "sentenced", "killed", "fled_abroad"]
PLACES = [
    Place("Belgorod", 50.6, 36.6, "Belgorod Oblast", "RU", "city"),
    Place("Kursk", 51.7, 36.2, "Kursk Oblast", "RU", "city"),
    Place("Moscow", 55.75, 37.6, "Moscow", "RU", "city"),
    Place("Rostov-on-Don", 47.2, 39.7, "Rostov Oblast", "RU", "city"),
    Place("Astana", 51.2, 71.4, "Astana", "KZ", "city"),
    Place("Tbilisi", 41.7, 44.8, None, "GE", "city"),
]
WORDS = "soldiers refused to fight and fled the unit near the border; the command opened a case".split()
BATCH = 2000


def build(db: Database, n: int, seed: int = 1) -> None:
    """``n`` incidents, each from one document (one in ten from two), through the store API."""
    rng = random.Random(seed)
    empty_view_digest = names_digest([])
    made = 0
    while made < n:
        size = min(BATCH, n - made)
        docs, results, incidents = [], [], []
        for k in range(made, made + size):
            reports = []
            for r in range(2 if k % 10 == 0 else 1):
                text = f"Article {k}-{r}. " + " ".join(rng.choices(WORDS, k=60))
                doc = Document(id=f"https://news.example/{k}-{r}", text=text, title=f"Story {k}",
                               outlet=rng.choice(["Wire", "Meduza", "Mediazona", "Vot Tak"]),
                               lang=rng.choice(["en", "ru"]), source_format="url")
                quote = text[:20]
                mention = IncidentMention(doc.id, rng.choice(TYPES), evidence=[Evidence("incident", quote, 0, 20)])
                docs.append(doc)
                results.append(ExtractionResult(doc.id, doc.lang, True, [mention]))
                reports.append(Report(doc, mention))
            start = date(2022, 9, 1) + timedelta(days=rng.randrange(0, 1200))
            place = rng.choice([None, *PLACES])
            incidents.append(Incident(
                id=f"inc-{k:07d}", type=reports[0].mention.type, actors=rng.sample(ACTORS, rng.randrange(0, 3)),
                count=Count(*rng.choice([(None, None), (1, 1), (2, 5), (10, None)])), location=place, origin=None,
                date=DateRange(start, start + timedelta(days=rng.choice([0, 0, 2, 30]))) if rng.random() > 0.05 else None,
                consequences=rng.sample(CONSEQUENCES, rng.randrange(0, 2)), cited=[], people=[],
                confidence=round(rng.uniform(0.2, 0.95), 2), reports=reports,
                status=rng.choice(["confirmed", "confirmed", "unreviewed", "rejected"]),
            ))
        db.add_documents(docs)
        db.save_extractions(results, "bench")
        for doc in docs:  # the public view: no names in these texts
            view = {"version": REDACTION_VERSION, "text": doc.text, "title": doc.title, "replacements": [],
                    "persons": [], "recorded": []}
            db.save_redaction(doc, {}, empty_view_digest, view)
        made += size
        print(f"  stored {made} incidents", file=sys.stderr, flush=True)
        yield incidents


def make_store(path: Path, n: int) -> None:
    db = Database(str(path))
    try:
        incidents: list[Incident] = []
        for batch in build(db, n):
            incidents += batch
        db.replace_incidents(incidents)
    finally:
        db.close()


def cpu_seconds(process: psutil.Process) -> float:
    """User and system CPU time of ``process`` and its children (the server's workers) so far."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def listening_workers(server: psutil.Process, port: int) -> int:
    """How many of the server's worker processes (with --workers 1: the server) listen on
    ``port``: each worker binds a socket of its own once its application is made (otkaz.web.serving)."""
    listening = 0
    for each in server.children(recursive=True) or [server]:
        try:
            sockets = each.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        listening += any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets)
    return listening


def answers(base: str) -> bool:
    try:
        return httpx.get(base + "/api/incidents?per_page=1", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def measure(base: str, paths: list[str], clients: int) -> list[float]:
    """Latency (seconds) of each request, ``clients`` at a time, each client on a keep-alive
    connection of its own."""
    import aiohttp  # the bench extra: benchmarks/scale.py imports this module for its other runs too

    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    times: list[float] = []

    async def client(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            path = queue.get_nowait()
            started = time.perf_counter()
            async with http.get(base + path) as response:
                await response.read()
            times.append(time.perf_counter() - started)
            response.raise_for_status()

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return times


def own_cpu_seconds() -> float:
    """User and system CPU time of this process (the clients) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="per endpoint")
    parser.add_argument("--store", type=Path, help="SQLite file: built when missing, else reused")
    parser.add_argument("--workers", type=int, default=1, help="otkaz serve --workers")
    args = parser.parse_args(argv)
    store = args.store or Path(f"/tmp/otkaz-bench-web-{args.incidents}.db")
    if not store.exists():
        started = time.perf_counter()
        make_store(store, args.incidents)
        print(f"built {store} ({args.incidents} incidents) in {time.perf_counter() - started:.0f} s")
    db = Database(str(store))
    ids = [i.id for i in db.incident_points(IncidentQuery(statuses=("confirmed",)))]
    db.close()
    port = free_port()
    env = {**os.environ, "OTKAZ_SECRET_KEY": "bench"}
    log = open(store.with_suffix(".serve.log"), "w")  # noqa: SIM115  (the server's output, for its errors)
    server = subprocess.Popen(
        [*OTKAZ, "serve", "--db", str(store), "--port", str(port), "--workers", str(args.workers)],
        env=env, stdout=log, stderr=log, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    serving = psutil.Process(server.pid)
    try:
        deadline = time.monotonic() + 600
        # Every worker listening, not only the first: connections made before a worker listens
        # all go to the others, and it would then make its first pages while being measured.
        while listening_workers(serving, port) < args.workers or not answers(base):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"otkaz serve did not start: see {log.name}")
            time.sleep(0.5)
        rng = random.Random(2)
        endpoints = {
            "/": ["/"] * args.requests,
            "/api/incidents": ["/api/incidents"] * args.requests,
            "/api/incidents (filtered, deep page)": [
                "/api/incidents?type=desertion&country=RU&sort=-reports&page=50"
            ] * args.requests,
            "/incidents/ID": [f"/incidents/{rng.choice(ids)}" for _ in range(args.requests)],
        }
        print(f"{args.incidents} incidents ({len(ids)} published), {args.clients} clients, "
              f"{args.requests} requests per endpoint, {args.workers} server process(es)")
        print(f"{'endpoint':40} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7} {'CPU ms/req':>10} {'clients':>7}")
        for name, paths in endpoints.items():
            # Warm up every worker (each keeps query results of its own): the kernel spreads the
            # clients' connections over the workers' sockets (otkaz.web.serving).
            asyncio.run(measure(base, paths[: args.clients * args.workers * 2], args.clients))
            started, cpu, clients_cpu = time.perf_counter(), cpu_seconds(serving), own_cpu_seconds()
            times = asyncio.run(measure(base, paths, args.clients))
            wall, cpu = time.perf_counter() - started, cpu_seconds(serving) - cpu
            clients_cpu = own_cpu_seconds() - clients_cpu
            print(f"{name:40} {percentile(times, 0.5) * 1000:8.1f} {percentile(times, 0.99) * 1000:8.1f} "
                  f"{len(times) / wall:7.1f} {cpu / len(times) * 1000:10.2f} {clients_cpu / len(times) * 1000:7.2f}  "
                  f"(mean {statistics.mean(times) * 1000:.1f})", flush=True)
        print(f"CPU ms/req: the server's processes; clients: this process's. Load average {os.getloadavg()[0]:.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
