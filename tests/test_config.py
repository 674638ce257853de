"""The configuration's durations, sizes and feeds: what a person may write, and the one-line error
naming the file and key when it is wrong; and each mistake (in the file, the watchlist, a
credential) as `monitor replay`, `check`, `poll` and `run` meet it: one message, exit code 2,
no database created, no request to a feed or to Slack."""

from __future__ import annotations

import re
import subprocess
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from monitor.config import load_settings, parse_duration, parse_size
from monitor.errors import ConfigError
from tests.conftest import REPO, SEEDS, run_monitor
from tests.fakeslack import TOKEN, FakeSlack
from tests.feedserver import FeedServer, Route, news_item, rss


@pytest.mark.parametrize(
    ("written", "seconds"),
    [(300, 300), (1.5, 1.5), ("90s", 90), ("5m", 300), ("1h", 3600), ("1h30m", 5400),
     ("250ms", 0.25), ("2d", 172800), (" 5 m ", 300)],
)  # fmt: skip
def test_durations(written: object, seconds: float) -> None:
    assert parse_duration(written) == seconds


@pytest.mark.parametrize("written", ["5 minutes", "", "-1s", "1x", "m5", True, None, [1]])
def test_bad_durations(written: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(written)


@pytest.mark.parametrize(
    ("written", "size"),
    [(1000, 1000), ("500KB", 500_000), ("10MiB", 10 * 2**20), ("1gb", 10**9), ("64 kib", 65536)],
)
def test_sizes(written: object, size: int) -> None:
    assert parse_size(written) == size


def test_the_defaults_poll_real_sources_every_five_minutes() -> None:
    settings = load_settings(env={}).settings
    assert settings.polling.interval == 300 and settings.polling.backoff_max == 3600
    assert settings.polling.down_after == 6 * 3600 and settings.polling.max_body == 10 * 2**20
    assert len(settings.feeds) >= 5
    assert {f.language for f in settings.feeds} >= {"en", "ar"}
    assert all(f.url.startswith("https://") for f in settings.feeds)


def _load(tmp_path: Path, text: str) -> ConfigError:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)
    return caught.value


def test_the_shipped_configuration_shows_the_stages_own_defaults() -> None:
    # [dedup], [stories] and [relevance] are the stages' settings types; the shipped file shows
    # their defaults commented out, and must show the ones in force.
    shown: dict[str, dict[str, object]] = {}
    section = ""
    for line in (REPO / "config" / "monitor.toml").read_text("utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section in ("dedup", "stories", "relevance") and (
            found := re.fullmatch(r"# ([a-z_]+) = (\S+)", line)
        ):
            shown.setdefault(section, {})[found[1]] = tomllib.loads(line[2:])[found[1]]
    settings = load_settings(env={}).settings
    for name, policy in (
        ("dedup", settings.dedup),
        ("stories", settings.stories),
        ("relevance", settings.relevance),
    ):
        assert shown[name] == asdict(policy), name
        assert policy == type(policy)()


