"""The database: `db current` (its schema revision and the one needed), `db upgrade` (to that
revision, then reading what reports stored before it lack) and `db retag` (reading stored reports
again with the watchlist as it is now)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from monitor.assembly import tagger_of
from monitor.cli.options import NoProgress, config_options, err
from monitor.config import LoadedSettings, load_settings
from monitor.errors import StoreError
from monitor.retag import RetagSummary, retag
from monitor.store import SqlStore, create_store_engine, migrate
from monitor.tag import Tagger

# Show a progress bar when at least this many reports are to be read and stderr is a terminal.
PROGRESS_MIN_REPORTS = 2_000


@click.group("db")
def db_group() -> None:
    """The database's schema revision, and what its reports were read for."""


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
        err("out of date: run `monitor db upgrade`")
        sys.exit(1)


@db_group.command("upgrade")
@config_options
def upgrade_command(config_file: Path | None, db_url: str | None) -> None:
    """Bring the database's schema to the revision this monitor needs, keeping every row; then
    read the reports stored before it (with the configured watchlist and feeds) for whether
    each is about Libya, where it happened and what happened, with their tags read again.

    A report that cannot be read is named, keeps what it had, and makes the exit code 1; running
    the upgrade again (or `monitor db retag`) reads it then."""
    loaded = load_settings(config_file, db_url=db_url)
    # The watchlist is read first: a mistake in it stops the upgrade before it begins.
    tagger = tagger_of(loaded)
    url = loaded.settings.database_url
    engine = create_store_engine(url)
    try:
        before, after = migrate.upgrade(engine)
    except SQLAlchemyError as e:
        raise StoreError(f"database upgrade failed ({str(e).splitlines()[0]})") from e
    finally:
        engine.dispose()
    if before == after:
        err(f"already at revision {after}")
    else:
        err(f"upgraded from {before or 'empty'} to {after}")
    summary = _read_again(loaded, tagger, every=False)
    if summary is not None and summary.failed:
        sys.exit(1)


@db_group.command("retag")
@config_options
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Every stored report, not only those not yet read (after a watchlist or scope edit).",
)
def retag_command(config_file: Path | None, db_url: str | None, every: bool) -> None:
    """Read stored reports again with the configured watchlist: their tags, whether each is
    about Libya, where it happened and what happened. Only the reports not yet read for these,
    unless --all.

    A report's scope is its feed's (`scope` of the [[feeds]] entry named as its source), else
    the one it was last read in, else general. Nothing else of a report changes (its verdict,
    story, alerts). A report that cannot be read is named, keeps what it had, and makes the
    exit code 1."""
    loaded = load_settings(config_file, db_url=db_url)
    tagger = tagger_of(loaded)
    summary = _read_again(loaded, tagger, every=every)
    if summary is None:
        err("no stored report is missing relevance, place or event; --all reads every one again")
    elif summary.failed:
        sys.exit(1)


def _read_again(loaded: LoadedSettings, tagger: Tagger, *, every: bool) -> RetagSummary | None:
    """Read the stored reports (those not yet read, or `every` one) again and say how many were
    read; None, and nothing said, when there was none to read."""
    settings = loaded.settings
    scopes = {f.name: f.scope for f in settings.feeds}

    def on_error(report_id: int, reason: str) -> None:
        err(f"error: report {report_id}: cannot be read ({reason}); it keeps what it had")

    with SqlStore.open(settings.database_url) as store:
        total = store.count_unread(every=every)
        if not total:
            return None
        show_progress = sys.stderr.isatty() and total >= PROGRESS_MIN_REPORTS
        with (
            click.progressbar(length=total, label="reading stored reports", file=sys.stderr)
            if show_progress
            else NoProgress() as bar
        ):
            summary = retag(
                store, tagger.read, scopes, every=every, on_error=on_error, on_batch=bar.update
            )
    err(summary.line())
    return summary
