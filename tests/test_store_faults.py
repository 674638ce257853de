"""The store failing under `monitor run` (a subprocess polling feeds on a local server, alerting
the fake Slack): SQLite's write lock held by another process for longer than the busy timeout,
the disk full, PostgreSQL dropping every connection as a restart does, and PostgreSQL stopped and
started for real (where this process may do it). Each time the service logs one line naming the
database and why, keeps going, loses no report it acknowledged (logged as stored) and, once the
database is back, stores every entry once and posts every alert once."""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tests.conftest import HANG_S, PG_URL, Daemon, sqlite_rows, wait_for
from tests.fakeslack import TOKEN, FakeSlack, Posted
from tests.feedserver import FeedServer, Route, news_item, rss

# A service run through an outage of its database, each: tens of seconds by design.
pytestmark = pytest.mark.slow

FEEDS = 5
# What the service logs when a poll's entries could not be stored.
REFETCHED = "it is fetched again in"
ENTRIES = 10


def _serve(server: FeedServer, rounds: int, hold: threading.Event | None = None) -> None:
    """Each feed with its first `rounds` x ENTRIES entries, newest first, answered once `hold`
    is set (at once without one)."""
    for f in range(FEEDS):
        items = [news_item(1000 * f + k) for k in range(rounds * ENTRIES)]
        server.serve(f"/f{f}.xml", Route(body=rss(f"F{f}", items[::-1]), hold=hold))


def _second_round_in_flight(server: FeedServer) -> threading.Event:
    """Serve the second round, held: returns once a fetch of it is in flight (it stays so until
    the returned event is set), so that the fault comes while a poll is fetched and before any
    of the second round can be stored, however slow the machine."""
    hold = threading.Event()
    before = len(server.since(0))
    _serve(server, 2, hold)
    assert wait_for(lambda: len(server.since(before)) > 0)
    return hold


def _start(
    tmp_path: Path, db_url: str, server: FeedServer, slack: FakeSlack, daemons: list[Daemon]
) -> Daemon:
    lines = [
        f'[database]\nurl = "{db_url}"\ndata_dir = "{tmp_path / "data"}"',
        # A fetch may take a minute: a held answer (see _second_round_in_flight) is not cut.
        '[polling]\ninterval = "1s"\njitter = "0s"\ntimeout = "60s"\nbackoff_max = "2s"',
        '[slack]\nchannel = "#desk"\npace = "0s"\nretry_max = "1s"',
        '[service]\ndispatch_every = "1s"',
    ]
    lines += [f'[[feeds]]\nname = "F{f}"\nurl = "{server.url(f"/f{f}.xml")}"' for f in range(FEEDS)]
    config = tmp_path / "monitor.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    daemon = Daemon(
        config, tmp_path, env={"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.api_url}
    )
    daemons.append(daemon)
    return daemon


def _acknowledged(log: str) -> int:
    """The new reports the service logged as stored, over every poll."""
    return sum(
        int(n) for n in re.findall(r"^monitor: INFO: feed 'F\d': \d+ entries, (\d+) new", log, re.M)
    )


def _check_everything_once(
    rows: list[Any], alerts: list[Any], slack: FakeSlack, rounds: int
) -> None:
    """`rows`: (source, guid, status) of every report; `alerts`: (id, status) of every alert."""
    entries = FEEDS * ENTRIES * rounds
    assert len(rows) == entries
    assert len({(source, guid) for source, guid, _ in rows}) == entries
    assert {status for _, _, status in rows} == {"new"}
    assert len(alerts) == entries and {status for _, status in alerts} == {"sent"}
    posts = Counter(p.alert_id for p in slack.posted)
    assert set(posts) == {alert_id for alert_id, _ in alerts} and max(posts.values()) == 1


# --- SQLite: another process holds the write lock -------------------------------------------


def _count(db: Path, sql: str) -> int:
    rows = sqlite_rows(db, sql)
    return int(rows[0][0]) if rows else 0


def _stopped_after_both_rounds(daemon: Daemon, slack: FakeSlack, database: str) -> list[str]:
    """Once both rounds are alerted, the service stopped: it exits 0, it logged as stored every
    entry of both rounds, and each error it logged names `database`. Its error lines."""
    first = FEEDS * ENTRIES
    assert wait_for(lambda: len(slack.posted) == 2 * first), daemon.output()[-3000:]
    code, _ = daemon.stop()
    log = daemon.output()
    assert code == 0, log[-3000:]
    errors = [line for line in log.splitlines() if line.startswith("monitor: ERROR: ")]
    assert errors and all(database in line for line in errors), errors[:5]
    assert _acknowledged(log) == 2 * first
    return errors


