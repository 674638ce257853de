"""The tables. These rows stay inside `monitor.store`; the pipeline sees `monitor.model` types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class ReportRow(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text, index=True)
    guid: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    dedup_reason: Mapped[str | None] = mapped_column(String(16))
    dedup_score: Mapped[float | None] = mapped_column(Float)
    input_ref: Mapped[str | None] = mapped_column(Text)
    # The story the report belongs to: the id of the story's first report (its own, if it opened
    # the story). Duplicates carry their original's.
    story_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # An original's story signature: its facts, then "|", then its places, each list
    # space-separated (read hundreds of times a second, so kept simple).
    story_sig: Mapped[str | None] = mapped_column(Text)
    # Whether the report is about Libya, and why (score, scope, reason, evidence), and where the
    # reported action happened (a watchlist place, with the mention that placed it). NULL only
    # for a report not yet read for them: `monitor db upgrade` and `monitor db retag` fill them.
    relevant: Mapped[bool | None] = mapped_column(Boolean)
    relevance: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # The place's id beside its JSON, for queries and maps by place.
    place_id: Mapped[str | None] = mapped_column(String(100), index=True)
    # What happened (its type, counts, date, actors and targets, and the cues behind them). NULL
    # only for a report not yet read for it; a report that tells of no event holds one whose
    # type is null. Its type and its dead beside the JSON, for `monitor reports` to filter on.
    event: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    event_type: Mapped[str | None] = mapped_column(String(40))
    killed: Mapped[int | None] = mapped_column(Integer, index=True)
    # Why it joined its story or opened one, in words (NULL for a report stored before).
    story_reason: Mapped[str | None] = mapped_column(Text)

    tags: Mapped[list[TagRow]] = relationship(
        back_populates="report", order_by="TagRow.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_reports_source_guid", "source", "guid"),
        Index("ix_reports_status_id", "status", "id"),
        Index("ix_reports_source_status_id", "source", "status", "id"),
        Index("ix_reports_stored_at", "stored_at"),
        # `monitor reports` lists those about Libya, newest first; the upgrade finds those not
        # yet read (relevant IS NULL) in id order.
        Index("ix_reports_relevant_id", "relevant", "id"),
        # `monitor reports --event-type` lists those of a type, newest first.
        Index("ix_reports_event_type_id", "event_type", "id"),
    )


class DedupKeyRow(Base):
    """An original's retrieval keys (see `monitor.dedup.index`), as little-endian 64-bit
    integers. Written in the same transaction as the report, so the index built from these rows
    can never disagree with the store."""

    __tablename__ = "dedup_keys"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    keys: Mapped[bytes] = mapped_column(LargeBinary)


class StoryKeyRow(Base):
    """Where stories are looked up: each original under each key of its signature (its
    places, or its actors) on the day of its event."""

    __tablename__ = "story_keys"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )

    __table_args__ = ({"sqlite_with_rowid": False},)


class TagRow(Base):
    """One mention of a watchlist entity in a report."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(16))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    entity_kind: Mapped[str | None] = mapped_column(String(50))
    parents: Mapped[list[str]] = mapped_column(JSON, default=list)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    report: Mapped[ReportRow] = relationship(back_populates="tags")


class ReportEntityRow(Base):
    """Each entity a report concerns, named directly or through a child (Haftar -> the LNA):
    what queries and routing by actor or place look up."""

    __tablename__ = "report_entities"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    entity_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    direct: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_report_entities_entity", "entity_id", "report_id"),)


class AlertRow(Base):
    """The outbox: an alert is written with its report and marked when delivered."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    ts: Mapped[str | None] = mapped_column(String(64))
    thread_ts: Mapped[str | None] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_alerts_status_id", "status", "id"),)


class FeedRow(Base):
    """Each polled feed's health and what its last answer kept for a conditional GET."""

    __tablename__ = "feeds"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    polls: Mapped[int] = mapped_column(Integer, default=0)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    down_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_new: Mapped[int] = mapped_column(Integer, default=0)
    total_new: Mapped[int] = mapped_column(Integer, default=0)
    # The replica polling it now, and until when that claim holds (see SqlStore.claim_feed).
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
