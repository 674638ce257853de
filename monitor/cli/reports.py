"""The commands on reports: `replay` (files of reports through the whole pipeline) and
`reports` (what is stored)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from monitor.assembly import assemble, watchlist_of
from monitor.cli.alerts import drain
from monitor.cli.options import NoProgress, config_options, err
from monitor.config import load_settings
from monitor.errors import InputError
from monitor.model import EVENT_TYPES, SCOPES, Scope, Status, StoredReport, TagKind, Verdict
from monitor.output import not_about_libya, reading_line, report_json, shorten
from monitor.pipeline import Outcome
from monitor.replay import plan, replay
from monitor.sources import InputFile, Skipped
from monitor.store import SqlStore
from monitor.store.lock import single_writer

# Show a progress bar when a replay reads at least this much and stderr is a terminal.
PROGRESS_MIN_BYTES = 1_000_000
PROGRESS_MIN_FILES = 50


@click.command("replay")
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
    assembly = assemble(loaded)
    notifier = assembly.notifier
    inputs = plan(paths)
    files = [i for i in inputs if isinstance(i, InputFile)]
    total_bytes = sum(f.size for f in files)
    show_progress = sys.stderr.isatty() and (
        total_bytes >= PROGRESS_MIN_BYTES or len(files) >= PROGRESS_MIN_FILES
    )

    # The console takes alerts as they come; Slack's go out after the replay, paced (see
    # `drain`), so that a slow or failing Slack never holds up storing.
    inline = assembly.notifier.immediate
    with (
        single_writer(settings.database_url, "replay"),
        SqlStore.open(settings.database_url, dry_run=dry_run) as store,
    ):
        pipeline = assembly.pipeline(store, inline=inline and not dry_run)

        def on_outcome(outcome: Outcome) -> None:
            for warning in outcome.warnings:
                err(f"warning: {outcome.ref}: {warning}")
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
                    event=outcome.event,
                    story_reason=outcome.story_reason,
                )
                click.echo(json.dumps(obj, ensure_ascii=False))
            else:
                click.echo(_outcome_line(outcome))

        def on_error(error: InputError) -> None:
            err(f"error: {error}")

        def on_skipped(skipped: Skipped) -> None:
            err(
                f"warning: {skipped.folder}: skipped {skipped.count} file(s) of unknown type "
                f"({', '.join(skipped.endings)})"
            )

        with (
            click.progressbar(length=max(total_bytes, 1), label="replaying", file=sys.stderr)
            if show_progress
            else NoProgress() as bar
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
    err(
        f"{summary.reports} report(s): {summary.new} new{not_about_libya(summary.not_relevant)}, "
        f"{summary.duplicate} duplicate, "
        f"{summary.seen} seen; "
        f"alerts: {alerts}; {summary.failed} input(s) failed"
        + ("; dry run, nothing stored" if dry_run else f"; stored in {store.name}")
    )
    if summary.failed:
        sys.exit(1)


def _outcome_line(outcome: Outcome) -> str:
    verdict = outcome.verdict
    status = verdict.status.value
    if verdict.status is Status.DUPLICATE:
        status += f" of {verdict.duplicate_of} ({verdict.reason})"
    elif verdict.status is Status.SEEN:
        status += f" ({verdict.reason})"
    elif outcome.story_id is not None and outcome.story_id != outcome.report_id:
        status += f", story {outcome.story_id}"
    reading = reading_line(outcome.tags, outcome.relevance, outcome.place, outcome.event)
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


def _event_types(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> frozenset[str]:
    """The event types of `--event-type` (repeated, or comma-separated), each one of
    EVENT_TYPES."""
    given = {t.strip() for value in values for t in value.split(",") if t.strip()}
    unknown = sorted(given - EVENT_TYPES.keys())
    if unknown:
        raise click.BadParameter(
            f"no event type {', '.join(repr(t) for t in unknown)} "
            f"(the types are {', '.join(EVENT_TYPES)})"
        )
    return frozenset(given)


@click.command("reports")
@config_options
@click.option("--actor", metavar="ID", help="Only reports naming this actor (or one inside it).")
@click.option("--location", metavar="ID", help="Only reports naming this place (or one inside it).")
@click.option("--since", metavar="DATE", help="Only reports published (else fetched) since DATE.")
@click.option(
    "--event-type",
    "event_types",
    metavar="TYPE",
    multiple=True,
    callback=_event_types,
    help=f"Only reports of an event of this type (repeat it, or separate types by commas): "
    f"{', '.join(EVENT_TYPES)}.",
)
@click.option(
    "--min-killed",
    metavar="N",
    type=click.IntRange(min=0),
    help="Only reports that give N or more people killed.",
)
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
    event_types: frozenset[str],
    min_killed: int | None,
    every: bool,
    limit: int,
    as_json: bool,
) -> None:
    """List stored reports about Libya, newest first, with where each happened and what
    happened (--all: every report). IDs are watchlist ids (see `config/actors.toml`)."""
    since_at = _parse_since(since)
    loaded = load_settings(config_file, db_url=db_url)
    watchlist = watchlist_of(loaded)
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
            event_types=event_types,
            min_killed=min_killed,
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
                    event=stored.event,
                    story_reason=stored.story_reason,
                )
                click.echo(json.dumps(obj, ensure_ascii=False))
            else:
                published = stored.report.published or stored.report.fetched_at
                reading = reading_line(stored.tags, stored.relevance, stored.place, stored.event)
                click.echo(
                    f"{stored.id:>6}  {published:%Y-%m-%d}  "
                    f"{shorten(stored.report.source, 20):<20}  {shorten(stored.report.title, 70)}\n"
                    f"        {shorten(reading, 100)}"
                )
    if not as_json:
        err(f"{len(found)} report(s)")


def _verdict_of(stored: StoredReport) -> Verdict:
    return Verdict(status=stored.status, duplicate_of=stored.duplicate_of)
