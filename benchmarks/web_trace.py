"""Where the web benchmark's time goes: each request's time inside the application (a timing
middleware in every worker) beside the latency its client saw, and the garbage collector's pauses.

    .venv/bin/python benchmarks/web_trace.py --store /tmp/web.db              # a store benchmarks/web.py built
    .venv/bin/python benchmarks/web_trace.py --store /tmp/web.db --only / --requests 800

Serves the store as ``otkaz serve --workers N`` does on Linux (each worker the application of
``otkaz.web.app:app_from_env`` on a SO_REUSEPORT socket of its own, otkaz.web.serving), with the
application wrapped in a middleware that writes, per request, when it reached the application,
how long it stayed there and which worker had it; gc.callbacks write each collection's pause.
Then, like benchmarks/web.py (aiohttp clients, one warm-up round per endpoint), prints per
endpoint: client and in-application p50 / p99 and histograms, requests and connections per
worker, the collections (the longest pause), and the slowest 1% of requests: how long each was
in the application, how long before it reached it, and how many requests its worker had in the
application meanwhile. Needs the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import json
import multiprocessing
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

import web
from otkaz.store import Database, IncidentQuery

EDGES_MS = (5, 10, 20, 50, 100, 200, 500, 1000, float("inf"))


def traced_app():  # uvicorn's factory, in each worker
    from otkaz.web.app import app_from_env

    app = app_from_env()
    folder = os.environ["OTKAZ_TRACE_DIR"]
    requests = open(f"{folder}/requests-{os.getpid()}.jsonl", "a", buffering=1)  # noqa: SIM115
    pauses = open(f"{folder}/gc-{os.getpid()}.jsonl", "a", buffering=1)  # noqa: SIM115
    started: list[float] = []

    def on_collection(phase: str, info: dict) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            pauses.write(json.dumps([started[0], time.perf_counter() - started[0], info["generation"]]) + "\n")

    gc.callbacks.append(on_collection)

    async def timed(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        entered = time.perf_counter()  # CLOCK_MONOTONIC: comparable across the processes
        await app(scope, receive, send)
        number = dict(scope["headers"]).get(b"x-trace", b"-1").decode()
        requests.write(json.dumps([entered, time.perf_counter() - entered, int(number), scope["client"][1], os.getpid()]) + "\n")

    return timed


def _serve_one(port: int) -> None:
    import uvicorn

    from otkaz.web.serving import listening_socket

    log = os.open(f"{os.environ['OTKAZ_TRACE_DIR']}/serve-{os.getpid()}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 1)  # uvicorn's access log, as otkaz serve writes it, kept out of the report
    os.dup2(log, 2)
    # web_trace: this file, which the worker imports (spawn gives it the parent's sys.path)
    config = uvicorn.Config("web_trace:traced_app", factory=True, log_level="info", proxy_headers=False)
    uvicorn.Server(config).run(sockets=[listening_socket("127.0.0.1", port)])


async def measure(base: str, paths: list[str], clients: int) -> list[tuple[float, float, int]]:
    """(started, latency, number) of each request, ``clients`` at a time on kept-alive
    connections; the number (header X-Trace) finds the request's record in the application."""
    import aiohttp

    queue = list(reversed(list(enumerate(paths))))
    done: list[tuple[float, float, int]] = []

    async def client(http: aiohttp.ClientSession) -> None:
        while queue:
            number, path = queue.pop()
            started = time.perf_counter()
            async with http.get(base + path, headers={"X-Trace": str(number)}) as response:
                await response.read()
            done.append((started, time.perf_counter() - started, number))
            response.raise_for_status()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return done


def histogram(seconds: list[float]) -> str:
    counts = Counter(EDGES_MS[bisect.bisect_left(EDGES_MS, s * 1000)] for s in seconds)
    return " ".join(f"<={edge:g}ms:{counts[edge]}" if edge != float("inf") else f">1s:{counts[edge]}"
                    for edge in EDGES_MS if counts[edge])


