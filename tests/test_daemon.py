"""`monitor run` as a user runs it: a subprocess polling 50 feeds on a local server, stopped with
SIGTERM, restarted, reloaded with SIGHUP; and `monitor poll`, `feeds` and `check`."""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import HANG_S, SEEDS, Daemon, run_monitor, sqlite_rows, wait_for
from tests.feedserver import FeedServer, Route, news_item, rss

FEEDS = 50
INTERVAL_S = 3


def _write_config(
    path: Path, data: Path, feeds: dict[str, str], extra: str = "", interval_s: int = INTERVAL_S
) -> Path:
    # A fetch may take a minute: no feed fails because the machine is busy, and a slow feed is
    # still in flight whenever a test says it is.
    text = (
        f'[database]\ndata_dir = "{data}"\n'
        f'[polling]\ninterval = "{interval_s}s"\njitter = "0s"\ntimeout = "60s"\n'
        "per_host = 8\nconcurrency = 8\n" + extra
    )
    for name, url in feeds.items():
        text += f'[[feeds]]\nname = "{name}"\nurl = "{url}"\n'
    path.write_text(text, encoding="utf-8")
    return path


def _entry(n: int) -> dict[str, str]:
    return news_item(n)


@pytest.fixture
def fifty_feeds(feed_server: FeedServer) -> dict[str, str]:
    feeds = {}
    for f in range(FEEDS):
        items = [_entry(f * 10 + k) for k in range(10)]
        if f % 10 == 1:
            original = _entry((f - 1) * 10)
            items.append(original | {"guid": f"copy-{f}", "title": "Wire: " + original["title"]})
        feeds[f"feed-{f:02d}"] = feed_server.serve(f"/f{f}.xml", Route(body=rss(f"F{f}", items)))
    return feeds


@pytest.mark.slow
def test_run_ingests_every_entry_once_repolls_conditionally_and_stops_cleanly(
    tmp_path: Path, feed_server: FeedServer, fifty_feeds: dict[str, str], daemons: list[Daemon]
) -> None:
    data = tmp_path / "data"
    db = data / "monitor.db"
    config = _write_config(tmp_path / "monitor.toml", data, fifty_feeds)
    daemon = Daemon(config, tmp_path)
    daemons.append(daemon)
    copies = sum(1 for f in range(FEEDS) if f % 10 == 1)
    entries = FEEDS * 10 + copies

    def all_stored() -> bool:
        return sqlite_rows(db, "SELECT count(*) FROM reports") == [(entries,)]

    assert wait_for(all_stored), daemon.output()[-3000:]
    # Every entry once: one row per guid, each syndicated copy a duplicate.
    assert sqlite_rows(db, "SELECT count(DISTINCT source || guid) FROM reports") == [(entries,)]
    assert sqlite_rows(
        db, "SELECT status, count(*) FROM reports GROUP BY status ORDER BY status"
    ) == [
        ("duplicate", copies),
        ("new", FEEDS * 10),
    ]
    # Polled again on schedule, with the validators of the last answer.
    assert wait_for(lambda: all(len(feed_server.seen(f"/f{f}.xml")) >= 2 for f in range(FEEDS)))
    for f in range(FEEDS):
        second = feed_server.seen(f"/f{f}.xml")[1]
        assert second.headers.get("if-none-match"), f"feed {f} re-polled unconditionally"
        assert second.headers.get("if-modified-since")

    # A new entry in one feed is stored at the feed's next poll (the first request after it
    # appeared), and alerted.
    polled_before = feed_server.change(
        "/f7.xml", rss("F7", [_entry(9999), *[_entry(70 + k) for k in range(10)]])
    )
    added_at = time.monotonic()

    def added() -> bool:
        rows = sqlite_rows(db, "SELECT r.id FROM reports r JOIN alerts a ON a.report_id = r.id "
                          "WHERE r.guid = 'item-9999' AND a.status = 'sent'")  # fmt: skip
        return bool(rows)

    assert wait_for(added), daemon.output()[-2000:]
    print(f"new entry stored and alerted {time.monotonic() - added_at:.1f} s after it appeared")
    # One line a poll of the feed (INFO, or WARNING when it failed), in order: the one after
    # those of the polls before it.
    polls = re.findall(r"^monitor: (?:INFO|WARNING): feed 'feed-07'.*", daemon.output(), re.M)
    assert polls[polled_before].startswith("monitor: INFO: feed 'feed-07': 11 entries, 1 new,")

    code, took = daemon.stop()
    assert code == 0 and took < 10
    out = daemon.output()
    assert "monitor: INFO: stopped after" in out
    assert out.count("── alert ") == FEEDS * 10 + 1
    assert sqlite_rows(db, "PRAGMA integrity_check") == [("ok",)]

    # A restart goes on where it stopped: nothing is stored or alerted again.
    again = Daemon(config, tmp_path)
    daemons.append(again)
    assert wait_for(lambda: "not modified" in again.output()), again.output()[-2000:]
    code, _ = again.stop()
    assert code == 0 and "── alert " not in again.output()
    assert sqlite_rows(db, "SELECT count(*) FROM reports") == [(entries + 1,)]


