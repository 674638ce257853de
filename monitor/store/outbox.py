"""The alert outbox in the SQL store: alerts are written with their report (see `Reports.add`),
then claimed, sent and recorded here; on PostgreSQL one replica at a time sends them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import StoreError
from monitor.model import AlertStatus, StoredAlert
from monitor.store.driver import chunks, marks
from monitor.store.rows import ALERT_COLUMNS, alert_of
from monitor.store.schema import AlertRow
from monitor.store.session import SqlSession, reason

log = logging.getLogger(__name__)

# The PostgreSQL advisory lock held by the replica that sends the outbox (see `lead_dispatch`).
DISPATCH_LOCK = 0x6D6F6E02


class Outbox(SqlSession):
    """The alerts waiting to go, going and gone, and which replica sends them."""

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
                raise StoreError(f"database {self.name}: {reason(e)}") from e
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

    def _alerts(self, where: str, params: Sequence[Any]) -> list[StoredAlert]:
        time_out = self._driver.time_out
        return [
            alert_of(row, time_out)
            for row in self._fetch(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {where}", params)
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

    def alerts_with_status(self, status: AlertStatus) -> int:
        return int(
            self._read(
                select(func.count(AlertRow.id)).where(AlertRow.status == status.value)
            ).scalar_one()
        )
