"""The configuration's durations, sizes and feeds: what a person may write, and the one-line error
naming the file and key when it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_settings, parse_duration, parse_size
from monitor.errors import ConfigError


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
