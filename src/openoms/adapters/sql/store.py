"""The journal store: group-commit writes, snapshot + tail loads, audit reads, API tokens,
the outbox's due messages.

``write`` runs on the engine's single writer thread with its own connection; reads
(``read_journal``, tokens) use a separate pool so they never wait behind a commit on
PostgreSQL, and read a consistent WAL snapshot on SQLite.
"""

from __future__ import annotations

import hashlib
import json
import operator
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from openoms.adapters.sql import schema
from openoms.adapters.sql.database import create_engine_for, is_sqlite
from openoms.adapters.sql.types import ExactDecimal, UtcDateTime
from openoms.core.codec import Registry, to_json
from openoms.core.engine import Batch
from openoms.core.errors import ConcurrencyConflict, StorageError
from openoms.core.events import Recorded

_TABLES = {table.name: table for table in schema.READ_MODELS}
# Tables a batch may write: the read models, the FIX sessions' own rows and the outbox.
_WRITABLE = {table.name: table for table in (*schema.READ_MODELS, *schema.FIX_TABLES,
                                             *schema.OUTBOX_TABLES)}
# Streams whose read-model rows carry their version (tickets, retail orders, stock): the
# journal need not give theirs back at start-up.
_VERSIONED_ROWS = ("order:%", "corder:%", "stock:%")
# sqlite3 refuses an integer beyond 64 bits with a plain OverflowError.
_WRITE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, sqlite3.Error, psycopg.Error,
                                              OverflowError)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a restart loads: read-model rows, their checkpoint, the journal after it."""

    tables: dict[str, list[dict[str, Any]]]
    versions: dict[str, int]  # last version of every stream whose rows carry none (reference)
    checkpoint: int
    tail: list[Recorded]
    last_position: int


@dataclass(frozen=True, slots=True)
class TokenInfo:
    token_id: str
    name: str
    role: str
    scope: tuple[str, ...] = ()  # what the token may reach beyond its role; () = everything


def _decimal_text(value: Any) -> Any:
    return None if value is None else format(value, "f")


_ISO_CACHE: dict[datetime, str] = {}


def _utc_text(value: Any) -> Any:
    # The events of one command share their timestamps, and so do an order's created/updated
    # times: the same object comes again and again, so the last one is checked first (hashing
    # an aware datetime costs more), then the last few thousand renderings.
    global _LAST_TIME
    last = _LAST_TIME  # one read: another store's writer thread may replace it meanwhile
    if value is last[0]:
        return last[1]
    if value is None:
        return None
    text = _ISO_CACHE.get(value)
    if text is None:
        if len(_ISO_CACHE) > 4096:
            _ISO_CACHE.clear()
        text = _ISO_CACHE[value] = value.astimezone(UTC).isoformat()
    _LAST_TIME = (value, text)
    return text


_LAST_TIME: tuple[Any, Any] = (None, None)


def _same(value: Any) -> Any:
    return value


# SQLite: rows go in multi-row INSERTs of these sizes (largest first), so a batch of thousands
# of rows is tens of statements, not thousands. Each statement is one sqlite3 step, and each
# step gives the interpreter lock away and must win it back from the event loop; a few fixed
# sizes keep the statements in the connection's cache.
_CHUNKS = (256, 64, 16, 4, 1)
_SQLITE_MAX_VARIABLES = 32_766


class _FastInsert:
    """A pre-rendered INSERT (or upsert) run straight through the driver.

    The group commit writes thousands of rows a second; SQLAlchemy's per-row parameter
    processing costs more than the database itself, so the hot path renders each statement
    once and converts values with one function per column (Decimal and datetime to text on
    SQLite; psycopg takes them as they are). PostgreSQL gets the rows through psycopg's
    executemany (pipelined); SQLite through multi-row statements (see ``_CHUNKS``). A row
    repeated in one batch is written in order either way: SQLite inserts the rows of one
    statement one after another.
    """

    def __init__(self, table: sa.Table, sqlite_dialect: bool, upsert: bool) -> None:
        self.columns = [c.name for c in table.columns]
        mark = "?" if sqlite_dialect else "%s"
        names = ", ".join(f'"{c}"' for c in self.columns)
        self._head = f"INSERT INTO {table.name} ({names}) VALUES "
        self._values = f'({", ".join([mark] * len(self.columns))})'
        self._tail = ""
        if upsert:
            keys = [c.name for c in table.primary_key.columns]
            sets = ", ".join(f'"{c}" = excluded."{c}"' for c in self.columns if c not in keys)
            self._tail = f' ON CONFLICT ({", ".join(keys)}) DO UPDATE SET {sets}'
        self.sql = self._head + self._values + self._tail
        self._sqlite = sqlite_dialect
        width = len(self.columns)
        self._chunks = [(n, self._statement(n)) for n in _CHUNKS
                        if n * width <= _SQLITE_MAX_VARIABLES]
        self.converters = []
        for column in table.columns:
            if sqlite_dialect and isinstance(column.type, ExactDecimal):
                self.converters.append(_decimal_text)
            elif sqlite_dialect and isinstance(column.type, UtcDateTime):
                self.converters.append(_utc_text)
            else:
                self.converters.append(_same)
        self.plain = all(c is _same for c in self.converters)
        # A row's values in column order, picked in one C call (always a tuple).
        getter = operator.itemgetter(*self.columns)
        self._values_of: Callable[[dict[str, Any]], tuple[Any, ...]] = \
            getter if width > 1 else (lambda row: (getter(row),))
        self._converted = [(i, c) for i, c in enumerate(self.converters) if c is not _same]

    def _statement(self, rows: int) -> str:
        return self._head + ", ".join([self._values] * rows) + self._tail

    def params(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows' values in column order, one tuple a row."""
        values = self._values_of
        if self.plain:
            return [values(row) for row in rows]
        converted = self._converted
        out = []
        for row in rows:
            listed = list(values(row))
            for index, convert in converted:
                listed[index] = convert(listed[index])
            out.append(tuple(listed))
        return out

    def flat(self, rows: list[dict[str, Any]]) -> list[Any]:
        """The rows' values in column order, all in one list."""
        values = self._values_of
        out: list[Any] = []
        if self.plain:
            for row in rows:
                out += values(row)
            return out
        converted = self._converted
        for row in rows:
            listed = list(values(row))
            for index, convert in converted:
                listed[index] = convert(listed[index])
            out += listed
        return out

    def write(self, cursor: Any, rows: list[dict[str, Any]]) -> None:
        """Write rows (dicts by column name)."""
        if self._sqlite:
            self.write_flat(cursor, self.flat(rows), len(rows))
        else:
            cursor.executemany(self.sql, self.params(rows))

    def write_flat(self, cursor: Any, values: list[Any], count: int) -> None:
        """Write count rows given as one list of their values in column order (SQLite)."""
        width = len(self.columns)
        done = 0
        for size, sql in self._chunks:
            while count - done >= size:
                cursor.execute(sql, values[done * width:(done + size) * width])
                done += size


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_info(row: Any) -> TokenInfo:
    return TokenInfo(row.token_id, row.name, row.role,
                     tuple(entry for entry in row.scope.split(",") if entry))


