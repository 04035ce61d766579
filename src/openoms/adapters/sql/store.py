"""The journal store: group-commit writes, snapshot + tail loads, audit reads, API tokens.

``write`` runs on the engine's single writer thread with its own connection; reads
(``read_journal``, tokens) use a separate pool so they never wait behind a commit on
PostgreSQL, and read a consistent WAL snapshot on SQLite.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from openoms.adapters.sql import schema
from openoms.adapters.sql.database import create_engine_for, is_sqlite
from openoms.core.codec import Registry, encode
from openoms.core.engine import Batch
from openoms.core.errors import ConcurrencyConflict, StorageError
from openoms.core.events import Recorded

_TABLES = {table.name: table for table in schema.READ_MODELS}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a restart loads: read-model rows, their checkpoint, the journal after it."""

    tables: dict[str, list[dict[str, Any]]]
    checkpoint: int
    tail: list[Recorded]
    last_position: int


@dataclass(frozen=True, slots=True)
class TokenInfo:
    token_id: str
    name: str
    role: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SqlStore:
    """Journal, read models and tokens in one SQL database (SQLite or PostgreSQL)."""

    def __init__(self, url: str, registry: Registry) -> None:
        self.url = url
        self._registry = registry
        self._writer = create_engine_for(url, pool_size=1, max_overflow=0) \
            if not is_sqlite(url) else create_engine_for(url)
        self._reader = create_engine_for(url)
        self._write_connection: sa.Connection | None = None
        insert = sqlite.insert if is_sqlite(url) else postgresql.insert
        self._upserts: dict[str, Any] = {}
        for name, table in _TABLES.items():
            keys = [c.name for c in table.primary_key.columns]
            stmt = insert(table)
            updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
            self._upserts[name] = stmt.on_conflict_do_update(index_elements=keys, set_=updates)

    # ------------------------------------------------------------ writes (writer thread)

    def write(self, batch: Batch) -> None:
        """Write a batch in one durable transaction.

        Raises:
            ConcurrencyConflict: a stream version exists already (a second writer).
            StorageError: anything else the database refused.
        """
        if self._write_connection is None:
            self._write_connection = self._writer.connect()
        connection = self._write_connection
        rows = [{"position": r.position, "stream_id": r.stream_id, "version": r.version,
                 "event_type": type(r.event).__name__,
                 "data": json.dumps(encode(r.event), separators=(",", ":")),
                 "actor": r.actor, "source": r.source, "event_time": r.event_time,
                 "recorded_time": r.recorded_time} for r in batch.records]
        try:
            with connection.begin():
                if rows:
                    connection.execute(schema.journal.insert(), rows)
                for table, upserts in batch.upserts.items():
                    if upserts:
                        connection.execute(self._upserts[table], upserts)
                for table, inserts in batch.inserts.items():
                    if inserts:
                        connection.execute(_TABLES[table].insert(), inserts)
                connection.execute(schema.engine_checkpoint.update()
                                   .where(schema.engine_checkpoint.c.id == 1)
                                   .values(position=batch.checkpoint))
        except IntegrityError as exc:
            self._reset_writer()
            if "uq_journal_stream_version" in str(exc) or "journal" in str(exc):
                raise ConcurrencyConflict(f"journal conflict: {exc.orig}") from exc
            raise StorageError(f"write refused: {exc.orig}") from exc
        except SQLAlchemyError as exc:
            self._reset_writer()
            raise StorageError(f"write failed: {exc}") from exc

    def _reset_writer(self) -> None:
        if self._write_connection is not None:
            self._write_connection.close()
            self._write_connection = None

    # ------------------------------------------------------------ reads

    def load(self) -> Snapshot:
        """Load every read-model row, the checkpoint and the journal tail after it."""
        with self._reader.connect() as connection:
            tables = {name: [dict(row._mapping) for row in connection.execute(sa.select(table))]
                      for name, table in _TABLES.items()}
            checkpoint = connection.execute(sa.select(schema.engine_checkpoint.c.position)
                                            .where(schema.engine_checkpoint.c.id == 1)).scalar()
            last = connection.execute(sa.select(sa.func.max(schema.journal.c.position))).scalar()
        tail = self.read_journal(after=checkpoint or 0)
        return Snapshot(tables=tables, checkpoint=checkpoint or 0, tail=tail,
                        last_position=last or 0)

    def read_journal(self, *, stream_id: str | None = None, after: int = 0,
                     limit: int | None = None) -> list[Recorded]:
        """Return journal records in position order (an order's audit trail, a replay tail)."""
        j = schema.journal
        query = sa.select(j).where(j.c.position > after).order_by(j.c.position)
        if stream_id is not None:
            query = query.where(j.c.stream_id == stream_id)
        if limit is not None:
            query = query.limit(limit)
        with self._reader.connect() as connection:
            return [self._record(row._mapping) for row in connection.execute(query)]

    def _record(self, row: Any) -> Recorded:
        event = self._registry.decode(row["event_type"], json.loads(row["data"]))
        return Recorded(stream_id=row["stream_id"], version=row["version"], event=event,
                        actor=row["actor"], source=row["source"], event_time=row["event_time"],
                        recorded_time=row["recorded_time"], position=row["position"])

    def rebuild_read_models(self, then: Callable[[], None] | None = None) -> None:
        """Empty the read models and reset the checkpoint: the next load replays everything."""
        with self._reader.begin() as connection:
            for table in reversed(schema.READ_MODELS):
                connection.execute(table.delete())
            connection.execute(schema.engine_checkpoint.update().values(position=0))
        if then is not None:
            then()

    # ------------------------------------------------------------ tokens

    def create_token(self, name: str, role: str) -> str:
        """Create a token; return its secret (stored only as a SHA-256 digest)."""
        token = "oms_" + secrets.token_urlsafe(32)
        with self._reader.begin() as connection:
            connection.execute(schema.api_tokens.insert().values(
                token_id=secrets.token_hex(8), name=name, role=role,
                token_sha256=_digest(token), created_at=datetime.now(UTC)))
        return token

    def find_token(self, token: str) -> TokenInfo | None:
        """Return the live token with this secret, or None."""
        t = schema.api_tokens
        with self._reader.connect() as connection:
            row = connection.execute(sa.select(t.c.token_id, t.c.name, t.c.role).where(
                t.c.token_sha256 == _digest(token), t.c.revoked_at.is_(None))).first()
        return TokenInfo(row.token_id, row.name, row.role) if row else None

    def list_tokens(self) -> list[TokenInfo]:
        t = schema.api_tokens
        with self._reader.connect() as connection:
            rows = connection.execute(sa.select(t.c.token_id, t.c.name, t.c.role)
                                      .where(t.c.revoked_at.is_(None)).order_by(t.c.created_at))
            return [TokenInfo(r.token_id, r.name, r.role) for r in rows]

    def revoke_token(self, token_id: str) -> bool:
        """Revoke a token; return whether it existed and was live."""
        t = schema.api_tokens
        with self._reader.begin() as connection:
            result = connection.execute(t.update().where(t.c.token_id == token_id,
                                                         t.c.revoked_at.is_(None))
                                        .values(revoked_at=datetime.now(UTC)))
        return bool(result.rowcount)

    def close(self) -> None:
        self._reset_writer()
        self._writer.dispose()
        self._reader.dispose()
