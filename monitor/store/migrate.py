"""The store's schema revisions, with Alembic (`monitor/store/migrations`).

A new database is created at the current revision on first use (its tables made from the models,
then stamped). An existing one must be at the current revision to be opened: otherwise the error
names `monitor db upgrade`, which brings it there, a revision at a time, without losing a row. A
database made before revisions were kept is recognised by its tables and taken as the first
revision.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from monitor.errors import StoreError
from monitor.store.schema import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The tables of the first revision: a database holding them and no revision is at it.
FIRST_REVISION = "0001"
FIRST_TABLES = {"reports", "dedup_keys", "story_keys", "tags", "report_entities", "alerts"}
MIGRATE_LOCK = 0x6D6F6E00  # a PostgreSQL advisory lock key
UPGRADE_HINT = "run `monitor db upgrade` (with the same --config or --db) to bring it up to date"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The revision this monitor needs."""
    revision = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    """The database's revision: None when it has no tables of monitor's at all; FIRST_REVISION
    for a database made before revisions were kept."""
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is not None:
        return revision
    tables = set(inspect(connection).get_table_names())
    if FIRST_TABLES <= tables:
        return FIRST_REVISION
    if tables & FIRST_TABLES:
        raise StoreError(
            f"has only some of monitor's tables ({', '.join(sorted(tables & FIRST_TABLES))}) "
            "and no schema revision; it is not a database monitor can use"
        )
    return None


def prepare(engine: Engine, name: str) -> None:
    """Make a new database at the current revision; refuse an out-of-date one.

    Raises StoreError naming the database and `monitor db upgrade`."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together on an empty database: one makes it, the others wait.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK})")
        try:
            found = current(connection)
        except StoreError as e:
            raise StoreError(f"database {name} {e}") from None
        if found is None:
            Base.metadata.create_all(connection)
            command.stamp(_config(connection), head())
            return
    if found != head():
        raise StoreError(
            f"database {name} is at schema revision {found}, this monitor needs {head()}: "
            + UPGRADE_HINT
        )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the current revision (creating it if it is empty): the revisions
    before and after."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK})")
        before = current(connection)
        config = _config(connection)
        if before is None:
            Base.metadata.create_all(connection)
            command.stamp(config, head())
            return None, head()
        if MigrationContext.configure(connection).get_current_revision() is None:
            command.stamp(config, before)  # made before revisions were kept
        command.upgrade(config, "head")
    return before, head()
