"""SQL storage: schema, Alembic migrations, engines and the writer lock, the journal store."""
