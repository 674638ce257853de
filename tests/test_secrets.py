"""The Slack credentials never appear in anything monitor writes: with a bot token or a webhook
URL given through the environment or through [slack] token_file / webhook_url_file, and the fake
Slack failing in every way it can (500, 429, invalid_auth, channel_not_found, connection
refused, no answer), every output of `monitor replay`, `check`, `slack test`, `alerts` and a
short `monitor run` (its log in text and in JSON, at debug level, its /metrics and /healthz), and
every alert error stored in the database, is searched for the token, the webhook URL and the
webhook's secret path."""

from __future__ import annotations

import sqlite3
import urllib.request
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import HANG_S, SEEDS, Daemon, run_monitor, wait_for
from tests.fakeslack import TOKEN, WEBHOOK_PATH, FakeSlack

# Every command against a Slack failing every way: tens of seconds by design.
pytestmark = pytest.mark.slow

# Refused by the fake Slack (invalid_auth); as secret as the one it accepts.
REFUSED_TOKEN = "xoxb-7777-refused-distinct-token"
WEBHOOK_SECRET = WEBHOOK_PATH.rsplit("/", 1)[1]


@dataclass(frozen=True)
class Setup:
    kind: str  # "token" or "webhook"
    via: str  # "env" or "file"
    failure: str


# Each failure once, token and webhook, environment and file each taken in turn.
SETUPS = [
    Setup("token", "env", "invalid_auth"),
    Setup("token", "file", "429"),
    Setup("token", "file", "hang"),
    Setup("webhook", "file", "500"),
    Setup("webhook", "env", "channel_not_found"),
    Setup("webhook", "env", "refused"),
]


def _secrets(fake: FakeSlack) -> list[str]:
    return [TOKEN, REFUSED_TOKEN, fake.webhook_url, WEBHOOK_PATH, WEBHOOK_SECRET]


def _prepare(setup: Setup, fake: FakeSlack, tmp_path: Path, extra: str = "") -> dict[str, str]:
    """Write the configuration (and credential file) for `setup`, make the fake Slack fail that
    way, and give the environment to run monitor in."""
    token = REFUSED_TOKEN if setup.failure == "invalid_auth" else TOKEN
    secret = token if setup.kind == "token" else fake.webhook_url
    env = {"SLACK_BOT_TOKEN": "", "SLACK_WEBHOOK_URL": "", "SLACK_API_URL": ""}
    lines = [
        'database.data_dir = "data"',
        f'slack.api_url = "{fake.api_url}"',
        'slack.timeout = "1s"',
        'slack.retry_max = "1s"',
        'slack.replay_wait = "2s"',
        "feeds = []",
    ]
    if setup.via == "env":
        env["SLACK_BOT_TOKEN" if setup.kind == "token" else "SLACK_WEBHOOK_URL"] = secret
    else:
        # Written as a person would, with a line end after it.
        (tmp_path / "credential").write_text(secret + "\n", encoding="utf-8")
        key = "token_file" if setup.kind == "token" else "webhook_url_file"
        lines.append(f'slack.{key} = "credential"')
    (tmp_path / "monitor.toml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")

    if setup.failure in ("500", "429", "hang"):
        answer = {"500": "500", "429": "429:1", "hang": "hang:2"}[setup.failure]
        fake.failures = deque([answer] * 1000)
    elif setup.failure == "channel_not_found" and setup.kind == "token":
        fake.fail_channels = {"#libya-alerts": "channel_not_found"}
    elif setup.failure in ("channel_not_found", "invalid_token"):
        fake.failures = deque([f"error:{setup.failure}"] * 1000)
    elif setup.failure == "refused":
        fake.stop()
    return env


def _stored_errors(tmp_path: Path) -> list[str]:
    db = tmp_path / "data" / "monitor.db"
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT error FROM alerts WHERE error IS NOT NULL").fetchall()
    return [row[0] for row in rows]


