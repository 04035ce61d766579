"""Alembic's migrations build exactly the schema the code writes to, on both backends."""

from __future__ import annotations

import sqlalchemy as sa

from openoms.adapters.sql.migrations import current_revision, upgrade
from openoms.adapters.sql.schema import metadata


def test_migrated_database_has_every_table_and_column_of_the_schema(empty_db_url: str) -> None:
    assert current_revision(empty_db_url) is None
    upgrade(empty_db_url)
    upgrade(empty_db_url)  # a second upgrade is a no-op
    assert current_revision(empty_db_url) == "0005"
    engine = sa.create_engine(empty_db_url, poolclass=sa.pool.NullPool)
    try:
        inspector = sa.inspect(engine)
        for table in metadata.sorted_tables:
            columns = [c["name"] for c in inspector.get_columns(table.name)]
            assert columns == [c.name for c in table.columns], table.name
        with engine.connect() as connection:
            checkpoint = connection.execute(sa.text("SELECT position FROM engine_checkpoint"))
            assert checkpoint.scalar_one() == 0
    finally:
        engine.dispose()
