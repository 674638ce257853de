"""`monitor poll --all` under the limits some hosts set on a process: an address space of 1 GB
(`ulimit -v`), and a thread stack so large that few threads, or none, fit. It polls every feed
with the threads it can start, or says in one line why it cannot; never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.feedserver import FeedServer, Route, news_item, rss

FEEDS = 20

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ulimit as on Linux"),
]


def _config(tmp_path: Path, feed_server: FeedServer) -> Path:
    text = (
        f'[database]\ndata_dir = "{tmp_path / "data"}"\n'
        # Every feed on one host here: let them all be fetched at once, as on many hosts.
        "[polling]\nper_host = 16\nconcurrency = 16\n"
    )
    for f in range(FEEDS):
        url = feed_server.serve(f"/l{f}.xml", Route(body=rss(f"L{f}", [news_item(900 + f)])))
        text += f'[[feeds]]\nname = "l{f}"\nurl = "{url}"\n'
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _poll_under(limits: str, config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PYTHONPATH"] = str(REPO)
    command = f'{limits}; exec "{sys.executable}" -m monitor poll --all --config "{config}"'
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_poll_all_runs_in_an_address_space_of_1_gb(tmp_path: Path, feed_server: FeedServer) -> None:
    done = _poll_under("ulimit -v 1048576", _config(tmp_path, feed_server), tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{FEEDS} feed(s) polled, 0 failed; {FEEDS} new report(s)" in done.stderr
    assert "Traceback" not in done.stderr


def test_poll_all_fetches_with_the_threads_that_fit(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # Stacks of 400 MB in 1.5 GB: a thread or a few start, not sixteen.
    done = _poll_under(
        "ulimit -v 1572864; ulimit -s 409600", _config(tmp_path, feed_server), tmp_path
    )
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "fetch thread" in line]
    assert len(warnings) == 1 and "feed(s) at a time" in warnings[0], done.stderr
    assert f"{FEEDS} feed(s) polled, 0 failed; {FEEDS} new report(s)" in done.stderr
    assert "Traceback" not in done.stderr


def test_poll_all_says_in_one_line_when_no_thread_can_start(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # A stack of 1.2 GB in 1.5 GB: not one thread.
    done = _poll_under(
        "ulimit -v 1572864; ulimit -s 1228800", _config(tmp_path, feed_server), tmp_path
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "monitor: error: cannot start a thread to fetch feeds (can't start new thread): the "
        "process's address-space or thread limit (ulimit -v, ulimit -u) is too low"
    ), done.stderr
    assert "Traceback" not in done.stderr
