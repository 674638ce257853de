"""The deployment files against the package, without a container engine or systemd: each
`monitor` command the Dockerfile and deploy/monitor.service run is a real command line, the image's
configuration file loads and sets what it means to, its health check passes on an empty volume,
the files the image is built from exist, and the daemon reloads and stops on the unit's signals."""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitor.config import default_config_dir, load_settings
from tests.conftest import HANG_S, REPO, run_monitor

DOCKERFILE = REPO / "Dockerfile"
UNIT = REPO / "deploy" / "monitor.service"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
# Where the unit runs monitor from (the install command is in the unit's comments).
UNIT_EXEC = "/opt/monitor/venv/bin/monitor"

_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


# --- the Dockerfile -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    stage: int  # 0 for the first FROM's stage, 1 for the next...
    heredocs: tuple[str, ...] = ()


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with their continuation lines joined and their here-documents' bodies."""
    lines = text.splitlines()
    out: list[Instruction] = []
    stage = -1
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1].rstrip()
            while i < len(lines) and lines[i].strip().startswith("#"):
                i += 1
            if i < len(lines):
                line += " " + lines[i].strip()
                i += 1
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        bodies = []
        for found in _HEREDOC.finditer(args):
            body = []
            while i < len(lines):
                text_line = lines[i].lstrip("\t") if found[1] else lines[i]
                i += 1
                if text_line == found[3]:
                    break
                body.append(text_line + "\n")
            else:
                raise AssertionError(f"{keyword} {args}: here-document {found[3]} never ends")
            bodies.append("".join(body))
        if keyword == "FROM":
            stage += 1
        out.append(Instruction(keyword, args.strip(), stage, tuple(bodies)))
    return out


def exec_form(args: str) -> list[str]:
    """The JSON array of an exec-form instruction (shell form would put /bin/sh in as PID 1)."""
    assert args.startswith("["), f"not exec (JSON array) form: {args}"
    argv = json.loads(args)
    assert argv and all(isinstance(a, str) for a in argv), args
    return argv


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text("utf-8"))


@pytest.fixture(scope="module")
def image(dockerfile: list[Instruction]) -> list[Instruction]:
    """The instructions of the final stage: what the image is."""
    last = max(i.stage for i in dockerfile)
    return [i for i in dockerfile if i.stage == last]


def only(instructions: list[Instruction], keyword: str) -> Instruction:
    found = [i for i in instructions if i.keyword == keyword]
    assert len(found) == 1, f"{len(found)} {keyword} instructions in the image's stage"
    return found[0]


