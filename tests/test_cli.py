"""The command line end to end, in a subprocess as a user runs it: replay of the seeds, a second
replay, edited copies, bad inputs and their exit codes, `monitor reports`."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pytest

from monitor.cli import COMMANDS, cli
from monitor.model import Cue, Event, Reading
from monitor.store import SqlStore
from tests import copies
from tests.conftest import SEEDS, run_monitor

GOLDEN = json.loads((Path(__file__).parent / "golden" / "seeds_tags.json").read_text("utf-8"))
EVIDENCE_KEYS = {"kind", "id", "text", "field", "start", "where", "weight"}
PLACE_KEYS = {"id", "name", "kind", "lat", "lon", "parents", "text", "field", "start", "reason"}
EVENT_KEYS = {
    "type", "type_name", "subtype", "killed", "injured", "kidnapped", "arrested", "date",
    "actors", "targets", "cues",
}  # fmt: skip
# A report that names nothing of Libya: about Libya only if its source is a Libya outlet.
NEUTRAL = {
    "id": "n1",
    "title": "Checkpoint attacked at dawn",
    "text": "Gunmen attacked a checkpoint at dawn on Tuesday, killing four guards and wounding two"
    " others, officials said, adding that the coastal road had been closed to traffic while"
    " security forces searched the area for the attackers.",
}
# A report naming watchlist actors (France's president, the UN) that is not about Libya.
ABROAD = {
    "id": "f1",
    "title": "Macron and Guterres meet in Paris",
    "text": "French President Emmanuel Macron met UN Secretary-General Antonio Guterres in Paris"
    " on Tuesday to discuss the climate summit in Brazil next month, the Elysee said, adding"
    " that talks on trade with China and the war in Ukraine would follow next week in Brussels.",
}


def _jsonl(path: Path, *objects: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), "utf-8")
    return path


def _objects(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


def test_replay_of_the_seeds_then_again(tmp_path: Path, db: str) -> None:
    first = run_monitor("replay", str(SEEDS), "--db", db, "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    objects = _objects(first.stdout)
    assert [Path(o["input"]).name for o in objects] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for obj in objects:
        assert obj["status"] == "new" and obj["duplicate_of"] is None
        expected = GOLDEN[Path(obj["input"]).name]
        assert set(expected["actors"]) <= {a["id"] for a in obj["actors"]}
        assert set(expected["places"]) <= {p["id"] for p in obj["locations"]}
        assert all({"id", "name", "text", "start", "end"} <= set(a) for a in obj["actors"])
        assert all({"lat", "lon"} <= set(p) for p in obj["locations"])
        assert obj["alerts"] == [{"channel": "#libya-alerts", "status": "sent"}]
        # Every seed is a report about Libya, placed at a place of the watchlist it names.
        assert obj["relevant"] is True
        assert set(obj["relevance"]) == {"score", "scope", "reason", "evidence"}
        assert obj["relevance"]["scope"] == "general" and obj["relevance"]["reason"]
        assert all(set(e) == EVIDENCE_KEYS for e in obj["relevance"]["evidence"])
        assert set(obj["place"]) == PLACE_KEYS
        assert obj["place"]["id"] in {p["id"] for p in obj["locations"]}
        # Every report is read for an event (whose type is null when it tells of none).
        assert set(obj["event"]) == EVENT_KEYS
    assert first.stderr.count("── alert #libya-alerts") == 5

    second = run_monitor("replay", str(SEEDS), "--db", db, "--json", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    again = _objects(second.stdout)
    assert [o["status"] for o in again] == ["seen"] * 5
    assert [o["report_id"] for o in again] == [o["report_id"] for o in objects]
    assert [o["story_id"] for o in again] == [o["report_id"] for o in objects]
    assert all(o["alerts"] == [] for o in again)
    # A seen entry says what is stored of the report it is: its tags, relevance, place, event.
    for seen, stored in zip(again, objects, strict=True):
        for key in ("actors", "locations", "relevant", "relevance", "place", "event"):
            assert seen[key] == stored[key], key
    assert "── alert" not in second.stderr
    assert "0 new, 0 duplicate, 5 seen" in second.stderr


def test_edited_copies_replay_as_duplicates(tmp_path: Path, db: str) -> None:
    assert run_monitor("replay", str(SEEDS), "--db", db, cwd=tmp_path).returncode == 0
    folder = tmp_path / "copies"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        for name, edit in copies.EDITS.items():
            target = folder / f"{seed.stem}-{name.replace(' ', '_')}.txt"
            target.write_text(edit(seed.read_text("utf-8")), "utf-8")
    result = run_monitor("replay", str(folder), "--db", db, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    objects = _objects(result.stdout)
    assert len(objects) == 5 * len(copies.EDITS)
    seeds = sorted(p.stem for p in SEEDS.glob("*.txt"))
    for obj in objects:
        seed_number = seeds.index(Path(obj["input"]).stem.split("-")[0]) + 1
        assert (obj["status"], obj["duplicate_of"]) == ("duplicate", seed_number), obj["input"]
        assert obj["alerts"] == []


def test_bad_inputs_are_named_and_the_rest_is_stored(tmp_path: Path, db: str) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a_empty.txt").write_bytes(b"")
    (bad / "b_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (bad / "c_latin1.txt").write_bytes("Café in Sirte, ISIS nearby.".encode("latin-1"))
    (bad / "d_reports.jsonl").write_text(
        '{"id": "1", "title": "ISIS in Sirte", "text": "ISIS fighters were seen in Sirte."}\n'
        "{not json\n"
        '{"id": "3", "title": "no text here"}\n'
        '{"id": "4", "summary": "The LNA took Ras Lanuf on Sunday."}\n',
        "utf-8",
    )
    (bad / "e_feed.xml").write_bytes(b"<html><body><p>not a feed</p></body></html>")
    (bad / "f_good.txt").write_text((SEEDS / "000_57c9ec2a4132b078.txt").read_text("utf-8"))
    missing = tmp_path / "missing.txt"

    result = run_monitor("replay", str(bad), str(missing), "--db", db, "--json", cwd=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("monitor: error:")]
    assert len(errors) == 7, result.stderr
    expected = [
        ("a_empty.txt", "empty"),
        ("b_binary.txt", "binary"),
        ("c_latin1.txt", "not UTF-8"),
        ("d_reports.jsonl:2", "not valid JSON"),
        ("d_reports.jsonl:3", "no 'text' or 'summary'"),
        ("e_feed.xml", "feed"),
        ("missing.txt", "no such file"),
    ]
    for line, (name, reason) in zip(errors, expected, strict=True):
        assert name in line and reason in line, line
    stored = _objects(result.stdout)
    assert [Path(o["input"]).name for o in stored] == [
        "d_reports.jsonl:1",
        "d_reports.jsonl:4",
        "f_good.txt",
    ]
    assert all(o["status"] == "new" for o in stored)


def test_dry_run_stores_and_sends_nothing(tmp_path: Path, db: str) -> None:
    result = run_monitor("replay", str(SEEDS), "--db", db, "--json", "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [o["status"] for o in _objects(result.stdout)] == ["new"] * 5
    assert "── alert" not in result.stderr
    again = run_monitor("replay", str(SEEDS), "--db", db, "--json", cwd=tmp_path)
    assert [o["status"] for o in _objects(again.stdout)] == ["new"] * 5


def test_reports_lists_by_actor_place_and_date(tmp_path: Path, db: str) -> None:
    replayed = run_monitor("replay", str(SEEDS), "--db", db, "--json", cwd=tmp_path)
    ids = {Path(o["input"]).name[:3]: o["report_id"] for o in _objects(replayed.stdout)}

    # 001 names Haftar but never the LNA: the person carries his organisation.
    lna = run_monitor("reports", "--actor", "lna", "--db", db, "--json", cwd=tmp_path)
    assert lna.returncode == 0, lna.stderr
    found = [o["report_id"] for o in _objects(lna.stdout)]
    assert ids["001"] in found
    assert sorted(found) == sorted(ids.values())

    gizah = run_monitor("reports", "--location", "hay_al_gizah", "--db", db, cwd=tmp_path)
    assert gizah.returncode == 0
    assert "2 report(s)" in gizah.stderr  # 001 and 003 name the district

    future = run_monitor("reports", "--since", "2100-01-01", "--db", db, "--json", cwd=tmp_path)
    assert future.returncode == 0 and future.stdout == ""

    unknown = run_monitor("reports", "--actor", "nobody", "--db", db, cwd=tmp_path)
    assert unknown.returncode == 2 and "no actor 'nobody'" in unknown.stderr

    bad_date = run_monitor("reports", "--since", "yesterday", "--db", db, cwd=tmp_path)
    assert bad_date.returncode == 2 and "--since" in bad_date.stderr


def _give_events(db: str, events: dict[int, Event]) -> None:
    """Store these events (by report id) for reports replayed before, as the event stage would
    have read them (made here, so that these tests hold whatever that stage decides)."""
    with SqlStore.open(db) as store:
        for report_id, event in events.items():
            stored = store.get(report_id)
            assert stored is not None and stored.relevance is not None
            reading = Reading(tags=stored.tags, relevance=stored.relevance, place=stored.place)
            store.save_readings([(report_id, reading, event)])


def test_reports_lists_by_event_type_and_dead(tmp_path: Path, db: str) -> None:
    replayed = run_monitor("replay", str(SEEDS), "--db", db, "--json", cwd=tmp_path)
    ids = [o["report_id"] for o in _objects(replayed.stdout)]
    battle = Event(
        type="battle",
        killed=3,
        injured=0,
        date=date(2016, 9, 1),
        actors=("lna",),
        cues=(Cue(what="killed", value="3", text="killed three", field="text", start=12),),
    )
    _give_events(
        db,
        {
            ids[0]: battle,
            ids[1]: Event(type="battle"),  # no number of dead given
            ids[2]: Event(type="protest", killed=1),
            ids[3]: Event(type="explosion_remote_violence", killed=4, injured=8),
        },
    )

    def listed(*args: str) -> list[dict]:
        result = run_monitor("reports", *args, "--db", db, "--json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return _objects(result.stdout)

    # Types repeated or comma-separated, with the dead and the other filters (001 and 003 name
    # Hay al-Gizah); what the store's query makes of each filter is tested in test_store.py.
    assert [o["report_id"] for o in listed("--event-type", "battle,protest")] == ids[2::-1]
    found = listed("--event-type", "battle", "--event-type", "protest", "--min-killed", "1")
    assert [o["report_id"] for o in found] == [ids[2], ids[0]]
    found = listed("--event-type", "battle", "--location", "hay_al_gizah")
    assert [o["report_id"] for o in found] == [ids[1]]

    every = {o["report_id"]: o["event"] for o in listed()}
    assert every[ids[3]]["type_name"] == "Explosion/remote violence"
    assert every[ids[0]] == {
        "type": "battle", "type_name": "Battle", "subtype": None, "killed": 3, "injured": 0,
        "kidnapped": None, "arrested": None, "date": "2016-09-01", "actors": ["lna"],
        "targets": [],
        "cues": [
            {"what": "killed", "value": "3", "text": "killed three", "field": "text", "start": 12}
        ],
    }  # fmt: skip
    lines = run_monitor("reports", "--db", db, cwd=tmp_path)
    assert "; battle, 3 killed; " in lines.stdout
    assert "; explosion/remote violence, 4 killed, 8 injured; " in lines.stdout
    assert "; battle; " in lines.stdout and "; protest, 1 killed; " in lines.stdout

    refused = run_monitor("reports", "--event-type", "battle,batle", "--db", db, cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    (error,) = [line for line in refused.stderr.splitlines() if line.startswith("Error")]
    assert "--event-type" in error and "no event type 'batle'" in error and "battle" in error
    negative = run_monitor("reports", "--min-killed", "-1", "--db", db, cwd=tmp_path)
    assert negative.returncode == 2 and "--min-killed" in negative.stderr


def test_a_rule_for_deadly_battles_alerts_on_the_battle_not_the_protest(tmp_path: Path) -> None:
    """End to end, through the event stage as it reads: a battle with three dead alerts in the
    rule's channel, a protest does not."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[database]\ndata_dir = "{tmp_path / "data"}"\n'
        '[[alerts.rules]]\nname = "deadly battles"\nchannel = "#battles"\n'
        'event_types = ["battle"]\nmin_killed = 1\n',
        encoding="utf-8",
    )
    wire = _jsonl(
        tmp_path / "wire.jsonl",
        {
            "id": "b1",
            "title": "Three killed in Sirte clashes",
            "text": "Clashes between the LNA and Benghazi Defence Brigades killed three fighters"
            " in Sirte on Monday, a military spokesman said.",
            "published": "2017-03-07T09:00:00Z",
        },
        {
            "id": "p1",
            "title": "Hundreds protest in Tripoli against the government",
            "text": "Hundreds protest in Tripoli against the government, demanding an end to"
            " power cuts and the shortage of cash in the banks.",
            "published": "2017-03-07T10:00:00Z",
        },
    )
    result = run_monitor("replay", str(wire), "--config", str(config), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    battle, protest = _objects(result.stdout)
    assert (battle["event"]["type"], battle["event"]["killed"]) == ("battle", 3)
    assert battle["alerts"] == [{"channel": "#battles", "status": "sent"}]
    assert protest["event"]["type"] == "protest"
    assert protest["alerts"] == []
    assert result.stderr.count("── alert #battles") == 1
    assert "Battle · 3 killed · Sirte" in result.stderr


def test_a_config_error_names_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('[database]\nurl = "sqlite:///x.db"\n\n[dedup]\nnear_treshold = 0.9\n')
    result = run_monitor("replay", str(SEEDS), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert str(config) in result.stderr and "dedup.near_treshold: unknown key" in result.stderr
    assert not (tmp_path / "x.db").exists()

    config.write_text('[dedup]\nmin_words = "twenty"\n')
    result = run_monitor("replay", str(SEEDS), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2 and "dedup.min_words" in result.stderr

    config.write_text("[database\n")
    result = run_monitor("replay", str(SEEDS), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2 and "not valid TOML" in result.stderr

    result = run_monitor(
        "replay", str(SEEDS), "--config", str(tmp_path / "nope.toml"), cwd=tmp_path
    )
    assert result.returncode == 2 and "nope.toml" in result.stderr


def test_a_rule_naming_an_unknown_actor_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('[[alerts.rules]]\nname = "x"\nchannel = "#x"\nactors = ["nobody"]\n')
    result = run_monitor("replay", str(SEEDS), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "alerts.rules[0].actors: unknown actor 'nobody'" in result.stderr


def test_config_layers_file_then_environment_then_flag(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "monitor.toml").write_text('[database]\ndata_dir = "../data"\n')
    result = run_monitor("replay", str(SEEDS), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "monitor.db").is_file()

    env_db = tmp_path / "env.db"
    result = run_monitor(
        "replay", str(SEEDS), cwd=tmp_path, env={"MONITOR_DB_URL": f"sqlite:///{env_db}"}
    )
    assert result.returncode == 0 and env_db.is_file()

    flag_db = tmp_path / "flag.db"
    result = run_monitor(
        "replay",
        str(SEEDS),
        "--db",
        f"sqlite:///{flag_db}",
        cwd=tmp_path,
        env={"MONITOR_DB_URL": f"sqlite:///{env_db}"},
    )
    assert result.returncode == 0 and flag_db.is_file()
    assert "5 new" in result.stderr


def test_help_explains_each_command(tmp_path: Path) -> None:
    result = run_monitor("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "replay" in result.stdout and "reports" in result.stdout
    replay_help = run_monitor("replay", "--help", cwd=tmp_path)
    assert "--dry-run" in replay_help.stdout and "JSON Lines" in replay_help.stdout
    usage = run_monitor("replay", cwd=tmp_path)
    assert usage.returncode == 2


def test_replay_of_a_feed_file(tmp_path: Path, db: str) -> None:
    feed = tmp_path / "wire.rss"
    feed.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Libya Wire</title><link>https://wire.example/</link>
<item><title>Clashes near Sirte</title><link>https://wire.example/a?utm_source=rss</link>
<guid>wire-1</guid><pubDate>Sat, 03 Sep 2016 10:00:00 +0200</pubDate>
<description>&lt;p&gt;Bunyan al-Marsus forces clashed with ISIS near
&lt;b&gt;Sirte&lt;/b&gt;.&lt;/p&gt;</description></item>
<item><title>Same story again</title><link>https://wire.example/a</link>
<description>Copy.</description></item>
</channel></rss>""",
        "utf-8",
    )
    result = run_monitor("replay", str(feed), "--db", db, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = _objects(result.stdout)
    assert first["input"].endswith("wire.rss#1")
    assert first["published"] == "2016-09-03T08:00:00Z"
    assert first["url"] == "https://wire.example/a?utm_source=rss"
    assert {a["id"] for a in first["actors"]} == {"bunyan_al_marsus", "isis"}
    assert (second["status"], second["report_id"]) == ("seen", first["report_id"])


def test_replay_scope_is_what_the_sources_cover(tmp_path: Path) -> None:
    wire = _jsonl(tmp_path / "wire.jsonl", NEUTRAL)
    by_scope = {}
    for scope in ("general", "libya"):
        db = f"sqlite:///{tmp_path / scope}.db"
        args = ["replay", str(wire), "--db", db, "--json"]
        result = run_monitor(*args, *(["--scope", scope] if scope == "libya" else []), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        (by_scope[scope],) = _objects(result.stdout)
    # Without --scope the source is general news: nothing in the report says Libya.
    assert by_scope["general"]["relevance"]["scope"] == "general"
    assert by_scope["general"]["relevant"] is False
    # A Libya outlet's report is about Libya unless its content says otherwise.
    assert by_scope["libya"]["relevance"]["scope"] == "libya"
    assert by_scope["libya"]["relevant"] is True
    bad = run_monitor("replay", str(wire), "--scope", "world", cwd=tmp_path)
    assert bad.returncode == 2 and "--scope" in bad.stderr


def test_a_report_not_about_libya_is_marked_counted_and_listed_only_with_all(
    tmp_path: Path, db: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        (folder / seed.name).write_text(seed.read_text("utf-8"), "utf-8")
    _jsonl(folder / "wire.jsonl", ABROAD)
    result = run_monitor("replay", str(folder), "--db", db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 report(s): 3 new (1 not about Libya), 0 duplicate, 0 seen" in result.stderr
    assert "alerts: 2 sent" in result.stderr  # a rule alerts only on reports about Libya
    # Each report's lines: id, status and input; title; what it was read as.
    readings = {
        first.split()[-1]: last.strip()
        for first, _, last in zip(*[iter(result.stdout.splitlines())] * 3, strict=True)
    }
    assert len(readings) == 3
    abroad = readings.pop(f"{folder / 'wire.jsonl'}:1")
    assert abroad.startswith("not about Libya; Emmanuel Macron")
    assert all(line.startswith("at ") for line in readings.values())  # the seeds are placed

    listed = run_monitor("reports", "--db", db, "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    about = _objects(listed.stdout)
    assert [o["relevant"] for o in about] == [True, True]
    assert all(set(o["place"]) == PLACE_KEYS for o in about)
    every = _objects(run_monitor("reports", "--all", "--db", db, "--json", cwd=tmp_path).stdout)
    assert [o["relevant"] for o in every] == [False, True, True]
    assert every[0]["title"] == ABROAD["title"] and every[0]["place"] is None
    assert every[0]["relevance"]["reason"]
    lines = run_monitor("reports", "--all", "--db", db, cwd=tmp_path)
    assert "3 report(s)" in lines.stderr
    assert "not about Libya; Emmanuel Macron" in lines.stdout
    assert lines.stdout.count("        at ") == 2

    # A report stored before relevance was kept (not yet read again) is listed: nothing says
    # it is not about Libya.
    sqlite3.connect(db.removeprefix("sqlite:///")).execute(
        "UPDATE reports SET relevant = NULL, relevance = NULL WHERE id = ?",
        (every[0]["report_id"],),
    ).connection.commit()
    unread = _objects(run_monitor("reports", "--db", db, "--json", cwd=tmp_path).stdout)
    assert [(o["relevant"], o["relevance"]) for o in unread][0] == (None, None)
    assert len(unread) == 3


def test_help_names_each_command_as_the_command_itself_does() -> None:
    context = click.Context(cli)
    for name, (_, _, line) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(limit=65) == line, name


def test_version_and_help_load_nothing_of_the_pipeline(tmp_path: Path) -> None:
    # What `monitor --version` and `monitor --help` import, asked of the interpreter itself: the
    # command line's group alone, none of the stages, the database or Slack's client.
    probe = (
        "import sys\n"
        "from monitor.cli import main\n"
        "try:\n"
        "    main([sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('sqlalchemy', 'slack_sdk', 'wordfreq', 'monitor.tag', 'monitor.pipeline',"
        " 'monitor.store', 'feedparser', 'apscheduler', 'pydantic')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or"
        " any(m.startswith(h + '.') or m == h for h in heavy)))\n"
    )
    for flag in ("--version", "--help"):
        done = subprocess.run(
            [sys.executable, "-c", probe, flag], capture_output=True, text=True, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "[]", (flag, done.stdout)
