"""The SQL store: SQLAlchemy 2.x over SQLite (the default, in WAL mode) or any other database URL.

Each `add` is one transaction: the report, its tags, the entities it concerns and its alerts are
committed together or not at all, so an acknowledged report is never half-written and an alert
is never lost between the report and the outbox. A dry run flushes instead of committing and
rolls everything back on close.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    bindparam,
    create_engine,
    delete,
    event,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from monitor.clock import Clock, utc_now
from monitor.dedup import ExactMatch, Fingerprint, Identity
from monitor.errors import StoreError
from monitor.model import (
    AlertIntent,
    AlertStatus,
    FeedState,
    Place,
    Reading,
    Relevance,
    Report,
    Scope,
    Status,
    StoredAlert,
    StoredReport,
    Tag,
    TagKind,
    Verdict,
)
from monitor.store.driver import Driver, chunks, marks
from monitor.store.migrate import prepare
from monitor.store.rows import (
    child_rows,
    decode_signature,
    reading_values,
    report_of,
    report_values,
    stored_report,
    tag_of,
    tag_rows,
)
from monitor.store.schema import (
    AlertRow,
    Base,
    DedupKeyRow,
    FeedRow,
    ReportEntityRow,
    ReportRow,
    StoryKeyRow,
    TagRow,
)
from monitor.story import Signature, StoryCandidate

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_S = 30
# SQLite's page cache. Its default (2 MB) holds too little of the indexes that each report
# looks up and extends at random places (content hash, canonical URL, guid), and every miss is
# a read from the operating system.
SQLITE_CACHE_KIB = 32 * 1024
# Story signatures of originals kept decoded in memory (a few hundred bytes each): a story
# look-up reads a hundred of them, and they never change once stored.
SIGNATURES_KEPT = 100_000
# Identities looked up in one statement (each binds up to four values).
EXACT_CHUNK = 100
# PostgreSQL advisory lock keys: ingesting a group (see `batch`), sending the outbox.
INGEST_LOCK = 0x6D6F6E01
DISPATCH_LOCK = 0x6D6F6E02


@dataclass(frozen=True, kw_only=True, slots=True)
class Added:
    """What `add` stored: the report's id and its alerts' ids."""

    report_id: int
    story_id: int
    alert_ids: tuple[int, ...]


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


class SqlStore:
    """Reports, tags, dedup relations and the alert outbox in one SQL database.

    Takes an engine; disposes of it on `close` only if it was created here (`SqlStore.open`).
    Every method raises StoreError when the database fails.
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
        self._leading: Any = None  # the connection holding the dispatch lock
        self._signatures: dict[int, StoryCandidate] = {}
        self.name = engine.url.render_as_string(hide_password=True)
        try:
            prepare(engine, self.name)
        except SQLAlchemyError as e:
            self.close()
            raise StoreError(f"database {self.name}: cannot be opened ({_reason(e)})") from e
        except StoreError:
            self.close()
            raise

    @classmethod
    def open(cls, url: str, *, dry_run: bool = False, clock: Clock = utc_now) -> SqlStore:
        return cls(create_store_engine(url), dry_run=dry_run, clock=clock, _owns_engine=True)

    @property
    def shared(self) -> bool:
        """Whether other processes may write to the database at the same time (PostgreSQL
        replicas); SQLite has one writer."""
        return self._postgres

    def lead_dispatch(self) -> bool:
        """Whether this store's process is the one that sends the outbox: always on SQLite (one
        writer); on PostgreSQL the holder of an advisory lock, kept on a connection of its own
        until `close` (or until the process dies, when another replica takes it)."""
        if not self._postgres:
            return True
        if self._leading is not None and not self._still_leading():
            # The connection holding the lock died (a server restart, a dropped connection):
            # the lock went with it and another replica may hold it now.
            log.warning("database %s: the outbox lock was lost; taking it again", self.name)
            try:
                self._leading.close()
            except SQLAlchemyError:
                pass
            self._leading = None
        if self._leading is None:
            try:
                connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                got = connection.exec_driver_sql(
                    f"SELECT pg_try_advisory_lock({DISPATCH_LOCK})"
                ).scalar()
            except SQLAlchemyError as e:
                raise StoreError(f"database {self.name}: {_reason(e)}") from e
            if got:
                self._leading = connection
            else:
                connection.close()
        return self._leading is not None

    def _still_leading(self) -> bool:
        try:
            held = self._leading.exec_driver_sql(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0"
                f" AND objid = {DISPATCH_LOCK} AND pid = pg_backend_pid()"
            ).first()
        except SQLAlchemyError:
            return False
        return held is not None

    def close(self) -> None:
        if self._leading is not None:
            self._leading.close()
            self._leading = None
        self._session.rollback()
        self._session.close()
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> SqlStore:
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
            self._rollback()
            raise StoreError(f"database {self.name}: write failed ({_reason(e)})") from e
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

    def _read(self, statement: Any) -> Any:
        try:
            return self._session.execute(statement)
        except SQLAlchemyError as e:
            self._rollback()
            raise StoreError(f"database {self.name}: read failed ({_reason(e)})") from e

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
            self._rollback()
            raise StoreError(f"database {self.name}: read failed ({_reason(e)})") from e

    def _fetch_in(self, sql: str, values: Sequence[Any], *params: Any) -> list[Any]:
        """`sql` has one `IN ({})` for `values`, cut into pieces, and `params` after it."""
        rows = []
        for piece in chunks(values):
            rows += self._fetch(sql.format(marks(len(piece))), (*piece, *params))
        return rows

    # --- dedup ---------------------------------------------------------------------------------

    def find_exact(self, fp: Identity) -> ExactMatch | None:
        """The stored report that is the same item as `fp`: the same guid within its source,
        else the same canonical URL, else the same content hash; the oldest of each."""
        return self.find_exact_many([fp])[0]

    def find_exact_many(self, fps: Sequence[Identity]) -> list[ExactMatch | None]:
        """`find_exact` for each of `fps`, read in one statement (a few for many)."""
        rows: list[Any] = []
        for piece in chunks(fps, EXACT_CHUNK):
            conditions = [f"content_hash IN ({marks(len(piece))})"]
            params: list[Any] = [fp.content_hash for fp in piece]
            urls = [fp.canonical_url for fp in piece if fp.canonical_url]
            if urls:
                conditions.append(f"canonical_url IN ({marks(len(urls))})")
                params += urls
            for fp in piece:
                if fp.guid:
                    conditions.append("(source = ? AND guid = ?)")
                    params += [fp.source, fp.guid]
            rows += self._fetch(
                "SELECT id, source, guid, canonical_url, content_hash, duplicate_of, story_id"
                f" FROM reports WHERE {' OR '.join(conditions)}",
                params,
            )
        rows.sort(key=lambda r: r[0])
        return [exact_match(fp, rows) for fp in fps]

    def window_start(self, since: datetime) -> int:
        """The lowest report id stored at or after `since` (ids grow with storing time); one past
        the highest id when nothing is that recent."""
        # The first by storing time, found through its index: min(id) over the same rows made
        # SQLite walk the table from its first row (1.2 s at 1,000,000 stored).
        found = self._read(
            select(ReportRow.id)
            .where(ReportRow.stored_at >= since)
            .order_by(ReportRow.stored_at, ReportRow.id)
            .limit(1)
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
        last = self._read(select(func.max(ReportRow.id))).scalar_one_or_none()
        return int(last or 0) + 1

    def filed_keys(self, *, after_id: int, limit: int) -> list[tuple[int, bytes]]:
        """(id, retrieval keys) of the first `limit` originals with ids above `after_id`, in id
        order (see `monitor.dedup.index`)."""
        return self._fetch(
            "SELECT report_id, keys FROM dedup_keys WHERE report_id > ? ORDER BY report_id LIMIT ?",
            (after_id, limit),
        )

    def originals_text(self, report_ids: Sequence[int]) -> list[tuple[int, str, str, int | None]]:
        """(id, source, text, story_id) of the given reports, in the order asked."""
        rows = self._fetch_in(
            "SELECT id, source, text, story_id FROM reports WHERE id IN ({})", report_ids
        )
        found = {row[0]: tuple(row) for row in rows}
        return [found[i] for i in report_ids if i in found]

    def recent_texts(self, source: str, limit: int) -> list[str]:
        """The texts of the last `limit` originals of `source`, newest first."""
        rows = self._read(
            select(ReportRow.text)
            .where(ReportRow.source == source, ReportRow.status == Status.NEW.value)
            .order_by(ReportRow.id.desc())
            .limit(limit)
        )
        return list(rows.scalars())

    def story_candidates(
        self, keys: Sequence[str], *, first_day: int, last_day: int, limit: int
    ) -> list[StoryCandidate]:
        """The most recent `limit` originals filed under any of `keys` between the two days."""
        if not keys:
            return []
        ids = [
            row[0]
            for row in self._fetch(
                "SELECT DISTINCT report_id FROM story_keys"
                f" WHERE key IN ({marks(len(keys))}) AND day BETWEEN ? AND ?"
                " ORDER BY report_id DESC LIMIT ?",
                (*keys, first_day, last_day, limit),
            )
        ]
        known = self._signatures
        missing = [i for i in ids if i not in known]
        if missing:
            if len(known) + len(missing) > SIGNATURES_KEPT:
                known.clear()
            for report_id, story_id, sig in self._fetch_in(
                "SELECT id, story_id, story_sig FROM reports WHERE id IN ({})", missing
            ):
                known[report_id] = _story_candidate(report_id, story_id, sig)
        return [known[i] for i in ids if i in known]

    # --- writing -------------------------------------------------------------------------------

    def add(
        self,
        *,
        report: Report,
        fingerprint: Fingerprint,
        verdict: Verdict,
        tags: Sequence[Tag],
        alerts: Sequence[AlertIntent],
        input_ref: str | None = None,
        keys: Sequence[int] = (),
        signature: Signature | None = None,
        story_id: int | None = None,
        relevance: Relevance | None = None,
        place: Place | None = None,
    ) -> Added:
        """Store a report with its verdict, tags, alerts, whether it is about Libya and where it
        happened and, for an original, its retrieval `keys` and story `signature`, in one
        transaction. `story_id` None opens a story whose id is the report's own."""
        now = self._clock()
        driver = self._driver
        values = report_values(
            report=report,
            fingerprint=fingerprint,
            verdict=verdict,
            input_ref=input_ref,
            keys=keys,
            signature=signature,
            story_id=story_id,
            stored_at=now,
            relevance=relevance,
            place=place,
        )
        for column in ("published", "fetched_at", "stored_at"):
            values[column] = driver.time_in(values[column])
        for column in ("relevance", "place"):
            values[column] = driver.json_in(values[column])
        with self._writing() as cursor:
            connection = cursor.connection
            # On PostgreSQL inside a batch, the report's id is one reserved for the group (see
            # `reserve_ids`), so that all its writes go to the server in one round trip
            # (psycopg's pipeline mode), each table's rows in one statement: a report writes to
            # five tables, and each statement waiting for its answer cost more than the
            # statement itself.
            reserved = self._ids.pop() if self._ids else None
            if reserved is None:
                cursor.execute(
                    driver.insert("reports", list(values), returning="id"),
                    tuple(values.values()),
                )
                report_id = int(cursor.fetchone()[0])
            else:
                report_id = reserved
            opens_story = story_id is None
            if story_id is None:
                story_id = values["story_id"] = report_id
            alert_cursors = []
            with connection.pipeline() if self._postgres else nullcontext():
                if reserved is not None:
                    cursor.execute(
                        driver.insert("reports", ["id", *values]),
                        (report_id, *values.values()),
                    )
                elif opens_story:
                    cursor.execute(
                        driver.sql("UPDATE reports SET story_id = ? WHERE id = ?"),
                        (report_id, report_id),
                    )
                for table, rows in child_rows(
                    report_id, verdict=verdict, tags=tags, keys=keys, signature=signature
                ).items():
                    if not rows:
                        continue
                    if self._postgres and table is not DedupKeyRow:
                        cursor.execute(*driver.insert_many(table.__tablename__, rows))
                    else:
                        if table is TagRow:
                            for row in rows:
                                row["parents"] = driver.names_in(row["parents"])
                        cursor.executemany(
                            driver.insert(table.__tablename__, list(rows[0])),
                            [tuple(row.values()) for row in rows],
                        )
                for a in alerts:
                    alert_cursor = connection.cursor()
                    alert_cursor.execute(
                        driver.sql(
                            "INSERT INTO alerts (report_id, channel, rule, status, created_at,"
                            " attempts) VALUES (?, ?, ?, ?, ?, 0) RETURNING id"
                        ),
                        (
                            report_id,
                            a.channel,
                            a.rule,
                            AlertStatus.PENDING.value,
                            driver.time_in(now),
                        ),
                    )
                    alert_cursors.append(alert_cursor)
            alert_ids = []
            for alert_cursor in alert_cursors:
                alert_ids.append(int(alert_cursor.fetchone()[0]))
                alert_cursor.close()
        if values["story_sig"] is not None:
            self._signatures[report_id] = _story_candidate(report_id, story_id, values["story_sig"])
        return Added(report_id=report_id, story_id=story_id, alert_ids=tuple(alert_ids))

    # --- reading -------------------------------------------------------------------------------

    def get(self, report_id: int) -> StoredReport | None:
        row = self._read(select(ReportRow.__table__).where(ReportRow.id == report_id)).one_or_none()
        if row is None:
            return None
        tags = self._read(
            select(TagRow.__table__).where(TagRow.report_id == report_id).order_by(TagRow.id)
        )
        return stored_report(row, [tag_of(t) for t in tags])

    def query(
        self,
        *,
        actor: str | None = None,
        place: str | None = None,
        since: datetime | None = None,
        status: Status | None = None,
        relevant: bool | None = None,
        limit: int | None = None,
    ) -> list[StoredReport]:
        """Stored reports, newest first. `actor` and `place` match an entity named in the report
        or any entity it belongs to; `since` compares the published time, else the fetch time.
        `relevant` True keeps the reports about Libya and those not yet read for it (see
        `monitor db retag`), False those that are not about Libya; None keeps every one."""
        # Rows read before are read again: `save_readings` (here or in another process) may
        # have changed their tags and columns since.
        statement = (
            select(ReportRow)
            .options(selectinload(ReportRow.tags))
            .execution_options(populate_existing=True)
        )
        for entity_id, kind in ((actor, TagKind.ACTOR), (place, TagKind.PLACE)):
            if entity_id:
                statement = statement.where(
                    ReportRow.id.in_(
                        select(ReportEntityRow.report_id).where(
                            ReportEntityRow.entity_id == entity_id,
                            ReportEntityRow.kind == kind.value,
                        )
                    )
                )
        if since is not None:
            statement = statement.where(
                func.coalesce(ReportRow.published, ReportRow.fetched_at) >= since
            )
        if status is not None:
            statement = statement.where(ReportRow.status == status.value)
        if relevant is True:
            statement = statement.where(
                or_(ReportRow.relevant == true(), ReportRow.relevant.is_(None))
            )
        elif relevant is False:
            statement = statement.where(ReportRow.relevant == false())
        statement = statement.order_by(ReportRow.id.desc())
        if limit is not None:
            statement = statement.limit(limit)
        return [
            stored_report(r, [tag_of(t) for t in r.tags]) for r in self._read(statement).scalars()
        ]

    def count(self) -> int:
        return int(self._read(select(func.count(ReportRow.id))).scalar_one())

    def alerts_with_status(self, status: AlertStatus) -> int:
        return int(
            self._read(
                select(func.count(AlertRow.id)).where(AlertRow.status == status.value)
            ).scalar_one()
        )

    # --- reading reports again -----------------------------------------------------------------

    def count_unread(self, *, every: bool = False) -> int:
        """How many stored reports have not been read for relevance and place (or, with `every`,
        how many are stored)."""
        statement = select(func.count(ReportRow.id))
        if not every:
            statement = statement.where(ReportRow.relevant.is_(None))
        return int(self._read(statement).scalar_one())

    def unread(
        self, *, after_id: int, limit: int, every: bool = False
    ) -> list[tuple[int, Report, Scope | None]]:
        """The first `limit` stored reports with ids above `after_id`, in id order, that have not
        been read for relevance and place (or, with `every`, all of them): each its id, the
        report, and the scope it was last read in (None if never)."""
        table = ReportRow.__table__.c
        statement = select(
            table.id,
            table.source,
            table.url,
            table.guid,
            table.title,
            table.text,
            table.published,
            table.fetched_at,
            table.relevance,
        ).where(table.id > after_id)
        if not every:
            statement = statement.where(table.relevant.is_(None))
        found = []
        for row in self._read(statement.order_by(table.id).limit(limit)):
            found.append((row.id, report_of(row), (row.relevance or {}).get("scope")))
        return found

    def save_readings(self, readings: Sequence[tuple[int, Reading]]) -> None:
        """Give each report (by id) its reading in place of what it had: its tags and the
        entities it concerns, whether it is about Libya and where it happened. One
        transaction; what else the report holds (its verdict, story, keys, alerts) stays."""
        if not readings:
            return
        ids = [report_id for report_id, _ in readings]
        tags: list[dict[str, Any]] = []
        entities: list[dict[str, Any]] = []
        for report_id, reading in readings:
            rows = tag_rows(report_id, reading.tags)
            tags += rows[TagRow]
            entities += rows[ReportEntityRow]
        tables = Base.metadata.tables
        reports = tables[ReportRow.__tablename__]
        # Bound under names of their own: SQLAlchemy keeps the columns' names for itself.
        values = [
            {f"new_{k}": v for k, v in reading_values(r.relevance, r.place).items()}
            | {"report": report_id}
            for report_id, r in readings
        ]
        with self._writing():
            for piece in chunks(ids):
                for table in (tables[TagRow.__tablename__], tables[ReportEntityRow.__tablename__]):
                    self._session.execute(delete(table).where(table.c.report_id.in_(piece)))
            if tags:
                self._session.execute(insert(tables[TagRow.__tablename__]), tags)
            if entities:
                self._session.execute(insert(tables[ReportEntityRow.__tablename__]), entities)
            self._session.execute(
                update(reports)
                .where(reports.c.id == bindparam("report"))
                .values(
                    {
                        k: bindparam(f"new_{k}")
                        for k in ("relevant", "relevance", "place", "place_id")
                    }
                ),
                values,
            )

    # --- the outbox ----------------------------------------------------------------------------

    def _alerts(self, where: str, params: Sequence[Any]) -> list[StoredAlert]:
        time_out = self._driver.time_out
        return [
            StoredAlert(
                id=row[0],
                report_id=row[1],
                channel=row[2],
                rule=row[3],
                status=AlertStatus(row[4]),
                created_at=time_out(row[5]),  # type: ignore[arg-type]
                sent_at=time_out(row[6]),
                error=row[7],
                attempts=row[8],
                ts=row[9],
                thread_ts=row[10],
                channel_id=row[11],
                claimed_at=time_out(row[12]),
            )
            for row in self._fetch(
                "SELECT id, report_id, channel, rule, status, created_at, sent_at, error,"
                f" attempts, ts, thread_ts, channel_id, claimed_at FROM alerts WHERE {where}",
                params,
            )
        ]

    def pending_alerts(self, limit: int | None = None) -> list[StoredAlert]:
        """Alerts not yet delivered, oldest first."""
        if limit is None:
            return self._alerts("status = ? ORDER BY id", (AlertStatus.PENDING.value,))
        return self._alerts("status = ? ORDER BY id LIMIT ?", (AlertStatus.PENDING.value, limit))

    def alerts_of(self, report_id: int) -> list[StoredAlert]:
        return self._alerts("report_id = ? ORDER BY id", (report_id,))

    def alerts_of_reports(self, report_ids: Sequence[int]) -> dict[int, list[StoredAlert]]:
        """The alerts of each of the given reports (those with any), in order."""
        found: dict[int, list[StoredAlert]] = {}
        for piece in chunks(report_ids):
            for alert in self._alerts(f"report_id IN ({marks(len(piece))}) ORDER BY id", piece):
                found.setdefault(alert.report_id, []).append(alert)
        return found

    def mark_alert(
        self,
        alert_id: int,
        status: AlertStatus,
        *,
        error: str | None = None,
        ts: str | None = None,
        thread_ts: str | None = None,
        channel_id: str | None = None,
    ) -> None:
        """Record a delivery attempt's outcome (and, once sent, where the message is). SENDING
        records the hand-over to the notifier (its time), committed before the message goes."""
        now = self._driver.time_in(self._clock())
        sent_at = now if status is AlertStatus.SENT else None
        claimed_at = now if status is AlertStatus.SENDING else None
        tried = 0 if status is AlertStatus.SENDING else 1
        with self._writing() as cursor:
            cursor.execute(
                self._driver.sql(
                    "UPDATE alerts SET status = ?, attempts = attempts + ?, error = ?,"
                    " sent_at = COALESCE(?, sent_at), ts = COALESCE(?, ts),"
                    " thread_ts = COALESCE(?, thread_ts), channel_id = COALESCE(?, channel_id),"
                    " claimed_at = COALESCE(?, claimed_at) WHERE id = ?"
                ),
                (
                    status.value,
                    tried,
                    error,
                    sent_at,
                    ts,
                    thread_ts,
                    channel_id,
                    claimed_at,
                    alert_id,
                ),
            )
            if cursor.rowcount != 1:
                raise StoreError(f"database {self.name}: no alert {alert_id}")

    def handed_over_alerts(self) -> list[StoredAlert]:
        """Alerts handed to a notifier whose outcome was never recorded, oldest first."""
        return self._alerts("status = ? ORDER BY id", (AlertStatus.SENDING.value,))

    def channel_id_of(self, channel: str) -> str | None:
        """The id Slack gave `channel` when a message last went there."""
        rows = self._fetch(
            "SELECT channel_id FROM alerts WHERE channel = ? AND channel_id IS NOT NULL"
            " ORDER BY id DESC LIMIT 1",
            (channel,),
        )
        return str(rows[0][0]) if rows else None

    def thread_of(self, story_id: int, channel: str, before_alert: int) -> str | None:
        """The `ts` of the message that opened story `story_id` in `channel`: its first alert
        there that was sent as a message of its own (not a reply), earlier than `before_alert`."""
        rows = self._fetch(
            "SELECT a.ts FROM alerts a JOIN reports r ON r.id = a.report_id"
            " WHERE r.story_id = ? AND a.channel = ? AND a.status = ? AND a.ts IS NOT NULL"
            " AND a.thread_ts IS NULL AND a.id < ? ORDER BY a.id LIMIT 1",
            (story_id, channel, AlertStatus.SENT.value, before_alert),
        )
        return str(rows[0][0]) if rows else None

    def recent_alerts(
        self, *, status: AlertStatus | None = None, limit: int = 50
    ) -> list[StoredAlert]:
        """The latest alerts, newest first."""
        if status is None:
            return self._alerts("1 = 1 ORDER BY id DESC LIMIT ?", (limit,))
        return self._alerts("status = ? ORDER BY id DESC LIMIT ?", (status.value, limit))

    def requeue_failed(self, alert_ids: Sequence[int] = ()) -> int:
        """Put failed alerts (all, or those named) back in the queue; how many were."""
        sql = "UPDATE alerts SET status = ?, error = NULL WHERE status = ?"
        params: list[Any] = [AlertStatus.PENDING.value, AlertStatus.FAILED.value]
        if alert_ids:
            sql += f" AND id IN ({marks(len(alert_ids))})"
            params += list(alert_ids)
        with self._writing() as cursor:
            cursor.execute(self._driver.sql(sql), params)
            return int(cursor.rowcount)

    # --- feeds ---------------------------------------------------------------------------------

    def feed_states(self) -> dict[str, FeedState]:
        """Every stored feed state, by feed name."""
        rows = self._read(select(FeedRow.__table__)).mappings()
        return {row["name"]: _feed_state(row) for row in rows}

    def claim_feed(
        self, *, name: str, url: str, owner: str, now: datetime, lease_s: float, force: bool
    ) -> Claim:
        """Claim feed `name` for a poll by `owner` until `now + lease_s`: granted when no other
        replica holds an unexpired claim and the feed is due (or its URL changed, or `force`).
        Committed at once, so that every replica sees it. Returns the claim and the feed's
        state as stored."""
        until = now + timedelta(seconds=lease_s)
        due = or_(
            FeedRow.next_poll_at.is_(None),
            FeedRow.next_poll_at <= now,
            FeedRow.url != url,
            literal(force),
        )
        free = or_(
            FeedRow.lease_until.is_(None), FeedRow.lease_until < now, FeedRow.lease_owner == owner
        )
        try:
            self._session.execute(
                _insert_ignoring(self.engine.dialect.name, FeedRow, name=name, url=url)
            )
            granted = self._session.execute(
                update(FeedRow)
                .where(FeedRow.name == name, free, due)
                .values(lease_owner=owner, lease_until=until)
            ).rowcount  # type: ignore[attr-defined]
            row = (
                self._session.execute(select(FeedRow.__table__).where(FeedRow.name == name))
                .mappings()
                .one()
            )
            self._session.commit()
        except SQLAlchemyError as e:
            self._rollback()
            raise StoreError(
                f"database {self.name}: cannot claim feed '{name}' ({_reason(e)})"
            ) from e
        return Claim(
            granted=granted == 1,
            state=_feed_state(row),
            held_until=None if granted == 1 else row["lease_until"],
        )

    def save_feed_state(self, state: FeedState) -> None:
        """Store `state` in place of the feed's last one."""
        values = {f: getattr(state, f) for f in FeedState.__dataclass_fields__}
        values |= {"lease_owner": None, "lease_until": None}  # the poll is over
        try:
            done = self._session.execute(
                update(FeedRow).where(FeedRow.name == state.name).values(values)
            )
            if done.rowcount == 0:  # type: ignore[attr-defined]
                self._session.execute(insert(FeedRow).values(values))
            if self.dry_run:
                self._session.flush()
            elif not self._batched:
                self._session.commit()
        except SQLAlchemyError as e:
            self._rollback()
            raise StoreError(
                f"database {self.name}: cannot save the state of feed '{state.name}' ({_reason(e)})"
            ) from e

    # --- housekeeping --------------------------------------------------------------------------

    def prune(self, *, window_start_id: int, first_day: int, keep_after: datetime | None) -> Pruned:
        """Drop what is no longer needed: retrieval keys of originals before `window_start_id`,
        story keys of days before `first_day`, and, when `keep_after` is given, reports stored
        before it (with their tags and alerts) unless a report kept is a duplicate of them."""
        reports = 0
        try:
            keys = self._session.execute(
                delete(DedupKeyRow).where(DedupKeyRow.report_id < window_start_id)
            ).rowcount  # type: ignore[attr-defined]
            story = self._session.execute(
                delete(StoryKeyRow).where(StoryKeyRow.day < first_day)
            ).rowcount  # type: ignore[attr-defined]
            if keep_after is not None:
                referenced = (
                    select(ReportRow.duplicate_of)
                    .where(ReportRow.duplicate_of.is_not(None), ReportRow.stored_at >= keep_after)
                    .scalar_subquery()
                )
                reports = self._session.execute(
                    delete(ReportRow).where(
                        ReportRow.stored_at < keep_after, ReportRow.id.not_in(referenced)
                    )
                ).rowcount  # type: ignore[attr-defined]
            if self.dry_run:
                self._session.flush()
            else:
                self._session.commit()
        except SQLAlchemyError as e:
            self._rollback()
            raise StoreError(f"database {self.name}: housekeeping failed ({_reason(e)})") from e
        return Pruned(reports=reports, dedup_keys=keys, story_keys=story)


@dataclass(frozen=True, kw_only=True, slots=True)
class Claim:
    granted: bool
    state: FeedState
    held_until: datetime | None  # when another replica's claim ends, if it holds one


def _feed_state(row: Any) -> FeedState:
    return FeedState(**{f: row[f] for f in FeedState.__dataclass_fields__})


def _insert_ignoring(dialect: str, table: Any, **values: Any) -> Any:
    """INSERT that does nothing when the row's key is taken (SQLite and PostgreSQL alike)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(**values).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).values(**values).on_conflict_do_nothing()
    return insert(table).prefix_with("IGNORE").values(**values)


@dataclass(frozen=True, kw_only=True, slots=True)
class Pruned:
    reports: int
    dedup_keys: int
    story_keys: int


def _story_candidate(report_id: int, story_id: int | None, sig: str | None) -> StoryCandidate:
    facts, places = decode_signature(sig)
    return StoryCandidate(
        report_id=report_id, story_id=story_id or report_id, places=places, facts=facts
    )


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None)
    lines = str(original or error).splitlines()
    return lines[0] if lines else type(original or error).__name__


def exact_match(fp: Identity, rows: Sequence[Any]) -> ExactMatch | None:
    """Which of `rows` (id, source, guid, canonical_url, content_hash, duplicate_of, story_id;
    in id order) is the same item as `fp`: the same guid within its source, else the same
    canonical URL, else the same content hash; the oldest of each."""
    for key, holds in (
        ("guid", lambda r: fp.guid and r[1] == fp.source and r[2] == fp.guid),
        ("url", lambda r: fp.canonical_url and r[3] == fp.canonical_url),
        ("content", lambda r: r[4] == fp.content_hash),
    ):
        for row in rows:
            if holds(row):
                return ExactMatch(report_id=row[0], key=key, duplicate_of=row[5], story_id=row[6])
    return None
