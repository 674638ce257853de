"""The SQL store's session: one SQLAlchemy session on an engine, the transaction it holds (a
group's `batch`, else one write at a time), and the ways every statement runs through it (`_read`
with SQLAlchemy; `_fetch` and `_writing` on the driver's cursor, see `monitor.store.driver`), each
turning a database failure into StoreError. The store's topics are written on it (`reports`,
`lookups`, `outbox`, `feeds`, `housekeeping`), and `SqlStore` is all of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from monitor.clock import Clock, utc_now
from monitor.errors import StoreError
from monitor.store.driver import Driver, chunks, marks
from monitor.store.engine import create_store_engine
from monitor.store.migrate import prepare
from monitor.story import StoryCandidate

# The PostgreSQL advisory lock a group is stored under (see `batch`).
INGEST_LOCK = 0x6D6F6E01


class SqlSession:
    """The session every part of `SqlStore` runs its statements in.

    Takes an engine; disposes of it on `close` only if it was created here (`open`). Every
    method raises StoreError when the database fails.
    """

    def __init__(
        self, engine: Engine, *, dry_run: bool = False, clock: Clock = utc_now, _owns_engine=False
    ) -> None:
        self.engine = engine
        self.dry_run = dry_run
        self._clock = clock
        self._owns_engine = _owns_engine
        self._batched = False
        # Report ids reserved for the group being stored (PostgreSQL, inside `batch`).
        self._ids: list[int] = []
        self._session = Session(engine, expire_on_commit=False)
        self._driver = Driver(engine.dialect)
        self._postgres = engine.dialect.name == "postgresql"
        self._leading: Any = None  # the connection holding the dispatch lock (see `Outbox`)
        # Story signatures of originals, decoded (see `Lookups.story_candidates`).
        self._signatures: dict[int, StoryCandidate] = {}
        self.name = engine.url.render_as_string(hide_password=True)
        try:
            prepare(engine, self.name)
        except SQLAlchemyError as e:
            self.close()
            raise StoreError(f"database {self.name}: cannot be opened ({reason(e)})") from e
        except StoreError:
            self.close()
            raise

    @classmethod
    def open(cls, url: str, *, dry_run: bool = False, clock: Clock = utc_now) -> Self:
        return cls(create_store_engine(url), dry_run=dry_run, clock=clock, _owns_engine=True)

    @property
    def shared(self) -> bool:
        """Whether other processes may write to the database at the same time (PostgreSQL
        replicas); SQLite has one writer."""
        return self._postgres

    def close(self) -> None:
        if self._leading is not None:
            self._leading.close()
            self._leading = None
        self._session.rollback()
        self._session.close()
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes inside the block are committed together when it ends, or rolled back together
        when it raises."""
        self._batched = True
        try:
            if self._postgres:
                # One group at a time across every process sharing the database: each decides
                # on what the others committed, so two replicas meeting the same story at once
                # cannot both store it as new, and ids become visible in the order they are
                # given (what the retrieval index's sync assumes). Released at commit.
                self._fetch("SELECT pg_advisory_xact_lock(?)", (INGEST_LOCK,))
            yield
        except BaseException:
            self._rollback()
            raise
        finally:
            self._batched = False
            # Ids left over go unused: the next group's come after any other process's, so
            # ids still become visible in the order they are given.
            self._ids.clear()
        with self._writing():
            pass

    def reserve_ids(self, count: int) -> None:
        """Reserve ids for the next `count` reports the batch adds (PostgreSQL; nothing on
        SQLite): each report's writes then go to the server in one round trip (see `add`)."""
        if not (self._postgres and self._batched) or count <= 0:
            return
        rows = self._fetch(
            "SELECT nextval(pg_get_serial_sequence('reports', 'id')) FROM generate_series(1, ?)",
            (count,),
        )
        self._ids = [int(row[0]) for row in rows]
        self._ids.reverse()

    def _cursor(self) -> Any:
        """A cursor on the driver's connection under the session's transaction."""
        return self._session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    @contextmanager
    def _writing(self) -> Iterator[Any]:
        """One write, given a cursor: committed when the block ends (flushed only, in a dry run;
        left open inside `batch`); on a database error rolled back whole and raised as
        StoreError."""
        try:
            cursor = self._cursor()
            try:
                yield cursor
            finally:
                cursor.close()
            if self.dry_run:
                self._session.flush()
            elif not self._batched:
                self._session.commit()
        except (SQLAlchemyError, self._driver.error) as e:
            raise self._failed("write failed", e) from e
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Roll the transaction back, and forget what was cached of it. A connection the server
        dropped (a restart) cannot roll back: it is thrown away, and the next statement takes a
        new one."""
        self._signatures.clear()
        try:
            self._session.rollback()
        except SQLAlchemyError:
            self._session.invalidate()

    def _failed(self, what: str, error: Exception) -> StoreError:
        """Roll back after `error`; the StoreError to raise, naming the database and `what`
        failed."""
        self._rollback()
        return StoreError(f"database {self.name}: {what} ({reason(error)})")

    def _read(self, statement: Any) -> Any:
        try:
            return self._session.execute(statement)
        except SQLAlchemyError as e:
            raise self._failed("read failed", e) from e

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of one statement of the hot path (see `monitor.store.driver`)."""
        try:
            cursor = self._cursor()
            try:
                cursor.execute(self._driver.sql(sql), params)
                return cursor.fetchall()  # type: ignore[no-any-return]
            finally:
                cursor.close()
        except (SQLAlchemyError, self._driver.error) as e:
            raise self._failed("read failed", e) from e

    def _fetch_in(self, sql: str, values: Sequence[Any], *params: Any) -> list[Any]:
        """`sql` has one `IN ({})` for `values`, cut into pieces, and `params` after it."""
        rows = []
        for piece in chunks(values):
            rows += self._fetch(sql.format(marks(len(piece))), (*piece, *params))
        return rows


def reason(error: Exception) -> str:
    """The first line of what the database said."""
    original = getattr(error, "orig", None)
    lines = str(original or error).splitlines()
    return lines[0] if lines else type(original or error).__name__