class SqlStore:
    """Journal, read models and tokens in one SQL database (SQLite or PostgreSQL)."""

    def __init__(self, url: str, registry: Registry) -> None:
        self.url = url
        self._registry = registry
        self._writer = create_engine_for(url, pool_size=1, max_overflow=0) \
            if not is_sqlite(url) else create_engine_for(url)
        self._reader = create_engine_for(url)
        self._write_connection: sa.Connection | None = None
        lite = is_sqlite(url)
        self._sqlite = lite
        self._journal = _FastInsert(schema.journal, lite, upsert=False)
        self._upserts = {name: _FastInsert(t, lite, upsert=True) for name, t in _WRITABLE.items()}
        self._inserts = {name: _FastInsert(t, lite, upsert=False)
                         for name, t in _WRITABLE.items()}
        self._checkpoint_sql = ("UPDATE engine_checkpoint SET position = ? WHERE id = 1" if lite
                                else "UPDATE engine_checkpoint SET position = %s WHERE id = 1")

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
        records = batch.records
        if self._sqlite:
            journal: list[Any] = []
            for r in records:
                journal += (r.position, r.stream_id, r.version, type(r.event).__name__,
                            to_json(r.event), r.actor, r.source, _utc_text(r.event_time),
                            _utc_text(r.recorded_time))
        else:
            journal = [(r.position, r.stream_id, r.version, type(r.event).__name__,
                        to_json(r.event), r.actor, r.source, r.event_time, r.recorded_time)
                       for r in records]
        try:
            with connection.begin():
                cursor = connection.connection.cursor()
                try:
                    if records and self._sqlite:
                        self._journal.write_flat(cursor, journal, len(records))
                    elif records:
                        cursor.executemany(self._journal.sql, journal)
                    for table, upserts in batch.upserts.items():
                        if upserts:
                            self._upserts[table].write(cursor, upserts)
                    for table, inserts in batch.inserts.items():
                        if inserts:
                            self._inserts[table].write(cursor, inserts)
                    cursor.execute(self._checkpoint_sql, (batch.checkpoint,))
                finally:
                    cursor.close()
        except _WRITE_ERRORS as exc:
            self._reset_writer()
            text = str(exc)
            if "uq_journal_stream_version" in text or "journal.stream_id" in text \
                    or "journal_pkey" in text or "journal.position" in text:
                raise ConcurrencyConflict(f"another writer wrote these events: {exc}") from exc
            raise StorageError(f"group commit failed: {exc}") from exc

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
            j = schema.journal
            versions: dict[str, int] = {row[0]: row[1] for row in connection.execute(
                sa.select(j.c.stream_id, sa.func.max(j.c.version))
                .where(*(j.c.stream_id.not_like(p) for p in _VERSIONED_ROWS),
                       j.c.position <= (checkpoint or 0))
                .group_by(j.c.stream_id))}
        tail = self.read_journal(after=checkpoint or 0)
        return Snapshot(tables=tables, versions=versions, checkpoint=checkpoint or 0, tail=tail,
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

    # ------------------------------------------------------------ FIX sessions

    def fix_numbers(self) -> dict[str, tuple[int, int, int]]:
        """Return every FIX session's recorded (next_in, next_out, epoch)."""
        t = schema.fix_sessions
        with self._reader.connect() as connection:
            rows = connection.execute(sa.select(t.c.session_id, t.c.next_in, t.c.next_out,
                                                t.c.epoch))
            return {r.session_id: (r.next_in, r.next_out, r.epoch) for r in rows}

    def fix_messages(self, session_id: str, epoch: int, begin: int,
                     end: int) -> list[tuple[int, str, bytes]]:
        """Return stored (seq, msg_type, raw) of a session's epoch with begin <= seq <= end."""
        m = schema.fix_messages
        query = (sa.select(m.c.seq, m.c.msg_type, m.c.raw)
                 .where(m.c.session_id == session_id, m.c.epoch == epoch, m.c.seq >= begin,
                        m.c.seq <= end).order_by(m.c.seq))
        with self._reader.connect() as connection:
            return [(r.seq, r.msg_type, bytes(r.raw)) for r in connection.execute(query)]

    def purge_fix_messages(self, session_id: str, keep_epoch: int) -> int:
        """Delete a session's stored messages of epochs before keep_epoch; return how many."""
        m = schema.fix_messages
        with self._reader.begin() as connection:
            result = connection.execute(m.delete().where(m.c.session_id == session_id,
                                                         m.c.epoch < keep_epoch))
        return int(result.rowcount or 0)

    @property
    def reader(self) -> sa.Engine:
        """The pool for reads and for the small writes outside the journal (tokens, users)."""
        return self._reader

    # ------------------------------------------------------------ tokens

    def create_token(self, name: str, role: str, scope: Sequence[str] = ()) -> str:
        """Create a token; return its secret (stored only as a SHA-256 digest).

        Raises:
            ValueError: a scope entry is empty or holds a comma.
        """
        if isinstance(scope, str):
            raise ValueError("scope is a sequence of names, not one string")
        for entry in scope:
            if not entry or "," in entry:
                raise ValueError(f"scope entry {entry!r} must be non-empty, without commas")
        token = "oms_" + secrets.token_urlsafe(32)
        with self._reader.begin() as connection:
            connection.execute(schema.api_tokens.insert().values(
                token_id=secrets.token_hex(8), name=name, role=role,
                token_sha256=_digest(token), created_at=datetime.now(UTC),
                scope=",".join(scope)))
        return token

    def find_token(self, token: str) -> TokenInfo | None:
        """Return the live token with this secret, or None."""
        t = schema.api_tokens
        with self._reader.connect() as connection:
            row = connection.execute(sa.select(t.c.token_id, t.c.name, t.c.role, t.c.scope)
                                     .where(t.c.token_sha256 == _digest(token),
                                            t.c.revoked_at.is_(None))).first()
        return _token_info(row) if row else None

    def list_tokens(self) -> list[TokenInfo]:
        t = schema.api_tokens
        with self._reader.connect() as connection:
            rows = connection.execute(sa.select(t.c.token_id, t.c.name, t.c.role, t.c.scope)
                                      .where(t.c.revoked_at.is_(None)).order_by(t.c.created_at))
            return [_token_info(r) for r in rows]

    def revoke_token(self, token_id: str) -> bool:
        """Revoke a token; return whether it existed and was live."""
        t = schema.api_tokens
        with self._reader.begin() as connection:
            result = connection.execute(t.update().where(t.c.token_id == token_id,
                                                         t.c.revoked_at.is_(None))
                                        .values(revoked_at=datetime.now(UTC)))
        return bool(result.rowcount)

    # ------------------------------------------------------------ outbox

    def pending_outbox(self, limit: int = 100, *,
                       now: datetime | None = None) -> list[dict[str, Any]]:
        """Return up to limit pending outbox messages due by now, oldest first."""
        o = schema.outbox
        query = (sa.select(o).where(o.c.status == "pending",
                                    o.c.next_attempt_at <= (now or datetime.now(UTC)))
                 .order_by(o.c.created_at, o.c.message_id).limit(limit))
        with self._reader.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def close(self) -> None:
        self._reset_writer()
        self._writer.dispose()
        self._reader.dispose()
