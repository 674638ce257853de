"""Shared fixtures: real parts on local resources (SQLite in a temp dir, the PostgreSQL server on
loopback, the command line in a subprocess)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from monitor.clock import Clock, fixed_clock
from monitor.tag import Tagger, Watchlist, load_watchlist
from tests.fakeslack import FakeSlack
from tests.feedserver import FeedServer

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
CONFIG = REPO / "config"
SHARED = REPO.parent / "shared"
PG_URL = os.environ.get("MONITOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# How long a test waits for something that must come (a condition, a process to exit, an answer)
# before it gives up: a guard against a hang, far above what any of it takes on a slow or busy
# machine. A wait ends as soon as what it waits for comes.
HANG_S = 120.0


@pytest.fixture(scope="session")
def watchlist() -> Watchlist:
    return load_watchlist(
        CONFIG / "actors.toml", [CONFIG / "places.toml", CONFIG / "gazetteer.toml"]
    )


@pytest.fixture(scope="session")
def tagger(watchlist: Watchlist) -> Tagger:
    return Tagger(watchlist)


@pytest.fixture
def clock() -> Clock:
    return fixed_clock(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return None
    except (OperationalError, ImportError) as e:
        return f"no PostgreSQL at {PG_URL} ({str(e).splitlines()[0]})"


@pytest.fixture(scope="session")
def pg_unreachable() -> str | None:
    return _pg_reachable()


@pytest.fixture
def pg_url(pg_unreachable: str | None) -> Iterator[str]:
    """A URL into a schema of its own on the PostgreSQL server, dropped after the test."""
    if pg_unreachable:
        if os.environ.get("MONITOR_TEST_REQUIRE_PG"):
            pytest.fail(pg_unreachable)
        pytest.skip(pg_unreachable)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    # Pooled connections are tested before use: a test may restart the server.
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return str(request.getfixturevalue("pg_url"))


def run_monitor(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = HANG_S
) -> subprocess.CompletedProcess[str]:
    """`python -m monitor ARGS` in a subprocess, on this checkout's code, with none of the
    caller's MONITOR_* settings."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    child_env["PYTHONPATH"] = str(REPO)
    child_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def sqlite_rows(db: Path, sql: str) -> list[Any]:
    """The rows of `sql` on the SQLite file `db`, read only, while a monitor may be writing it;
    none before the file or its tables exist."""
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=HANG_S) as connection:
        try:
            return connection.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []  # tables not made yet


def poller_config(tmp_path: Path, feeds: dict[str, str], **polling: object) -> Path:
    """A configuration polling `feeds` (name -> URL) into tmp_path/data; `polling` overrides
    keys of [polling]. A fetch may take a minute (a busy machine never cuts a good feed short);
    a test of the timeout sets its own."""
    lines = [f'[database]\ndata_dir = "{tmp_path / "data"}"\n', "[polling]"]
    settings = {"timeout": "60s", "per_host": 2, "concurrency": 8} | polling
    for key, value in settings.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    for name, url in feeds.items():
        lines.append(f'[[feeds]]\nname = "{name}"\nurl = "{url}"')
    path = tmp_path / "monitor.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def shared_or_skip(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared lies beside the checkout only in development)")
    return path


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A feed server on 127.0.0.1 (see tests/feedserver.py)."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on 127.0.0.1 (see tests/fakeslack.py)."""
    slack = FakeSlack().start()
    try:
        yield slack
    finally:
        slack.stop()


@pytest.fixture
def unused_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Daemon:
    def __init__(
        self, config: Path, tmp_path: Path, *extra: str, env: dict[str, str] | None = None
    ) -> None:
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        child_env["PYTHONPATH"] = str(REPO)
        env = child_env | (env or {})
        self.log = tmp_path / f"run-{time.monotonic_ns()}.log"
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", *extra, "run", "--config", str(config)],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(
        self, sig: int = signal.SIGTERM, then: Callable[[], object] | None = None
    ) -> tuple[int, float]:
        """Send `sig`, call `then` (when given), and wait for the exit: its code, and the
        seconds from the signal to the exit."""
        started = time.monotonic()
        self.process.send_signal(sig)
        if then is not None:
            then()
        code = self.process.wait(timeout=HANG_S)
        self._log_file.close()
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._log_file.close()


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    running: list[Daemon] = []
    yield running
    for daemon in running:
        daemon.kill()


@contextmanager
def hang_guard(seconds: float = HANG_S) -> Iterator[None]:
    """Fail the block (TimeoutError) if it is still running after `seconds`: a guard against a
    hang of work done on the main thread, not a time anything is expected within."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds:g} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class StepClock:
    """A monotonic clock that moves on `step` seconds each time it is read: a deadline kept by
    it passes after a set number of readings, however fast or slow the machine."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return (self.reads - 1) * self.step


def wait_for(condition: Callable[[], bool], seconds: float = HANG_S) -> bool:
    """Whether `condition` came true, asked every 0.1 s for up to `seconds` (a bound against a
    hang, not a time anything is expected within)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
