"""The outbox sent from a thread of its own while the service polls (see `DispatchThread`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from monitor.alert import Dispatcher
from monitor.alert.notify import Notifier
from monitor.clock import Clock
from monitor.errors import MonitorError
from monitor.model import AlertStatus
from monitor.store import SqlStore

log = logging.getLogger(__name__)


class DispatchThread(threading.Thread):
    """Sends the outbox from a thread of its own, with a store connection of its own, so that a
    slow or failing Slack never holds up polling. Woken after each poll and every `every_s`."""

    def __init__(
        self,
        database_url: str,
        notifier: Notifier,
        *,
        retry_max_s: float,
        every_s: float,
        clock: Clock,
        on_outcome: Callable[[AlertStatus], None],
    ) -> None:
        super().__init__(name="dispatch", daemon=True)
        self._url = database_url
        self._notifier = notifier
        self._retry_max_s = retry_max_s
        self._every_s = every_s
        self._clock = clock
        self._on_outcome = on_outcome
        self._wake = threading.Event()
        self._halt = threading.Event()
        # Set to end a round early: to stop, or to take a new notifier (`use`).
        self._interrupt = threading.Event()
        self._lock = threading.Lock()
        self._deadline = 0.0

    def wake(self) -> None:
        self._wake.set()

    def use(self, notifier: Notifier, *, retry_max_s: float, every_s: float) -> None:
        """Send with `notifier` from the next round on (a reload); the round under way, which
        may be waiting out Slack's failures, ends at its next alert."""
        with self._lock:
            self._notifier = notifier
            self._retry_max_s = retry_max_s
            self._every_s = every_s
        self._interrupt.set()
        self._wake.set()

    def _dispatcher(self, store: SqlStore) -> Dispatcher:
        with self._lock:
            return Dispatcher(
                store,
                self._notifier,
                retry_max_s=self._retry_max_s,
                on_outcome=self._on_outcome,
            )

    def run(self) -> None:
        try:
            with SqlStore.open(self._url, clock=self._clock) as store:
                dispatcher = self._dispatcher(store)
                leading = False
                while not self._halt.is_set():
                    if self._interrupt.is_set():
                        self._interrupt.clear()
                        dispatcher = self._dispatcher(store)
                    try:
                        # One sender among replicas; paced and retried for as long as it takes.
                        if store.lead_dispatch():
                            if not leading:
                                log.info("this replica sends the outbox")
                                leading = True
                            dispatcher.run(wait_until=float("inf"), stop=self._interrupt)
                    except MonitorError as e:
                        log.error("alert dispatch: %s", e)
                    self._wake.wait(self._every_s)
                    self._wake.clear()
                if self._interrupt.is_set():
                    dispatcher = self._dispatcher(store)
                if store.lead_dispatch():
                    self._final(dispatcher)
        except MonitorError as e:
            log.error("alert dispatch stopped: %s", e)

    def _final(self, dispatcher: Dispatcher) -> None:
        """What can still go out before the deadline `finish` set."""
        try:
            done = dispatcher.run(wait_until=self._deadline)
        except MonitorError as e:
            log.error("alert dispatch: %s", e)
            return
        if done.pending:
            log.info("%d alert(s) left pending; they are sent after a restart", done.pending)

    def finish(self, deadline: float) -> None:
        """Stop, sending what can go by the monotonic time `deadline`; wait for it."""
        self._deadline = deadline
        self._halt.set()
        self._interrupt.set()
        self._wake.set()
        if self.is_alive():
            self.join(max(0.1, deadline - time.monotonic() + 1.0))
