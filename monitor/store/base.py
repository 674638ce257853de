"""The store as the pipeline uses it. `SqlStore` is the implementation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from monitor.dedup import ExactMatch, Fingerprint
from monitor.model import AlertIntent, AlertStatus, Report, StoredAlert, StoredReport, Tag, Verdict
from monitor.store.sql import Added


class Store(Protocol):
    def find_exact(self, fp: Fingerprint) -> ExactMatch | None: ...

    def originals(self) -> Iterator[tuple[int, str]]: ...

    def add(
        self,
        *,
        report: Report,
        fingerprint: Fingerprint,
        verdict: Verdict,
        tags: Sequence[Tag],
        alerts: Sequence[AlertIntent],
        input_ref: str | None = None,
    ) -> Added: ...

    def get(self, report_id: int) -> StoredReport | None: ...

    def pending_alerts(self, limit: int | None = None) -> list[StoredAlert]: ...

    def alerts_of(self, report_id: int) -> list[StoredAlert]: ...

    def mark_alert(
        self, alert_id: int, status: AlertStatus, *, error: str | None = None
    ) -> None: ...
