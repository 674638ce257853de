"""Alerts on Libya, not on the world: `monitor replay` of real reporting, end to end, through the
default configuration (its rule alerts on any watchlist tag, its watchlist holds France, the US,
NATO and ISIS), with alerts on the console."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS, run_monitor, shared_or_skip

REAL = REPO / "tests" / "data" / "real"


def _replay(tmp_path: Path, *args: str) -> tuple[list[dict[str, object]], str]:
    result = run_monitor(
        "replay", "--json", "--db", f"sqlite:///{tmp_path / 'monitor.db'}", *args, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_world_news_raises_no_alert_and_libya_news_does(tmp_path: Path) -> None:
    # Wikipedia's Current Events Portal: 393 items about the rest of the world (sports, science,
    # other wars, the Paris and Brussels attacks, ISIS in Syria and Iraq; some name Libya in
    # passing) and 172 about Libya, labelled by reading them.
    rows = [json.loads(line) for line in (REAL / "wcep.jsonl").read_text("utf-8").splitlines()]
    outcomes, summary = _replay(tmp_path, str(REAL / "wcep.jsonl"))
    assert len(outcomes) == len(rows)
    # The replay names each report by its line: "…/wcep.jsonl:12".
    labelled = [(o, rows[int(str(o["input"]).rsplit(":", 1)[1]) - 1]["relevant"]) for o in outcomes]
    world = [o for o, relevant in labelled if not relevant]
    libya = [o for o, relevant in labelled if relevant and o["status"] == "new"]
    assert len(world) > 350 and len(libya) > 150
    # One of them the monitor calls about Libya, against its label: an Italian prosecutor on
    # "telephone calls between people smugglers in Libya and NGOs". No other world item alerts.
    assert len([o["title"] for o in world if o["alerts"]]) <= 1
    assert sum(o["relevant"] is not False for o in world if o["status"] == "new") <= 1
    # Every new report about Libya alerts (some name Libya and no watchlist entry: "Libyan
    # security forces have killed 84 people").
    assert all(o["alerts"] for o in libya)
    assert "not about Libya" in summary


def test_seeds_still_raise_five_alerts(tmp_path: Path) -> None:
    outcomes, summary = _replay(tmp_path, str(SEEDS))
    assert [o["status"] for o in outcomes] == ["new"] * 5
    assert all(o["relevant"] is True and o["alerts"] for o in outcomes)
    assert all(isinstance(o["place"], dict) for o in outcomes)
    assert "5 new" in summary
    # Each alert on the console says where it happened and why it is about Libya.
    assert summary.count("\nwhere: ") == 5 and summary.count("\nabout Libya (") == 5


@pytest.mark.shared
@pytest.mark.parametrize("capture", ["guardian.rss", "heraldsun.rss", "reddit.rss", "heise.atom"])
def test_real_world_feeds_raise_no_alert(tmp_path: Path, capture: str) -> None:
    path = shared_or_skip("corpora", "feeds", "rss_parser_inputs", capture)
    outcomes, _ = _replay(tmp_path, str(path))
    assert outcomes
    assert [o["title"] for o in outcomes if o["alerts"]] == []
