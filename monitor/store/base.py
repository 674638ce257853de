"""The store as the pipeline uses it, and the values it gets back. `SqlStore` is the
implementation."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from monitor.dedup import DedupReads, Fingerprint
from monitor.model import (
    AlertIntent,
    AlertStatus,
    FeedState,
    Place,
    Relevance,
    Report,
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
    @property
    def shared(self) -> bool: ...

    def story_candidates(
        self, keys: Sequence[str], *, first_day: int, last_day: int, limit: int
    ) -> list[StoryCandidate]: ...

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
    ) -> Added: ...

    def get(self, report_id: int) -> StoredReport | None: ...

    def pending_alerts(self, limit: int | None = None) -> list[StoredAlert]: ...

    def alerts_of(self, report_id: int) -> list[StoredAlert]: ...

    def alerts_of_reports(self, report_ids: Sequence[int]) -> dict[int, list[StoredAlert]]: ...

    def batch(self) -> AbstractContextManager[None]: ...

    def reserve_ids(self, count: int) -> None: ...

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
