"""Alembic's environment: run on the connection `monitor.store.migrate` hands over (never on a URL
from a file), with batch mode so that SQLite can alter tables."""

from alembic import context

from monitor.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
