"""Alembic environment: migrate the database named in the config with our durable engine."""

from __future__ import annotations

from alembic import context

from openoms.adapters.sql.database import create_engine_for
from openoms.adapters.sql.schema import metadata

url = context.config.get_main_option("sqlalchemy.url")
assert url is not None
engine = create_engine_for(url)
try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
