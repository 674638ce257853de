"""The daemon's commands: `run` (the service), `poll` (one cycle, for cron and tests), `feeds`
(each feed's health) and `check` (is everything in place; a container's health check)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from monitor.alert.slack import slack_notifier
from monitor.assembly import assemble, watchlist_of
from monitor.cli.alerts import drain
from monitor.cli.options import config_options, err
from monitor.clock import utc_now
from monitor.config import LoadedSettings, load_settings
from monitor.daemon import Service, feeds_from_settings, open_poller
from monitor.daemon.health import is_due
from monitor.errors import DeliveryError, MonitorError
from monitor.model import AlertStatus, FeedState
from monitor.output import not_about_libya, shorten
from monitor.pipeline import rules_from_settings
from monitor.store import SqlStore
from monitor.store.lock import single_writer


@click.command("run")
@config_options
def run_command(config_file: Path | None, db_url: str | None) -> None:
    """Run the service: poll every enabled feed on its schedule and alert what is new.

    Logs one line a poll (INFO) and a summary when it stops. SIGTERM or SIGINT stops it
    (in-flight work finishes, exit 0); SIGHUP reloads the configuration.
    """
    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)

    def load() -> LoadedSettings:
        return load_settings(config_file, db_url=db_url)

    # A mistake in the configuration, the watchlist or the credentials stops it here, before the
    # service takes the database's lock or opens a connection.
    assemble(load())
    service = Service(load)
    service.run()


@click.command("poll")
@config_options
@click.option("--feed", "names", multiple=True, metavar="NAME", help="Poll this feed (repeatable).")
@click.option("--all", "poll_all", is_flag=True, help="Poll every enabled feed, due or not.")
def poll_command(
    config_file: Path | None, db_url: str | None, names: tuple[str, ...], poll_all: bool
) -> None:
    """Poll the feeds that are due (or those named, or all) once, then exit.

    Prints a line a feed. Exit code 1 when a feed failed.
    """
    loaded = load_settings(config_file, db_url=db_url)
    assembly = assemble(loaded)
    notifier = assembly.notifier
    if logging.getLogger().level > logging.INFO:
        # Each poll's line goes to stdout below; the log would say it twice.
        logging.getLogger("monitor.daemon.poller").setLevel(logging.ERROR)
    configured = {f.name: f for f in feeds_from_settings(loaded.settings)}
    for name in names:
        if name not in configured:
            raise click.BadParameter(
                f"no feed named '{name}' in {loaded.user_file}", param_hint="--feed"
            )
    inline = assembly.notifier.immediate
    with (
        single_writer(loaded.settings.database_url, "poll"),
        open_poller(assembly, deliver_inline=inline) as poller,
    ):
        now = utc_now()
        if names:
            chosen = list(names)
        else:
            chosen = [
                f.name
                for f in configured.values()
                if f.enabled and (poll_all or _due(poller.states.get(f.name), f.url, now))
            ]
        if not chosen:
            err("no feed is due; --all polls every feed")
            return
        results = poller.poll(chosen)
        delivered = None if inline else drain(poller.store, notifier, loaded.settings.slack)
    for result in results:
        click.echo(result.line(utc_now()))
    failed = [r for r in results if not r.ok]
    new = sum(r.counts["new"] for r in results)
    not_relevant = sum(r.not_relevant for r in results)
    sent = (
        ""
        if delivered is None
        else "; alerts: " + (", ".join(f"{n} {k}" for k, n in delivered.items()) or "none")
    )
    err(
        f"{len(results)} feed(s) polled, {len(failed)} failed; "
        f"{new} new report(s){not_about_libya(not_relevant)}{sent}"
    )
    if failed:
        sys.exit(1)


def _due(state: FeedState | None, url: str, now: datetime) -> bool:
    return state is None or state.url != url or is_due(state, now)


def _when(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "-"
    seconds = (at - now).total_seconds()
    span = abs(seconds)
    text = (
        f"{span:.0f}s"
        if span < 90
        else f"{span / 60:.0f}m"
        if span < 5400
        else f"{span / 3600:.1f}h"
        if span < 172800
        else f"{span / 86400:.0f}d"
    )
    return f"in {text}" if seconds > 0 else f"{text} ago"


def _status(state: FeedState | None, enabled: bool) -> str:
    if not enabled:
        return "disabled"
    if state is None or state.polls == 0:
        return "not polled yet"
    if state.failures:
        return f"failing ({state.failures})"
    return "ok"


@click.command("feeds")
@config_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed on stdout.")
def feeds_command(config_file: Path | None, db_url: str | None, as_json: bool) -> None:
    """Show each configured feed's health: last success, failures and why, next poll."""
    loaded = load_settings(config_file, db_url=db_url)
    feeds = feeds_from_settings(loaded.settings)
    with SqlStore.open(loaded.settings.database_url) as store:
        states = store.feed_states()
    now = utc_now()
    rows = []
    for feed in feeds:
        state = states.get(feed.name)
        if state is not None and state.url != feed.url:
            state = None  # polled under another URL: nothing known of this one yet
        rows.append((feed, state))
    if as_json:
        for feed, state in rows:
            click.echo(json.dumps(_feed_json(feed.name, feed.url, feed.enabled, state)))
        return
    header = f"{'FEED':<28} {'STATUS':<15} {'LAST OK':<10} {'NEXT':<10} {'NEW':>6}  LAST ERROR"
    click.echo(header)
    for feed, state in rows:
        error = ""
        if state is not None and state.last_error and state.failures:
            error = shorten(state.last_error, 60)
        click.echo(
            f"{shorten(feed.name, 28):<28} {_status(state, feed.enabled):<15} "
            f"{_when(state.last_success_at if state else None, now):<10} "
            f"{_when(state.next_poll_at if state and feed.enabled else None, now):<10} "
            f"{state.total_new if state else 0:>6}  {error}"
        )
    failing = sum(1 for f, s in rows if f.enabled and s is not None and s.failures)
    err(f"{len(rows)} feed(s), {failing} failing")


