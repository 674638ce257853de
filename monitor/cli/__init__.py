"""The `monitor` command line: thin drivers of the pipeline.

Exit codes: 0 all went well; 1 some input failed or the database did; 2 a usage or configuration
error (nothing was started).

Each command lives in a module of its own, imported only when it runs: `monitor --help` and
`monitor --version` load none of the pipeline (SQLAlchemy, Slack's client, the watchlist).
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from datetime import UTC, datetime

import click

from monitor import __version__
from monitor.cli.options import err
from monitor.errors import ConfigError, MonitorError, StoreError

# Each command: its module, the name it has there, and its line in `monitor --help` (said here
# so that the help needs no module imported; tests/test_cli.py checks each against the
# command's own).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "alerts": (
        "monitor.cli.alerts",
        "alerts_command",
        "List the latest alerts, newest first: where each went, its...",
    ),
    "check": (
        "monitor.cli.daemon",
        "check_command",
        "Check that the service can run: the configuration and...",
    ),
    "db": (
        "monitor.cli.db",
        "db_group",
        "The database's schema revision, and what its reports were read...",
    ),
    "feeds": (
        "monitor.cli.daemon",
        "feeds_command",
        "Show each configured feed's health: last success, failures and...",
    ),
    "poll": (
        "monitor.cli.daemon",
        "poll_command",
        "Poll the feeds that are due (or those named, or all) once,...",
    ),
    "replay": (
        "monitor.cli.reports",
        "replay_command",
        "Run files of reports through the whole pipeline.",
    ),
    "reports": (
        "monitor.cli.reports",
        "reports_command",
        "List stored reports about Libya, newest first, with where each...",
    ),
    "run": (
        "monitor.cli.daemon",
        "run_command",
        "Run the service: poll every enabled feed on its schedule and...",
    ),
    "slack": ("monitor.cli.alerts", "slack_group", "Slack delivery."),
}


class _Commands(click.Group):
    """The group of `COMMANDS`, each imported when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, name, _ = found
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, line) for name, (_, _, line) in sorted(COMMANDS.items())])


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


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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


def main(argv: list[str] | None = None) -> None:
    """The console script: runs the command line and turns monitor's errors into one line on
    stderr with the exit code they call for."""
    try:
        cli.main(args=argv, prog_name="monitor", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        err("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except ConfigError as e:
        err(f"configuration error: {e}")
        sys.exit(2)
    except StoreError as e:
        err(f"error: {e}")
        sys.exit(1)
    except MonitorError as e:
        err(f"error: {e}")
        sys.exit(1)
    except MemoryError:
        err(
            "error: out of memory (a limit on the process's address space, ulimit -v, may be "
            "set too low for it)"
        )
        sys.exit(1)
    sys.exit(0)