def _assert_clean(what: str, text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"{what} holds {secret!r}:\n{text}"


@pytest.mark.parametrize("setup", SETUPS, ids=lambda s: f"{s.kind}-{s.via}-{s.failure}")
def test_no_command_says_the_credentials_whatever_slack_does(
    setup: Setup, tmp_path: Path, fake_slack: FakeSlack
) -> None:
    env = _prepare(setup, fake_slack, tmp_path)
    config = str(tmp_path / "monitor.toml")
    secrets = _secrets(fake_slack)
    runs = {
        "replay": run_monitor(
            "-vv", "replay", str(SEEDS), "--config", config, cwd=tmp_path, env=env
        ),
        "replay json": run_monitor(
            "-vv", "--log-format", "json", "replay", str(SEEDS), "--config", config,
            cwd=tmp_path, env=env,
        ),
    }  # fmt: skip
    reading = {
        "check": ("-vv", "check"),
        "slack test": ("-vv", "--log-format", "json", "slack", "test"),
        "alerts": ("alerts",),
        "alerts json": ("alerts", "--json"),
    }
    with ThreadPoolExecutor(len(reading)) as pool:
        started = {
            name: pool.submit(run_monitor, *args, "--config", config, cwd=tmp_path, env=env)
            for name, args in reading.items()
        }
        runs |= {name: future.result() for name, future in started.items()}
    for name, result in runs.items():
        assert "Traceback" not in result.stderr, f"{name}: {result.stderr}"
        _assert_clean(f"monitor {name} (stdout)", result.stdout, secrets)
        _assert_clean(f"monitor {name} (stderr)", result.stderr, secrets)
    # Slack failed, and said so: the searches above looked at real error output.
    assert runs["slack test"].returncode == 1
    assert "Slack refused the test message" in runs["slack test"].stderr
    errors = _stored_errors(tmp_path)
    _assert_clean("the alerts' stored errors", "\n".join(errors), secrets)
    if setup.kind == "token" and setup.failure in ("invalid_auth", "channel_not_found"):
        assert errors and all(setup.failure in e for e in errors), errors
        assert setup.failure in runs["alerts"].stdout


@pytest.mark.parametrize(
    ("setup", "log_format"),
    [(Setup("token", "file", "500"), "text"), (Setup("webhook", "env", "refused"), "json")],
    ids=["token-file-500-text", "webhook-env-refused-json"],
)
def test_the_service_log_and_metrics_never_say_the_credentials(
    setup: Setup,
    log_format: str,
    tmp_path: Path,
    fake_slack: FakeSlack,
    unused_port: int,
    daemons: list[Daemon],
) -> None:
    env = _prepare(setup, fake_slack, tmp_path, extra=f"service.metrics_port = {unused_port}\n")
    config = tmp_path / "monitor.toml"
    # Alerts waiting in the outbox, for the service to try (and fail) to send.
    queued = run_monitor("replay", str(SEEDS), "--config", str(config), cwd=tmp_path, env=env)
    assert queued.returncode == 0, queued.stderr
    daemon = Daemon(config, tmp_path, "-vv", "--log-format", log_format, env=env)
    daemons.append(daemon)
    base = f"http://127.0.0.1:{unused_port}"

    def scrape(path: str) -> str:
        with urllib.request.urlopen(base + path, timeout=HANG_S) as answer:
            return str(answer.read().decode("utf-8"))

    def failing_sends_counted() -> bool:
        try:
            return "monitor_alerts_total" in scrape("/metrics") and "alert" in daemon.output()
        except OSError:
            return False

    assert wait_for(failing_sends_counted), daemon.output()
    metrics, health = scrape("/metrics"), scrape("/healthz")
    code, _ = daemon.stop()
    assert code == 0, daemon.output()
    secrets = _secrets(fake_slack)
    _assert_clean("/metrics", metrics, secrets)
    _assert_clean("/healthz", health, secrets)
    _assert_clean(f"the service's {log_format} log", daemon.output(), secrets)
    _assert_clean("the alerts' stored errors", "\n".join(_stored_errors(tmp_path)), secrets)
