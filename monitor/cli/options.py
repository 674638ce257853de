"""What every command shares, and nothing costly to import: the --config and --db options, a
message on standard error, and a progress bar that shows nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def err(message: str) -> None:
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


class NoProgress:
    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None
