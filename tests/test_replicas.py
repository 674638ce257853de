"""Three `monitor run` replicas on one PostgreSQL database: 100 feeds of 10 entries on a local
server (with syndicated copies across feeds), the fake Slack, and one replica killed with SIGKILL
in the middle. Every entry is stored once, every copy marked a duplicate once, every alert posted
exactly once, and the killed replica's feeds are polled again by the others once its leases
lapse."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from tests.conftest import Daemon, wait_for
from tests.fakeslack import TOKEN, FakeSlack
from tests.feedserver import FeedServer, Route, news_item, rss

FEEDS = 100
ENTRIES = 10
LEASE_S = 6
INTERVAL_S = 2


def _feeds(server: FeedServer) -> tuple[dict[str, str], int]:
    feeds, copies = {}, 0
    for f in range(FEEDS):
        items = [news_item(f * ENTRIES + k) for k in range(ENTRIES)]
        if f % 4 == 1:  # a wire copy of another feed's report, under a title of its own
            original = news_item((f - 1) * ENTRIES + 3)
            items[-1] = original | {"guid": f"copy-{f}", "title": "Wire: " + original["title"]}
            copies += 1
        feeds[f"feed-{f:03d}"] = server.serve(f"/r{f}.xml", Route(body=rss(f"R{f}", items)))
    return feeds, copies


def _query(url: str, sql: str) -> list[tuple]:
    """The rows of `sql`; none while the replicas have not made the tables yet."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]
    except ProgrammingError:
        return []
    finally:
        engine.dispose()


@pytest.mark.slow
def test_three_replicas_one_killed_store_and_alert_everything_exactly_once(
    tmp_path: Path, pg_url: str, feed_server: FeedServer, daemons: list[Daemon]
) -> None:
    slack = FakeSlack().start()
    try:
        feeds, copies = _feeds(feed_server)
        config = tmp_path / "monitor.toml"
        lines = [
            f'[database]\nurl = "{pg_url}"\ndata_dir = "{tmp_path / "data"}"',
            f'[polling]\ninterval = "{INTERVAL_S}s"\njitter = "1s"\ntimeout = "5s"\n'
            f'lease = "{LEASE_S}s"\nper_host = 4\nconcurrency = 4',
            '[slack]\nchannel = "#desk"\npace = "0s"\nretry_max = "2s"',
            '[service]\ndispatch_every = "1s"',
        ]
        lines += [f'[[feeds]]\nname = "{n}"\nurl = "{u}"' for n, u in feeds.items()]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.api_url}
        replicas = [Daemon(config, tmp_path, env=env) for _ in range(3)]
        daemons.extend(replicas)

        def stored() -> int:
            rows = _query(pg_url, "SELECT count(*) FROM reports")
            return int(rows[0][0]) if rows else 0

        assert wait_for(lambda: stored() >= FEEDS * ENTRIES // 3), replicas[0].output()[-3000:]

        # The hardest one to lose: the replica sending the outbox, killed while it sends.
        def leaders() -> list[Daemon]:
            return [r for r in replicas if "this replica sends the outbox" in r.output()]

        assert wait_for(lambda: len(leaders()) > 0), replicas[0].output()[-3000:]
        (victim,) = leaders()
        assert wait_for(lambda: len(slack.posted) > 0)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        seen_before_the_kill = len(feed_server.requests)
        entries = FEEDS * ENTRIES
        assert wait_for(lambda: stored() == entries), replicas[0].output()[-3000:]

        # Every feed is polled again after the kill: the feeds the killed replica was polling
        # too, by the others once its leases (LEASE_S) lapse.
        def all_repolled() -> bool:
            again = {r.path for r in feed_server.since(seen_before_the_kill)}
            return all(f"/r{f}.xml" in again for f in range(FEEDS))

        assert wait_for(all_repolled)
        new = entries - copies
        assert wait_for(lambda: len(slack.posted) >= new)
        # Stopped, the replicas post nothing more: what was posted by then is all there is.
        for replica in (r for r in replicas if r is not victim):
            code, _ = replica.stop()
            assert code == 0, replica.output()[-2000:]
    finally:
        slack.stop()

    assert _query(
        pg_url, "SELECT count(*), count(DISTINCT source || '/' || guid) FROM reports"
    ) == [(entries, entries)]
    by_status = dict(_query(pg_url, "SELECT status, count(*) FROM reports GROUP BY status"))
    assert by_status == {"new": new, "duplicate": copies}
    posted = Counter(p.text for p in slack.posted)
    assert len(slack.posted) == new and max(posted.values()) == 1  # each alert exactly once
    assert _query(pg_url, "SELECT status, count(*) FROM alerts GROUP BY status") == [("sent", new)]
