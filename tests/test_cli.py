"""The command line end to end, in a subprocess as a user runs it: replay of the seeds, a second
replay, edited copies, bad inputs and their exit codes, `monitor reports`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import copies
from tests.conftest import SEEDS, run_monitor

GOLDEN = json.loads((Path(__file__).parent / "golden" / "seeds_tags.json").read_text("utf-8"))


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
    assert first.stderr.count("── alert #libya-alerts") == 5

    second = run_monitor("replay", str(SEEDS), "--db", db, "--json", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    again = _objects(second.stdout)
    assert [o["status"] for o in again] == ["seen"] * 5
    assert [o["report_id"] for o in again] == [o["report_id"] for o in objects]
    assert [o["story_id"] for o in again] == [o["report_id"] for o in objects]
    assert all(o["alerts"] == [] for o in again)
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
