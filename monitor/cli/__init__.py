"""The `monitor` command line: thin drivers of the pipeline.

Exit codes: 0 all went well; 1 some input failed or the database did; 2 a usage or configuration
error (nothing was started).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from monitor import __version__
from monitor.alert import ConsoleNotifier, Dispatcher, Notifier, Rule
from monitor.alert.slack import choose_notifier
from monitor.config import LoadedSettings, SlackSettings, load_settings
from monitor.errors import ConfigError, InputError, MonitorError, StoreError
from monitor.model import SCOPES, Scope, Status, StoredReport, TagKind, Verdict
from monitor.output import not_about_libya, reading_line, report_json, shorten
from monitor.pipeline import (
    Outcome,
    Pipeline,
    dedup_policy,
    relevance_policy,
    rules_from_settings,
    story_policy,
)
from monitor.replay import plan, replay
from monitor.sources import InputFile, Skipped
from monitor.store import SqlStore, Store
from monitor.store.lock import single_writer
from monitor.tag import Tagger, Watchlist, load_watchlist

F = TypeVar("F", bound=Callable[..., Any])
# Show a progress bar when a replay reads at least this much and stderr is a terminal.
PROGRESS_MIN_BYTES = 1_000_000
PROGRESS_MIN_FILES = 50


def _err(message: str) -> None:
    click.echo(f"monitor: {message}", err=True)


def config_options(func: F) -> F:
    func = click.option(
        "--db",
        "db_url",
        metavar="URL",
        help="Database URL (SQLAlchemy form); overrides $MONITOR_DB_URL and the config.",
    )(func)
    func = click.option(
        "--config",
        "config_file",
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Configuration file (default: $MONITOR_CONFIG, else ./config/monitor.toml, else the "
        "shipped defaults).",
    )(func)
    return func


def _watchlist(loaded: LoadedSettings) -> Watchlist:
    w = loaded.settings.watchlist
    return load_watchlist(Path(w.actors), w.places_files)


def tagger_for(loaded: LoadedSettings, watchlist: Watchlist) -> Tagger:
    """The tag stage as configured: the watchlist, and the weights and threshold of relevance."""
    return Tagger(watchlist, relevance=relevance_policy(loaded.settings))


def notifier_for(loaded: LoadedSettings) -> Notifier:
    """Slack when credentials are set, else the console. Raises ConfigError naming the file and
    key (or the environment variable) of a credential that cannot be used."""
    return choose_notifier(loaded.settings.slack, config_file=str(loaded.user_file))


def preflight(loaded: LoadedSettings) -> tuple[Watchlist, list[Rule], Notifier]:
    """What a command that stores or sends needs read before it starts anything (a database
    file, a lock, a request): the watchlist, the alert rules and the Slack credentials. Raises
    ConfigError, so that a mistake is one message and exit code 2 with nothing begun."""
    watchlist = _watchlist(loaded)
    rules = rules_from_settings(loaded.settings, watchlist, str(loaded.user_file))
    return watchlist, rules, notifier_for(loaded)


class _JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="monitor")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines for a person, or one JSON object a line for a log collector.",
)
def cli(verbose: int, log_format: str) -> None:
    """monitor: watch news on the conflict in Libya.

    Reports are deduplicated against everything stored (across every source), tagged with the
    watchlist's actors and places, stored, and alerted.
    """
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("monitor: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING - 10 * min(verbose, 2))
    for chatty in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # slack-sdk's debug lines hold each request's URL (an incoming webhook's URL is its secret)
    # and headers: never logged, whatever -v says.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)


@cli.command("replay")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@config_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per report on stdout.")
@click.option(
    "--dry-run", is_flag=True, help="Run every stage but store nothing and send no alert."
)
@click.option(
    "--scope",
    type=click.Choice(SCOPES),
    default="general",
    show_default=True,
    help="What the reports' sources cover: libya (a Libya outlet: its reports are about Libya "
    "unless their content clearly is not) or general (world news: about Libya only on the "
    "evidence).",
)
def replay_command(
    paths: tuple[str, ...],
    config_file: Path | None,
    db_url: str | None,
    as_json: bool,
    dry_run: bool,
    scope: Scope,
) -> None:
    """Run files of reports through the whole pipeline.

    PATHS are plain-text files (one report each; a headline-like first line is the title), JSON
    Lines files (.jsonl: one report per line with id, url, title, text or summary, published,
    source), RSS or Atom documents (.xml, .rss, .atom), or folders of these (read in sorted
    order). A bad input is reported on stderr and the rest is still read; the exit code is then 1.
    """
    loaded = load_settings(config_file, db_url=db_url)
    settings = loaded.settings
    watchlist, rules, notifier = preflight(loaded)
    inputs = plan(paths)
    files = [i for i in inputs if isinstance(i, InputFile)]
    total_bytes = sum(f.size for f in files)
    show_progress = sys.stderr.isatty() and (
        total_bytes >= PROGRESS_MIN_BYTES or len(files) >= PROGRESS_MIN_FILES
    )

    # The console takes alerts as they come; Slack's go out after the replay, paced (see
    # `drain`), so that a slow or failing Slack never holds up storing.
    inline = isinstance(notifier, ConsoleNotifier)
    with (
        single_writer(settings.database_url, "replay"),
        SqlStore.open(settings.database_url, dry_run=dry_run) as store,
    ):
        pipeline = Pipeline(
            store=store,
            tagger=tagger_for(loaded, watchlist),
            rules=rules,
            notifier=None if dry_run or not inline else notifier,
            policy=dedup_policy(settings),
            story_policy=story_policy(settings),
        )

        def on_outcome(outcome: Outcome) -> None:
            for warning in outcome.warnings:
                _err(f"warning: {outcome.ref}: {warning}")
            if as_json:
                obj = report_json(
                    ref=outcome.ref,
                    report_id=outcome.report_id,
                    report=outcome.report,
                    verdict=outcome.verdict,
                    story_id=outcome.story_id,
                    tags=outcome.tags,
                    alerts=outcome.alerts,
                    relevance=outcome.relevance,
                    place=outcome.place,
                )
                click.echo(json.dumps(obj, ensure_ascii=False))
            else:
                click.echo(_outcome_line(outcome))

        def on_error(error: InputError) -> None:
            _err(f"error: {error}")

        def on_skipped(skipped: Skipped) -> None:
            _err(
                f"warning: {skipped.folder}: skipped {skipped.count} file(s) of unknown type "
                f"({', '.join(skipped.endings)})"
            )

        with (
            click.progressbar(length=max(total_bytes, 1), label="replaying", file=sys.stderr)
            if show_progress
            else _NoProgress() as bar
        ):
            summary = replay(
                inputs,
                pipeline,
                on_outcome=on_outcome,
                on_error=on_error,
                on_skipped=on_skipped,
                on_file_done=lambda f: bar.update(f.size),
                scope=scope,
            )
        if not dry_run and not inline:
            # Whatever the outbox holds, this replay's alerts and those a replay that died
            # (or Slack's outage) left pending or handed over: running the replay again sends them.
            summary.alerts = drain(store, notifier, settings.slack)
    alerts = ", ".join(f"{n} {status}" for status, n in sorted(summary.alerts.items())) or "none"
    _err(
        f"{summary.reports} report(s): {summary.new} new{not_about_libya(summary.not_relevant)}, "
        f"{summary.duplicate} duplicate, "
        f"{summary.seen} seen; "
        f"alerts: {alerts}; {summary.failed} input(s) failed"
        + ("; dry run, nothing stored" if dry_run else f"; stored in {store.name}")
    )
    if summary.failed:
        sys.exit(1)


def drain(store: Store, notifier: Notifier, slack: SlackSettings) -> dict[str, int]:
    """Send the queued alerts, waiting on Slack's failures up to `slack.replay_wait`; what is
    still pending then is left for `monitor run`. The counts by outcome."""
    deadline = time.monotonic() + slack.replay_wait
    done = Dispatcher(store, notifier, retry_max_s=slack.retry_max).run(wait_until=deadline)
    if done.pending:
        _err(
            f"{done.pending} alert(s) not delivered within {slack.replay_wait:g} s; "
            "left pending for `monitor run`"
        )
    counts = {"sent": done.sent, "failed": done.failed, "pending": done.pending}
    return {k: n for k, n in counts.items() if n}


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _outcome_line(outcome: Outcome) -> str:
    verdict = outcome.verdict
    status = verdict.status.value
    if verdict.status is Status.DUPLICATE:
        status += f" of {verdict.duplicate_of} ({verdict.reason})"
    elif verdict.status is Status.SEEN:
        status += f" ({verdict.reason})"
    elif outcome.story_id is not None and outcome.story_id != outcome.report_id:
        status += f", story {outcome.story_id}"
    reading = reading_line(outcome.tags, outcome.relevance, outcome.place)
    return (
        f"{outcome.report_id:>6}  {status:<24} {outcome.ref}\n"
        f"        {shorten(outcome.report.title, 90)}\n"
        f"        {shorten(reading, 90)}"
    )


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date (use YYYY-MM-DD or an ISO 8601 time)", param_hint="--since"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@cli.command("reports")
@config_options
@click.option("--actor", metavar="ID", help="Only reports naming this actor (or one inside it).")
@click.option("--location", metavar="ID", help="Only reports naming this place (or one inside it).")
@click.option("--since", metavar="DATE", help="Only reports published (else fetched) since DATE.")
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Every report: duplicates and reports not about Libya too.",
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per report on stdout.")
def reports_command(
    config_file: Path | None,
    db_url: str | None,
    actor: str | None,
    location: str | None,
    since: str | None,
    every: bool,
    limit: int,
    as_json: bool,
) -> None:
    """List stored reports about Libya, newest first, with where each happened (--all: every
    report). IDs are watchlist ids (see `config/actors.toml`)."""
    since_at = _parse_since(since)
    loaded = load_settings(config_file, db_url=db_url)
    watchlist = _watchlist(loaded)
    for option, entity_id, kind in (
        ("--actor", actor, TagKind.ACTOR),
        ("--location", location, TagKind.PLACE),
    ):
        entity = watchlist.entities.get(entity_id) if entity_id else None
        if entity_id and (entity is None or entity.category is not kind):
            raise click.BadParameter(
                f"no {kind.value} '{entity_id}' in the watchlist", param_hint=option
            )
    with SqlStore.open(loaded.settings.database_url) as store:
        found = store.query(
            actor=actor,
            place=location,
            since=since_at,
            status=None if every else Status.NEW,
            # Reports not yet read for relevance are listed: nothing says they are not about Libya.
            relevant=None if every else True,
            limit=limit,
        )
        for stored in found:
            if as_json:
                obj = report_json(
                    ref=stored.input_ref,
                    report_id=stored.id,
                    report=stored.report,
                    verdict=_verdict_of(stored),
                    story_id=stored.story_id,
                    tags=stored.tags,
                    alerts=store.alerts_of(stored.id),
                    relevance=stored.relevance,
                    place=stored.place,
                )
                click.echo(json.dumps(obj, ensure_ascii=False))
            else:
                published = stored.report.published or stored.report.fetched_at
                reading = reading_line(stored.tags, stored.relevance, stored.place)
                click.echo(
                    f"{stored.id:>6}  {published:%Y-%m-%d}  "
                    f"{shorten(stored.report.source, 20):<20}  {shorten(stored.report.title, 70)}\n"
                    f"        {shorten(reading, 100)}"
                )
    if not as_json:
        _err(f"{len(found)} report(s)")


def _verdict_of(stored: StoredReport) -> Verdict:
    return Verdict(status=stored.status, duplicate_of=stored.duplicate_of)


def main(argv: list[str] | None = None) -> None:
    """The console script: runs the command line and turns monitor's errors into one line on
    stderr with the exit code they call for."""
    try:
        cli.main(args=argv, prog_name="monitor", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        _err("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except ConfigError as e:
        _err(f"configuration error: {e}")
        sys.exit(2)
    except StoreError as e:
        _err(f"error: {e}")
        sys.exit(1)
    except MonitorError as e:
        _err(f"error: {e}")
        sys.exit(1)
    sys.exit(0)


# The daemon's commands (run, poll, feeds, check) and the outbox's (alerts, slack) live in
# modules of their own and join the group here.
from monitor.cli import alerts as _alerts  # noqa: E402, F401
from monitor.cli import daemon as _daemon  # noqa: E402, F401
from monitor.cli import db as _db  # noqa: E402, F401