def image_env(image: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in image:
        if instruction.keyword == "ENV":
            for word in shlex.split(instruction.args):
                name, sep, value = word.partition("=")
                assert sep, f"ENV {instruction.args}: write NAME=value"
                env[name] = value
    return env


def image_command(image: list[Instruction]) -> list[str]:
    return exec_form(only(image, "ENTRYPOINT").args) + exec_form(only(image, "CMD").args)


def healthcheck_command(image: list[Instruction]) -> list[str]:
    options, sep, command = only(image, "HEALTHCHECK").args.partition("CMD ")
    assert sep and all(o.startswith("--") for o in options.split()), "HEALTHCHECK [OPTIONS] CMD"
    return exec_form(command)


def image_config(image: list[Instruction]) -> tuple[str, str]:
    """The image's configuration file: its path in the image and its text."""
    config = image_env(image)["MONITOR_CONFIG"]
    for instruction in image:
        if instruction.keyword == "COPY" and not instruction.heredocs:
            words = [w for w in shlex.split(instruction.args) if not w.startswith("--")]
            if words[-1] == config and len(words) == 2:
                return config, (REPO / words[0]).read_text(encoding="utf-8")
    raise AssertionError(f"MONITOR_CONFIG={config}, but no COPY from the checkout writes it")


def copy_sources(dockerfile: list[Instruction]) -> set[str]:
    """What COPY and ADD take from the build context (not from another stage or a here-doc)."""
    sources: set[str] = set()
    for instruction in dockerfile:
        if instruction.keyword not in ("COPY", "ADD") or instruction.heredocs:
            continue
        words = [w for w in shlex.split(instruction.args) if not w.startswith("--")]
        if any(w.startswith("--from") for w in shlex.split(instruction.args)):
            continue
        assert len(words) >= 2, f"{instruction.keyword} {instruction.args}"
        sources.update(os.path.normpath(w) for w in words[:-1])
    return sources


# --- the systemd unit ---------------------------------------------------------------------------


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """Sections of key=value pairs in order; a key may come more than once (Environment=)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line[0] in "#;"):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        line, logical = logical + line, ""
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None, f"not a key=value in a section: {line}"
        current.append((key.strip(), value.strip()))
    return sections


@pytest.fixture(scope="module")
def unit() -> dict[str, list[tuple[str, str]]]:
    return parse_unit(UNIT.read_text("utf-8"))


def unit_values(unit: dict[str, list[tuple[str, str]]], key: str) -> list[str]:
    return [v for k, v in unit["Service"] if k == key]


def unit_value(unit: dict[str, list[tuple[str, str]]], key: str) -> str:
    values = unit_values(unit, key)
    assert len(values) == 1, f"{key}= is set {len(values)} times"
    return values[0]


def unit_command(unit: dict[str, list[tuple[str, str]]], key: str) -> list[str]:
    return shlex.split(unit_value(unit, key).lstrip("@-:+!"))


def unit_env(unit: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for value in unit_values(unit, "Environment"):
        for word in shlex.split(value):
            name, _, setting = word.partition("=")
            env[name] = setting
    return env


# --- each monitor command they run is a real one ------------------------------------------------


@functools.cache
def _help(args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return run_monitor(*args, "--help", cwd=REPO)


def assert_monitor_command(argv: list[str], where: str) -> None:
    """argv runs the console script monitor, and its options and command parse."""
    assert Path(argv[0]).name in PYPROJECT["project"]["scripts"], f"{where}: {argv[0]}"
    assert PYPROJECT["project"]["scripts"][Path(argv[0]).name] == "monitor.cli:main"
    result = _help(tuple(argv[1:]))
    assert result.returncode == 0, f"{where}: `{shlex.join(argv)}`: {result.stderr}"
    assert result.stdout.startswith("Usage: monitor"), result.stdout


def test_the_image_runs_the_daemon(image: list[Instruction]) -> None:
    argv = image_command(image)
    assert argv[0] == "monitor" and "run" in argv, argv
    assert_monitor_command(argv, "ENTRYPOINT + CMD")


def test_the_health_check_is_monitor_check(image: list[Instruction]) -> None:
    argv = healthcheck_command(image)
    assert argv[0] == "monitor" and "check" in argv, argv
    assert_monitor_command(argv, "HEALTHCHECK")


def test_the_unit_runs_the_daemon(unit: dict[str, list[tuple[str, str]]]) -> None:
    argv = unit_command(unit, "ExecStart")
    assert argv[0] == UNIT_EXEC and "run" in argv, argv
    assert_monitor_command(argv, "ExecStart")


# --- the image ----------------------------------------------------------------------------------


def test_the_image_config_serves_metrics_outside_and_keeps_the_defaults(
    image: list[Instruction], tmp_path: Path
) -> None:
    _, text = image_config(image)
    path = tmp_path / "monitor.toml"
    path.write_text(text, "utf-8")
    settings = load_settings(path, env={}).settings
    defaults = load_settings(default_config_dir() / "monitor.toml", env={}).settings
    exposed = [int(p.split("/")[0]) for i in image if i.keyword == "EXPOSE" for p in i.args.split()]
    assert exposed == [settings.service.metrics_port] == [9108]
    assert settings.service.metrics_host == "0.0.0.0"
    assert settings.slack.required
    kept = {"service": defaults.service, "slack": defaults.slack}
    assert settings.model_copy(update=kept) == defaults
    assert settings.slack.model_copy(update={"required": False}) == defaults.slack

    in_image = load_settings(path, env=image_env(image)).settings
    assert in_image.database_url == "sqlite:////var/lib/monitor/monitor.db"


def test_the_health_check_passes_on_an_empty_volume(
    image: list[Instruction], tmp_path: Path
) -> None:
    _, text = image_config(image)
    (tmp_path / "monitor.toml").write_text(text, "utf-8")
    volume = tmp_path / "volume"
    volume.mkdir()
    env = image_env(image) | {
        "MONITOR_CONFIG": str(tmp_path / "monitor.toml"),
        "MONITOR_DATA_DIR": str(volume),
    }
    # Without a Slack credential the container is unhealthy, and says why. (30 s: the image's
    # HEALTHCHECK --timeout, past which Docker counts a check as failed.)
    result = run_monitor(*healthcheck_command(image)[1:], cwd=tmp_path, env=env, timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "slack.required: no Slack credential is set" in result.stdout + result.stderr
    assert not (volume / "monitor.db").exists()
    # With one (a webhook: checking it sends nothing), healthy.
    env["SLACK_WEBHOOK_URL"] = "https://hooks.slack.example/services/T0/B0/secret"
    result = run_monitor(*healthcheck_command(image)[1:], cwd=tmp_path, env=env, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert str(volume / "monitor.db") in result.stdout


def test_the_image_runs_unprivileged_with_its_data_on_the_volume(image: list[Instruction]) -> None:
    env = image_env(image)
    assert env["MONITOR_DATA_DIR"] == "/var/lib/monitor"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert exec_form(only(image, "VOLUME").args) == [env["MONITOR_DATA_DIR"]]
    user = only(image, "USER").args.split(":")[0]
    assert user not in ("root", "0")
    assert only(image, "STOPSIGNAL").args == "SIGTERM"
    base = only(image, "FROM").args.split()[0]
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", base), base


def test_what_the_image_is_built_from_exists(dockerfile: list[Instruction]) -> None:
    sources = copy_sources(dockerfile)
    for source in sources:
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    # What building the wheel reads (pyproject.toml), all of it copied in.
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", PYPROJECT["project"]["readme"], *wheel["packages"]}
    needed |= set(wheel.get("force-include", {}))
    assert needed <= sources, f"not copied into the build: {sorted(needed - sources)}"


def test_the_extras_the_dockerfile_names_exist() -> None:
    named = re.findall(r"EXTRAS=(\w+)", DOCKERFILE.read_text("utf-8"))
    assert named and set(named) <= set(PYPROJECT["project"]["optional-dependencies"])


# --- the unit -----------------------------------------------------------------------------------


def test_the_unit_keeps_its_data_in_its_state_directory(
    unit: dict[str, list[tuple[str, str]]],
) -> None:
    assert unit_value(unit, "User") == "monitor"
    data_dir = f"/var/lib/{unit_value(unit, 'StateDirectory')}"
    assert unit_env(unit)["MONITOR_DATA_DIR"] == data_dir == "/var/lib/monitor"
    assert data_dir in unit_value(unit, "ReadWritePaths").split()
    assert unit_value(unit, "Type") in ("simple", "exec")
    assert unit_value(unit, "ProtectSystem") == "strict"
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert unit_value(unit, key) == "yes", key
    assert "python3 -m venv /opt/monitor/venv" in UNIT.read_text("utf-8")


def test_the_image_and_the_unit_stop_the_daemon_alike(
    image: list[Instruction], unit: dict[str, list[tuple[str, str]]]
) -> None:
    assert only(image, "STOPSIGNAL").args == unit_value(unit, "KillSignal") == "SIGTERM"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_systemd_finds_nothing_wrong_with_the_unit() -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, timeout=HANG_S
    )
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        # monitor is installed there on the server, not on this machine.
        if line.strip() and f"{UNIT_EXEC} is not executable" not in line
    ]
    assert not complaints, "\n".join(complaints)


def test_the_daemon_reloads_and_stops_on_the_units_signals(
    unit: dict[str, list[tuple[str, str]]], tmp_path: Path
) -> None:
    reload = unit_command(unit, "ExecReload")
    assert reload[0] == "/bin/kill" and reload[-1] == "$MAINPID", reload
    reload_signal = signal.Signals["SIG" + reload[1].removeprefix("-").removeprefix("SIG")]
    stop_signal = signal.Signals[unit_value(unit, "KillSignal")]
    stop_within = float(unit_value(unit, "TimeoutStopSec").removesuffix("s"))

    # No feeds: the daemon runs without the network.
    (tmp_path / "monitor.toml").write_text("feeds = []\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env |= unit_env(unit) | {
        "MONITOR_DATA_DIR": str(tmp_path),
        "MONITOR_CONFIG": str(tmp_path / "monitor.toml"),
        "PYTHONPATH": str(REPO),
    }
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", *unit_command(unit, "ExecStart")[1:]],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:

        def wait_for(text: str) -> None:
            deadline = time.monotonic() + HANG_S
            while text not in log.read_text("utf-8"):
                assert process.poll() is None, log.read_text("utf-8")
                assert time.monotonic() < deadline, f"no '{text}': {log.read_text('utf-8')}"
                time.sleep(0.05)

        wait_for("started: 0 feed(s)")
        process.send_signal(reload_signal)
        wait_for("configuration reloaded")
        process.send_signal(stop_signal)
        returncode = process.wait(timeout=stop_within)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert returncode == 0, log.read_text("utf-8")
    assert "stopped after" in log.read_text("utf-8")
