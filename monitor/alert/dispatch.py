"""The outbox dispatcher: sends pending alerts in the order they were written and records each
outcome. An alert is marked sent only after its notifier returned, so a crash between the two can
send it again but never lose it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.alert.message import build_message
from monitor.alert.notify import Notifier
from monitor.errors import DeliveryError
from monitor.model import AlertStatus, StoredReport
from monitor.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    sent: int = 0
    failed: int = 0
    pending: int = 0


def deliver_pending(
    store: Store, notifier: Notifier, known: Mapping[int, StoredReport] | None = None
) -> Delivery:
    """Send every pending alert, oldest first. A permanent failure marks that alert failed and
    goes on; a passing one leaves it and the rest pending for the next round. `known` holds
    reports the caller has at hand already, by id, so they need not be read back."""
    sent = failed = 0
    pending = store.pending_alerts()
    for index, alert in enumerate(pending):
        stored = (known or {}).get(alert.report_id) or store.get(alert.report_id)
        if stored is None:
            store.mark_alert(alert.id, AlertStatus.FAILED, error="its report is gone")
            failed += 1
            continue
        try:
            notifier.send(build_message(stored, alert_id=alert.id, channel=alert.channel))
        except DeliveryError as e:
            if e.permanent:
                log.error("alert %d to %s failed: %s", alert.id, alert.channel, e)
                store.mark_alert(alert.id, AlertStatus.FAILED, error=str(e))
                failed += 1
                continue
            log.warning("alert %d to %s not delivered yet: %s", alert.id, alert.channel, e)
            return Delivery(sent=sent, failed=failed, pending=len(pending) - index)
        store.mark_alert(alert.id, AlertStatus.SENT)
        sent += 1
    return Delivery(sent=sent, failed=failed, pending=0)
