"""The database's schema: `db current` (its revision and the one needed) and `db upgrade`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from monitor.cli import _err, cli, config_options
from monitor.config import load_settings
from monitor.errors import StoreError
from monitor.store import migrate
from monitor.store.sql import create_store_engine


@cli.group("db")
def db_group() -> None:
    """The database's schema revision."""


@db_group.command("current")
@config_options
def current_command(config_file: Path | None, db_url: str | None) -> None:
    """Say the database's schema revision and the one this monitor needs; exit 1 if they differ."""
    url = load_settings(config_file, db_url=db_url).settings.database_url
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            found = migrate.current(connection)
    except SQLAlchemyError as e:
        raise StoreError(f"database {engine.url!r}: cannot be read ({e.__class__.__name__})") from e
    finally:
        engine.dispose()
    click.echo(f"{found or 'empty'} (this monitor needs {migrate.head()})")
    if found not in (None, migrate.head()):
        _err("out of date: run `monitor db upgrade`")
        sys.exit(1)


@db_group.command("upgrade")
@config_options
def upgrade_command(config_file: Path | None, db_url: str | None) -> None:
    """Bring the database's schema to the revision this monitor needs, keeping every row."""
    url = load_settings(config_file, db_url=db_url).settings.database_url
    engine = create_store_engine(url)
    try:
        before, after = migrate.upgrade(engine)
    except SQLAlchemyError as e:
        raise StoreError(f"database upgrade failed ({str(e).splitlines()[0]})") from e
    finally:
        engine.dispose()
    if before == after:
        _err(f"already at revision {after}")
    else:
        _err(f"upgraded from {before or 'empty'} to {after}")
