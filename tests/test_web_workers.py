"""`otkaz serve --workers N`: several server processes over one store answer as one does, and a
session begun on one worker is good on every other (the store keeps sessions; the workers share
the session key, a random one when OTKAZ_SECRET_KEY is unset). Each worker listens on a socket
of its own, so that the kernel spreads connections over them, and leaves what its start-up made
out of the garbage collector's full collections."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

pytest.importorskip("fastapi")

from browser.live import free_port  # noqa: E402
from browser.seed import incident_of, seed  # noqa: E402

from otkaz.merge import attach_mention_keys  # noqa: E402
from otkaz.model import Decision  # noqa: E402
from otkaz.pipeline import merge_all  # noqa: E402
from otkaz.store import Database  # noqa: E402
from otkaz.web.auth import hash_password  # noqa: E402

PASSWORD = "analyst-password"
PATHS = (
    "/api/incidents",
    "/api/incidents?sort=date&limit=2&offset=1",
    "/api/incidents?type=desertion",
    "/api/stats",
    "/api/documents",
    "/export/incidents.csv",
)


@pytest.fixture
def served(db_url: str) -> Iterator[Any]:
    """Starts `otkaz serve` for real on the seeded store; yields a function taking its options."""
    with Database(db_url) as db:
        seed(db)
        db.add_user("anna", "analyst", hash_password(PASSWORD), by="test")
    running: list[subprocess.Popen] = []

    def start(*options: str) -> str:
        port = free_port()
        command = [str(Path(sys.executable).with_name("otkaz")), "serve", "--db", db_url, "--port", str(port), *options]
        environment = {k: v for k, v in os.environ.items() if k not in ("OTKAZ_SECRET_KEY", "OTKAZ_DATABASE_URL")}
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        running.append(process)
        deadline = time.monotonic() + 90
        while process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"otkaz serve {' '.join(options)} did not start")

    yield start
    for process in running:
        process.terminate()
        process.wait(timeout=60)


def fresh_get(base: str, path: str, cookies: httpx.Cookies | None = None) -> httpx.Response:
    """One request on a new connection, so that any worker may take it."""
    with httpx.Client(base_url=base, cookies=cookies, headers={"connection": "close"}) as client:
        return client.get(path)


def sign_in(base: str) -> httpx.Cookies:
    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
        data = {"name": "anna", "password": PASSWORD, "csrf_token": token, "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        return client.cookies


def answers(base: str, cookies: httpx.Cookies | None) -> dict[str, Any]:
    got = {}
    for path in PATHS:
        response = fresh_get(base, path, cookies)
        got[path] = (response.status_code, response.text)
    return got


def test_two_workers_answer_as_one_and_share_sessions(served: Any) -> None:
    one = served()
    two = served("--workers", "2")
    assert answers(two, None) == answers(one, None)
    assert answers(two, sign_in(two)) == answers(one, sign_in(one))
    # A session begun on one worker is good on all: every request on a new connection is signed in.
    cookies = sign_in(two)
    assert all(fresh_get(two, "/api/documents", cookies).status_code == 200 for _ in range(12))
    assert fresh_get(two, "/api/documents").status_code == 401


def test_every_worker_shows_a_change_made_by_another_process(served: Any, db_url: str) -> None:
    """Each worker keeps the pages it made (the public dashboard, a list's records) until the
    store changes, whoever changes it: a decision stored by another process shows on every
    worker's next answer."""
    two = served("--workers", "2")
    with Database(db_url) as other:
        incident = incident_of(other, "seed/en-nizhny.txt")
    assert incident.status == "unreviewed"
    # New connections, so that both workers answer (and keep) both pages.
    for _ in range(12):
        assert f"/incidents/{incident.id}" not in fresh_get(two, "/").text
        assert incident.id not in fresh_get(two, "/api/incidents").text
    with Database(db_url) as other:
        decision = Decision("confirm", incident.id, "other-process")
        other.add_decision(attach_mention_keys(decision, {incident.id: incident}.get))
        merge_all(other)
        confirmed = incident_of(other, "seed/en-nizhny.txt").id
    for _ in range(12):
        assert f"/incidents/{confirmed}" in fresh_get(two, "/").text
        assert confirmed in {item["id"] for item in fresh_get(two, "/api/incidents").json()["items"]}


def _tcp_sockets(port: int) -> list[tuple[str, int]]:
    """(state, inode) of each IPv4 TCP socket of this machine whose local port is ``port``
    (/proc/net/tcp: one line per socket however many processes share it)."""
    found = []
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.append((fields[3], int(fields[9])))
    return found


def _owners(inodes: set[int]) -> dict[int, int]:
    """Socket inode -> the process holding it."""
    owners = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and int(target[8:-1]) in inodes:
                    owners[int(target[8:-1])] = int(pid)
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return owners


LISTEN, ESTABLISHED = "0A", "01"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads connections on Linux")
def test_each_worker_listens_on_its_own_socket_and_connections_spread(served: Any) -> None:
    """uvicorn's supervisor shared one listening socket: the worker that woke first accepted every
    connection waiting, and kept-alive connections stayed with it (19 of 20 in benchmarks/web.py,
    the other worker idle). Failed before: one listening socket for the two workers."""
    base = served("--workers", "2")
    port = int(base.rsplit(":", 1)[1])
    deadline = time.monotonic() + 90
    while sum(state == LISTEN for state, _ in _tcp_sockets(port)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # the second worker may still be making its application
    listening = [inode for state, inode in _tcp_sockets(port) if state == LISTEN]
    assert len(listening) == 2
    workers = set(_owners(set(listening)).values())
    assert len(workers) == 2  # one socket each

    # 40 keep-alive connections at once, each answered: the kernel hashes them over the two
    # sockets (fewer than 8 on one worker: a chance of 1 in 20,000).
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(40)]
    try:
        for connection in connections:
            connection.connect()
        for connection in connections:
            connection.request("GET", "/api/incidents?per_page=1")
            assert connection.getresponse().read()
        accepted = {inode for state, inode in _tcp_sockets(port) if state == ESTABLISHED and inode}
        per_worker = Counter(_owners(accepted).values())
    finally:
        for connection in connections:
            connection.close()
    assert set(per_worker) == workers
    assert sum(per_worker.values()) == 40
    assert min(per_worker.values()) >= 8, per_worker


def test_a_worker_leaves_its_start_up_out_of_full_collections(db_url: str) -> None:
    """A full collection in a worker walked every object of its start-up (the application, its
    routes, modules): 70 ms of CPU on a store of 100,000 incidents, every request of the process
    waiting meanwhile. Failed before: the application built for a worker was still walked."""
    Database(db_url).close()
    probe = (
        "import gc\n"
        "from otkaz.web.app import app_from_env\n"
        "app = app_from_env()\n"
        "assert gc.get_freeze_count() > 10000, gc.get_freeze_count()\n"
        "assert not any(each is app for each in gc.get_objects()), 'the application is walked'\n"
        "assert not any(each is app.router for each in gc.get_objects()), 'its routes are walked'\n"
    )
    environment = {**os.environ, "OTKAZ_DATABASE_URL": db_url, "OTKAZ_SECRET_KEY": "test"}
    result = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads connections on Linux")
def test_a_worker_that_dies_is_replaced(served: Any) -> None:
    base = served("--workers", "2")
    port = int(base.rsplit(":", 1)[1])
    deadline = time.monotonic() + 90
    while sum(state == LISTEN for state, _ in _tcp_sockets(port)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = set(_owners({inode for state, inode in _tcp_sockets(port) if state == LISTEN}).values())
    assert len(workers) == 2
    victim = min(workers)
    os.kill(victim, 9)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        now = set(_owners({inode for state, inode in _tcp_sockets(port) if state == LISTEN}).values())
        if len(now) == 2 and victim not in now:
            break
        time.sleep(0.2)
    assert len(now) == 2 and victim not in now and (workers - {victim}) <= now
    assert fresh_get(base, "/api/incidents").status_code == 200


def test_an_address_in_use_is_one_line_and_exit_1(db_url: str) -> None:
    with Database(db_url) as db:
        seed(db)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [str(Path(sys.executable).with_name("otkaz")), "serve", "--db", db_url, "--port", str(port), "--workers", "2"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"otkaz: 127.0.0.1:{port}: Address already in use" in result.stderr.splitlines()


GONE = 60  # seconds the processes of a killed server have to end: far more than they take
SIGN_IN = b"name=anna&password=not-the-password&csrf_token=none&next=%2F"


def sign_in_begun(port: int) -> socket.socket:
    """A connection with a sign-in request under way: its headers and the start of its body sent."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=GONE)
    connection.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/x-www-form-urlencoded\r\n"
                       b"Content-Length: %d\r\n\r\n" % len(SIGN_IN) + SIGN_IN[:10])
    return connection


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="otkaz's supervisor serves on Linux")
def test_a_server_killed_with_sigkill_leaves_no_process_behind(tmp_path: Path) -> None:
    """A supervisor killed outright (kill -9, the OOM killer, a container stopped hard) stops no
    worker itself: each must end by itself, answering a request under way first, so that no old
    server is left sharing the port (SO_REUSEPORT) with the one started next; a client that never
    finishes its request must not keep one. Failed before: both workers and the resource tracker
    were alive 60 s after the kill, and the port answered."""
    store = str(tmp_path / "otkaz.db")
    with Database(store) as db:
        seed(db)
    port = free_port()
    command = [str(Path(sys.executable).with_name("otkaz")), "serve", "--db", store, "--port", str(port), "--workers", "2"]
    environment = {k: v for k, v in os.environ.items() if k not in ("OTKAZ_SECRET_KEY", "OTKAZ_DATABASE_URL")}
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=environment, start_new_session=True, stdin=subprocess.DEVNULL,
                                  stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 90
        while sum(state == LISTEN for state, _ in _tcp_sockets(port)) < 2 and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            time.sleep(0.2)
        assert fresh_get(f"http://127.0.0.1:{port}", "/login").status_code == 200
        started = psutil.Process(server.pid).children(recursive=True)  # both workers, the resource tracker
        workers = set(_owners({inode for state, inode in _tcp_sockets(port) if state == LISTEN}).values())
        assert len(workers) == 2 and workers <= {process.pid for process in started}
        under_way, stuck = sign_in_begun(port), sign_in_begun(port)
    finally:
        server.kill()
    assert server.wait(timeout=GONE) == -signal.SIGKILL
    with under_way, stuck:
        # The port is let go at once, before the requests under way end: a server started next
        # on it (systemd, a container) does not share it with the old workers.
        deadline = time.monotonic() + GONE
        while any(state == LISTEN for state, _ in _tcp_sockets(port)) and time.monotonic() < deadline:
            time.sleep(0.1)
        with pytest.raises(httpx.ConnectError):
            fresh_get(f"http://127.0.0.1:{port}", "/login")
        under_way.sendall(SIGN_IN[10:])  # the rest of its body, after the kill
        assert under_way.recv(100).startswith(b"HTTP/1.1 403 "), log.read_text()  # answered: no CSRF token
        left = psutil.wait_procs(started, timeout=GONE)[1]
    described = [" ".join(process.cmdline())[:80] for process in left]
    for process in left:  # not to outlive the test
        process.kill()
    assert not left, f"left behind: {described}"