def _feed_json(name: str, url: str, enabled: bool, state: FeedState | None) -> dict[str, object]:
    def iso(at: datetime | None) -> str | None:
        return at.isoformat() if at else None

    return {
        "name": name,
        "url": url,
        "enabled": enabled,
        "status": _status(state, enabled),
        "polls": state.polls if state else 0,
        "last_polled_at": iso(state.last_polled_at) if state else None,
        "last_success_at": iso(state.last_success_at) if state else None,
        "failures": state.failures if state else 0,
        "failing_since": iso(state.failing_since) if state else None,
        "last_error": state.last_error if state else None,
        "last_error_at": iso(state.last_error_at) if state else None,
        "next_poll_at": iso(state.next_poll_at) if state and enabled else None,
        "last_new": state.last_new if state else 0,
        "total_new": state.total_new if state else 0,
    }


@click.command("check")
@config_options
def check_command(config_file: Path | None, db_url: str | None) -> None:
    """Check that the service can run: the configuration and watchlist read, the alert rules
    name what the watchlist holds, the Slack credentials can be read, the database is reachable
    and its tables current, and Slack takes the token.

    Exit code 0 when all is well; 2 when the configuration, the watchlist or a credential is
    wrong (then nothing else is tried: no database is opened, no request made); 1 when the
    database or Slack fails. Usable as a container's health check."""
    problems = 0

    def say(ok: bool, what: str) -> None:
        nonlocal problems
        problems += 0 if ok else 1
        click.echo(f"{'ok  ' if ok else 'FAIL'}  {what}")

    try:
        loaded = load_settings(config_file, db_url=db_url)
    except MonitorError as e:
        say(False, f"configuration: {e}")
        sys.exit(2)
    settings = loaded.settings
    say(True, f"configuration: {', '.join(str(f) for f in loaded.files)}")
    try:
        watchlist = watchlist_of(loaded)
        say(True, f"watchlist: {len(watchlist.entities):,} actors and places")
    except MonitorError as e:
        say(False, f"watchlist: {e}")
    else:
        try:
            rules = rules_from_settings(settings, watchlist, str(loaded.user_file))
            say(True, f"alert rules: {len(rules)}")
        except MonitorError as e:
            say(False, f"alert rules: {e}")
    try:
        notifier = slack_notifier(settings.slack, config_file=str(loaded.user_file))
    except MonitorError as e:
        say(False, f"slack: {e}")
        notifier = None
    if problems:
        err(f"{problems} configuration problem(s); nothing else checked")
        sys.exit(2)
    enabled = [f for f in settings.feeds if f.enabled]
    say(bool(enabled) or not settings.feeds, f"feeds: {len(enabled)} enabled")
    try:
        with SqlStore.open(settings.database_url) as store:
            reports = store.count()
            states = store.feed_states()
            failed_alerts = store.alerts_with_status(AlertStatus.FAILED)
        say(True, f"database: {store.name}, {reports:,} report(s)")
        failing = [f.name for f in enabled if f.name in states and states[f.name].failures]
        click.echo(
            f"info  feeds failing: {len(failing)}"
            + (f" ({', '.join(failing[:5])}{'...' if len(failing) > 5 else ''})" if failing else "")
        )
        if failed_alerts:
            click.echo(
                f"warn  {failed_alerts} alert(s) failed for good (`monitor alerts --status "
                "failed` says why; `monitor alerts retry` queues them again)"
            )
    except MonitorError as e:
        say(False, f"database: {e}")
    if notifier is None:
        click.echo("info  alerts: no Slack credentials; alerts go to the console (standard error)")
    else:
        try:
            say(True, f"slack: {notifier.check()}")
        except DeliveryError as e:
            say(False, f"slack: {e}")
    if problems:
        err(f"{problems} problem(s)")
        sys.exit(1)
