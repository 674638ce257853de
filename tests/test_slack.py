"""Slack delivery end to end: `monitor` in a subprocess, slack-sdk pointed at a fake Slack on
loopback (tests/fakeslack.py). Plus the message builder's escaping and Slack's limits."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections import deque
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.alert import Dispatcher, Rule
from monitor.alert.blockkit import BLOCKS_MAX, SECTION_MAX, TEXT_MAX, message_payload
from monitor.alert.message import AlertMessage, Mention, build_message, event_line
from monitor.alert.notify import ConsoleNotifier
from monitor.alert.slack import SlackNotifier
from monitor.clock import Clock, utc_now
from monitor.model import (
    AlertStatus,
    Entry,
    Event,
    Place,
    Reading,
    Report,
    Status,
    StoredReport,
)
from monitor.pipeline import Pipeline
from monitor.store import SqlStore
from monitor.tag import Tagger
from tests.conftest import HANG_S, SEEDS, Daemon, run_monitor, wait_for
from tests.fakeslack import TOKEN, FakeSlack
from tests.feedserver import FeedServer, Route, news_item, rss
from tests.test_pipeline import STORIES

HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<!subteam^S1>",
    "<https://evil.example|click me>",
]


def _env(fake: FakeSlack) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake.api_url}


def _config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[database]\ndata_dir = "{tmp_path / "data"}"\n'
        # A replay waits up to 10 min for Slack to take its alerts: even the minute's outage
        # below is over long before, however slow the machine.
        '[slack]\nchannel = "#libya-desk"\nretry_max = "4s"\nreplay_wait = "10m"\n' + extra,
        encoding="utf-8",
    )
    return path


def _report_id(posted_text: str) -> int:
    found = re.search(r"\(report (\d+)\)|Report (\d+)", posted_text)
    assert found, posted_text
    return int(found.group(1) or found.group(2))


# --- the message ------------------------------------------------------------------------------


def _message(**fields: object) -> AlertMessage:
    values: dict[str, object] = {
        "alert_id": 1,
        "channel": "#x",
        "report_id": 7,
        "title": "Clashes in Sirte",
        "url": "https://news.example/a",
        "source": "Libya Herald",
        "published": datetime(2026, 11, 21, 9, 30, tzinfo=UTC),
        "actors": (Mention(id="isis", name="ISIS"),),
        "places": (Mention(id="sirte", name="Sirte", lat=31.2, lon=16.59),),
        "snippet": "Fighting in Sirte.",
    }
    return AlertMessage(**(values | fields))  # type: ignore[arg-type]


def test_the_message_links_the_title_and_maps_the_places() -> None:
    payload = message_payload(_message())
    everything = json.dumps(payload)
    assert "<https://news.example/a|Clashes in Sirte>" in everything
    assert "2026-11-21 09:30 UTC (11:30 Libya)" in everything
    assert "openstreetmap.org/?mlat=31.20000&mlon=16.59000" in everything
    assert "ISIS" in everything and "Fighting in Sirte." in everything
    assert payload["text"] == "Clashes in Sirte (Libya Herald)"
    assert "thread_ts" not in payload and "link_names" not in payload


def test_the_message_says_where_it_happened_and_why_it_is_about_libya() -> None:
    payload = message_payload(
        _message(
            place=Mention(id="ajdabiya", name="Ajdabiya", lat=30.75, lon=20.22),
            place_reason='in the title, after "near"',
            why="about Libya (0.86): Ajdabiya in the title, LNA in the lead",
        )
    )
    blocks = json.dumps(payload["blocks"])
    assert "*Where*\\n<https://www.openstreetmap.org/?mlat=30.75000" in blocks
    assert "|Ajdabiya>" in blocks
    assert 'Where: Ajdabiya, in the title, after \\"near\\"' in blocks
    assert "About Libya (0.86): Ajdabiya in the title, LNA in the lead" in blocks


def test_a_stored_report_gives_the_message_its_place_and_reasons(tagger: Tagger) -> None:
    report = Report(
        source="s",
        url=None,
        guid=None,
        title="Car bomb kills four near Ajdabiya",
        text="The LNA said the attack came at dawn.",
        published=None,
        fetched_at=datetime(2026, 11, 21, tzinfo=UTC),
    )
    reading = tagger.read(report)
    stored = StoredReport(
        id=3,
        report=report,
        status=Status.NEW,
        duplicate_of=None,
        tags=reading.tags,
        relevance=reading.relevance,
        place=reading.place,
    )
    message = build_message(stored, alert_id=1, channel="#x")
    assert message.place is not None and message.place.id == "ajdabiya"
    assert 'after "near"' in message.place_reason
    assert message.why.startswith("about Libya (") and "Ajdabiya in the title" in message.why


NAWFALIYA = Place(
    id="nawfaliya", name="al-Nawfaliya", kind="town", lat=30.78, lon=17.84, parents=("libya",),
    text="al-Nawfaliya", field="title", start=30, reason='in the title, after "in"',
)  # fmt: skip
CAR_BOMB = Event(
    type="explosion_remote_violence",
    subtype="remote_explosive",
    killed=4,
    injured=8,
    date=date(2017, 8, 31),
)


def test_the_event_line_says_what_happened_where_and_when() -> None:
    line = "Explosion/remote violence · 4 killed, 8 injured · al-Nawfaliya · 31 Aug 2017"
    assert event_line(CAR_BOMB, NAWFALIYA) == line
    # Counts in their order (killed, injured, kidnapped, arrested); none given, or 0, left out.
    protest = Event(type="protest", killed=0, injured=None, kidnapped=3, arrested=12)
    assert event_line(protest, None) == "Protest · 3 kidnapped, 12 arrested"
    assert event_line(Event(type="battle", killed=1200), None) == "Battle · 1,200 killed"
    # No type: what else is known still says something.
    assert event_line(Event(type=None, killed=2), NAWFALIYA) == "2 killed · al-Nawfaliya"
    assert event_line(Event(type=None, date=date(2017, 9, 1)), None) == "1 Sep 2017"
    # Nothing known of an event (or not yet read for one): no line, whatever the place.
    assert event_line(Event(type=None), NAWFALIYA) == ""
    assert event_line(Event(type=None, killed=0), None) == ""
    assert event_line(None, NAWFALIYA) == ""


def test_the_event_line_stands_before_the_text_in_every_form_of_the_message() -> None:
    line = "Explosion/remote violence · 4 killed, 8 injured · al-Nawfaliya · 31 Aug 2017"
    payload = message_payload(_message(event_line=line))
    texts = [b.get("text", {}).get("text", "") for b in payload["blocks"]]
    event_at = texts.index(f"*{line}*")
    assert texts[event_at + 1] == ">Fighting in Sirte."  # the snippet, right after it
    assert payload["text"] == f"Clashes in Sirte (Libya Herald)\n{line}"
    console = io.StringIO()
    ConsoleNotifier(console).send(_message(event_line=line))
    lines = console.getvalue().splitlines()
    assert lines[lines.index(line) + 1] == "Fighting in Sirte."
    # Without an event: no line, and the text as it was.
    plain = message_payload(_message())
    assert plain["text"] == "Clashes in Sirte (Libya Herald)"
    assert len(plain["blocks"]) == len(payload["blocks"]) - 1
    console = io.StringIO()
    ConsoleNotifier(console).send(_message())
    assert "·" not in console.getvalue().split("\n", 3)[-1]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://x/", None])
def test_only_http_links_are_made(url: str | None) -> None:
    everything = json.dumps(message_payload(_message(url=url)))
    assert "*Clashes in Sirte*" in everything and "<" not in everything.replace(
        "<https://www.openstreetmap", ""
    )


def test_feed_text_cannot_mention_or_link() -> None:
    hostile = " ".join(HOSTILE) + " & more"
    payload = message_payload(
        _message(
            title=hostile,
            source=hostile,
            snippet=hostile,
            url=None,
            actors=(Mention(id="a", name=hostile),),
            places=(Mention(id="p", name=hostile, lat=1.0, lon=2.0),),
        )
    )
    everything = json.dumps(payload, ensure_ascii=False)
    for raw in HOSTILE:
        assert raw not in everything
    assert "&lt;!channel&gt;" in payload["text"] and "&amp; more" in payload["text"]
    assert "&lt;https://evil.example|click me&gt;" in everything


def test_slack_limits_hold_for_huge_reports() -> None:
    many = tuple(Mention(id=f"p{n}", name=f"Place {n}", lat=1.0, lon=2.0) for n in range(500))
    payload = message_payload(
        _message(title="T" * 50_000, snippet="S" * 10_000, places=many, actors=many)
    )
    assert len(payload["blocks"]) <= BLOCKS_MAX and len(payload["text"]) <= TEXT_MAX
    for block in payload["blocks"]:
        texts = [block.get("text", {}).get("text", "")] + [
            f["text"] for f in block.get("fields", [])
        ]
        texts += [e.get("text", "") for e in block.get("elements", [])]
        assert all(len(t) <= SECTION_MAX for t in texts)


# --- end to end -------------------------------------------------------------------------------


def test_replaying_the_seeds_posts_one_alert_each_with_its_facts(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    done = run_monitor(
        "replay", str(SEEDS), "--json", "--config", str(_config(tmp_path)),
        cwd=tmp_path, env=_env(fake_slack),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert "alerts: 5 sent" in done.stderr
    assert len(fake_slack.posted) == 5
    for report, posted in zip(reports, fake_slack.posted, strict=True):
        assert posted.channel == "#libya-desk" and posted.thread_ts is None
        text = posted.everything
        assert report["title"][:40].replace("&", "&amp;") in text
        assert "seeds" in text  # the source
        for entity in report["actors"][:5] + report["locations"][:5]:
            assert entity["name"] in text, entity["name"]
        # What happened, as one line before the text: every seed tells of an event.
        event = report["event"]
        assert event["type"] is not None, report["title"]
        assert event["type_name"] in text
    assert TOKEN not in done.stdout + done.stderr


def test_the_car_bomb_seed_published_as_json_lines_says_what_when_and_how_many_died(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """Seed 000 as a wire would give it, with the day it was published: the car bomb at
    al-Nawfaliya is an explosion of 31 August 2017, 4 killed and 8 injured, and the alert's
    first line says so."""
    text = (SEEDS / "000_57c9ec2a4132b078.txt").read_text("utf-8")
    line = {
        "id": "nawfaliya",
        "text": text,
        "published": "2017-09-05T09:00:00Z",
        "source": "Wire",
    }
    (tmp_path / "in.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    done = run_monitor(
        "replay", str(tmp_path / "in.jsonl"), "--json", "--config", str(_config(tmp_path)),
        cwd=tmp_path, env=_env(fake_slack),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (report,) = [json.loads(line) for line in done.stdout.splitlines()]
    event = report["event"]
    assert (event["type"], event["subtype"]) == (
        "explosion_remote_violence",
        "remote_explosive_landmine_ied",
    )
    assert (event["killed"], event["injured"], event["date"]) == (4, 8, "2017-08-31")
    (posted,) = fake_slack.posted
    expected = "Explosion/remote violence · 4 killed, 8 injured · al-Nawfaliya · 31 Aug 2017"
    assert expected in posted.everything
    assert posted.everything.index(expected) < posted.everything.index("al-Teysseen")  # the text


def test_mentions_and_links_in_a_report_arrive_as_literal_text(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    hostile = " ".join(HOSTILE)
    line = {
        "id": "h1",
        "title": f"ISIS in Sirte {hostile}",
        "text": f"ISIS fighters attacked Sirte on Monday. {hostile} Residents fled.",
        "url": "https://news.example/h1",
        "source": "Hostile Feed",
    }
    (tmp_path / "in.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    done = run_monitor(
        "replay", str(tmp_path / "in.jsonl"), "--config", str(_config(tmp_path)),
        cwd=tmp_path, env=_env(fake_slack),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (posted,) = fake_slack.posted
    for raw in HOSTILE:
        assert raw not in posted.everything, raw
    for raw in HOSTILE:
        assert raw.replace("<", "&lt;").replace(">", "&gt;") in posted.text  # the title
    assert "link_names" not in posted.raw


@pytest.mark.slow
def test_a_story_follow_up_is_a_thread_reply_and_a_duplicate_posts_nothing(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    config = str(_config(tmp_path))
    env = _env(fake_slack)
    assert (
        run_monitor("replay", str(SEEDS), "--config", config, cwd=tmp_path, env=env).returncode == 0
    )
    roots = {p.ts: p for p in fake_slack.posted}
    later = run_monitor("replay", str(STORIES), "--json", "--config", config, cwd=tmp_path, env=env)
    assert later.returncode == 0, later.stderr
    followers = [json.loads(line) for line in later.stdout.splitlines()]
    replies = fake_slack.posted[5:]
    assert len(replies) == len(followers) >= 1
    for follower, reply in zip(followers, replies, strict=True):
        assert follower["status"] == "new" and follower["story_id"] != follower["report_id"]
        assert reply.thread_ts in roots  # under the story's first message
        assert _report_id(roots[reply.thread_ts].everything) == follower["story_id"]
        assert "Follow-up from" in reply.text and "stories" in reply.text  # which outlet adds it
    copy = tmp_path / "Wire"
    copy.mkdir()
    seed = sorted(SEEDS.glob("*.txt"))[0]
    (copy / "copy.txt").write_text("Wire copy\n" + seed.read_text("utf-8"), encoding="utf-8")
    dup = run_monitor("replay", str(copy), "--json", "--config", config, cwd=tmp_path, env=env)
    assert json.loads(dup.stdout)["status"] == "duplicate"
    assert len(fake_slack.posted) == 5 + len(followers)  # nothing posted for the duplicate


@pytest.mark.slow
def test_a_permanent_error_fails_that_alert_and_the_rest_go_on(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_channels["#closed"] = "channel_not_found"
    config = _config(
        tmp_path,
        '[[alerts.rules]]\nname = "closed"\nchannel = "#closed"\nactors = ["isis"]\n'
        '[[alerts.rules]]\nname = "all"\n',
    )
    done = run_monitor(
        "replay", str(SEEDS), "--config", str(config), cwd=tmp_path, env=_env(fake_slack)
    )
    assert done.returncode == 0, done.stderr
    assert {p.channel for p in fake_slack.posted} == {"#libya-desk"}
    listed = run_monitor(
        "alerts", "--status", "failed", "--json", "--config", str(config), cwd=tmp_path
    )
    failed = [json.loads(line) for line in listed.stdout.splitlines()]
    assert failed and all("channel_not_found" in a["error"] for a in failed)
    checked = run_monitor("check", "--config", str(config), cwd=tmp_path, env=_env(fake_slack))
    assert f"warn  {len(failed)} alert(s) failed for good" in checked.stdout
    assert "ok    slack: posts as monitor in Test Team" in checked.stdout
    fake_slack.fail_channels.clear()
    retried = run_monitor("alerts", "retry", "--config", str(config), cwd=tmp_path)
    assert f"{len(failed)} failed alert(s) queued again" in retried.stderr
    for output in (done.stdout, done.stderr, listed.stdout, checked.stdout, retried.stderr):
        assert TOKEN not in output


def test_check_fails_on_a_token_slack_refuses(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-wrong-secret", "SLACK_API_URL": fake_slack.api_url}
    checked = run_monitor("check", "--config", str(_config(tmp_path)), cwd=tmp_path, env=env)
    assert checked.returncode == 1 and "FAIL  slack: auth.test: invalid_auth" in checked.stdout
    assert "xoxb-wrong-secret" not in checked.stdout + checked.stderr


@pytest.mark.slow
def test_an_incoming_webhook_and_slack_test(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = {"SLACK_WEBHOOK_URL": fake_slack.webhook_url}
    config = str(_config(tmp_path))
    done = run_monitor("replay", str(SEEDS), "--config", config, cwd=tmp_path, env=env)
    assert done.returncode == 0 and len(fake_slack.posted) == 5
    tested = run_monitor("slack", "test", "--config", config, cwd=tmp_path, env=_env(fake_slack))
    assert tested.returncode == 0 and fake_slack.posted[-1].channel == "#libya-desk"
    assert "secretwebhook" not in done.stdout + done.stderr


@pytest.mark.slow
def test_slack_down_for_a_minute_then_every_alert_arrives_once_in_order_and_paced(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    lines = []
    for n in range(50):
        item = news_item(n)
        lines.append(
            json.dumps(
                {"id": item["guid"], "title": item["title"], "text": item["body"], "source": "Wire"}
            )
        )
    (tmp_path / "fifty.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    begun = threading.Event()

    def for_a_while() -> None:
        """20 s, and on until Slack has answered twice the way it fails now."""
        time.sleep(20)
        wait_for(lambda: len(fake_slack.failures) <= 100_000 - 2)

    def outage() -> None:
        fake_slack.stop()  # connection refused
        begun.set()
        time.sleep(20)
        fake_slack.failures = deque(["500"] * 100_000)
        fake_slack.start()  # then 500s
        for_a_while()
        fake_slack.failures = deque(["429:3"] * 100_000)  # then 429s
        for_a_while()
        fake_slack.failures = deque()

    down = threading.Thread(target=outage)
    down.start()
    assert begun.wait(HANG_S)
    done = run_monitor(
        "replay", str(tmp_path / "fifty.jsonl"), "--json", "--config", str(_config(tmp_path)),
        cwd=tmp_path, env=_env(fake_slack), timeout=15 * 60,
    )  # fmt: skip
    down.join()
    assert done.returncode == 0, done.stderr[-2000:]
    assert "alerts: 50 sent" in done.stderr
    ids = [json.loads(line)["report_id"] for line in done.stdout.splitlines()]
    posted = [_report_id(p.everything) for p in fake_slack.posted]
    assert posted == ids  # each once, in order
    gaps = [b.at - a.at for a, b in zip(fake_slack.posted, fake_slack.posted[1:], strict=False)]
    assert min(gaps) >= 1.0  # one message a second at most in the channel
    assert fake_slack.attempts > 50  # it was refused for a while


@pytest.mark.slow
def test_sigkill_with_alerts_pending_loses_none_and_doubles_none(
    tmp_path: Path, fake_slack: FakeSlack, feed_server: FeedServer, daemons: list[Daemon]
) -> None:
    url = feed_server.serve("/a.xml", Route(body=rss("A", [news_item(n) for n in range(6)])))
    config = _config(
        tmp_path,
        f'[polling]\ninterval = "60s"\njitter = "0s"\n[[feeds]]\nname = "A"\nurl = "{url}"\n',
    )

    def fail_after_the_second(posted: object) -> None:
        # Slack fails from the third message on: the rest stays pending.
        if len(fake_slack.posted) == 2:
            fake_slack.failures = deque(["500"] * 100_000)

    fake_slack.on_post = fail_after_the_second
    first = Daemon(config, tmp_path, env=_env(fake_slack))
    daemons.append(first)
    assert wait_for(lambda: len(fake_slack.posted) >= 2), first.output()[-2000:]
    # Killed once it has been refused: with the rest pending, one of them perhaps in hand.
    assert wait_for(lambda: fake_slack.attempts > 2), first.output()[-2000:]
    first.kill()  # SIGKILL
    sent_before = [_report_id(p.everything) for p in fake_slack.posted]
    fake_slack.on_post = None
    fake_slack.failures = deque()
    again = Daemon(config, tmp_path, env=_env(fake_slack))
    daemons.append(again)
    assert wait_for(lambda: len(fake_slack.posted) >= 6), again.output()[-2000:]
    # Stopped, it posts nothing more: what was posted by then is all there is.
    code, _ = again.stop()
    assert code == 0
    posted = [_report_id(p.everything) for p in fake_slack.posted]
    assert sorted(posted) == sorted(set(posted)) and len(posted) == 6  # none twice, none lost
    assert posted[: len(sent_before)] == sent_before


def test_a_slack_that_does_not_answer_is_tried_again_and_posted_once(
    tmp_path: Path, fake_slack: FakeSlack, tagger: Tagger, clock: Clock
) -> None:
    # Slack holds each of the first two calls until the test is over: the notifier's own
    # timeout (1 s) ends them, however slow the machine.
    fake_slack.failures = deque([f"hang:{HANG_S:g}"] * 2)
    notifier = SlackNotifier(TOKEN, api_url=fake_slack.api_url, timeout_s=1, pace_s=0)
    with SqlStore.open(f"sqlite:///{tmp_path / 'm.db'}", clock=clock) as store:
        pipeline = Pipeline(
            store=store, tagger=tagger, rules=[Rule(name="all", channel="#x")], notifier=None,
            clock=clock,
        )  # fmt: skip
        outcome = pipeline.process(Entry(ref="r", source="S", body="ISIS attacked Sirte today."))
        done = Dispatcher(store, notifier, retry_max_s=1).run(wait_until=time.monotonic() + HANG_S)
        (alert,) = store.alerts_of(outcome.report_id)
    assert done.sent == 1 and len(fake_slack.posted) == 1
    assert alert.status is AlertStatus.SENT and alert.ts == fake_slack.posted[0].ts
    assert alert.attempts == 1 and fake_slack.attempts == 3


def test_the_posted_message_says_what_happened(
    tmp_path: Path, fake_slack: FakeSlack, tagger: Tagger, clock: Clock
) -> None:
    notifier = SlackNotifier(TOKEN, api_url=fake_slack.api_url, pace_s=0)
    with SqlStore.open(f"sqlite:///{tmp_path / 'm.db'}", clock=clock) as store:
        pipeline = Pipeline(
            store=store, tagger=tagger, rules=[Rule(name="all", channel="#x")], notifier=None,
            clock=clock,
        )  # fmt: skip
        outcome = pipeline.process(
            Entry(
                ref="r",
                source="S",
                title="Car bomb kills four in al-Nawfaliya",
                body="A car bomb killed four people and wounded eight at a checkpoint in"
                " al-Nawfaliya on Thursday, the LNA said.",
            )
        )
        stored = store.get(outcome.report_id)
        assert stored is not None and stored.relevance is not None
        assert stored.place is not None and stored.place.id == "nawfaliya"
        # The event as the event stage would read it (made here, so that this test holds
        # whatever that stage decides), stored before the alert goes.
        reading = Reading(tags=stored.tags, relevance=stored.relevance, place=stored.place)
        store.save_readings([(stored.id, reading, CAR_BOMB)])
        done = Dispatcher(store, notifier).run(wait_until=time.monotonic() + HANG_S)
    assert done.sent == 1
    (posted,) = fake_slack.posted
    line = "Explosion/remote violence · 4 killed, 8 injured · al-Nawfaliya · 31 Aug 2017"
    assert posted.text.endswith(f"\n{line}")
    assert {"type": "section", "text": {"type": "mrkdwn", "text": f"*{line}*"}} in posted.blocks


def test_an_alert_handed_over_by_a_process_that_died_is_found_not_sent_twice(
    tmp_path: Path, fake_slack: FakeSlack, tagger: Tagger
) -> None:
    """The window between Slack taking a message and its ts being written: the next dispatcher
    finds the message by the alert's id in Slack's history and records it."""
    notifier = SlackNotifier(TOKEN, api_url=fake_slack.api_url, pace_s=0)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    with SqlStore.open(url, clock=utc_now) as store:
        pipeline = Pipeline(
            store=store, tagger=tagger, rules=[Rule(name="all", channel="#x")], notifier=None,
        )  # fmt: skip
        first = pipeline.process(Entry(ref="a", source="S", body="ISIS attacked Sirte today."))
        second = pipeline.process(Entry(ref="b", source="T", body="The LNA shelled Derna at dawn."))
        Dispatcher(store, notifier).run(wait_until=time.monotonic())  # both sent
        assert len(fake_slack.posted) == 2
        third = pipeline.process(
            Entry(ref="c", source="U", body="Clashes in Misrata left two dead.")
        )
        (alert,) = store.alerts_of(third.report_id)
        # A dispatcher hands it over, Slack takes it, and the process dies before recording it.
        store.mark_alert(alert.id, AlertStatus.SENDING)
        stored = store.get(third.report_id)
        assert stored is not None
        notifier.send(build_message(stored, alert_id=alert.id, channel="#x"))
        fourth = pipeline.process(Entry(ref="d", source="V", body="Haftar met envoys in Benghazi."))
        done = Dispatcher(store, notifier).run(wait_until=time.monotonic() + HANG_S)
        (found,) = store.alerts_of(third.report_id)
        (after,) = store.alerts_of(fourth.report_id)
    assert done.sent == 2 and len(fake_slack.posted) == 4  # the third not posted again
    assert found.status is AlertStatus.SENT and found.ts == fake_slack.posted[2].ts
    assert after.status is AlertStatus.SENT and after.ts == fake_slack.posted[3].ts
    assert first.report_id < second.report_id
