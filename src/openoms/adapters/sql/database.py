"""Database engines with durable settings, and the lock that keeps a database to one writer."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from openoms.core.errors import StorageError

# pg_try_advisory_lock key: "OpenOMS" as a number, so other applications do not collide.
_ADVISORY_KEY = 0x4F70656E4F4D53


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def create_engine_for(url: str, **kwargs: Any) -> sa.Engine:
    """Create an engine whose commits are durable when they return.

    SQLite: WAL journal, synchronous=FULL, a busy timeout; its directory is created.
    PostgreSQL (psycopg 3): synchronous_commit=on.
    """
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("options", "-c synchronous_commit=on")
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)


@contextlib.contextmanager
def writer_lock(url: str, data_dir: Path) -> Iterator[None]:
    """Hold the right to write this database, or fail at once if another process has it.

    Raises:
        StorageError: another OpenOMS process holds the lock.
    """
    if is_sqlite(url):
        path = sqlite_path(url)
        lock_path = Path(f"{path}.lock") if path else data_dir / "openoms-memory.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StorageError(f"another OpenOMS process is writing {path}; "
                                   "stop it first") from None
            yield
        finally:
            os.close(fd)
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    connection = engine.connect()
    try:
        got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                 {"key": _ADVISORY_KEY}).scalar()
        connection.commit()
        if not got:
            name = make_url(url).database
            raise StorageError(f"another OpenOMS process is writing {name}; stop it first")
        yield
    finally:
        connection.close()
        engine.dispose()