def test_a_stage_section_is_checked_like_any_other(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text("[dedup]\nnear_threshold = 1.5\nbogus = 1\n[stories]\ndays = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert "dedup.near_threshold: Input should be less than or equal to 1" in str(caught.value)
    assert "dedup.bogus: unknown key" in str(caught.value)
    config.write_text("[stories]\ndays = 1\n")
    assert load_settings(config, env={}).settings.stories.days == 1


def test_a_feed_entry_is_checked(tmp_path: Path) -> None:
    bad_url = _load(tmp_path, '[[feeds]]\nname = "A"\nurl = "ftp://x.example/rss"\n')
    assert "feeds[0].url" in str(bad_url) and "not an http or https URL" in str(bad_url)
    bad_interval = _load(
        tmp_path, '[[feeds]]\nname = "A"\nurl = "https://x.example/"\ninterval = "soon"\n'
    )
    assert "feeds[0].interval" in str(bad_interval) and "'soon' is not a duration" in str(
        bad_interval
    )
    twice = _load(
        tmp_path,
        '[[feeds]]\nname = "A"\nurl = "https://x.example/1"\n'
        '[[feeds]]\nname = "A"\nurl = "https://x.example/2"\n',
    )
    assert "feeds[1].name: 'A' is also the name of feeds[0]" in str(twice)
    unknown = _load(tmp_path, '[[feeds]]\nname = "A"\nurl = "https://x.example/"\nevery = 5\n')
    assert "feeds[0].every: unknown key" in str(unknown)


def test_polling_values_are_checked(tmp_path: Path) -> None:
    error = _load(tmp_path, '[polling]\ntimeout = "0s"\nmax_body = "lots"\n')
    assert "polling.timeout" in str(error) and "polling.max_body" in str(error)


def test_a_feed_may_set_its_own_interval_and_be_disabled(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(
        '[polling]\ninterval = "2m"\n'
        '[[feeds]]\nname = "A"\nurl = "https://x.example/a"\ninterval = "90s"\n'
        '[[feeds]]\nname = "B"\nurl = "https://x.example/b"\nenabled = false\n',
        encoding="utf-8",
    )
    settings = load_settings(path, env={}).settings
    assert [(f.name, f.interval, f.enabled) for f in settings.feeds] == [
        ("A", 90, True),
        ("B", None, False),
    ]
    assert settings.polling.interval == 120


# --- mistakes, as each command that starts something meets them ---------------------------------

# Each command that stores, polls or sends; each must stop at a mistake before it begins.
COMMANDS = {
    "replay": ("replay", str(SEEDS)),
    "check": ("check",),
    "poll": ("poll", "--all"),
    "run": ("run",),
}
BAD_TOML_ACTORS = '[[actor]]\nid = "x"\nname = \nkind = "person"\n'


@dataclass(frozen=True)
class Mistake:
    """A configuration with one mistake: `top` is dotted keys for the top of the file (or a
    whole line that breaks it), `files` other files beside it, `env` variables set or (None)
    removed, `says` what the one message must hold; `blames_config` that it names the file."""

    top: str
    says: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)
    feed_url: str | None = None
    blames_config: bool = True


MISTAKES = {
    "unknown key": Mistake('polling.intervall = "5m"\n', ("polling.intervall: unknown key",)),
    "wrong type": Mistake('polling.per_host = "two"\n', ("polling.per_host", "integer")),
    "TOML syntax": Mistake('polling.interval = "5m\n', ("not valid TOML", "line 2")),
    "feed url": Mistake("", ("feeds[0].url", "'htp:/x' is not an http"), feed_url="htp:/x"),
    "slack api_url": Mistake(
        'slack.api_url = "slack.example/api"\n',
        ("slack.api_url", "not an http or https URL"),
        env={"SLACK_API_URL": None},
    ),
    "database url": Mistake('database.url = "not a url"\n', ("database.url: not a database URL",)),
    "rule event type": Mistake(
        'alerts.rules = [{ name = "x", event_types = ["battle", "batle"] }]\n',
        ("alerts.rules[0].event_types: unknown event type 'batle'",),
    ),
    "rule min_killed": Mistake(
        'alerts.rules = [{ name = "x", min_killed = -1 }]\n', ("alerts.rules[0].min_killed",)
    ),
    "database kind": Mistake(
        'database.url = "nosuchdb://monitor:pw-in-url@db.example/x"\n',
        ("database.url", "no database of kind 'nosuchdb'", "monitor:***@db.example"),
    ),
    "database url in the environment": Mistake(
        "",
        ("$MONITOR_DB_URL: not a database URL",),
        env={"MONITOR_DB_URL": "not a url"},
        blames_config=False,
    ),
    "missing token file": Mistake(
        'slack.token_file = "absent-token"\n',
        ("slack.token_file", "absent-token cannot be read"),
        env={"SLACK_BOT_TOKEN": None},
    ),
    "empty token file": Mistake(
        'slack.token_file = "token"\n',
        ("slack.token_file", "token is empty"),
        files={"token": "\n"},
        env={"SLACK_BOT_TOKEN": None},
    ),
    "webhook file without a URL": Mistake(
        'slack.webhook_url_file = "hook"\n',
        ("slack.webhook_url_file", "does not hold an http or https URL"),
        files={"hook": "hooks.slack.example/services/T0/B0/not-quoted\n"},
        env={"SLACK_BOT_TOKEN": None},
    ),
    "webhook variable without a URL": Mistake(
        "",
        ("$SLACK_WEBHOOK_URL does not hold an http or https URL",),
        env={"SLACK_BOT_TOKEN": None, "SLACK_WEBHOOK_URL": "hooks.example/not-quoted"},
        blames_config=False,
    ),
    "credential variable missing": Mistake(
        "slack.required = true\n",
        ("slack.required: no Slack credential is set", "$SLACK_BOT_TOKEN"),
        env={"SLACK_BOT_TOKEN": None, "SLACK_WEBHOOK_URL": None},
    ),
    "watchlist TOML syntax": Mistake(
        'watchlist.actors = "actors.toml"\n',
        ("actors.toml: not valid TOML", "line 3"),
        files={"actors.toml": BAD_TOML_ACTORS},
        blames_config=False,
    ),
    "watchlist shape: not tables": Mistake(
        'watchlist.actors = "actors.toml"\n',
        ("actors.toml: 'actor' must be an array of tables",),
        files={"actors.toml": 'actor = "haftar"\n'},
        blames_config=False,
    ),
    "watchlist shape: wrong type": Mistake(
        'watchlist.actors = "actors.toml"\n',
        ("actors.toml: actor 'x': kind",),
        files={"actors.toml": '[[actor]]\nid = "x"\nname = "X"\nkind = 5\n'},
        blames_config=False,
    ),
}


def _write(tmp_path: Path, mistake: Mistake, feed_url: str) -> Path:
    for name, text in mistake.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    config = tmp_path / "monitor.toml"
    config.write_text(
        'database.data_dir = "data"\n'
        + mistake.top
        + f'[[feeds]]\nname = "Wire"\nurl = "{mistake.feed_url or feed_url}"\n',
        encoding="utf-8",
    )
    return config


def _run_each(
    config: Path, tmp_path: Path, env: dict[str, str | None]
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every command at once on `config`; a variable given as None is set empty (unset, to
    monitor)."""
    child_env = {"SLACK_WEBHOOK_URL": ""} | {k: v or "" for k, v in env.items()}
    with ThreadPoolExecutor(len(COMMANDS)) as pool:
        futures = {
            name: pool.submit(
                run_monitor, *args, "--config", str(config), cwd=tmp_path, env=child_env
            )
            for name, args in COMMANDS.items()
        }
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_mistake_is_one_message_exit_2_and_nothing_started(
    name: str, tmp_path: Path, feed_server: FeedServer, fake_slack: FakeSlack
) -> None:
    mistake = MISTAKES[name]
    feed_url = feed_server.serve("/wire.rss", Route(body=rss("Wire", [news_item(1)])))
    config = _write(tmp_path, mistake, feed_url)
    env: dict[str, str | None] = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake_slack.api_url}
    results = _run_each(config, tmp_path, env | mistake.env)

    for command, result in results.items():
        where = f"monitor {command}: {result.stdout}{result.stderr}"
        assert result.returncode == 2, where
        assert "Traceback" not in result.stderr, where
        if command == "check":
            message = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
        else:
            assert result.stdout == "", where
            message = result.stderr.splitlines()
        assert len(message) == 1, where
        for fragment in mistake.says:
            assert fragment in message[0], where
        if mistake.blames_config:
            assert str(config) in message[0], where
        assert "pw-in-url" not in where and "not-quoted" not in where
    assert not (tmp_path / "data").exists()
    assert feed_server.requests == []
    assert fake_slack.requests == []


def test_without_the_mistake_the_same_setup_polls_and_asks_slack(
    tmp_path: Path, feed_server: FeedServer, fake_slack: FakeSlack
) -> None:
    """The control for the test above: its setup, with no mistake, does reach the feed server
    and Slack, and creates the database."""
    feed_url = feed_server.serve("/wire.rss", Route(body=rss("Wire", [news_item(1)])))
    config = _write(tmp_path, Mistake("", ()), feed_url)
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake_slack.api_url}
    polled = run_monitor("poll", "--all", "--config", str(config), cwd=tmp_path, env=env)
    assert polled.returncode == 0, polled.stderr
    checked = run_monitor("check", "--config", str(config), cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (tmp_path / "data" / "monitor.db").is_file()
    assert feed_server.seen("/wire.rss")
    assert "/api/auth.test" in fake_slack.requests
