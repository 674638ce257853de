"""The engine a store runs on: SQLite (the default, in WAL mode) or any other database URL, a bare
`postgresql://` one given the psycopg 3 driver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from monitor.errors import StoreError

SQLITE_BUSY_TIMEOUT_S = 30
# SQLite's page cache. Its default (2 MB) holds too little of the indexes that each report
# looks up and extends at random places (content hash, canonical URL, guid), and every miss is
# a read from the operating system.
SQLITE_CACHE_KIB = 32 * 1024


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def create_store_engine(url: str) -> Engine:
    """An engine for `url`. SQLite files get their folder created and WAL mode; a bare
    `postgresql://` URL is given the psycopg 3 driver. Raises StoreError for a bad URL."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StoreError(f"database URL '{url}' is not a valid SQLAlchemy URL") from e
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # How long SQLite waits for another connection's write lock: `?timeout=SECONDS` in the URL,
    # else SQLITE_BUSY_TIMEOUT_S (given here, it would override the URL's).
    connect_args = (
        {"timeout": SQLITE_BUSY_TIMEOUT_S} if is_sqlite and "timeout" not in parsed.query else {}
    )
    try:
        # A server's connections are tested as they are taken from the pool, so that those a
        # restart dropped are replaced instead of failing the next statement.
        engine = create_engine(parsed, connect_args=connect_args, pool_pre_ping=not is_sqlite)
    except (ArgumentError, ImportError, SQLAlchemyError) as e:
        raise StoreError(f"database URL '{_safe(url)}': {e}") from e
    if is_sqlite:
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable URL>"
