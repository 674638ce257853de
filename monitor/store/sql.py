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

from sqlalchemy import Engine, create_engine, event, func, insert, inspect, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from monitor.clock import Clock, utc_now
from monitor.dedup import ExactMatch, Fingerprint, Identity
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
from monitor.store.schema import (
    AlertRow,
    Base,
    DedupKeyRow,
    ReportEntityRow,
    ReportRow,
    StoryKeyRow,
    TagRow,
)
from monitor.story import Signature, StoryCandidate

SQLITE_BUSY_TIMEOUT_S = 30


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


def encode_signature(signature: Signature) -> str:
    """A story signature as the `story_sig` column keeps it: facts, "|", places."""
    return " ".join(sorted(signature.facts)) + "|" + " ".join(sorted(signature.places))


def decode_signature(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """(facts, places) of a `story_sig` column."""
    facts, _, places = (text or "").partition("|")
    return frozenset(facts.split()), frozenset(places.split())


def report_values(
    *,
    report: Report,
    fingerprint: Fingerprint,
    verdict: Verdict,
    input_ref: str | None,
    keys: Sequence[int],
    signature: Signature | None,
    story_id: int | None,
    stored_at: datetime,
) -> dict[str, Any]:
    """The `reports` row of a report, without its id."""
    is_new = verdict.status is Status.NEW
    return {
        "source": report.source,
        "url": report.url,
        "canonical_url": fingerprint.canonical_url,
        "guid": report.guid,
        "title": report.title,
        "text": report.text,
        "published": report.published,
        "fetched_at": report.fetched_at,
        "stored_at": stored_at,
        "content_hash": fingerprint.content_hash,
        "status": verdict.status.value,
        "duplicate_of": verdict.duplicate_of,
        "dedup_reason": verdict.reason,
        "dedup_score": verdict.score,
        "input_ref": input_ref,
        "story_id": story_id,
        "key_count": len(keys) if is_new else None,
        "story_sig": encode_signature(signature) if signature is not None and is_new else None,
    }


def child_rows(
    report_id: int,
    *,
    verdict: Verdict,
    tags: Sequence[Tag],
    keys: Sequence[int],
    signature: Signature | None,
) -> dict[type[Base], list[dict[str, Any]]]:
    """The rows a report owns besides its alerts, by table: its tags, the entities it concerns
    (named, or through a child), and for an original its retrieval and story keys."""
    entities: dict[str, tuple[str, bool]] = {}
    for t in tags:
        entities[t.entity_id] = (t.kind.value, True)
        for parent in t.parents:
            entities.setdefault(parent, (t.kind.value, False))
    is_new = verdict.status is Status.NEW
    return {
        TagRow: [_tag_values(report_id, t) for t in tags],
        ReportEntityRow: [
            {"report_id": report_id, "entity_id": e, "kind": k, "direct": d}
            for e, (k, d) in entities.items()
        ],
        DedupKeyRow: [{"key": k, "report_id": report_id} for k in keys] if is_new else [],
        StoryKeyRow: (
            [{"key": k, "day": signature.day, "report_id": report_id} for k in signature.keys()]
            if is_new and signature is not None
            else []
        ),
    }


def _tag_values(report_id: int, t: Tag) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "kind": t.kind.value,
        "entity_id": t.entity_id,
        "name": t.name,
        "text": t.text,
        "field": t.field,
        "start": t.start,
        "end": t.end,
        "method": t.method,
        "score": t.score,
        "entity_kind": t.entity_kind,
        "parents": list(t.parents),
        "lat": t.lat,
        "lon": t.lon,
    }


def _tag_of(row: Any) -> Tag:
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