def _check_sqlite(db: Path, slack: FakeSlack) -> None:
    """Both rounds of entries stored and alerted once each, and the file sound."""
    _check_everything_once(
        sqlite_rows(db, "SELECT source, guid, status FROM reports"),
        sqlite_rows(db, "SELECT id, status FROM alerts"),
        slack,
        2,
    )
    assert sqlite_rows(db, "PRAGMA integrity_check") == [("ok",)]


class WriteLock:
    """Another process's hold on a SQLite database's write lock (`BEGIN IMMEDIATE`)."""

    def __init__(self, db: Path) -> None:
        self._connection = sqlite3.connect(
            db, timeout=HANG_S, isolation_level=None, check_same_thread=False
        )
        self.held = threading.Event()

    def take(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")
        self.held.set()

    def release(self) -> None:
        if self.held.is_set():
            self._connection.execute("ROLLBACK")
            self.held.clear()

    def close(self) -> None:
        self.release()
        self._connection.close()


def test_sqlite_locked_by_another_process_longer_than_the_busy_timeout(
    tmp_path: Path, feed_server: FeedServer, fake_slack: FakeSlack, daemons: list[Daemon]
) -> None:
    db = tmp_path / "data" / "monitor.db"
    first = FEEDS * ENTRIES
    _serve(feed_server, 1)
    lock: WriteLock | None = None

    def lock_when_slack_takes_the_tenth(posted: Posted) -> None:
        # The dispatcher finds the lock taken as it records the message's ts.
        if len(fake_slack.posted) == 10 and lock is not None:
            lock.take()

    fake_slack.on_post = lock_when_slack_takes_the_tenth
    daemon = _start(tmp_path, f"sqlite:///{db}?timeout=1", feed_server, fake_slack, daemons)
    assert wait_for(db.exists)
    lock = WriteLock(db)
    try:
        # While Slack takes a message: its record waits, then fails, for three timeouts and more.
        assert wait_for(lock.held.is_set), daemon.output()[-3000:]
        fake_slack.on_post = None
        assert wait_for(lambda: daemon.output().count("alert dispatch: database") >= 3)
        lock.release()
        assert wait_for(lambda: len(fake_slack.posted) == first), daemon.output()[-3000:]

        # While a poll is fetched: its entries cannot be stored, nor the next polls claimed.
        hold = _second_round_in_flight(feed_server)
        lock.take()
        hold.set()
        assert wait_for(lambda: REFETCHED in daemon.output()), daemon.output()[-3000:]
        assert wait_for(lambda: "(database is locked); tried again in 1s" in daemon.output())
        assert _count(db, "SELECT count(*) FROM reports") == first
    finally:
        lock.close()

    # One line each, naming the database and why: recording an alert, storing a poll's
    # entries, claiming a feed.
    errors = _stopped_after_both_rounds(daemon, fake_slack, f"database sqlite:///{db}?timeout=1: ")
    for what in (
        "alert dispatch: database sqlite:",
        f"write failed (database is locked); {REFETCHED}",
        "(database is locked); tried again in 1s",
    ):
        assert any(what in line for line in errors), what
    _check_sqlite(db, fake_slack)


# --- SQLite: the disk is full ----------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a filesystem of its own, 8 MiB (tmpfs, mounted here: needs root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    """A file taking every free byte of `folder`'s filesystem."""
    filler = folder / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
    return filler


def test_disk_full_then_space_freed(
    tmp_path: Path,
    small_disk: Path,
    feed_server: FeedServer,
    fake_slack: FakeSlack,
    daemons: list[Daemon],
) -> None:
    db = small_disk / "monitor.db"
    first = FEEDS * ENTRIES
    _serve(feed_server, 1)
    daemon = _start(tmp_path, f"sqlite:///{db}", feed_server, fake_slack, daemons)
    assert wait_for(lambda: len(fake_slack.posted) == first), daemon.output()[-3000:]

    # The write-ahead log is emptied into the database first: a log with room left in it would
    # take the next writes without asking the filesystem for space.
    with sqlite3.connect(db, timeout=HANG_S) as connection:
        assert wait_for(
            lambda: connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        )
    # Full while a poll is fetched: its entries cannot be stored, nor the next polls claimed.
    hold = _second_round_in_flight(feed_server)
    filler = _fill(small_disk)
    hold.set()
    assert wait_for(lambda: REFETCHED in daemon.output()), daemon.output()[-3000:]
    assert wait_for(lambda: "(database or disk is full); tried again in 1s" in daemon.output())
    assert _count(db, "SELECT count(*) FROM reports") == first
    filler.unlink()

    errors = _stopped_after_both_rounds(daemon, fake_slack, f"database sqlite:///{db}: ")
    for what in (
        f"write failed (database or disk is full); {REFETCHED}",
        "(database or disk is full); tried again in 1s",
    ):
        assert any(what in line for line in errors), what
    _check_sqlite(db, fake_slack)


# --- PostgreSQL: the server restarts ---------------------------------------------------------


def _pg(url: str, sql: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]
    except ProgrammingError:
        return []  # tables not made yet
    finally:
        engine.dispose()


def _recovered_on_postgresql(daemon: Daemon, url: str, slack: FakeSlack) -> None:
    """After the fault: the service stops cleanly, each error it logged names the database, and
    both rounds are stored and alerted once each."""
    _stopped_after_both_rounds(daemon, slack, "database postgresql+psycopg://")
    _check_everything_once(
        _pg(url, "SELECT source, guid, status FROM reports"),
        _pg(url, "SELECT id, status FROM alerts"),
        slack,
        2,
    )


def test_postgresql_restart_drops_every_connection(
    tmp_path: Path,
    pg_url: str,
    feed_server: FeedServer,
    fake_slack: FakeSlack,
    daemons: list[Daemon],
) -> None:
    # The service's connections carry a name of their own: only they are dropped (the server is
    # shared with other tests, so it is not restarted for real). Dropping every connection, and
    # each new one as it comes for a few seconds, is what a restart looks like to a client.
    name = f"monitor-faults-{uuid.uuid4().hex[:8]}"
    url = f"{pg_url}&application_name={name}"
    first = FEEDS * ENTRIES
    _serve(feed_server, 1)
    daemon = _start(tmp_path, url, feed_server, fake_slack, daemons)
    assert wait_for(lambda: len(fake_slack.posted) == first), daemon.output()[-3000:]

    hold = _second_round_in_flight(feed_server)
    errors_before = daemon.output().count("monitor: ERROR: ")

    def failed() -> bool:
        return daemon.output().count("monitor: ERROR: ") > errors_before

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    dropped = 0
    try:
        with admin.connect() as connection:
            hold.set()  # the polls fetched come back to be stored while it goes on
            # For 4 s, and on until an operation of the service has failed (a connection
            # dropped between two operations goes unseen: pooled ones are tested before use).
            until = time.monotonic() + 4
            while time.monotonic() < until or not failed():
                assert time.monotonic() < until + HANG_S, "no operation failed: a hang"
                dropped += len(
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE application_name = :name"
                        ),
                        {"name": name},
                    ).all()
                )
                time.sleep(0.1)
    finally:
        admin.dispose()
    assert dropped >= 2

    _recovered_on_postgresql(daemon, url, fake_slack)