def report(name: str, client: list[tuple[float, float, int]], folder: Path) -> None:
    first, last = min(c[0] for c in client), max(c[0] + c[1] for c in client)
    served = [json.loads(line) for f in folder.glob("requests-*.jsonl") for line in f.open()]
    served = [s for s in served if first <= s[0] <= last]
    pauses = [json.loads(line) + [int(f.stem.split("-")[1])] for f in folder.glob("gc-*.jsonl") for line in f.open()]
    pauses = [p for p in pauses if first <= p[0] <= last]
    latency, inside = [c[1] for c in client], [s[1] for s in served]
    print(f"{name}: client p50 {web.percentile(latency, .5) * 1e3:.1f} p99 {web.percentile(latency, .99) * 1e3:.1f} ms; "
          f"in the application p50 {web.percentile(inside, .5) * 1e3:.1f} p99 {web.percentile(inside, .99) * 1e3:.1f} ms")
    print(f"  client:          {histogram(latency)}")
    print(f"  in application:  {histogram(inside)}")
    workers = Counter(s[4] for s in served)
    connections = {pid: len({s[3] for s in served if s[4] == pid}) for pid in workers}
    print(f"  per worker: requests {dict(workers)}, connections {connections}")
    full = [p for p in pauses if p[2] == 2]
    print(f"  collections: {len(pauses)} ({len(full)} full), longest {max((p[1] for p in pauses), default=0) * 1e3:.1f} ms, "
          f"all {sum(p[1] for p in pauses) * 1e3:.0f} ms")
    print("  slowest 1%: client ms / in application / before it / requests of its worker in the application then")
    by_number = {s[2]: s for s in served}
    for started, took, number in sorted(client, key=lambda c: -c[1])[: max(1, len(client) // 100)]:
        if number not in by_number:
            print(f"    {took * 1e3:7.1f}  (no record in the application)")
            continue
        entered, stayed, _, _, pid = by_number[number]
        busy = sum(1 for s in served if s[4] == pid and s[0] <= entered <= s[0] + s[1]) - 1
        paused = sum(p[1] for p in pauses if p[3] == pid and entered <= p[0] <= entered + stayed)
        print(f"    {took * 1e3:7.1f}  {stayed * 1e3:7.1f}  {(entered - started) * 1e3:7.1f}  {busy:3d}"
              + (f"  (collections meanwhile: {paused * 1e3:.0f} ms)" if paused else ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a SQLite store (benchmarks/web.py builds one)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="per endpoint")
    parser.add_argument("--only", help="endpoints, comma-separated: / api deep incident")
    args = parser.parse_args(argv)
    if not args.store.exists():
        raise SystemExit(f"web_trace: {args.store}: no such store (benchmarks/web.py --store builds one)")
    with Database(str(args.store)) as db:
        ids = [i.id for i in db.incident_points(IncidentQuery(statuses=("confirmed",)))]
    rng = random.Random(2)
    endpoints = {
        "/": ["/"] * args.requests,
        "api": ["/api/incidents"] * args.requests,
        "deep": ["/api/incidents?type=desertion&country=RU&sort=-reports&page=50"] * args.requests,
        "incident": [f"/incidents/{rng.choice(ids)}" for _ in range(args.requests)],
    }
    chosen = args.only.split(",") if args.only else list(endpoints)
    folder = Path(tempfile.mkdtemp(prefix="otkaz-web-trace-"))
    os.environ.update(OTKAZ_DATABASE_URL=f"sqlite:///{args.store.resolve()}", OTKAZ_SECRET_KEY="bench",
                      OTKAZ_TRACE_DIR=str(folder))
    port = web.free_port()
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_serve_one, args=(port,)) for _ in range(args.workers)]
    for worker in workers:
        worker.start()
    try:
        me = psutil.Process()
        while sum(1 for c in me.children(recursive=True)
                  if any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in c.net_connections("tcp"))) < args.workers:
            if not all(w.is_alive() for w in workers):
                raise SystemExit("web_trace: a server process stopped while starting")
            time.sleep(0.5)
        base = f"http://127.0.0.1:{port}"
        print(f"{len(ids)} published incidents, {args.clients} clients, {args.requests} requests per endpoint, "
              f"{args.workers} server processes; load average {os.getloadavg()[0]:.1f}; records in {folder}")
        for name in chosen:
            paths = endpoints[name]
            asyncio.run(measure(base, paths[: args.clients * args.workers * 2], args.clients))
            report(name, asyncio.run(measure(base, paths, args.clients)), folder)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()


if __name__ == "__main__":
    main()