def _stored_report(row: Any, tags: Sequence[Tag]) -> StoredReport:
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
        story_id=row.story_id,
        tags=tuple(tags),
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
        self._batched = False
        self._session = Session(engine, expire_on_commit=False)
        self.name = engine.url.render_as_string(hide_password=True)
        try:
            Base.metadata.create_all(engine)
        except SQLAlchemyError as e:
            self.close()
            raise StoreError(
                f"database {self.name}: cannot create the tables ({_reason(e)})"
            ) from e
        columns = {c["name"] for c in inspect(engine).get_columns(ReportRow.__tablename__)}
        missing = sorted({c.name for c in ReportRow.__table__.columns} - columns)
        if missing:
            self.close()
            raise StoreError(
                f"database {self.name} was made by an older monitor (table reports lacks "
                f"{', '.join(missing)}); keep it aside and start a new database"
            )

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
    def batch(self) -> Iterator[None]:
        """Writes inside the block are committed together when it ends, not one by one: for
        loading many reports at once, where losing the whole batch to a crash is acceptable."""
        self._batched = True
        try:
            yield
        finally:
            self._batched = False
        with self._writing():
            pass

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """One write: committed when the block ends (flushed only, in a dry run; left open
        inside `batch`); on a database error rolled back whole and raised as StoreError."""
        try:
            yield self._session
            if self.dry_run:
                self._session.flush()
            elif not self._batched:
                self._session.commit()
        except SQLAlchemyError as e:
            self._session.rollback()
            raise StoreError(f"database {self.name}: write failed ({_reason(e)})") from e
        except BaseException:
            self._session.rollback()
            raise

    def _read(self, statement: Any) -> Any:
        try:
            return self._session.execute(statement)
        except SQLAlchemyError as e:
            self._session.rollback()
            raise StoreError(f"database {self.name}: read failed ({_reason(e)})") from e

    # --- dedup ---------------------------------------------------------------------------------

    def find_exact(self, fp: Identity) -> ExactMatch | None:
        """The stored report that is the same item as `fp`: the same guid within its source,
        else the same canonical URL, else the same content hash; the oldest of each."""
        conditions = [ReportRow.content_hash == fp.content_hash]
        if fp.guid:
            conditions.append((ReportRow.source == fp.source) & (ReportRow.guid == fp.guid))
        if fp.canonical_url:
            conditions.append(ReportRow.canonical_url == fp.canonical_url)
        rows = self._read(
            select(
                ReportRow.id,
                ReportRow.source,
                ReportRow.guid,
                ReportRow.canonical_url,
                ReportRow.content_hash,
                ReportRow.duplicate_of,
                ReportRow.story_id,
            )
            .where(or_(*conditions))
            .order_by(ReportRow.id)
            .limit(50)
        ).all()
        for key, holds in (
            ("guid", lambda r: fp.guid and r.source == fp.source and r.guid == fp.guid),
            ("url", lambda r: fp.canonical_url and r.canonical_url == fp.canonical_url),
            ("content", lambda r: r.content_hash == fp.content_hash),
        ):
            for row in rows:
                if holds(row):
                    return ExactMatch(
                        report_id=row.id,
                        key=key,
                        duplicate_of=row.duplicate_of,
                        story_id=row.story_id,
                    )
        return None

    def window_start(self, since: datetime) -> int:
        """The lowest report id stored at or after `since` (ids grow with storing time); one past
        the highest id when nothing is that recent."""
        found = self._read(
            select(func.min(ReportRow.id)).where(ReportRow.stored_at >= since)
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
        last = self._read(select(func.max(ReportRow.id))).scalar_one_or_none()
        return int(last or 0) + 1

    def key_postings(self, keys: Sequence[int], *, since_id: int) -> dict[int, list[int]]:
        """The originals with id >= `since_id` filed under each of the retrieval `keys`."""
        postings: dict[int, list[int]] = {}
        if not keys:
            return postings
        rows = self._read(
            select(DedupKeyRow.key, DedupKeyRow.report_id).where(
                DedupKeyRow.key.in_(keys), DedupKeyRow.report_id >= since_id
            )
        )
        for key, report_id in rows:
            postings.setdefault(key, []).append(report_id)
        return postings

    def key_counts(self, report_ids: Sequence[int]) -> dict[int, int]:
        """How many retrieval keys each of the given originals is filed under."""
        rows = self._read(
            select(ReportRow.id, ReportRow.key_count).where(ReportRow.id.in_(report_ids))
        )
        return {report_id: count or 0 for report_id, count in rows}

    def originals_text(self, report_ids: Sequence[int]) -> list[tuple[int, str, str, int | None]]:
        """(id, source, text, story_id) of the given reports, in the order asked."""
        if not report_ids:
            return []
        rows = self._read(
            select(ReportRow.id, ReportRow.source, ReportRow.text, ReportRow.story_id).where(
                ReportRow.id.in_(report_ids)
            )
        )
        found = {row.id: tuple(row) for row in rows}
        return [found[i] for i in report_ids if i in found]  # type: ignore[misc]

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
        rows = self._read(
            select(ReportRow.id, ReportRow.story_id, ReportRow.story_sig)
            .where(
                ReportRow.id.in_(
                    select(StoryKeyRow.report_id).where(
                        StoryKeyRow.key.in_(keys), StoryKeyRow.day.between(first_day, last_day)
                    )
                )
            )
            .order_by(ReportRow.id.desc())
            .limit(limit)
        )
        candidates = []
        for report_id, story_id, sig in rows:
            facts, places = decode_signature(sig)
            candidates.append(
                StoryCandidate(
                    report_id=report_id, story_id=story_id or report_id, places=places, facts=facts
                )
            )
        return candidates

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
    ) -> Added:
        """Store a report with its verdict, tags, alerts and, for an original, its retrieval
        `keys` and story `signature`, in one transaction. `story_id` None opens a story whose id
        is the report's own."""
        now = self._clock()
        values = report_values(
            report=report,
            fingerprint=fingerprint,
            verdict=verdict,
            input_ref=input_ref,
            keys=keys,
            signature=signature,
            story_id=story_id,
            stored_at=now,
        )
        with self._writing() as session:
            connection = session.connection()
            report_id = connection.execute(
                insert(ReportRow).values(values).returning(ReportRow.id)
            ).scalar_one()
            if story_id is None:
                story_id = report_id
                connection.execute(
                    update(ReportRow).where(ReportRow.id == report_id).values(story_id=report_id)
                )
            for table, rows in child_rows(
                report_id, verdict=verdict, tags=tags, keys=keys, signature=signature
            ).items():
                if rows:
                    connection.execute(insert(table), rows)
            alert_ids: tuple[int, ...] = ()
            if alerts:
                alert_ids = tuple(
                    connection.execute(
                        insert(AlertRow).returning(AlertRow.id, sort_by_parameter_order=True),
                        [
                            {
                                "report_id": report_id,
                                "channel": a.channel,
                                "rule": a.rule,
                                "status": AlertStatus.PENDING.value,
                                "created_at": now,
                                "attempts": 0,
                            }
                            for a in alerts
                        ],
                    ).scalars()
                )
        return Added(report_id=report_id, story_id=story_id, alert_ids=alert_ids)

    # --- reading -------------------------------------------------------------------------------

    def get(self, report_id: int) -> StoredReport | None:
        row = self._read(select(ReportRow.__table__).where(ReportRow.id == report_id)).one_or_none()
        if row is None:
            return None
        tags = self._read(
            select(TagRow.__table__).where(TagRow.report_id == report_id).order_by(TagRow.id)
        )
        return _stored_report(row, [_tag_of(t) for t in tags])

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
        return [
            _stored_report(r, [_tag_of(t) for t in r.tags]) for r in self._read(statement).scalars()
        ]

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
        values: dict[str, Any] = {
            "status": status.value,
            "attempts": AlertRow.attempts + 1,
            "error": error,
        }
        if status is AlertStatus.SENT:
            values["sent_at"] = self._clock()
        with self._writing() as session:
            done = session.connection().execute(
                update(AlertRow).where(AlertRow.id == alert_id).values(values)
            )
            if done.rowcount != 1:
                raise StoreError(f"database {self.name}: no alert {alert_id}")


def _reason(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    return str(original or error).splitlines()[0]
