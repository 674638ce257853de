"""Reports in the SQL store: each stored in one transaction with everything it owns, read back
as domain types, and read again for relevance, place and event (`monitor db retag`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import selectinload

from monitor.dedup import Fingerprint
from monitor.model import (
    AlertIntent,
    AlertStatus,
    Event,
    Place,
    Reading,
    Relevance,
    Report,
    Scope,
    Status,
    StoredReport,
    Tag,
    TagKind,
    Verdict,
)
from monitor.store.base import Added
from monitor.store.driver import chunks
from monitor.store.rows import (
    child_rows,
    event_values,
    reading_values,
    report_of,
    report_values,
    stored_report,
    story_candidate_of,
    tag_of,
    tag_rows,
)
from monitor.store.schema import Base, DedupKeyRow, ReportEntityRow, ReportRow, TagRow
from monitor.store.session import SqlSession
from monitor.story import Signature


class Reports(SqlSession):
    """Reports: stored, queried, counted, and read again."""

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
        event: Event | None = None,
        story_reason: str | None = None,
    ) -> Added:
        """Store a report with its verdict, tags, alerts, whether it is about Libya, where it
        happened and what happened and, for an original, its retrieval `keys` and story
        `signature`, in one transaction. `story_id` None opens a story whose id is the report's
        own."""
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
            event=event,
            story_reason=story_reason,
        )
        for column in ("published", "fetched_at", "stored_at"):
            values[column] = driver.time_in(values[column])
        for column in ("relevance", "place", "event"):
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
            self._signatures[report_id] = story_candidate_of(
                report_id, story_id, values["story_sig"]
            )
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
        event_types: Collection[str] = (),
        min_killed: int | None = None,
        limit: int | None = None,
    ) -> list[StoredReport]:
        """Stored reports, newest first. `actor` and `place` match an entity named in the report
        or any entity it belongs to; `since` compares the published time, else the fetch time.
        `relevant` True keeps the reports about Libya and those not yet read for it (see
        `monitor db retag`), False those that are not about Libya; None keeps every one.
        `event_types` keeps the reports of an event of one of those types, `min_killed` those
        that give a number of dead of at least that."""
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
        if event_types:
            statement = statement.where(ReportRow.event_type.in_(sorted(event_types)))
        if min_killed is not None:
            statement = statement.where(ReportRow.killed >= min_killed)
        statement = statement.order_by(ReportRow.id.desc())
        if limit is not None:
            statement = statement.limit(limit)
        return [
            stored_report(r, [tag_of(t) for t in r.tags]) for r in self._read(statement).scalars()
        ]

    def count(self) -> int:
        return int(self._read(select(func.count(ReportRow.id))).scalar_one())

    # --- reading reports again -----------------------------------------------------------------

    def count_unread(self, *, every: bool = False) -> int:
        """How many stored reports have not been read for relevance, place and event (or, with
        `every`, how many are stored)."""
        statement = select(func.count(ReportRow.id))
        if not every:
            statement = statement.where(_unread())
        return int(self._read(statement).scalar_one())

    def unread(
        self, *, after_id: int, limit: int, every: bool = False
    ) -> list[tuple[int, Report, Scope | None]]:
        """The first `limit` stored reports with ids above `after_id`, in id order, that have not
        been read for relevance, place and event (or, with `every`, all of them): each its id,
        the report, and the scope it was last read in (None if never)."""
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
            statement = statement.where(_unread())
        found = []
        for row in self._read(statement.order_by(table.id).limit(limit)):
            found.append((row.id, report_of(row), (row.relevance or {}).get("scope")))
        return found

    def save_readings(self, readings: Sequence[tuple[int, Reading, Event]]) -> None:
        """Give each report (by id) its reading and its event in place of what it had: its tags
        and the entities it concerns, whether it is about Libya, where it happened and what
        happened. One transaction; what else the report holds (its verdict, story, keys,
        alerts) stays."""
        if not readings:
            return
        ids = [report_id for report_id, _, _ in readings]
        tags: list[dict[str, Any]] = []
        entities: list[dict[str, Any]] = []
        for report_id, reading, _ in readings:
            rows = tag_rows(report_id, reading.tags)
            tags += rows[TagRow]
            entities += rows[ReportEntityRow]
        tables = Base.metadata.tables
        reports = tables[ReportRow.__tablename__]
        # Bound under names of their own: SQLAlchemy keeps the columns' names for itself.
        values = [
            {
                f"new_{k}": v
                for k, v in (reading_values(r.relevance, r.place) | event_values(event)).items()
            }
            | {"report": report_id}
            for report_id, r, event in readings
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
                        for k in (
                            "relevant",
                            "relevance",
                            "place",
                            "place_id",
                            "event",
                            "event_type",
                            "killed",
                        )
                    }
                ),
                values,
            )


def _unread() -> ColumnElement[bool]:
    """Whether a report has not been read for relevance and place, or for its event (stored
    before either was kept)."""
    return or_(ReportRow.relevant.is_(None), ReportRow.event.is_(None))
