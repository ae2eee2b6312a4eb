"""Shared fixtures: ``db_url`` (SQLite file, and PostgreSQL when OTKAZ_TEST_POSTGRES_URL is set)
and ``db`` (a fresh Database on it). On PostgreSQL every test gets its own schema."""

from __future__ import annotations

import os
import types
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from otkaz.store import Database

POSTGRES_ENV = "OTKAZ_TEST_POSTGRES_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_schema_url(server_url: str) -> Iterator[str]:
    """A fresh schema on the server; the URL yielded makes it the only one searched."""
    schema = f"otkaz_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def extractor_stand_in(version: str, extract: Callable, extract_many: Callable) -> types.ModuleType:
    """A stand-in for ``otkaz.extract`` (put it in ``sys.modules``) that extracts with the given
    functions; the real languages' parsers stay, because the redaction step reads their NER."""
    from otkaz.extract import get_language

    for lang in ("en", "ru"):
        get_language(lang)  # made and cached while the real package can still be imported
    fake = types.ModuleType("otkaz.extract")
    fake.EXTRACTOR_VERSION = version
    fake.extract = extract
    fake.extract_many = extract_many
    # no parse to share: the redaction step parses the texts itself
    fake.extract_parsed = lambda documents: ((result, None) for result in fake.extract_many(documents))
    fake.get_language = get_language
    return fake


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "otkaz.db")
        return
    server_url = os.environ.get(POSTGRES_ENV)
    if not server_url:
        if _in_ci():
            pytest.fail(f"CI must test PostgreSQL: set {POSTGRES_ENV}")
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    yield from _postgres_schema_url(server_url)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.close()
