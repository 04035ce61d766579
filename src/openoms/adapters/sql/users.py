"""Web UI users and their browser sessions.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile); only the hash is stored. A session's cookie secret is stored as a SHA-256 digest,
like an API token, with the CSRF token that every state-changing request of that session must
echo. Disabling a user or changing its password ends its sessions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from openoms.adapters.sql import schema

SESSION_TTL = timedelta(hours=12)
MIN_PASSWORD = 10
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong
# password and the response time does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class UserInfo:
    user_id: str
    username: str
    role: str
    scope: tuple[str, ...]
    created_at: datetime
    disabled: bool


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A live browser session: who it is and the CSRF token its forms and requests carry."""

    user_id: str
    username: str
    role: str
    scope: tuple[str, ...]
    csrf_token: str
    expires_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scope(text: str) -> tuple[str, ...]:
    return tuple(s for s in text.split(",") if s)


def _user_info(row: Any) -> UserInfo:
    return UserInfo(row.user_id, row.username, row.role, _scope(row.scope), row.created_at,
                    row.disabled_at is not None)


def check_username(username: str) -> str:
    if not _USERNAME.fullmatch(username):
        raise ValueError("a username is 1-64 letters, digits or . _ @ -, starting with a "
                         "letter or digit")
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise ValueError("a password has at most 1024 characters")
    return password


class UserStore:
    """Users and sessions in the OpenOMS database (blocking: call from a thread)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._db = engine

    # ------------------------------------------------------------ users

    def create_user(self, username: str, role: str, password: str,
                    scope: Sequence[str] = ()) -> str:
        """Create a user; return its id.

        Raises:
            ValueError: a bad username or password, or the username is taken.
        """
        check_username(username)
        check_password(password)
        u = schema.users
        user_id = secrets.token_hex(8)
        with self._db.begin() as connection:
            taken = connection.execute(sa.select(u.c.user_id).where(
                sa.func.lower(u.c.username) == username.lower())).first()
            if taken:
                raise ValueError(f"username {username!r} is taken")
            connection.execute(u.insert().values(
                user_id=user_id, username=username, role=role, scope=",".join(scope),
                password_hash=_hasher.hash(password), created_at=datetime.now(UTC)))
        return user_id

    def list_users(self) -> list[UserInfo]:
        u = schema.users
        with self._db.connect() as connection:
            rows = connection.execute(sa.select(u).order_by(u.c.username)).all()
        return [_user_info(r) for r in rows]

    def find_user(self, username: str) -> UserInfo | None:
        u = schema.users
        with self._db.connect() as connection:
            row = connection.execute(sa.select(u).where(u.c.username == username)).first()
        return None if row is None else _user_info(row)

    def disable_user(self, username: str) -> bool:
        """Disable a user and end its sessions; return whether it was enabled."""
        u = schema.users
        now = datetime.now(UTC)
        with self._db.begin() as connection:
            user_id = connection.execute(sa.select(u.c.user_id).where(
                u.c.username == username, u.c.disabled_at.is_(None))).scalar()
            if user_id is None:
                return False
            connection.execute(u.update().where(u.c.user_id == user_id)
                               .values(disabled_at=now))
            self._end_all(connection, user_id, now)
        return True

    def set_password(self, username: str, password: str) -> bool:
        """Set a user's password and end its sessions; return whether the user exists."""
        check_password(password)
        u = schema.users
        with self._db.begin() as connection:
            user_id = connection.execute(sa.select(u.c.user_id).where(
                u.c.username == username)).scalar()
            if user_id is None:
                return False
            connection.execute(u.update().where(u.c.user_id == user_id)
                               .values(password_hash=_hasher.hash(password)))
            self._end_all(connection, user_id, datetime.now(UTC))
        return True

    # ------------------------------------------------------------ sessions

    def login(self, username: str, password: str) -> tuple[str, SessionInfo] | None:
        """Check a password; on success open a session and return its secret and info."""
        u = schema.users
        with self._db.connect() as connection:
            row = connection.execute(sa.select(u).where(
                u.c.username == username, u.c.disabled_at.is_(None))).first()
        try:
            _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        secret = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        info = SessionInfo(row.user_id, row.username, row.role, _scope(row.scope),
                           secrets.token_urlsafe(24), now + SESSION_TTL)
        with self._db.begin() as connection:
            if _hasher.check_needs_rehash(row.password_hash):
                connection.execute(u.update().where(u.c.user_id == row.user_id)
                                   .values(password_hash=_hasher.hash(password)))
            connection.execute(schema.web_sessions.insert().values(
                session_sha256=_digest(secret), user_id=row.user_id,
                csrf_token=info.csrf_token, created_at=now, expires_at=info.expires_at))
        return secret, info

    def find_session(self, secret: str) -> SessionInfo | None:
        """Return the live session with this cookie secret (its user still enabled), or None."""
        s, u = schema.web_sessions, schema.users
        query = (sa.select(s.c.user_id, s.c.csrf_token, s.c.expires_at, u.c.username, u.c.role,
                           u.c.scope)
                 .join(u, u.c.user_id == s.c.user_id)
                 .where(s.c.session_sha256 == _digest(secret), s.c.ended_at.is_(None),
                        s.c.expires_at > datetime.now(UTC), u.c.disabled_at.is_(None)))
        with self._db.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        return SessionInfo(row.user_id, row.username, row.role, _scope(row.scope),
                           row.csrf_token, row.expires_at)

    def end_session(self, secret: str) -> None:
        s = schema.web_sessions
        with self._db.begin() as connection:
            connection.execute(s.update().where(s.c.session_sha256 == _digest(secret),
                                                s.c.ended_at.is_(None))
                               .values(ended_at=datetime.now(UTC)))

    @staticmethod
    def _end_all(connection: sa.Connection, user_id: str, now: datetime) -> None:
        s = schema.web_sessions
        connection.execute(s.update().where(s.c.user_id == user_id, s.c.ended_at.is_(None))
                           .values(ended_at=now))
