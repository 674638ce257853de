"""The SQL store: SQLAlchemy 2.x over SQLite (the default, in WAL mode) or any other database URL.

Each `add` is one transaction: the report, its tags, the entities it concerns and its alerts are
committed together or not at all, so an acknowledged report is never half-written and an alert
is never lost between the report and the outbox. A dry run flushes instead of committing and
rolls everything back on close.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from monitor.clock import Clock, utc_now
from monitor.dedup import ExactMatch, Fingerprint
from monitor.errors import StoreError
from monitor.model import (
    AlertIntent,
    AlertStatus,
    Report,
    Status,
    StoredAlert,
    StoredReport,
    Tag,
    TagKind,
    Verdict,
)
from monitor.store.schema import AlertRow, Base, ReportEntityRow, ReportRow, TagRow

SQLITE_BUSY_TIMEOUT_S = 30


@dataclass(frozen=True, kw_only=True, slots=True)
class Added:
    """What `add` stored: the report's id and its alerts' ids."""

    report_id: int
    alert_ids: tuple[int, ...]


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
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
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S} if is_sqlite else {}
    try:
        engine = create_engine(parsed, connect_args=connect_args)
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


def _tag_of(row: TagRow) -> Tag:
    return Tag(
        kind=TagKind(row.kind),
        entity_id=row.entity_id,
        name=row.name,
        text=row.text,
        field=row.field,
        start=row.start,
        end=row.end,
        method=row.method,
        score=row.score,
        entity_kind=row.entity_kind,
        parents=tuple(row.parents or ()),
        lat=row.lat,
        lon=row.lon,
    )


def _stored_report(row: ReportRow) -> StoredReport:
    return StoredReport(
        id=row.id,
        report=Report(
            source=row.source,
            url=row.url,
            guid=row.guid,
            title=row.title,
            text=row.text,
            published=row.published,
            fetched_at=row.fetched_at,
        ),
        status=Status(row.status),
        duplicate_of=row.duplicate_of,
        tags=tuple(_tag_of(t) for t in row.tags),
        input_ref=row.input_ref,
    )


def _stored_alert(row: AlertRow) -> StoredAlert:
    return StoredAlert(
        id=row.id,
        report_id=row.report_id,
        channel=row.channel,
        rule=row.rule,
        status=AlertStatus(row.status),
        created_at=row.created_at,
        sent_at=row.sent_at,
        error=row.error,
        attempts=row.attempts,
    )


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
        self._session = Session(engine, expire_on_commit=False)
        self.name = engine.url.render_as_string(hide_password=True)
        try:
            Base.metadata.create_all(engine)
        except SQLAlchemyError as e:
            self.close()
            raise StoreError(
                f"database {self.name}: cannot create the tables ({_reason(e)})"
            ) from e

    @classmethod
    def open(cls, url: str, *, dry_run: bool = False, clock: Clock = utc_now) -> SqlStore:
        return cls(create_store_engine(url), dry_run=dry_run, clock=clock, _owns_engine=True)

    def close(self) -> None:
        self._session.rollback()
        self._session.close()
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """One write: committed when the block ends (flushed only, in a dry run); on a database
        error rolled back whole and raised as StoreError."""
        try:
            yield self._session
            if self.dry_run:
                self._session.flush()
            else:
                self._session.commit()
        except SQLAlchemyError as e:
            self._session.rollback()
            raise StoreError(f"database {self.name}: write failed ({_reason(e)})") from e

    def _read(self, statement: Any) -> Any:
        try:
            return self._session.execute(statement)
        except SQLAlchemyError as e:
            self._session.rollback()
            raise StoreError(f"database {self.name}: read failed ({_reason(e)})") from e

    # --- dedup ---------------------------------------------------------------------------------

    def find_exact(self, fp: Fingerprint) -> ExactMatch | None:
        """The original (never a duplicate) that shares the guid within its source, the
        canonical URL, or the content hash with `fp`, in that order of precedence."""
        root = func.coalesce(ReportRow.duplicate_of, ReportRow.id)
        checks: list[tuple[str, ColumnElement[bool]]] = []
        if fp.guid:
            checks.append(("guid", (ReportRow.source == fp.source) & (ReportRow.guid == fp.guid)))
        if fp.canonical_url:
            checks.append(("url", ReportRow.canonical_url == fp.canonical_url))
        checks.append(("content", ReportRow.content_hash == fp.content_hash))
        for key, condition in checks:
            found = self._read(select(root).where(condition).order_by(ReportRow.id).limit(1))
            report_id = found.scalar_one_or_none()
            if report_id is not None:
                return ExactMatch(report_id=report_id, key=key)
        return None

    def originals(self) -> Iterator[tuple[int, str]]:
        """(id, text) of every stored report that is not a duplicate, oldest first."""
        rows = self._read(
            select(ReportRow.id, ReportRow.text)
            .where(ReportRow.status == Status.NEW.value)
            .order_by(ReportRow.id)
            .execution_options(yield_per=1000)
        )
        yield from rows

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
    ) -> Added:
        """Store a report with its verdict, tags and alerts in one transaction."""
        now = self._clock()
        row = ReportRow(
            source=report.source,
            url=report.url,
            canonical_url=fingerprint.canonical_url,
            guid=report.guid,
            title=report.title,
            text=report.text,
            published=report.published,
            fetched_at=report.fetched_at,
            stored_at=now,
            content_hash=fingerprint.content_hash,
            status=verdict.status.value,
            duplicate_of=verdict.duplicate_of,
            dedup_reason=verdict.reason,
            dedup_score=verdict.score,
            input_ref=input_ref,
        )
        row.tags = [
            TagRow(
                kind=t.kind.value,
                entity_id=t.entity_id,
                name=t.name,
                text=t.text,
                field=t.field,
                start=t.start,
                end=t.end,
                method=t.method,
                score=t.score,
                entity_kind=t.entity_kind,
                parents=list(t.parents),
                lat=t.lat,
                lon=t.lon,
            )
            for t in tags
        ]
        alert_rows = [
            AlertRow(
                channel=a.channel,
                rule=a.rule,
                status=AlertStatus.PENDING.value,
                created_at=now,
                attempts=0,
            )
            for a in alerts
        ]
        entities: dict[str, tuple[str, bool]] = {}
        for t in tags:
            entities[t.entity_id] = (t.kind.value, True)
            for parent in t.parents:
                entities.setdefault(parent, (t.kind.value, False))
        with self._writing() as session:
            session.add(row)
            session.flush()  # gives the report its id
            session.add_all(
                ReportEntityRow(report_id=row.id, entity_id=eid, kind=kind, direct=direct)
                for eid, (kind, direct) in entities.items()
            )
            for alert in alert_rows:
                alert.report_id = row.id
            session.add_all(alert_rows)
            session.flush()  # gives the alerts their ids
        return Added(report_id=row.id, alert_ids=tuple(a.id for a in alert_rows))

    # --- reading -------------------------------------------------------------------------------

    def get(self, report_id: int) -> StoredReport | None:
        rows = self._read(
            select(ReportRow).options(selectinload(ReportRow.tags)).where(ReportRow.id == report_id)
        )
        row = rows.scalar_one_or_none()
        return _stored_report(row) if row is not None else None

    def query(
        self,
        *,
        actor: str | None = None,
        place: str | None = None,
        since: datetime | None = None,
        status: Status | None = None,
        limit: int | None = None,
    ) -> list[StoredReport]:
        """Stored reports, newest first. `actor` and `place` match an entity named in the report
        or any entity it belongs to; `since` compares the published time, else the fetch time."""
        statement = select(ReportRow).options(selectinload(ReportRow.tags))
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
        statement = statement.order_by(ReportRow.id.desc())
        if limit is not None:
            statement = statement.limit(limit)
        return [_stored_report(r) for r in self._read(statement).scalars()]

    def count(self) -> int:
        return int(self._read(select(func.count(ReportRow.id))).scalar_one())

    # --- the outbox ----------------------------------------------------------------------------

    def pending_alerts(self, limit: int | None = None) -> list[StoredAlert]:
        """Alerts not yet delivered, oldest first."""
        statement = (
            select(AlertRow)
            .where(AlertRow.status == AlertStatus.PENDING.value)
            .order_by(AlertRow.id)
        )
        if limit is not None:
            statement = statement.limit(limit)
        return [_stored_alert(r) for r in self._read(statement).scalars()]

    def alerts_of(self, report_id: int) -> list[StoredAlert]:
        rows = self._read(
            select(AlertRow).where(AlertRow.report_id == report_id).order_by(AlertRow.id)
        )
        return [_stored_alert(r) for r in rows.scalars()]

    def mark_alert(self, alert_id: int, status: AlertStatus, *, error: str | None = None) -> None:
        """Record a delivery attempt's outcome."""
        with self._writing() as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                raise StoreError(f"database {self.name}: no alert {alert_id}")
            row.status = status.value
            row.attempts += 1
            row.error = error
            if status is AlertStatus.SENT:
                row.sent_at = self._clock()


def _reason(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    return str(original or error).splitlines()[0]
