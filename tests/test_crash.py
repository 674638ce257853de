"""Crash safety: a replay of 1,000 reports (syndicated copies among them) into SQLite, alerting the
fake Slack, killed with SIGKILL at seeded-random points (starting up, storing, sending, and in the
instant between Slack taking a message and its `ts` being written), then run again to the end.
Every report is stored once, every copy marked a duplicate once, every alert posted exactly once
(an alert recorded as sent is never posted again), and the database is intact."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import HANG_S, REPO, sqlite_rows, wait_for
from tests.fakeslack import TOKEN, FakeSlack, Posted
from tests.feedserver import news_item

ORIGINALS = 920
COPIES = 80
SEED = 20261121


def _reports(path: Path, rng: random.Random) -> dict[str, str]:
    """1,000 reports as JSON Lines: distinct originals from one wire, and copies of some of them
    republished by other outlets under titles of their own, each a little after its original.
    Returns each copy's guid with its original's."""
    lines: list[dict[str, str]] = []
    for n in range(ORIGINALS):
        item = news_item(n)
        lines.append({"id": item["guid"], "title": item["title"], "text": item["body"]})
        lines[-1]["source"] = "Wire"
    copied = {}
    for c, n in enumerate(sorted(rng.sample(range(ORIGINALS), COPIES), reverse=True)):
        item = news_item(n)
        copy = {
            "id": f"copy-{c}",
            "title": "Republished: " + item["title"],
            "text": item["body"],
            "source": f"Outlet {c % 7}",
        }
        lines.insert(n + 1 + rng.randrange(30), copy)
        copied[copy["id"]] = item["guid"]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return copied


class Replay:
    """`monitor replay` in a subprocess."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "replay", *args],
            stdout=subprocess.DEVNULL,
            stderr=self._out,
            stdin=subprocess.DEVNULL,
            env=env,
        )

    def kill(self) -> int:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        code = self.process.wait(timeout=HANG_S)
        self._out.close()
        return code

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.slow
def test_replay_killed_at_random_points_then_rerun_stores_and_alerts_everything_once(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    rng = random.Random(SEED)
    reports = tmp_path / "reports.jsonl"
    copied = _reports(reports, rng)
    data = tmp_path / "data"
    db = data / "monitor.db"
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[database]\ndata_dir = "{data}"\n'
        # The last run waits up to 10 min for Slack to take every alert left (it takes seconds).
        '[slack]\nchannel = "#desk"\npace = "0s"\nretry_max = "1s"\nreplay_wait = "10m"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env |= {"PYTHONPATH": str(REPO), "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake_slack.api_url}
    args = [str(reports), "--config", str(config)]

    def stored() -> int:
        rows = sqlite_rows(db, "SELECT count(*) FROM reports")
        return int(rows[0][0]) if rows else 0

    def recorded_sent() -> set[int]:
        return {row[0] for row in sqlite_rows(db, "SELECT id FROM alerts WHERE status = 'sent'")}

    # Where each run is killed: the rng picks the moment, the kind makes sure that each phase
    # of a replay is hit whatever this machine's speed.
    def storing(run: Replay) -> bool:
        target = min(stored() + rng.randint(100, 400), ORIGINALS + COPIES - 1)
        return _until(run, lambda: stored() >= target)

    def sending(run: Replay) -> bool:
        target = len(fake_slack.posted) + rng.randint(30, 200)
        return _until(run, lambda: len(fake_slack.posted) >= target)

    kills: list[tuple[str, Callable[[Replay], bool]]] = [
        ("after a delay", lambda run: _after(rng.uniform(0.3, 1.5))),
        ("while storing", storing),
        ("while sending", sending),
        ("between Slack's answer and its record", lambda run: _in_the_window(fake_slack, run, rng)),
        ("while sending, again", sending),
    ]
    sent_when_killed: dict[int, int] = {}  # alert recorded as sent -> its posts at that time
    handed_over: set[int] = set()  # alerts posted and not yet recorded when a run died
    for what, moment in kills:
        run = Replay(args, env, tmp_path / f"replay-{len(sent_when_killed)}-{time.monotonic_ns()}")
        reached = moment(run)
        code = run.kill()
        fake_slack.on_post = None
        assert reached and code == -signal.SIGKILL, (what, code, run.output()[-2000:])
        posts = Counter(p.alert_id for p in fake_slack.posted)
        for alert_id in recorded_sent():
            sent_when_killed.setdefault(alert_id, posts[alert_id])
        sending = sqlite_rows(db, "SELECT id FROM alerts WHERE status = 'sending'")
        handed_over |= {row[0] for row in sending if posts[row[0]]}
        print(f"killed {what}: {stored()} stored, {len(fake_slack.posted)} posted")

    last = Replay(args, env, tmp_path / "replay-last")
    assert last.process.wait(timeout=15 * 60) == 0, last.output()[-3000:]
    last.kill()
    assert "1000 report(s)" in last.output()

    # Every report once, each copy a duplicate of its original, once.
    assert sqlite_rows(
        db, "SELECT count(*), count(DISTINCT source || '/' || guid) FROM reports"
    ) == [(ORIGINALS + COPIES, ORIGINALS + COPIES)]
    assert dict(sqlite_rows(db, "SELECT status, count(*) FROM reports GROUP BY status")) == {
        "new": ORIGINALS,
        "duplicate": COPIES,
    }
    guid_of = dict(sqlite_rows(db, "SELECT id, guid FROM reports"))
    duplicates = sqlite_rows(
        db, "SELECT guid, duplicate_of FROM reports WHERE status = 'duplicate'"
    )
    assert {guid: guid_of[original] for guid, original in duplicates} == copied

    # Every alert sent, posted exactly once, its recorded ts that of its message.
    alerts = {row[0]: row[1:] for row in sqlite_rows(db, "SELECT id, status, ts FROM alerts")}
    assert len(alerts) == ORIGINALS
    assert {status for status, _ in alerts.values()} == {"sent"}
    posts = Counter(p.alert_id for p in fake_slack.posted)
    assert set(posts) == set(alerts)
    # The one message that may go twice: the first ever posted to the channel, whose id Slack
    # had not told yet, so it cannot be looked up (see monitor/alert/dispatch.py).
    first = fake_slack.posted[0].alert_id
    twice = {alert_id: n for alert_id, n in posts.items() if n > 1 and alert_id != first}
    assert not twice and posts[first] <= 2
    for posted in fake_slack.posted:
        if posted.alert_id != first:
            assert alerts[posted.alert_id][1] == posted.ts
    assert handed_over  # the window was hit, and what was in it was looked up, not posted again
    # An alert recorded as sent when a run died was not posted by the runs after it.
    assert {a: posts[a] for a in sent_when_killed} == sent_when_killed
    assert sqlite_rows(db, "PRAGMA integrity_check") == [("ok",)]


def _after(seconds: float) -> bool:
    time.sleep(seconds)
    return True


def _until(run: Replay, condition: Callable[[], bool]) -> bool:
    """Wait for `condition` while the replay runs; whether it came."""
    wait_for(lambda: condition() or run.process.poll() is not None)
    return condition()


def _in_the_window(fake: FakeSlack, run: Replay, rng: random.Random) -> bool:
    """Kill the replay the moment Slack takes a message, before it answers: the message is
    posted and handed over, its `ts` not yet recorded."""
    target = len(fake.posted) + rng.randint(30, 200)

    def kill(posted: Posted) -> None:
        if len(fake.posted) >= target and run.process.poll() is None:
            os.kill(run.process.pid, signal.SIGKILL)

    fake.on_post = kill
    wait_for(lambda: run.process.poll() is not None)
    return len(fake.posted) >= target
