"""The store's hot path, run as plain SQL on the database driver's own connection.

Each report takes about a dozen statements. Built and executed through SQLAlchemy, every one of
them cost 0.1-0.2 ms of Python before the database saw it, several times what SQLite itself
spends; the driver's cursor costs a few microseconds. The statements here are the ones every
report runs (exact keys, retrieval keys, story look-ups, the report's rows, the outbox); the rest
of the store keeps SQLAlchemy.

The SQL is written once, with `?` placeholders, in the subset SQLite and PostgreSQL share, and
values go through the column types' own SQLAlchemy processors, so what is written here reads back
through SQLAlchemy as if SQLAlchemy had written it, on either database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Dialect

from monitor.store.schema import UTCDateTime

# Lists bound into `IN (...)` are cut into pieces of this many, under every database's limit
# on the number of parameters in one statement.
IN_CHUNK = 500
NAME_LISTS_KEPT = 10_000


def _identity(value: Any) -> Any:
    return value


class Driver:
    """What a dialect needs to run our SQL text: its placeholder, its error class, and the value
    processors of the column types that are not plain numbers and strings."""

    def __init__(self, dialect: Dialect) -> None:
        self.qmark = dialect.paramstyle == "qmark"
        self.error: type[Exception] = dialect.loaded_dbapi.Error
        stamp = UTCDateTime().dialect_impl(dialect)
        self._time_in = stamp.bind_processor(dialect) or _identity
        self._time_out = stamp.result_processor(dialect, None) or _identity
        self._json_in = JSON().dialect_impl(dialect).bind_processor(dialect) or _identity
        self._quote = dialect.identifier_preparer.quote
        self._texts: dict[str, str] = {}
        self._names: dict[tuple[str, ...], Any] = {}
        self._inserts: dict[tuple[str, ...], str] = {}

    def sql(self, text: str) -> str:
        """`text` with the dialect's placeholder for each `?`."""
        found = self._texts.get(text)
        if found is None:
            found = self._texts[text] = text if self.qmark else text.replace("?", "%s")
        return found

    def insert(self, table: str, columns: Sequence[str], returning: str | None = None) -> str:
        """An INSERT of one row of `columns` into `table` (names quoted where the database
        reserves them, such as `end`), optionally returning a column."""
        names = ", ".join(self._quote(c) for c in columns)
        text = f"INSERT INTO {table} ({names}) VALUES ({marks(len(columns))})"
        return self.sql(text + (f" RETURNING {returning}" if returning else ""))

    def insert_many(self, table: str, rows: Sequence[dict[str, Any]]) -> tuple[str, Any]:
        """PostgreSQL: an INSERT of `rows` (dicts with the same keys, of JSON values) into
        `table` in one statement with one parameter, the rows as JSON. Its text depends only on
        the columns, so it is planned once; a statement of one parameter per value cost more to
        build on this side than the server spent on it."""
        columns = tuple(rows[0])
        key = (table, *columns)
        text = self._inserts.get(key)
        if text is None:
            names = ", ".join(self._quote(c) for c in columns)
            text = self._inserts[key] = (
                f"INSERT INTO {table} ({names}) SELECT {names}"
                f" FROM json_populate_recordset(NULL::{table}, %s)"
            )
        return text, (json.dumps(rows, ensure_ascii=False),)

    def time_in(self, value: datetime | None) -> Any:
        return self._time_in(value)

    def time_out(self, value: Any) -> datetime | None:
        return self._time_out(value)

    def json_in(self, value: Any) -> Any:
        """A value for a JSON column; None stays NULL (SQLAlchemy's JSON would write `null`)."""
        return None if value is None else self._json_in(value)

    def names_in(self, names: Sequence[str]) -> Any:
        """A short list of names (a tag's parents) as a JSON column takes it; the same few
        lists come back all the time, so each is encoded once."""
        key = tuple(names)
        found = self._names.get(key)
        if found is None:
            if len(self._names) >= NAME_LISTS_KEPT:
                self._names.clear()
            found = self._names[key] = self._json_in(list(key))
        return found


def marks(count: int) -> str:
    """`?, ?, ...` for an IN list of `count` values."""
    return ", ".join("?" * count)


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
