"""Sessions of signed-in browsers are records in the store: signing out, a password change and
`otkaz user revoke-sessions` end them at once; sign-in throttling never locks out other accounts;
forwarded headers are believed from configured proxies only."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser.live import free_port
from click.testing import CliRunner
from fastapi.testclient import TestClient

from otkaz.cli import cli
from otkaz.store import Database
from otkaz.web import Settings, create_app
from otkaz.web.auth import hash_password

PASSWORDS = {"anna": "analyst-password", "adam": "admin-password"}
HASHES = {name: hash_password(password) for name, password in PASSWORDS.items()}
HTML = {"accept": "text/html"}
MAX_FAILURES = 3


@pytest.fixture
def store(db: Database) -> Database:
    db.add_user("anna", "analyst", HASHES["anna"], by="test")
    db.add_user("adam", "admin", HASHES["adam"], by="test")
    return db


@pytest.fixture
def app(store: Database) -> Any:
    return create_app(Settings(secret_key="test-secret", login_max_failures=MAX_FAILURES), db=store)


def browser(app: Any, address: str = "192.0.2.10") -> TestClient:
    return TestClient(app, client=(address, 40000))


def csrf_of(client: TestClient, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path, headers=HTML).text)[1]


def sign_in(client: TestClient, name: str, password: str | None = None, headers: dict[str, str] | None = None) -> Any:
    data = {"name": name, "password": password or PASSWORDS[name], "csrf_token": csrf_of(client), "next": "/"}
    return client.post("/login", data=data, headers={**HTML, **(headers or {})}, follow_redirects=False)


def signed_in(client: TestClient) -> bool:
    return client.get("/api/documents").status_code == 200


def stolen_copy(app: Any, client: TestClient) -> TestClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = browser(app, "198.51.100.66")
    thief.cookies.set("otkaz_session", client.cookies["otkaz_session"])
    return thief


def test_a_cookie_kept_after_signing_out_is_worthless(app: Any, store: Database) -> None:
    """Failed before the fix: the signed cookie stayed valid for 14 days after logout."""
    anna = browser(app)
    assert sign_in(anna, "anna").status_code == 303
    thief = stolen_copy(app, anna)
    assert signed_in(thief)
    out = anna.post("/logout", data={"csrf_token": csrf_of(anna, "/")}, headers=HTML, follow_redirects=False)
    assert out.status_code == 303
    assert not signed_in(anna) and not signed_in(thief)
    assert store.sessions("anna") == []


def test_a_password_change_signs_out_every_other_browser(app: Any, store: Database) -> None:
    """Failed before the fix: a stolen cookie stayed valid after the password was changed."""
    laptop, phone = browser(app), browser(app, "192.0.2.20")
    assert sign_in(laptop, "anna").status_code == sign_in(phone, "anna").status_code == 303
    thief = stolen_copy(app, laptop)
    changed = laptop.post(
        "/account/password",
        data={"current": PASSWORDS["anna"], "new": "a-brand-new-password", "csrf_token": csrf_of(laptop, "/account")},
        headers=HTML,
    )
    assert signed_in(laptop)  # the browser that changed it stays signed in, with a new session
    assert not signed_in(phone) and not signed_in(thief)
    assert changed.status_code == 200 and "Every other browser signed in to this account is signed out" in changed.text
    assert [record.address for record in store.sessions("anna")] == ["192.0.2.10"]


def test_otkaz_user_lists_and_revokes_sessions(app: Any, store: Database, db_url: str) -> None:
    laptop, phone, admin = browser(app), browser(app, "192.0.2.20"), browser(app, "192.0.2.30")
    for client, name in ((laptop, "anna"), (phone, "anna"), (admin, "adam")):
        assert sign_in(client, name, headers={"user-agent": f"{name}-browser/1.0"}).status_code == 303

    def otkaz(*args: str, stdin: str | None = None) -> Any:
        return CliRunner().invoke(cli, [*args, "--db", db_url], input=stdin)

    listed = sorted(json.loads(otkaz("user", "sessions", "anna", "--json").output), key=lambda s: s["address"])
    assert [(s["user"], s["address"], s["user_agent"]) for s in listed] == [
        ("anna", "192.0.2.10", "anna-browser/1.0"), ("anna", "192.0.2.20", "anna-browser/1.0")]
    assert "token" not in json.dumps(listed)
    everyone = otkaz("user", "sessions").output
    assert everyone.count(" anna ") == 2 and everyone.count(" adam ") == 1

    one = otkaz("user", "revoke-sessions", "anna", "--session", listed[1]["id"])
    assert one.exit_code == 0 and one.output == "ended 1 session(s) of anna\n"
    assert signed_in(laptop) and not signed_in(phone)
    missing = otkaz("user", "revoke-sessions", "anna", "--session", "nope")
    assert missing.exit_code == 4 and "no session 'nope' of user 'anna'" in missing.output
    assert otkaz("user", "sessions", "nobody").exit_code == 4

    assert otkaz("user", "password", "anna", "--password-stdin", stdin="another-password\n").exit_code == 0
    assert not signed_in(laptop) and signed_in(admin)  # a password set by the CLI ends the sessions too
    assert otkaz("user", "revoke-sessions", "adam").output == "ended 1 session(s) of adam\n"
    assert not signed_in(admin)
    assert [e.action for e in store.audit_log("anna")][-2:] == ["revoke_sessions", "set_password"]
    assert otkaz("user", "remove", "anna").exit_code == 0


def test_failures_for_one_account_never_lock_out_another(app: Any) -> None:
    """Failed before the fix: five failures from one address refused every account from it."""
    office = browser(app, "192.0.2.99")
    for _ in range(MAX_FAILURES):
        assert sign_in(office, "anna", "wrong-password").status_code == 401
    assert sign_in(office, "anna").status_code == 429
    assert sign_in(office, "adam").status_code == 303  # a colleague behind the same address
    assert sign_in(browser(app, "192.0.2.100"), "anna").status_code == 303  # anna from home


def test_forwarded_headers_count_only_from_a_trusted_proxy(store: Database) -> None:
    spoofed = {"x-forwarded-for": "203.0.113.7"}
    direct = create_app(Settings(secret_key="s"), db=store)
    assert sign_in(browser(direct, "127.0.0.1"), "anna", headers=spoofed).status_code == 303
    proxied = create_app(Settings(secret_key="s", trusted_proxies=("10.0.0.0/8",)), db=store)
    assert sign_in(browser(proxied, "10.1.2.3"), "adam", headers=spoofed).status_code == 303
    assert sign_in(browser(proxied, "127.0.0.1"), "anna", headers=spoofed).status_code == 303
    assert sorted((r.user, r.address) for r in store.sessions()) == [
        ("adam", "203.0.113.7"), ("anna", "127.0.0.1"), ("anna", "127.0.0.1")]
    with pytest.raises(ValueError, match="trusted proxy 'proxy.example': expected an IP address or network"):
        create_app(Settings(secret_key="s", trusted_proxies=("proxy.example",)), db=store)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Any]:
    """`otkaz serve` run for real (uvicorn on a free port); yields a function that starts it with extra options."""
    path = tmp_path / "otkaz.db"
    with Database(str(path)) as db:
        db.add_user("anna", "analyst", HASHES["anna"], by="test")
    running: list[subprocess.Popen] = []

    def start(*options: str) -> tuple[str, Path]:
        port = free_port()
        command = [str(Path(sys.executable).with_name("otkaz")), "serve", "--db", str(path), "--port", str(port), *options]
        environment = {**os.environ, "OTKAZ_SECRET_KEY": "live-test", "FORWARDED_ALLOW_IPS": "*"}
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        running.append(process)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return f"http://127.0.0.1:{port}", path
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("otkaz serve did not start")

    yield start
    for process in running:
        process.terminate()
        process.wait()


def live_sign_in(base: str, headers: dict[str, str]) -> int:
    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
        data = {"name": "anna", "password": PASSWORDS["anna"], "csrf_token": token}
        return client.post("/login", data=data, headers=headers).status_code


def test_otkaz_serve_ignores_forwarded_headers_unless_told_of_a_proxy(served: Any) -> None:
    """uvicorn believed X-Forwarded-For from any local process (and FORWARDED_ALLOW_IPS) before the fix."""
    spoofed = {"x-forwarded-for": "203.0.113.7"}
    base, path = served()
    assert live_sign_in(base, spoofed) == 303
    with Database(str(path)) as db:
        assert [r.address for r in db.sessions("anna")] == ["127.0.0.1"]
    base, path = served("--trusted-proxy", "127.0.0.1")
    assert live_sign_in(base, spoofed) == 303
    with Database(str(path)) as db:
        assert sorted(r.address for r in db.sessions("anna")) == ["127.0.0.1", "203.0.113.7"]