@pytest.mark.slow
def test_sigterm_in_a_busy_cycle_exits_0_within_10_s_and_nothing_is_realerted(
    tmp_path: Path, feed_server: FeedServer, daemons: list[Daemon]
) -> None:
    # The slow feeds answer once the signal is sent: in flight when it comes, back at once.
    answer = threading.Event()
    feeds = {
        f"slow-{n}": feed_server.serve(
            f"/s{n}.xml", Route(mode="slow", hold=answer, body=rss("S", [_entry(n)]))
        )
        for n in range(4)
    }
    feeds |= {
        f"fast-{n}": feed_server.serve(f"/q{n}.xml", Route(body=rss("Q", [_entry(100 + n)])))
        for n in range(20)
    }
    data = tmp_path / "data"
    config = _write_config(tmp_path / "monitor.toml", data, feeds)
    daemon = Daemon(config, tmp_path)
    daemons.append(daemon)
    # The slow ones are in flight (each asked for, none answered yet).
    assert wait_for(lambda: all(feed_server.seen(f"/s{n}.xml") for n in range(4)))
    code, took = daemon.stop(then=answer.set)
    assert code == 0 and took < 10, daemon.output()[-2000:]
    first_alerts = daemon.output().count("── alert ")
    stored = sqlite_rows(data / "monitor.db", "SELECT count(*) FROM reports")[0][0]
    assert first_alerts == stored  # every stored report alerted, none half-done
    again = Daemon(config, tmp_path)
    daemons.append(again)
    assert wait_for(lambda: "INFO: started:" in again.output()), again.output()
    assert wait_for(
        lambda: sqlite_rows(data / "monitor.db", "SELECT count(*) FROM reports") == [(24,)]
    ), again.output()[-2000:]
    code, _ = again.stop()
    assert code == 0
    assert first_alerts + again.output().count("── alert ") == 24  # each report alerted once


def test_a_second_signal_exits_at_once(
    tmp_path: Path, feed_server: FeedServer, daemons: list[Daemon]
) -> None:
    # The feed answers only when the test is over: its fetch is in flight throughout.
    feeds = {"slow": feed_server.serve("/s.xml", Route(mode="slow", delay_s=HANG_S, body=b""))}
    config = _write_config(tmp_path / "monitor.toml", tmp_path / "data", feeds)
    daemon = Daemon(config, tmp_path)
    daemons.append(daemon)
    assert wait_for(lambda: feed_server.in_flight == 1)
    # SIGINT first, SIGTERM second, back to back: however late the daemon gets to them, its
    # handlers run in that order (Python runs pending handlers lowest signal first), so the
    # second is SIGTERM's without waiting for the first to be seen.
    daemon.process.send_signal(signal.SIGINT)
    code, took = daemon.stop(signal.SIGTERM)
    assert code == 128 + signal.SIGTERM and took < 2, daemon.output()[-2000:]
    assert "second signal, exiting at once" in daemon.output()