def _local_cluster() -> list[str] | None:
    """The command that stops and starts the PostgreSQL server the tests use, where this process
    may run it: as root, on the machine that runs the server (a Debian cluster)."""
    host = make_url(PG_URL).host or "localhost"
    clusters = Path("/etc/postgresql")
    if (
        os.geteuid() != 0
        or host not in ("127.0.0.1", "localhost")
        or shutil.which("pg_ctlcluster") is None
        or not clusters.is_dir()
    ):
        return None
    versions = sorted(p.name for p in clusters.iterdir() if (p / "main").is_dir())
    if not versions:
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


def test_postgresql_stopped_and_started_for_real(
    tmp_path: Path,
    pg_url: str,
    feed_server: FeedServer,
    fake_slack: FakeSlack,
    daemons: list[Daemon],
) -> None:
    # The server is shared, but the tests run one at a time: it is down only during this one,
    # and started again whatever happens.
    cluster = _local_cluster()
    if cluster is None:
        pytest.skip("the PostgreSQL server cannot be restarted from here (root on its machine)")
    first = FEEDS * ENTRIES
    _serve(feed_server, 1)
    daemon = _start(tmp_path, pg_url, feed_server, fake_slack, daemons)
    assert wait_for(lambda: len(fake_slack.posted) == first), daemon.output()[-3000:]

    hold = _second_round_in_flight(feed_server)
    errors_before = daemon.output().count("monitor: ERROR: ")
    try:
        subprocess.run([*cluster, "stop", "-m", "fast"], check=True, capture_output=True)
        hold.set()
        # Down for a few polls: new connections are refused, not just old ones dropped.
        assert wait_for(lambda: daemon.output().count("monitor: ERROR: ") >= errors_before + 3)
    finally:
        subprocess.run([*cluster, "start"], check=True, capture_output=True)
    assert wait_for(lambda: _pg(pg_url, "SELECT 1") == [(1,)])

    _recovered_on_postgresql(daemon, pg_url, fake_slack)
