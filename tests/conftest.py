"""Databases for the tests: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL tests create their own database on the server at 127.0.0.1:5432 (user postgres)
and drop it afterwards; set OPENOMS_TEST_PG_URL to use another server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from openoms.adapters.sql.migrations import upgrade

PG_SERVER = os.environ.get("OPENOMS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _admin() -> sa.Engine:
    return sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT",
                            poolclass=sa.pool.NullPool)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    name = f"openoms_test_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind (not migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'openoms.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A migrated, empty database of each kind."""
    upgrade(empty_db_url)
    return empty_db_url
