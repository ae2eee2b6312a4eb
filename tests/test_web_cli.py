"""`otkaz user` and `otkaz serve`: accounts from the command line, and the server they start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from click.testing import CliRunner  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from otkaz.cli import cli  # noqa: E402
from otkaz.store import Database  # noqa: E402
from otkaz.web.auth import token_hash, verify_password  # noqa: E402


def otkaz(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "otkaz.db")


def test_user_lifecycle(db_path: str) -> None:
    added = otkaz("user", "add", "anna", "--role", "analyst", "--password-stdin", "--db", db_path,
                  stdin="a-good-password\n")
    assert added.exit_code == 0, added.output
    with Database(db_path) as db:
        assert verify_password(db.get_user("anna").password_hash, "a-good-password")
    listed = json.loads(otkaz("user", "list", "--json", "--db", db_path).output)
    assert listed[0]["name"] == "anna" and listed[0]["role"] == "analyst"

    assert otkaz("user", "role", "anna", "admin", "--db", db_path).exit_code == 0
    token = otkaz("user", "token", "anna", "--db", db_path).output.strip()
    with Database(db_path) as db:
        assert db.get_user("anna").role == "admin"
        assert db.user_by_token_hash(token_hash(token)).name == "anna"
    assert otkaz("user", "revoke", "anna", "--db", db_path).exit_code == 0
    changed = otkaz("user", "password", "anna", "--password-stdin", "--db", db_path, stdin="another-password\n")
    assert changed.exit_code == 0
    assert otkaz("user", "remove", "anna", "--db", db_path).exit_code == 0
    with Database(db_path) as db:
        assert db.get_user("anna") is None
        actions = [entry.action for entry in db.audit_log("anna")]
    assert actions == ["add_user", "set_role", "set_api_token", "set_api_token", "set_password", "delete_user"]


def test_user_errors_are_one_line_with_an_exit_code(db_path: str) -> None:
    bad_role = otkaz("user", "add", "olga", "--role", "boss", "--db", db_path, stdin="a-good-password\n")
    assert bad_role.exit_code == 2 and "unknown role 'boss'" in bad_role.output
    short = otkaz("user", "add", "olga", "--role", "viewer", "--password-stdin", "--db", db_path, stdin="short\n")
    assert short.exit_code == 1 and "10 characters or more" in short.output
    otkaz("user", "add", "olga", "--role", "viewer", "--password-stdin", "--db", db_path, stdin="a-good-password\n")
    again = otkaz("user", "add", "olga", "--role", "viewer", "--password-stdin", "--db", db_path,
                  stdin="a-good-password\n")
    assert again.exit_code == 1 and "the name is taken" in again.output
    missing = otkaz("user", "role", "nobody", "admin", "--db", db_path)
    assert missing.exit_code == 4 and "no user 'nobody'" in missing.output


def test_serve_starts_uvicorn_on_the_store(db_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    started: dict[str, Any] = {}

    def fake_run(app: Any, host: str, port: int, **_: Any) -> None:
        started.update(host=host, port=port)
        with TestClient(app) as client:
            started["status"] = client.get("/api/incidents").status_code

    monkeypatch.setattr("uvicorn.run", fake_run)
    monkeypatch.setenv("OTKAZ_SECRET_KEY", "from-the-environment")
    result = otkaz("serve", "--db", db_path, "--port", "8123")
    assert result.exit_code == 0, result.output
    assert started == {"host": "127.0.0.1", "port": 8123, "status": 200}


def test_serve_refuses_a_bad_tile_url(db_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTKAZ_TILE_URL", "tiles/{z}/{x}/{y}.png")
    result = otkaz("serve", "--db", db_path)
    assert result.exit_code == 1 and "tile URL" in result.output


def test_serve_gives_a_store_without_accounts_one_admin(tmp_path):
    from otkaz.cli import _first_admin
    from otkaz.store import Database
    from otkaz.web.auth import verify_password

    db = Database(str(tmp_path / "first.db"))
    password = _first_admin(db)
    assert password and len(password) >= 12
    admin = db.get_user("admin")
    assert admin.role == "admin" and verify_password(admin.password_hash, password)
    assert _first_admin(db) is None  # once only
    db.close()
