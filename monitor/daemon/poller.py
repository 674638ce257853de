"""Polling feeds: fetches on worker threads, everything else on the one thread that drives it.

The driver (`monitor poll`, or the daemon's loop) calls `step` over and over; each step handles
one event from the queue: a feed fell due, a fetch came back, or a job asked to run (alert
dispatch, housekeeping). Only that thread touches the store and the pipeline, so reports are
ingested one feed at a time and in order, while fetches run side by side: at most
`concurrency` at once and `per_host` to one host. A feed whose host is busy waits in line
without holding a worker, so a slow host delays only its own feeds.

A feed's state (validators, health, next poll) is saved after its entries are stored; a poll
cut short by a crash or a database failure is fetched again in full.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import random
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from monitor.alert.notify import Notifier
from monitor.clock import Clock, utc_now
from monitor.daemon.feeds import (
    Feed,
    PollResult,
    duration,
    feed_entries,
)
from monitor.daemon.fetching import Done, FetchThreads, Job
from monitor.daemon.health import failed, for_url, succeeded
from monitor.daemon.metrics import Metrics
from monitor.errors import DeliveryError, FetchError, InputError, StoreError
from monitor.model import FeedState, Status
from monitor.pipeline import Pipeline
from monitor.sources.http import Fetched, Fetcher
from monitor.store import Store

log = logging.getLogger(__name__)
# A feed that could not be claimed because the database failed is tried again this soon at most.
CLAIM_RETRY_S = 60.0


@dataclass(frozen=True, slots=True)
class _Due:
    """A feed fell due (or is to be polled now, `force`)."""

    name: str
    force: bool


@dataclass(frozen=True, slots=True)
class _Call:
    """A job to run on the driving thread."""

    job: Callable[[], None]


_Event = _Due | Done | _Call


class Poller:
    """Polls feeds for one driving thread; see the module's docstring."""

    def __init__(
        self,
        *,
        store: Store,
        pipeline: Pipeline,
        fetcher: Fetcher,
        feeds: Iterable[Feed],
        per_host: int,
        concurrency: int,
        notifier: Notifier | None,
        health_channel: str,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
        on_polled: Callable[[PollResult], None] = lambda r: None,
        on_next: Callable[[str, datetime], None] = lambda name, at: None,
        lease_s: float = 120.0,
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.fetcher = fetcher
        self.per_host = per_host
        self.concurrency = concurrency
        self.notifier = notifier
        self.health_channel = health_channel
        self.clock = clock
        self.rng = rng or random.Random()
        self.metrics = metrics or Metrics()
        self.on_polled = on_polled
        self.on_next = on_next
        self.lease_s = lease_s
        # Who claims feeds in the store: this process, among the replicas sharing it.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._forced: dict[str, bool] = {}
        self.feeds: dict[str, Feed] = {}
        self.set_feeds(feeds)
        self.states: dict[str, FeedState] = store.feed_states()
        self._events: queue.Queue[_Event] = queue.Queue()
        self._waiting: list[str] = []
        self._in_flight: dict[str, str] = {}  # feed name -> host
        self._host_busy: Counter[str] = Counter()
        self._stopping = False
        self._threads = FetchThreads(fetcher, self._events.put)
        self._update_failing()

    # --- called from any thread ----------------------------------------------------------------

    def request(self, name: str, *, force: bool = False) -> None:
        """Poll feed `name` as soon as its host has room, if it is due (or `force`) and no other
        replica is polling it (thread-safe)."""
        self._events.put(_Due(name, force))

    def call(self, job: Callable[[], None]) -> None:
        """Run `job` on the driving thread, between polls (thread-safe)."""
        self._events.put(_Call(job))

    # --- called from the driving thread ---------------------------------------------------------

    def set_feeds(self, feeds: Iterable[Feed]) -> None:
        self.feeds = {f.name: f for f in feeds}

    @property
    def busy(self) -> bool:
        """Fetches in flight, feeds waiting for their host, or events not yet handled."""
        return bool(self._in_flight or self._waiting or not self._events.empty())

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def stop(self) -> None:
        """Start no more fetches; those in flight still come back to `step`."""
        self._stopping = True
        self._waiting.clear()

    def close(self) -> None:
        """Let the fetch threads end once their fetches do."""
        self._threads.close()

    def step(self, timeout: float | None = None) -> bool:
        """Handle one event, waiting up to `timeout` seconds for it. False when none came."""
        try:
            event = self._events.get(timeout=timeout) if timeout else self._events.get_nowait()
        except queue.Empty:
            return False
        match event:
            case _Due(name, force):
                self._due(name, force)
            case Done(name, url, result, elapsed_s):
                self._fetched(name, url, result, elapsed_s)
            case _Call(job) if not self._stopping:
                job()
        return True

    def poll(self, names: Iterable[str]) -> list[PollResult]:
        """Poll the named feeds now and return when all are done (`monitor poll`)."""
        results: list[PollResult] = []
        hook = self.on_polled

        def collect(result: PollResult) -> None:
            results.append(result)
            hook(result)

        self.on_polled = collect
        try:
            for name in names:
                self.request(name, force=True)
            while self.busy:
                self.step(timeout=0.1)
        finally:
            self.on_polled = hook
        return results

    def _due(self, name: str, force: bool) -> None:
        feed = self.feeds.get(name)
        if self._stopping or feed is None or not feed.enabled:
            return
        if name in self._in_flight or name in self._waiting:
            return
        self._waiting.append(name)
        self._forced[name] = force
        self._start_waiting()

    def _start_waiting(self) -> None:
        for name in list(self._waiting):
            if len(self._in_flight) >= self.concurrency:
                return
            feed = self.feeds.get(name)
            if feed is None:
                self._waiting.remove(name)
                continue
            if self._host_busy[feed.host] >= self.per_host:
                continue
            self._waiting.remove(name)
            claimed = self._claim(feed, self._forced.pop(name, False))
            if claimed is None:
                continue
            state = for_url(claimed, name, feed.url)
            self._in_flight[name] = feed.host
            self._host_busy[feed.host] += 1
            job = Job(name, feed.url, state.etag, state.last_modified)
            most = self._threads.run(job, busy=len(self._in_flight))
            if most is not None:
                self.concurrency = most

    def _claim(self, feed: Feed, force: bool) -> FeedState | None:
        """Claim the feed in the store for this replica's poll: its state as stored when the
        claim is granted; None when the feed is not due, or another replica is polling it (it
        is then looked at again when that poll's claim or the next poll's time comes)."""
        now = self.clock()
        try:
            claim = self.store.claim_feed(
                name=feed.name,
                url=feed.url,
                owner=self.owner,
                now=now,
                lease_s=self.lease_s,
                force=force,
            )
        except StoreError as e:
            # The database's fault, not the feed's: no back-off, the feed's own interval (at
            # most a minute), so that polling resumes soon after the database does.
            retry_s = min(CLAIM_RETRY_S, feed.schedule.interval_s)
            log.error("%s; tried again in %s", e, duration(retry_s))
            self.on_next(feed.name, now + timedelta(seconds=retry_s))
            self.on_polled(PollResult(feed=feed.name, outcome="skipped", reason=str(e)))
            return None
        if claim.granted:
            return claim.state
        if claim.state.url == feed.url:
            self.states[feed.name] = claim.state  # as the replica that polled it left it
        later = [t for t in (claim.state.next_poll_at, claim.held_until) if t is not None]
        at = max(later) if later else now + timedelta(seconds=feed.schedule.interval_s)
        reason = "being polled by another replica" if claim.held_until else "not due"
        log.debug("feed '%s' %s; looked at again at %s", feed.name, reason, at)
        self.on_polled(PollResult(feed=feed.name, outcome="skipped", reason=reason))
        self.on_next(feed.name, at)
        return None

    def _fetched(self, name: str, url: str, result: Fetched | FetchError, elapsed_s: float) -> None:
        host = self._in_flight.pop(name, None)
        if host is not None:
            self._host_busy[host] -= 1
        try:
            feed = self.feeds.get(name)
            if feed is None or feed.url != url:
                log.info("feed '%s' changed while it was fetched; its answer is dropped", name)
                if feed is not None and not self._stopping:
                    self.request(name)
                return
            self._ingest(feed, result, elapsed_s)
        finally:
            if not self._stopping:
                self._start_waiting()

    # --- ingesting -------------------------------------------------------------------------------

    def _ingest(self, feed: Feed, result: Fetched | FetchError, elapsed_s: float) -> None:
        now = self.clock()
        state = for_url(self.states.get(feed.name), feed.name, feed.url)
        self.metrics.fetch_seconds.observe(elapsed_s)
        poll = PollResult(feed=feed.name, outcome="failed", elapsed_s=elapsed_s)
        try:
            new_state, notice = self._judge(feed, state, result, poll, now)
        except StoreError as e:
            # The database's fault, not the feed's: its health and what it kept for a
            # conditional GET stay as they were (so that the whole feed is fetched again), and
            # it is polled again as soon as a failed claim would be, without backing off.
            retry_s = min(CLAIM_RETRY_S, feed.schedule.interval_s)
            log.error("feed '%s': %s; it is fetched again in %s", feed.name, e, duration(retry_s))
            self.metrics.store_errors.inc()
            poll.outcome, poll.reason = "failed", f"database failed: {e}"
            new_state = replace(
                state, last_polled_at=now, next_poll_at=now + timedelta(seconds=retry_s)
            )
            notice = None
        if notice is not None and not self._send_notice(notice.text):
            new_state = _replace_alerted(new_state, state)
        self.states[feed.name] = new_state
        try:
            self.store.save_feed_state(new_state)
        except StoreError as e:
            log.error("%s; kept in memory until it can be saved", e)
            self.metrics.store_errors.inc()
        poll.next_poll_at = new_state.next_poll_at
        self.metrics.polls.labels(poll.outcome).inc()
        for status, n in poll.counts.items():
            self.metrics.reports.labels(status).inc(n)
        self._update_failing()
        if poll.ok:
            log.info(poll.line(now))
        else:
            log.warning(poll.line(now))
        self.on_polled(poll)
        if new_state.next_poll_at is not None:
            self.on_next(feed.name, new_state.next_poll_at)

    def _judge(
        self,
        feed: Feed,
        state: FeedState,
        result: Fetched | FetchError,
        poll: PollResult,
        now: datetime,
    ) -> tuple[FeedState, Any]:
        """The feed's next state after `result` (entries stored on the way), and any notice."""
        ok = partial(succeeded, now=now, schedule=feed.schedule, rng=self.rng)
        down = partial(failed, now=now, schedule=feed.schedule, rng=self.rng)
        if isinstance(result, FetchError):
            poll.reason = result.reason
            return down(state, reason=result.reason, retry_after_s=result.retry_after_s)
        if result.body is None:
            poll.outcome = "not modified"
            return ok(
                state,
                etag=result.etag or state.etag,
                last_modified=result.last_modified or state.last_modified,
                body_hash=state.body_hash,
                new=0,
            )
        body_hash = hashlib.sha256(result.body).hexdigest()
        if body_hash == state.body_hash:
            poll.outcome = "unchanged"
            return ok(
                state,
                etag=result.etag,
                last_modified=result.last_modified,
                body_hash=body_hash,
                new=0,
            )
        try:
            entries, poll.not_read = feed_entries(
                feed.name, result.body, result.content_type, feed.scope
            )
        except InputError as e:
            poll.reason = e.reason
            return down(state, reason=poll.reason)
        poll.entries = len(entries)
        for outcome in self.pipeline.process_many(entries):
            if isinstance(outcome, InputError):
                poll.bad_entries += 1
                log.warning("%s", outcome)
                continue
            poll.counts[outcome.verdict.status.value] += 1
            if outcome.verdict.status is Status.NEW and outcome.relevance is not None:
                poll.not_relevant += not outcome.relevance.relevant
            for alert in outcome.alerts:
                poll.alerts[alert.status.value] += 1
                self.metrics.alerts.labels(alert.status.value).inc()
        poll.outcome = "ingested"
        return ok(
            state,
            etag=result.etag,
            last_modified=result.last_modified,
            body_hash=body_hash,
            new=poll.counts[Status.NEW.value],
        )

    def _send_notice(self, text: str) -> bool:
        log.warning("%s", text)
        if self.notifier is None:
            return True
        try:
            self.notifier.send_notice(self.health_channel, text)
        except DeliveryError as e:
            log.error("notice to %s not delivered: %s", self.health_channel, e)
            return False
        return True

    def _update_failing(self) -> None:
        self.metrics.feeds_failing.set(
            sum(1 for name, s in self.states.items() if name in self.feeds and s.failures)
        )


def _replace_alerted(new: FeedState, old: FeedState) -> FeedState:
    """A notice that could not be sent is tried again at the next poll."""
    return replace(new, down_alerted=old.down_alerted)
