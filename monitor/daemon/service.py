"""`monitor run`: the long-running service. APScheduler (3.x) keeps the time: a one-off job for each
feed's next poll (each poll schedules the next, from the feed's health: see
`monitor.daemon.health`), and interval jobs for alert dispatch and housekeeping. Its jobs only
hand work to the `Poller`, whose loop runs on the main thread and alone touches the store.

SIGTERM or SIGINT: no new polls start, the fetches in flight are ingested if they come back
within the grace time, and `run` returns 0 (well within 10 seconds). A second signal exits at
once; the store's transactions leave nothing half-written either way. SIGHUP reloads the
configuration: added feeds are scheduled, removed or disabled ones dropped, and a bad file is
logged and ignored (the running configuration stays).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from monitor.alert.notify import Notifier
from monitor.assembly import Assembly, assemble, changes
from monitor.clock import Clock, utc_now
from monitor.config import LoadedSettings
from monitor.daemon.feeds import Feed, PollResult, feeds_from_settings
from monitor.daemon.health import first_poll
from monitor.daemon.metrics import Metrics, serve
from monitor.daemon.outbox import DispatchThread
from monitor.daemon.poller import Poller
from monitor.errors import MonitorError, StoreError
from monitor.model import AlertStatus
from monitor.sources.http import Fetcher
from monitor.store import SqlStore
from monitor.store.lock import single_writer

log = logging.getLogger(__name__)

# How long in-flight fetches may still come back after a stop signal.
STOP_GRACE_S = 6.0
# The loop wakes at least this often (to notice signals and reloads).
TICK_S = 0.25
# /healthz fails when the loop has not turned for this long.
STALL_S = 60.0
# Housekeeping first runs this long after start (not in the rush of first polls).
FIRST_HOUSEKEEPING_S = 120.0


@contextmanager
def open_poller(
    assembly: Assembly,
    *,
    deliver_inline: bool = True,
    clock: Clock = utc_now,
    rng: random.Random | None = None,
    metrics: Metrics | None = None,
) -> Iterator[Poller]:
    """The store, pipeline, fetcher and poller of `assembly`; closed on exit. With
    `deliver_inline` the pipeline sends each group's alerts through the notifier once the
    group is stored; without, alerts wait in the outbox for a `Dispatcher`. Feed notices
    always go through the notifier."""
    settings = assembly.settings
    polling = settings.polling
    with (
        SqlStore.open(settings.database_url, clock=clock) as store,
        Fetcher(
            timeout_s=polling.timeout,
            max_body=polling.max_body,
            max_redirects=polling.max_redirects,
            about_url=polling.about_url,
        ) as fetcher,
    ):
        poller = Poller(
            store=store,
            pipeline=assembly.pipeline(store, inline=deliver_inline, clock=clock),
            fetcher=fetcher,
            feeds=feeds_from_settings(settings),
            per_host=polling.per_host,
            concurrency=polling.concurrency,
            notifier=assembly.notifier,
            health_channel=polling.health_channel,
            clock=clock,
            rng=rng,
            metrics=metrics,
            lease_s=polling.lease,
        )
        try:
            yield poller
        finally:
            poller.close()


@dataclass(kw_only=True, slots=True)
class RunSummary:
    polls: Counter[str]
    reports: Counter[str]
    alerts: Counter[str]
    seconds: float

    def line(self) -> str:
        polls = ", ".join(f"{n} {k}" for k, n in sorted(self.polls.items())) or "none"
        reports = ", ".join(f"{n} {k}" for k, n in sorted(self.reports.items())) or "none"
        alerts = ", ".join(f"{n} {k}" for k, n in sorted(self.alerts.items())) or "none"
        return (
            f"stopped after {self.seconds:.0f} s: {sum(self.polls.values())} poll(s) ({polls}); "
            f"reports: {reports}; alerts: {alerts}"
        )


class Service:
    """The daemon. `load` reads the configuration (at start and on SIGHUP)."""

    def __init__(
        self,
        load: Callable[[], LoadedSettings],
        *,
        notifier: Notifier | None = None,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._load = load
        self._notifier_given = notifier
        self._clock = clock
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._heartbeat = time.monotonic()
        self.metrics = Metrics()
        self._summary = RunSummary(polls=Counter(), reports=Counter(), alerts=Counter(), seconds=0)
        self._lock = threading.Lock()

    # --- signals ---------------------------------------------------------------------------------

    def _on_stop(self, signum: int, _frame: FrameType | None) -> None:
        if self._stop.is_set():
            os.write(2, b"monitor: second signal, exiting at once\n")
            os._exit(128 + signum)
        self._stop.set()

    def _on_hup(self, _signum: int, _frame: FrameType | None) -> None:
        self._reload.set()

    def stop(self) -> None:
        """Ask the loop to stop (what SIGTERM does)."""
        self._stop.set()

    # --- the loop --------------------------------------------------------------------------------

    def run(self) -> RunSummary:
        """Run until stopped. Raises ConfigError or StoreError when it cannot start."""
        started = time.monotonic()
        assembly = assemble(self._load(), notifier=self._notifier_given)
        settings = assembly.settings
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_stop)
            signal.signal(signal.SIGINT, self._on_stop)
            signal.signal(signal.SIGHUP, self._on_hup)
        server = None
        dispatcher = DispatchThread(
            settings.database_url,
            assembly.notifier,
            retry_max_s=settings.slack.retry_max,
            every_s=settings.service.dispatch_every,
            clock=self._clock,
            on_outcome=self._alerted,
        )
        with (
            single_writer(settings.database_url, "run"),
            open_poller(
                assembly,
                deliver_inline=False,
                clock=self._clock,
                rng=self._rng,
                metrics=self.metrics,
            ) as poller,
        ):
            self._poller = poller
            self._assembly = assembly
            scheduler = BackgroundScheduler(
                timezone=UTC,
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            )
            self._dispatcher = dispatcher
            poller.on_polled = self._count
            poller.on_next = lambda name, at: self._schedule(scheduler, name, at)
            self._schedule_feeds(scheduler, poller, poller.feeds.values())
            scheduler.add_job(
                poller.call,
                "interval",
                args=[self._housekeep],
                seconds=settings.housekeeping.every,
                next_run_time=datetime.now(UTC) + timedelta(seconds=FIRST_HOUSEKEEPING_S),
                id="housekeeping",
            )
            if settings.service.metrics_port:
                server = serve(
                    settings.service.metrics_host,
                    settings.service.metrics_port,
                    self.metrics,
                    self._healthy,
                )
            scheduler.start()
            dispatcher.start()
            enabled = sum(1 for f in poller.feeds.values() if f.enabled)
            log.info(
                "started: %d feed(s) polled, database %s%s",
                enabled,
                poller.store.name,
                f", metrics on {settings.service.metrics_host}:{settings.service.metrics_port}"
                if server
                else "",
            )
            try:
                while not self._stop.is_set():
                    poller.step(timeout=TICK_S)
                    self._heartbeat = time.monotonic()
                    if self._reload.is_set():
                        self._reload.clear()
                        self._reload_config(scheduler, poller)
            finally:
                scheduler.shutdown(wait=False)
                poller.stop()
                deadline = time.monotonic() + STOP_GRACE_S
                while poller.in_flight and time.monotonic() < deadline:
                    poller.step(timeout=0.1)
                if poller.in_flight:
                    log.warning(
                        "%d fetch(es) still in flight at stop; they are polled again on start",
                        poller.in_flight,
                    )
                dispatcher.finish(deadline)
                if server is not None:
                    server.shutdown()
        self._summary.seconds = time.monotonic() - started
        log.info(self._summary.line())
        return self._summary

    def _healthy(self) -> tuple[bool, str]:
        quiet = time.monotonic() - self._heartbeat
        if quiet > STALL_S:
            return False, f"the main loop has not turned for {quiet:.0f} s"
        return True, "ok"

    def _count(self, result: PollResult) -> None:
        if result.counts.get("new"):
            self._dispatcher.wake()
        self._summary.polls[result.outcome] += 1
        self._summary.reports.update(result.counts)

    # --- scheduling ------------------------------------------------------------------------------

    def _schedule(self, scheduler: BackgroundScheduler, name: str, at: datetime) -> None:
        if self._stop.is_set():
            return
        scheduler.add_job(
            self._poller.request,
            DateTrigger(run_date=at, timezone=UTC),
            args=[name],
            id=f"feed:{name}",
            name=f"poll {name}",
            replace_existing=True,
        )

    def _schedule_feeds(self, scheduler: BackgroundScheduler, poller: Poller, feeds: Any) -> None:
        now = self._clock()
        for feed in feeds:
            if feed.enabled:
                state = poller.states.get(feed.name)
                at = first_poll(state, feed.url, feed.schedule, now, self._rng)
                self._schedule(scheduler, feed.name, at)

    def _reload_config(self, scheduler: BackgroundScheduler, poller: Poller) -> None:
        """Read the configuration and the watchlist again and run on the new ones from the
        next poll: feeds, alert rules, the watchlist and its tagger, relevance, stories, dedup,
        Slack and housekeeping. Nothing in flight is lost: this runs on the loop's thread,
        between polls, and fetches under way are ingested with the new parts. A mistake in a
        file is logged, naming it, and the running configuration stays."""
        try:
            new = assemble(self._load(), notifier=self._notifier_given)
        except MonitorError as e:
            log.error("reload refused, the running configuration stays: %s", e)
            return
        old = self._assembly
        said = changes(old, new)
        said += self._reload_feeds(scheduler, poller, new)
        if old.settings.dedup != new.settings.dedup:
            # The retrieval index and the window follow the dedup settings: read again.
            poller.pipeline = new.pipeline(poller.store, inline=False, clock=self._clock)
        else:
            poller.pipeline.reconfigure(
                tagger=new.tagger, rules=new.rules, story_policy=new.settings.stories
            )
        poller.notifier = new.notifier
        poller.health_channel = new.settings.polling.health_channel
        if new.notifier is not old.notifier or old.settings.slack != new.settings.slack:
            self._dispatcher.use(
                new.notifier,
                retry_max_s=new.settings.slack.retry_max,
                every_s=new.settings.service.dispatch_every,
            )
        if old.settings.housekeeping.every != new.settings.housekeeping.every:
            scheduler.reschedule_job(
                "housekeeping", trigger="interval", seconds=new.settings.housekeeping.every
            )
        later = _restart_only(old, new)
        self._assembly = new
        log.info("configuration reloaded: %s", "; ".join(said) or "nothing changed")
        if later:
            log.warning("these take effect at the next start: %s", ", ".join(later))

    def _reload_feeds(
        self, scheduler: BackgroundScheduler, poller: Poller, new_assembly: Assembly
    ) -> list[str]:
        """Schedule the feeds added or changed, drop those removed or disabled; what changed."""
        old = poller.feeds
        new: dict[str, Feed] = {f.name: f for f in feeds_from_settings(new_assembly.settings)}
        poller.set_feeds(new.values())
        for name, feed in old.items():
            if feed.enabled and (name not in new or not new[name].enabled):
                job = scheduler.get_job(f"feed:{name}")
                if job is not None:
                    job.remove()
        changed = [
            f
            for name, f in new.items()
            if f.enabled and (name not in old or not old[name].enabled or old[name] != f)
        ]
        self._schedule_feeds(scheduler, poller, changed)
        removed = sorted(n for n in old if n not in new)
        if not changed and not removed and old.keys() == new.keys():
            return []
        return [
            f"feeds: {sum(1 for f in new.values() if f.enabled)} polled, "
            f"{len(changed)} added or changed, {len(removed)} removed"
            + (f" ({', '.join(removed)})" if removed else "")
        ]

    # --- jobs on the main thread -----------------------------------------------------------------

    def _alerted(self, status: AlertStatus) -> None:
        self.metrics.alerts.labels(status.value).inc()
        with self._lock:
            self._summary.alerts[status.value] += 1

    def _housekeep(self) -> None:
        settings = self._assembly.settings
        now = self._clock()
        window = now - timedelta(days=settings.dedup.window_days)
        keep_days = settings.housekeeping.keep_days
        try:
            store = self._poller.store
            pruned = store.prune(
                window_start_id=store.window_start(window),
                first_day=window.toordinal() - settings.stories.days,
                keep_after=now - timedelta(days=keep_days) if keep_days else None,
            )
        except StoreError as e:
            log.error("housekeeping: %s", e)
            return
        log.info(
            "housekeeping: %d old report(s), %d retrieval key row(s), %d story key(s) removed",
            pruned.reports,
            pruned.dedup_keys,
            pruned.story_keys,
        )


def _restart_only(old: Assembly, new: Assembly) -> list[str]:
    """The settings a reload changed that only a restart applies: the database, the metrics
    endpoint, and how feeds are fetched (the fetcher and its worker threads are made once)."""
    a, b = old.settings, new.settings
    later = []
    if a.database_url != b.database_url:
        later.append("the database URL")
    if (a.service.metrics_host, a.service.metrics_port) != (
        b.service.metrics_host,
        b.service.metrics_port,
    ):
        later.append("service.metrics_host/metrics_port")
    fetching = (
        "timeout",
        "max_body",
        "max_redirects",
        "about_url",
        "concurrency",
        "per_host",
        "lease",
    )
    later += [
        f"polling.{key}" for key in fetching if getattr(a.polling, key) != getattr(b.polling, key)
    ]
    return later