@pytest.mark.slow
def test_sighup_picks_up_added_and_removed_feeds(
    tmp_path: Path, feed_server: FeedServer, daemons: list[Daemon]
) -> None:
    a = feed_server.serve("/a.xml", Route(body=rss("A", [_entry(1)])))
    b = feed_server.serve("/b.xml", Route(body=rss("B", [_entry(2)])))
    config = tmp_path / "monitor.toml"
    _write_config(config, tmp_path / "data", {"A": a})
    daemon = Daemon(config, tmp_path)
    daemons.append(daemon)
    assert wait_for(lambda: len(feed_server.seen("/a.xml")) >= 1)
    _write_config(config, tmp_path / "data", {"B": b})
    daemon.process.send_signal(signal.SIGHUP)
    assert wait_for(lambda: len(feed_server.seen("/b.xml")) >= 1), daemon.output()
    polled_a = len(feed_server.seen("/a.xml"))
    # B, first polled after A, polled twice more: A's next poll, had it stayed, was due before
    # B's next, and one more interval has gone by for it to show.
    assert wait_for(lambda: len(feed_server.seen("/b.xml")) >= 3), daemon.output()
    assert len(feed_server.seen("/a.xml")) == polled_a  # removed: polled no more
    config.write_text("[polling]\ninterval = 5\nunknown = 1\n", encoding="utf-8")
    daemon.process.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "reload refused" in daemon.output())
    assert daemon.process.poll() is None  # a bad file is refused; the service runs on
    code, _ = daemon.stop()
    assert code == 0
    assert "polling.unknown: unknown key" in daemon.output()


def test_metrics_and_healthz(
    tmp_path: Path, feed_server: FeedServer, daemons: list[Daemon], unused_port: int
) -> None:
    feeds = {"A": feed_server.serve("/a.xml", Route(body=rss("A", [_entry(1), _entry(2)])))}
    config = _write_config(
        tmp_path / "monitor.toml",
        tmp_path / "data",
        feeds,
        extra=f"[service]\nmetrics_port = {unused_port}\n",
    )
    daemon = Daemon(config, tmp_path, "--log-format", "json")
    daemons.append(daemon)
    base = f"http://127.0.0.1:{unused_port}"

    def polled() -> bool:
        try:
            metrics = httpx.get(base + "/metrics", timeout=HANG_S).text
            return 'monitor_polls_total{outcome="ingested"} 1.0' in metrics
        except httpx.HTTPError:
            return False

    assert wait_for(polled), daemon.output()[-2000:]
    metrics = httpx.get(base + "/metrics", timeout=HANG_S).text
    assert 'monitor_reports_total{status="new"} 2.0' in metrics
    assert "monitor_fetch_seconds_bucket" in metrics and "monitor_feeds_failing 0.0" in metrics
    health = httpx.get(base + "/healthz", timeout=HANG_S)
    assert health.status_code == 200 and health.text.strip() == "ok"
    code, _ = daemon.stop()
    assert code == 0
    lines = [json.loads(line) for line in daemon.output().splitlines() if line.startswith("{")]
    assert any(entry["message"].startswith("feed 'A': 2 entries") for entry in lines)
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in lines)


