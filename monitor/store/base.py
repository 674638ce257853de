"""The store as its callers use it: `Store`, every method the pipeline, the dispatcher, the
daemon and the command line call, and the values they get back. `SqlStore` is the
implementation; callers that are handed a store are typed against this Protocol.

Every method raises StoreError when the database fails.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from monitor.dedup import DedupReads, Fingerprint
from monitor.model import (
    AlertIntent,
    AlertStatus,
    Event,
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
    Verdict,
)
from monitor.story import Signature, StoryCandidate


@dataclass(frozen=True, kw_only=True, slots=True)
class Added:
    """What `add` stored: the report's id and its alerts' ids."""

    report_id: int
    story_id: int
    alert_ids: tuple[int, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Claim:
    """What `claim_feed` got: whether the poll is this replica's, and the feed's stored state."""

    granted: bool
    state: FeedState
    held_until: datetime | None  # when another replica's claim ends, if it holds one


@dataclass(frozen=True, kw_only=True, slots=True)
class Pruned:
    """What `prune` removed, by kind."""

    reports: int
    dedup_keys: int
    story_keys: int


class Store(DedupReads, Protocol):
    """Reports, tags, dedup relations, feeds and the alert outbox, with dedup's reads
    (`DedupReads`). What each method does is said where `SqlStore` writes it: `session`
    (transactions), `lookups`, `reports`, `outbox`, `feeds` and `housekeeping`."""

    @property
    def name(self) -> str: ...

    @property
    def shared(self) -> bool: ...

    # --- transactions --------------------------------------------------------------------------

    def batch(self) -> AbstractContextManager[None]: ...

    def reserve_ids(self, count: int) -> None: ...

    # --- lookups, besides dedup's --------------------------------------------------------------

    def story_candidates(
        self, keys: Sequence[str], *, first_day: int, last_day: int, limit: int
    ) -> list[StoryCandidate]: ...

    # --- reports -------------------------------------------------------------------------------

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
    ) -> Added: ...

    def get(self, report_id: int) -> StoredReport | None: ...

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
    ) -> list[StoredReport]: ...

    def count(self) -> int: ...

    def count_unread(self, *, every: bool = False) -> int: ...

    def unread(
        self, *, after_id: int, limit: int, every: bool = False
    ) -> list[tuple[int, Report, Scope | None]]: ...

    def save_readings(self, readings: Sequence[tuple[int, Reading, Event]]) -> None: ...

    # --- the outbox ----------------------------------------------------------------------------

    def lead_dispatch(self) -> bool: ...

    def pending_alerts(self, limit: int | None = None) -> list[StoredAlert]: ...

    def alerts_of(self, report_id: int) -> list[StoredAlert]: ...

    def alerts_of_reports(self, report_ids: Sequence[int]) -> dict[int, list[StoredAlert]]: ...

    def mark_alert(
        self,
        alert_id: int,
        status: AlertStatus,
        *,
        error: str | None = None,
        ts: str | None = None,
        thread_ts: str | None = None,
        channel_id: str | None = None,
    ) -> None: ...

    def handed_over_alerts(self) -> list[StoredAlert]: ...

    def channel_id_of(self, channel: str) -> str | None: ...

    def thread_of(self, story_id: int, channel: str, before_alert: int) -> str | None: ...

    def recent_alerts(
        self, *, status: AlertStatus | None = None, limit: int = 50
    ) -> list[StoredAlert]: ...

    def requeue_failed(self, alert_ids: Sequence[int] = ()) -> int: ...

    def alerts_with_status(self, status: AlertStatus) -> int: ...

    # --- feeds ---------------------------------------------------------------------------------

    def feed_states(self) -> dict[str, FeedState]: ...

    def claim_feed(
        self, *, name: str, url: str, owner: str, now: datetime, lease_s: float, force: bool
    ) -> Claim: ...

    def save_feed_state(self, state: FeedState) -> None: ...

    # --- housekeeping --------------------------------------------------------------------------

    def prune(
        self, *, window_start_id: int, first_day: int, keep_after: datetime | None
    ) -> Pruned: ...
