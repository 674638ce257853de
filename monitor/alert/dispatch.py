"""The outbox dispatcher: sends pending alerts in the order they were written, paced per channel,
and records each outcome, with Slack's `ts`.

Before a message goes, its alert is recorded as handed over (SENDING); once the notifier answers,
as sent. If the process dies in between (or the notifier timed out), the next dispatcher, here or
on another replica, asks the notifier whether the message arrived (Slack: the alert's id in the
metadata of the channel's recent messages) and records it, or sends it again when it did not.
Only a notifier that cannot be asked (a webhook, the console, or a channel Slack has not told us
the id of yet) can then show a message twice. No alert is ever lost: a transient failure (timeout,
5xx, 429) stops the round there and that alert is tried again, after 1 s, 2 s, 4 s... up to
`retry_max_s` and never sooner than Retry-After, for as long as it takes; a permanent one
(`channel_not_found`, `invalid_auth`...) marks the alert failed with the reason and the rest goes
on.

A follow-up of a story (a later `new` report of it) is posted as a reply in the thread of the
story's first message in that channel, when that message has a `ts`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from monitor.alert.message import build_message
from monitor.alert.notify import Delivered, Notifier
from monitor.clock import Clock, utc_now
from monitor.errors import DeliveryError
from monitor.model import AlertStatus, StoredAlert, StoredReport
from monitor.net import backoff_s
from monitor.store import Store

log = logging.getLogger(__name__)

FIRST_RETRY_S = 1.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    sent: int = 0
    failed: int = 0
    pending: int = 0


class Dispatcher:
    """Sends the outbox through one notifier. Not thread-safe: one dispatcher, one thread.
    `on_outcome(status)` is told of each alert sent or failed (for metrics)."""

    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        *,
        retry_max_s: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Clock = utc_now,
        on_outcome: Callable[[AlertStatus], None] = lambda status: None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.pace_s = notifier.pace_s
        self.retry_max_s = retry_max_s
        self._monotonic = monotonic
        self._clock = clock
        self._on_outcome = on_outcome
        self._last_sent: dict[str, float] = {}  # channel -> monotonic time of its last message
        self._failures = 0  # consecutive transient failures
        self.retry_at = 0.0  # monotonic time before which the next try should not be made

    def run(
        self,
        *,
        known: Mapping[int, StoredReport] | None = None,
        wait_until: float | None = None,
        stop: threading.Event | None = None,
    ) -> Delivery:
        """Send what is pending, oldest first. Waits out the pacing and, until the monotonic time
        `wait_until` (default: not at all), transient failures; returns when nothing is pending,
        on a failure it may not wait for, or when `stop` is set. `known` holds reports at hand."""
        sent = failed = 0
        while True:
            # Handed over by a process that died (or on a timeout): looked up before all else.
            batch = self.store.handed_over_alerts() or self.store.pending_alerts(limit=200)
            if not batch:
                return Delivery(sent=sent, failed=failed)
            for alert in batch:
                outcome = self._deliver(alert, known or {}, wait_until, stop)
                if outcome is None:
                    left = len(self.store.pending_alerts()) + len(self.store.handed_over_alerts())
                    return Delivery(sent=sent, failed=failed, pending=left)
                if outcome is AlertStatus.SENT:
                    sent += 1
                else:
                    failed += 1

    def _wait(self, until: float, stop: threading.Event | None) -> None:
        delay = until - self._monotonic()
        if delay <= 0:
            return
        if stop is not None:
            stop.wait(delay)
        else:
            time.sleep(delay)

    def _deliver(
        self,
        alert: StoredAlert,
        known: Mapping[int, StoredReport],
        wait_until: float | None,
        stop: threading.Event | None,
    ) -> AlertStatus | None:
        """One alert, retried while `wait_until` allows: SENT, FAILED, or None (left pending)."""
        stored = known.get(alert.report_id) or self.store.get(alert.report_id)
        if stored is None:
            self.store.mark_alert(alert.id, AlertStatus.FAILED, error="its report is gone")
            self._on_outcome(AlertStatus.FAILED)
            return AlertStatus.FAILED
        thread_ts = None
        if stored.story_id is not None and stored.story_id != stored.id:
            thread_ts = self.store.thread_of(stored.story_id, alert.channel, alert.id)
        message = build_message(
            stored, alert_id=alert.id, channel=alert.channel, thread_ts=thread_ts
        )
        handed_over = alert.status is AlertStatus.SENDING
        while True:
            if stop is not None and stop.is_set():
                return None
            if self.retry_at > self._monotonic():  # after a failure: wait, if allowed to
                if wait_until is None or self.retry_at > wait_until:
                    return None
                self._wait(self.retry_at, stop)
                continue
            if handed_over:
                found = self._find(alert)
                if found is not None:
                    return self._sent(alert, found, thread_ts or alert.thread_ts)
                if self.retry_at > self._monotonic():
                    continue  # the look-up failed: tried again after the wait
                handed_over = False  # not there: it is sent again
            ready = self._last_sent.get(alert.channel, -1e9) + self.pace_s
            if ready > self._monotonic():
                if wait_until is None or ready > wait_until:
                    return None
                self._wait(ready, stop)
                continue
            if self.notifier.can_find:
                # Recorded before the message goes: a crash from here on leaves it to be looked
                # up. (A notifier that cannot be asked would be sent to again anyway.)
                self.store.mark_alert(alert.id, AlertStatus.SENDING, thread_ts=thread_ts)
                alert = replace(alert, status=AlertStatus.SENDING, claimed_at=self._clock())
            try:
                delivered = self.notifier.send(message)
            except DeliveryError as e:
                self._last_sent[alert.channel] = self._monotonic()
                if e.maybe_delivered:
                    handed_over = True  # looked up before it is sent again
                elif not e.permanent and alert.status is AlertStatus.SENDING:
                    # It did not arrive: back in the queue as it was.
                    self.store.mark_alert(alert.id, AlertStatus.PENDING, error=str(e))
                    alert = replace(alert, status=AlertStatus.PENDING)
                if e.permanent:
                    log.error("alert %d to %s failed for good: %s", alert.id, alert.channel, e)
                    self.store.mark_alert(alert.id, AlertStatus.FAILED, error=str(e))
                    self._on_outcome(AlertStatus.FAILED)
                    return AlertStatus.FAILED
                delay = self._back_off(e)
                log.warning(
                    "alert %d to %s not delivered yet (%s); trying again in %.0f s",
                    alert.id,
                    alert.channel,
                    e,
                    delay,
                )
                continue
            self._last_sent[alert.channel] = self._monotonic()
            return self._sent(alert, delivered, thread_ts)

    def _back_off(self, error: DeliveryError) -> float:
        """After a transient failure: no try before 1 s, 2 s, 4 s... (up to `retry_max_s`, never
        before the service's Retry-After). Sets `retry_at`; returns the delay."""
        self._failures += 1
        delay = backoff_s(self._failures, FIRST_RETRY_S, self.retry_max_s)
        delay = max(delay, error.retry_after_s or 0.0)
        self.retry_at = self._monotonic() + delay
        return delay

    def _sent(
        self, alert: StoredAlert, delivered: Delivered | None, thread_ts: str | None
    ) -> AlertStatus:
        self._failures = 0
        self.retry_at = 0.0
        self.store.mark_alert(
            alert.id,
            AlertStatus.SENT,
            ts=delivered.ts if delivered else None,
            thread_ts=thread_ts,
            channel_id=delivered.channel_id if delivered else None,
        )
        self._on_outcome(AlertStatus.SENT)
        return AlertStatus.SENT

    def _find(self, alert: StoredAlert) -> Delivered | None:
        """The message of an alert handed over before, if it arrived: asked of the notifier
        when it can tell (Slack by the alert's id in the messages' metadata); None otherwise,
        and then it is sent again. A look-up that fails sets `retry_at` like a failed send."""
        if not self.notifier.can_find:
            return None
        try:
            found = self.notifier.find(
                alert, alert.channel_id or self.store.channel_id_of(alert.channel)
            )
        except DeliveryError as e:
            self._back_off(e)
            log.warning("alert %d: cannot look it up in %s yet (%s)", alert.id, alert.channel, e)
            return None
        if found is not None:
            log.info("alert %d was delivered before (found in %s)", alert.id, alert.channel)
        return found


def deliver_pending(
    store: Store, notifier: Notifier, known: Mapping[int, StoredReport] | None = None
) -> Delivery:
    """Send every pending alert now, without waiting on a failure (what stays pending is tried
    again by the next round): the pipeline's delivery to a local notifier."""
    return Dispatcher(store, notifier).run(known=known, wait_until=time.monotonic())
