"""Web UI users and sessions in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from openoms.adapters.sql import schema
from openoms.adapters.sql.users import UserStore


@pytest.fixture
def users(db_url: str) -> Iterator[UserStore]:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        yield UserStore(engine)
    finally:
        engine.dispose()


def test_a_password_is_stored_only_as_an_argon2id_hash(users: UserStore, db_url: str) -> None:
    users.create_user("ann", "trader", "correct horse battery")
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            stored = connection.execute(sa.select(schema.users.c.password_hash)).scalar_one()
    finally:
        engine.dispose()
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


def test_login_opens_a_session_that_knows_the_user_until_it_ends(users: UserStore) -> None:
    users.create_user("sam", "store_associate", "pick-pack-ship", ("location:MPLS",))
    assert users.login("sam", "wrong password!") is None
    assert users.login("nobody", "pick-pack-ship") is None
    opened = users.login("sam", "pick-pack-ship")
    assert opened is not None
    secret, info = opened
    found = users.find_session(secret)
    assert found is not None
    assert (found.username, found.role, found.scope) == ("sam", "store_associate",
                                                         ("location:MPLS",))
    assert found.csrf_token == info.csrf_token and len(found.csrf_token) >= 24
    assert users.find_session(secret + "x") is None
    users.end_session(secret)
    assert users.find_session(secret) is None


def test_disabling_or_a_new_password_ends_every_session(users: UserStore) -> None:
    users.create_user("tom", "trader", "first password")
    first = users.login("tom", "first password")
    second = users.login("tom", "first password")
    assert first and second
    assert users.set_password("tom", "second password")
    assert users.find_session(first[0]) is None and users.find_session(second[0]) is None
    assert users.login("tom", "first password") is None
    third = users.login("tom", "second password")
    assert third is not None
    assert users.disable_user("tom")
    assert users.find_session(third[0]) is None
    assert users.login("tom", "second password") is None
    assert not users.disable_user("tom")  # already disabled
    assert [u.disabled for u in users.list_users()] == [True]


def test_bad_names_short_passwords_and_taken_names_are_refused(users: UserStore) -> None:
    with pytest.raises(ValueError, match="at least 10"):
        users.create_user("ann", "trader", "short")
    with pytest.raises(ValueError, match="username"):
        users.create_user("ann smith", "trader", "long enough password")
    users.create_user("ann", "trader", "long enough password")
    with pytest.raises(ValueError, match="taken"):
        users.create_user("ANN", "viewer", "long enough password")
    assert [u.username for u in users.list_users()] == ["ann"]
