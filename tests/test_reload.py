"""SIGHUP reloads everything `monitor run` was built from: the alert rules, the watchlist and
Slack's settings as well as the feeds; a watchlist with a mistake is refused, naming its file,
and the service runs on with the one it had."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest

from tests.conftest import REPO, Daemon, run_monitor, wait_for
from tests.fakeslack import TOKEN, FakeSlack
from tests.feedserver import FeedServer, Route, news_item, rss

NEW_ACTOR = """
[[actor]]
id = "qarqaf_brigade"
name = "Qarqaf Brigade"
kind = "armed_group"
"""
# A name no watchlist holds, until the reload adds it.
NEWS = "The Qarqaf Brigade seized the port of Misrata on Tuesday, Libyan officials said."


def _config(tmp: Path, feeds: dict[str, str], channel: str) -> Path:
    text = (
        f'[database]\ndata_dir = "{tmp / "data"}"\n'
        '[watchlist]\nactors = "actors.toml"\nplaces = "places.toml"\ngazetteer = ""\n'
        # An hour between polls: each feed is polled once, when it is first scheduled. A fetch
        # may take a minute: none fails because the machine is busy.
        '[polling]\ninterval = "1h"\njitter = "0s"\ntimeout = "60s"\n'
        f'[slack]\nchannel = "#general"\npace = 0\n'
        f'[[alerts.rules]]\nname = "watch"\nchannel = "{channel}"\n'
    )
    for name, url in feeds.items():
        text += f'[[feeds]]\nname = "{name}"\nurl = "{url}"\n'
    path = tmp / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_sighup_reloads_the_rules_and_the_watchlist_and_refuses_a_broken_watchlist(
    tmp_path: Path, feed_server: FeedServer, fake_slack: FakeSlack, daemons: list[Daemon]
) -> None:
    for name in ("actors.toml", "places.toml"):
        shutil.copy(REPO / "config" / name, tmp_path / name)
    first = feed_server.serve("/first.xml", Route(body=rss("First", [news_item(1)])))
    second = feed_server.serve(
        "/second.xml",
        Route(body=rss("Second", [{"guid": "q-1", "title": NEWS, "body": NEWS}])),
    )
    config = _config(tmp_path, {"first": first}, "#old")
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake_slack.api_url}
    daemon = Daemon(config, tmp_path, env=env)
    daemons.append(daemon)
    assert wait_for(lambda: len(fake_slack.posted) == 1), daemon.output()
    assert fake_slack.posted[0].channel == "#old"

    # The analyst adds an actor, moves the rule to another channel and adds a feed; then reloads.
    with (tmp_path / "actors.toml").open("a", encoding="utf-8") as actors:
        actors.write(NEW_ACTOR)
    _config(tmp_path, {"first": first, "second": second}, "#new")
    daemon.process.send_signal(signal.SIGHUP)
    assert wait_for(lambda: len(fake_slack.posted) == 2), daemon.output()
    alert = fake_slack.posted[1]
    assert alert.channel == "#new"
    assert "Qarqaf Brigade" in alert.everything
    log = daemon.output()
    assert "configuration reloaded:" in log
    assert "rules: changed watch" in log
    assert "watchlist: 1 added, 0 removed, 0 changed (qarqaf_brigade new)" in log
    assert "feeds: 2 polled, 1 added or changed, 0 removed" in log

    # A mistake in the watchlist: refused, naming the file; the running one stays.
    good = (tmp_path / "actors.toml").read_text(encoding="utf-8")
    (tmp_path / "actors.toml").write_text('[[actor]]\nid = "x"\nname = \n', encoding="utf-8")
    daemon.process.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "reload refused" in daemon.output()), daemon.output()
    refused = [line for line in daemon.output().splitlines() if "reload refused" in line]
    assert len(refused) == 1 and "actors.toml" in refused[0], refused
    assert daemon.process.poll() is None
    code, _ = daemon.stop()
    assert code == 0, daemon.output()
    assert "Traceback" not in daemon.output()

    # Nothing lost or sent twice: two reports, two alerts, each posted once.
    (tmp_path / "actors.toml").write_text(good, encoding="utf-8")
    assert sorted(p.alert_id for p in fake_slack.posted) == [1, 2]
    listed = run_monitor("reports", "--json", "--config", str(config), cwd=tmp_path)
    reports = [json.loads(line) for line in listed.stdout.splitlines()]
    assert listed.returncode == 0, listed.stderr
    assert len(reports) == 2
    tagged = {a["id"] for r in reports for a in r["actors"]}
    assert "qarqaf_brigade" in tagged
