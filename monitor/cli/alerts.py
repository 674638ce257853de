"""The outbox's commands: `alerts` (recent alerts and their state), `alerts retry` (failed ones
back in the queue) and `slack test` (one message, to see that Slack takes ours); and `drain`,
the outbox sent at the end of `replay` and `poll`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from monitor.alert import Dispatcher, Notifier
from monitor.alert.slack import slack_notifier
from monitor.cli.options import config_options, err
from monitor.clock import utc_now
from monitor.config import SlackSettings, load_settings
from monitor.errors import DeliveryError
from monitor.model import AlertStatus
from monitor.output import shorten
from monitor.store import SqlStore, Store


@click.group("alerts", invoke_without_command=True)
@config_options
@click.option(
    "--status",
    type=click.Choice([s.value for s in AlertStatus]),
    help="Only alerts in this state.",
)
@click.option("--limit", default=30, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per alert on stdout.")
@click.pass_context
def alerts_command(
    ctx: click.Context,
    config_file: Path | None,
    db_url: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List the latest alerts, newest first: where each went, its state, and why it failed."""
    ctx.ensure_object(dict)
    ctx.obj.update(config_file=config_file, db_url=db_url)
    if ctx.invoked_subcommand is not None:
        return
    loaded = load_settings(config_file, db_url=db_url)
    with SqlStore.open(loaded.settings.database_url) as store:
        found = store.recent_alerts(status=AlertStatus(status) if status else None, limit=limit)
        titles = {a.report_id: store.get(a.report_id) for a in found}
    for alert in found:
        stored = titles.get(alert.report_id)
        title = stored.report.title if stored else "(report gone)"
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "id": alert.id,
                        "report_id": alert.report_id,
                        "channel": alert.channel,
                        "rule": alert.rule,
                        "status": alert.status.value,
                        "attempts": alert.attempts,
                        "error": alert.error,
                        "created_at": alert.created_at.isoformat(),
                        "sent_at": alert.sent_at.isoformat() if alert.sent_at else None,
                        "ts": alert.ts,
                        "thread_ts": alert.thread_ts,
                        "title": title,
                    },
                    ensure_ascii=False,
                )
            )
            continue
        when = (alert.sent_at or alert.created_at).strftime("%Y-%m-%d %H:%M")
        thread = " (reply)" if alert.thread_ts else ""
        click.echo(
            f"{alert.id:>6}  {alert.status.value:<8} {when}  {shorten(alert.channel, 20):<20} "
            f"report {alert.report_id}{thread}: {shorten(title, 50)}"
            + (f"\n        {alert.error}" if alert.error else "")
        )
    if not as_json:
        err(f"{len(found)} alert(s)")


@alerts_command.command("retry")
@click.argument("ids", nargs=-1, type=int)
@config_options
@click.pass_context
def retry_command(
    ctx: click.Context, ids: tuple[int, ...], config_file: Path | None, db_url: str | None
) -> None:
    """Put failed alerts (all, or those IDS) back in the queue; `monitor run` sends them."""
    loaded = load_settings(
        config_file or ctx.obj["config_file"], db_url=db_url or ctx.obj["db_url"]
    )
    with SqlStore.open(loaded.settings.database_url) as store:
        count = store.requeue_failed(ids)
    err(f"{count} failed alert(s) queued again")


@click.group("slack")
def slack_group() -> None:
    """Slack delivery."""


@slack_group.command("test")
@config_options
@click.option("--channel", help="Where to post (default: [slack] channel).")
def slack_test_command(config_file: Path | None, db_url: str | None, channel: str | None) -> None:
    """Post one test message, to see that Slack takes monitor's messages there."""
    loaded = load_settings(config_file, db_url=db_url)
    slack = loaded.settings.slack
    notifier = slack_notifier(slack, config_file=str(loaded.user_file))
    if notifier is None:
        err("no Slack credentials: set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL (or [slack] files)")
        sys.exit(1)
    target = channel or slack.channel
    try:
        notifier.send_notice(
            target, f"monitor test message, sent {utc_now():%Y-%m-%d %H:%M} UTC: alerts reach here."
        )
    except DeliveryError as e:
        err(f"Slack refused the test message: {e}")
        sys.exit(1)
    err(f"test message posted to {target}")


def drain(store: Store, notifier: Notifier, slack: SlackSettings) -> dict[str, int]:
    """Send the queued alerts, waiting on Slack's failures up to `slack.replay_wait`; what is
    still pending then is left for `monitor run`. The counts by outcome."""
    deadline = time.monotonic() + slack.replay_wait
    done = Dispatcher(store, notifier, retry_max_s=slack.retry_max).run(wait_until=deadline)
    if done.pending:
        err(
            f"{done.pending} alert(s) not delivered within {slack.replay_wait:g} s; "
            "left pending for `monitor run`"
        )
    counts = {"sent": done.sent, "failed": done.failed, "pending": done.pending}
    return {k: n for k, n in counts.items() if n}
