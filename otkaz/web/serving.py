"""Serving the application: ``otkaz serve``'s processes.

    from otkaz.web.serving import run_workers
    run_workers("127.0.0.1", 8080, workers=2)   # $OTKAZ_DATABASE_URL etc. name the store

uvicorn's own supervisor binds one listening socket and shares it with its workers: whichever
worker wakes first accepts every connection waiting, and a keep-alive connection stays with the
worker that accepted it, so a burst of clients lands on one worker while the other idles (19 of
20 connections in benchmarks/web.py). On Linux each worker here binds a socket of its own on the
same address (SO_REUSEPORT), and the kernel spreads new connections over the workers' sockets.
Elsewhere (SO_REUSEPORT there does not spread connections) uvicorn's supervisor serves.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from otkaz.parent_watch import when_the_parent_ends

log = logging.getLogger("otkaz.web")

# Each worker builds the application from the environment (the store, settings, session key).
APP_FACTORY = "otkaz.web.app:app_from_env"


def freeze_startup_objects() -> None:
    """Leaves what start-up made (modules, routes, templates, the application) out of the
    collector's full collections: each walked them all, 70 ms of CPU on the benchmark's store,
    during which every request of the process waited (pauses of 80 to 400 ms under load)."""
    gc.collect()
    gc.freeze()


def spreads_connections() -> bool:
    """Whether the kernel spreads connections over sockets bound to one address (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port that other processes may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


# Seconds a worker whose supervisor has gone gives the requests under way before it exits anyway.
ORPHAN_GRACE = 10.0


def _stop_when_the_supervisor_is_gone() -> None:
    """A supervisor killed outright (SIGKILL, the OOM killer) stops no worker: each stops itself
    as on the supervisor's SIGTERM (uvicorn answers the requests under way, then exits), or at
    the latest after ORPHAN_GRACE seconds. Otherwise it would serve on, sharing the port
    (SO_REUSEPORT) with the next ``otkaz serve`` there, old code answering some of its requests."""
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(ORPHAN_GRACE)
    os._exit(1)


def _serve_one(host: str, port: int) -> None:
    """A worker process: the application on a socket of its own (uvicorn listens on it), until
    SIGINT or SIGTERM, or until the supervisor is gone."""
    when_the_parent_ends(_stop_when_the_supervisor_is_gone)
    try:
        sock = listening_socket(host, port)
    except OSError as exc:  # taken meanwhile by a process that does not share it
        log.error("%s:%s: %s", host, port, exc.strerror)
        sys.exit(STARTUP_FAILURE)
    config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, log_level="info", proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(host: str, port: int, workers: int) -> None:
    """``workers`` server processes on host:port until SIGINT or SIGTERM; one that stops after
    it started serving is replaced. Raises OSError when the address cannot be bound, and
    RuntimeError when a worker could not start (it printed why)."""
    if not spreads_connections():
        uvicorn.run(APP_FACTORY, factory=True, workers=workers, host=host, port=port, log_level="info",
                    proxy_headers=False)
        return
    with listening_socket(host, port) as probe:  # fails here, in the parent, when the address is taken
        port = probe.getsockname()[1]  # port 0: the one the system chose, for every worker
    stop = threading.Event()
    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, lambda signum, frame: stop.set())
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no state of the parent's store

    def start() -> BaseProcess:
        process = spawn.Process(target=_serve_one, args=(host, port), name="otkaz serve worker")
        process.start()
        return process

    processes = [start() for _ in range(workers)]
    failed: BaseProcess | None = None
    try:
        while not stop.wait(0.5):
            for slot, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:  # would fail again: the application or the address
                    failed = process
                    stop.set()
                    break
                log.warning("server process %s stopped (exit code %s): starting another", process.pid, process.exitcode)
                processes[slot] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn answers the requests under way, then stops
        for process in processes:
            process.join()
    if failed is not None:
        raise RuntimeError(f"server process {failed.pid} could not start (see its messages above)")