@pytest.mark.slow
def test_poll_feeds_and_check_commands(tmp_path: Path, feed_server: FeedServer) -> None:
    feeds = {
        "good": feed_server.serve("/g.xml", Route(body=rss("G", [_entry(1), _entry(2)]))),
        "gone": feed_server.serve("/x.xml", Route(mode="status", status=410)),
    }
    # An hour between polls (and before a failed feed is tried again): however long each
    # `monitor` takes to start on a busy machine, no feed falls due again during the test.
    config = _write_config(tmp_path / "monitor.toml", tmp_path / "data", feeds, interval_s=3600)
    polled = run_monitor("poll", "--config", str(config), cwd=tmp_path)
    assert polled.returncode == 1  # a feed failed
    assert "feed 'good': 2 entries, 2 new" in polled.stdout
    assert "feed 'gone' failed: 410 Gone" in polled.stdout
    assert "2 feed(s) polled, 1 failed; 2 new report(s)" in polled.stderr
    nothing_due = run_monitor("poll", "--config", str(config), cwd=tmp_path)
    assert nothing_due.returncode == 0 and "no feed is due" in nothing_due.stderr
    one = run_monitor("poll", "--feed", "good", "--config", str(config), cwd=tmp_path)
    assert one.returncode == 0 and "feed 'good' not modified" in one.stdout
    unknown = run_monitor("poll", "--feed", "nope", "--config", str(config), cwd=tmp_path)
    assert unknown.returncode == 2 and "no feed named 'nope'" in unknown.stderr

    table = run_monitor("feeds", "--config", str(config), cwd=tmp_path)
    assert table.returncode == 0
    gone_line = next(line for line in table.stdout.splitlines() if line.startswith("gone"))
    assert "failing (1)" in gone_line and "410 Gone" in gone_line
    listed = run_monitor("feeds", "--json", "--config", str(config), cwd=tmp_path)
    states = {s["name"]: s for s in map(json.loads, listed.stdout.splitlines())}
    assert states["good"]["status"] == "ok" and states["good"]["total_new"] == 2
    assert states["good"]["polls"] == 2
    assert states["gone"]["failures"] == 1 and "410" in states["gone"]["last_error"]

    checked = run_monitor("check", "--config", str(config), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert "ok    database:" in checked.stdout and "feeds failing: 1 (gone)" in checked.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text('[database]\nurl = "postgresql+psycopg://nobody@127.0.0.1:9/x"\n')
    failed = run_monitor("check", "--config", str(broken), cwd=tmp_path)
    assert failed.returncode == 1 and "FAIL  database:" in failed.stdout


def test_poll_reads_each_feed_in_its_scope_and_counts_what_is_not_about_libya(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # The same wire report, naming nothing of Libya, on a Libya outlet's feed and on a world
    # news feed; and a report from Paris on the world feed.
    neutral = {
        "guid": "n1",
        "title": "Checkpoint attacked at dawn",
        "body": "Gunmen attacked a checkpoint at dawn on Tuesday, killing four guards and"
        " wounding two others, officials said, adding that the coastal road had been closed to"
        " traffic while security forces searched the area for the attackers.",
    }
    abroad = {
        "guid": "f1",
        "title": "Macron and Guterres meet in Paris",
        "body": "French President Emmanuel Macron met UN Secretary-General Antonio Guterres in"
        " Paris on Tuesday to discuss the climate summit in Brazil next month, the Elysee said.",
    }
    herald = feed_server.serve("/h.xml", Route(body=rss("H", [neutral])))
    world = feed_server.serve("/w.xml", Route(body=rss("W", [abroad, neutral | {"guid": "n2"}])))
    config = _write_config(tmp_path / "monitor.toml", tmp_path / "data", {"world": world})
    with config.open("a", encoding="utf-8") as f:
        f.write(f'[[feeds]]\nname = "herald"\nurl = "{herald}"\nscope = "libya"\n')
    polled = run_monitor("poll", "--feed", "herald", "--config", str(config), cwd=tmp_path)
    assert polled.returncode == 0, polled.stderr
    assert "feed 'herald': 1 entries, 1 new, 0 duplicate" in polled.stdout
    assert "1 feed(s) polled, 0 failed; 1 new report(s)\n" in polled.stderr + "\n"
    polled = run_monitor("poll", "--feed", "world", "--config", str(config), cwd=tmp_path)
    assert polled.returncode == 0, polled.stderr
    # The world feed's copy of the wire report is the same item (seen); Paris is not Libya.
    assert "feed 'world': 2 entries, 1 new (1 not about Libya), 0 duplicate, 1 seen" in (
        polled.stdout
    )
    assert "1 feed(s) polled, 0 failed; 1 new report(s) (1 not about Libya)" in polled.stderr
    rows = sqlite_rows(
        tmp_path / "data" / "monitor.db",
        "SELECT source, title, relevant, json_extract(relevance, '$.scope') FROM reports"
        " ORDER BY id",
    )
    assert rows == [
        ("herald", neutral["title"], 1, "libya"),
        ("world", abroad["title"], 0, "general"),
    ]


@pytest.mark.slow
def test_sqlite_takes_one_writer_and_a_killed_one_lets_go(
    tmp_path: Path, feed_server: FeedServer, daemons: list[Daemon]
) -> None:
    feeds = {"A": feed_server.serve("/a.xml", Route(body=rss("A", [_entry(1)])))}
    config = _write_config(tmp_path / "monitor.toml", tmp_path / "data", feeds)
    first = Daemon(config, tmp_path)
    daemons.append(first)
    assert wait_for(lambda: "INFO: started:" in first.output()), first.output()
    for args in (["run"], ["poll", "--all"], ["replay", str(SEEDS)]):
        refused = run_monitor(*args, "--config", str(config), cwd=tmp_path)
        assert refused.returncode == 1, (args, refused.stderr)
        assert "is in use by monitor run (pid" in refused.stderr
        assert "SQLite takes one writer at a time" in refused.stderr
    first.kill()  # SIGKILL: the operating system lets the lock go
    replayed = run_monitor("replay", str(SEEDS), "--config", str(config), cwd=tmp_path)
    assert replayed.returncode == 0, replayed.stderr
