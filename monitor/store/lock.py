"""One writer at a time on a SQLite database: `monitor run`, `poll` and `replay` hold an exclusive
lock on `<database>.lock` while they run, so that a second one refuses to start instead of racing
the first (two writers could each decide a report is new). The operating system releases the lock
when the process ends, however it ends. PostgreSQL needs no such lock here: replicas coordinate
in the database."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from monitor.errors import StoreError


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file::memory:"):
        return None
    return Path(parsed.database).expanduser()


@contextmanager
def single_writer(url: str, command: str) -> Iterator[None]:
    """Hold the writer's lock of a SQLite database for the block. Raises StoreError when another
    process holds it."""
    path = sqlite_path(url)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    handle = lock_path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise StoreError(
                f"database {path} is in use by {holder}; SQLite takes one writer at a time: "
                "stop it first, or use PostgreSQL to run several"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"monitor {command} (pid {os.getpid()})\n")
        handle.flush()
        yield
    finally:
        handle.close()
