"""Properties that hold for any text a source can hand over: normalising it raises nothing but
InputError and leaves text every store can hold, tagging it is deterministic and its spans point
at what they name, and a report processed twice is the same item the second time (`seen`), on a
real Pipeline over SQLite.

The texts mix arbitrary code points (control characters, lone surrogates, noncharacters) with
pieces chosen to be awkward: bidirectional marks and overrides, combining marks, Arabic with
tatweel and diacritics, HTML fragments and entities, watchlist names, and runs of thousands of
one character. Examples are drawn from a fixed seed and no example database is kept, so every
run tries the same inputs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.alert import Rule
from monitor.clock import fixed_clock
from monitor.dedup import (
    DEFAULT_POLICY,
    Candidate,
    ExactMatch,
    canonical_url,
    decide,
    encode_words,
    fingerprint,
    identity,
    seen,
)
from monitor.errors import InputError
from monitor.model import Entry, Report, Status
from monitor.normalize import fold_whitespace, one_line, strip_html, to_report
from monitor.pipeline import Pipeline
from monitor.store import SqlStore
from monitor.tag import Tagger, Watchlist

FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
FAST = settings(max_examples=200, deadline=None, derandomize=True, database=None)
SLOW = settings(max_examples=50, deadline=None, derandomize=True, database=None)

AWKWARD = [
    "\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2069",
    "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\u0301", "\u0651", "\u064b", "\u0670",
    "\u0640", "\u20dd", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\r", "\r\n", "\t",
    "\ud800", "\udfff", "\ud83d", "\ude00", "\ud83d\ude00", "\ufffe", "\uffff", "\ufdd0",
    "'s", "\u2019s", "-", "\u2014", "al-", " el-", "U.N.", "ال", "وال", "لل", "ـ", "ﷺ", "ﻻ",
    "<p>", "</p>", "<br/>", "<script>", "<!--", "-->", "<![CDATA[", "]]>", "<a href='x'>",
    "&amp;", "&#0;", "&#xD800;", "&#x110000;", "&#99999999999;", "&nbsp;", "&", "<", ">",
    "Sirte", "سرت", "Haftar", "حفتر", "ISIS", "IS", "داعش", "Misratan fighters", "Tripoli",
    "Bunyan al-Marsus", "البنيان المرصوص", "Ras Lanuf", "Hay al-Gizah", "LNA", "GNA",
    "http://", "https://x.example/a?utm_source=1#f", "\n\n", " ", ".", "Gen. ", "!", "?",
]  # fmt: skip
ANY_CHAR = st.characters(codec=None, exclude_categories=())
RUN = st.builds(
    lambda piece, n: piece * n,
    st.sampled_from(["a", "\u0301", "\u0640", "ـا", "Sirte ", "\n", "\u202e", "<b>", "&amp;"]),
    st.integers(min_value=1_000, max_value=20_000),
)
PIECE = st.one_of(
    st.text(ANY_CHAR, max_size=30), st.sampled_from(AWKWARD), st.sampled_from(AWKWARD), RUN
)
TEXT = st.lists(PIECE, max_size=12).map("".join)
SHORT = st.lists(st.one_of(st.text(ANY_CHAR, max_size=10), st.sampled_from(AWKWARD)), max_size=4)
MAYBE = st.none() | SHORT.map("".join)
URL = MAYBE | SHORT.map(lambda parts: "https://x.example/" + "".join(parts))
PUBLISHED = st.none() | st.sampled_from(
    ["2016-09-03T10:00:00+02:00", "Sat, 03 Sep 2016 10:00:00 +0200", "9999-12-31T23:59:59-23:59",
     "0001-01-01T00:00:00+23:59", "yesterday", ""]
) | SHORT.map("".join)  # fmt: skip


@st.composite
def entries(draw: st.DrawFn, sources: tuple[str, ...] = ("Wire", "Outlet")) -> Entry:
    return Entry(
        ref="prop",
        source=draw(st.sampled_from(sources) | SHORT.map("".join)),
        body=draw(TEXT),
        title=draw(MAYBE),
        url=draw(URL),
        guid=draw(MAYBE),
        published=draw(PUBLISHED),
    )


def _report(entry: Entry, fetched_at: datetime = FETCHED) -> Report | None:
    try:
        return to_report(entry, fetched_at=fetched_at)
    except InputError as e:
        assert e.ref == entry.ref
        return None


def _storable(value: str) -> None:
    """Text any store takes: valid UTF-8 (no lone surrogate), no NUL (PostgreSQL refuses it)."""
    value.encode("utf-8")
    assert "\x00" not in value


# --- normalisation ------------------------------------------------------------------------------


@FAST
@given(TEXT)
def test_the_text_helpers_never_raise_and_fold_once_for_all(text: str) -> None:
    stripped = strip_html(text)
    folded = fold_whitespace(stripped)
    assert fold_whitespace(folded) == folded
    line = one_line(stripped)
    assert one_line(line) == line and "\n" not in line


@FAST
@given(entries())
def test_any_entry_becomes_a_storable_report_or_an_input_error(entry: Entry) -> None:
    report = _report(entry)
    if report is None:
        return
    assert report.text and report.title and report.source
    assert "\n" not in report.title and "\n" not in report.source and "\r" not in report.text
    for value in (report.source, report.title, report.text, report.guid, report.url):
        if value is not None:
            _storable(value)
    assert report.published is None or report.published.tzinfo is UTC
    assert report.fetched_at == FETCHED


@FAST
@given(st.none() | SHORT.map("".join) | st.just("https://X.example:443/a/?utm_source=x&b=1#f"))
def test_canonical_urls_never_raise_and_are_stable(url: str | None) -> None:
    once = canonical_url(url)
    assert canonical_url(url) == once
    if once is not None:
        assert canonical_url(once) == once


# --- tagging ------------------------------------------------------------------------------------


@st.composite
def watchlist_texts(draw: st.DrawFn, watchlist: Watchlist) -> str:
    """Arbitrary text with watchlist names (any entity's, Arabic ones too) among its pieces."""
    names = [n for e in watchlist.entities.values() for n in (*e.names, *e.demonyms)]
    name = st.sampled_from(names).map(lambda n: f" {n} ")
    return "".join(draw(st.lists(st.one_of(PIECE, name, name), max_size=14)))


@pytest.mark.slow
@FAST
@given(data=st.data())
def test_tagging_is_deterministic_and_spans_point_at_the_text(
    tagger: Tagger, watchlist: Watchlist, data: st.DataObject
) -> None:
    text = data.draw(watchlist_texts(watchlist))
    title = data.draw(watchlist_texts(watchlist))
    report = _report(Entry(ref="prop", source="Wire", body=text, title=title))
    if report is None:
        return
    tags = tagger.tag(report)
    assert tagger.tag(report) == tags
    for tag in tags:
        field = report.title if tag.field == "title" else report.text
        assert field[tag.start : tag.end] == tag.text
        assert tag.entity_id in watchlist.entities


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_a_fresh_tagger_tags_as_a_used_one(
    tagger: Tagger, watchlist: Watchlist, data: st.DataObject
) -> None:
    # A new Tagger starts with empty caches (folded words, fuzzy corrections, name starts).
    report = _report(Entry(ref="prop", source="Wire", body=data.draw(watchlist_texts(watchlist))))
    if report is None:
        return
    assert Tagger(watchlist).tag(report) == tagger.tag(report)


# --- dedup --------------------------------------------------------------------------------------


@FAST
@given(entries())
def test_a_report_is_its_own_identity_and_its_own_copy(entry: Entry) -> None:
    report = _report(entry)
    if report is None:
        return
    later = _report(entry, FETCHED + timedelta(hours=5))
    assert later is not None
    assert identity(later) == identity(report)
    fp = fingerprint(report)
    assert fingerprint(later) == fp
    assert all(0 <= k < 2**63 for k in fp.keys)
    verdict = decide(fp, [Candidate(report_id=7, words=encode_words(fp.words), story_id=3)])
    if len(fp.words) >= DEFAULT_POLICY.min_words:
        assert (verdict.status, verdict.duplicate_of, verdict.score) == (Status.DUPLICATE, 7, 1.0)
    else:
        assert verdict.status is Status.NEW
    again = seen(ExactMatch(report_id=7, key="content"))
    assert (again.status, again.same_as) == (Status.SEEN, 7)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, tagger: Tagger) -> Iterator[Pipeline]:
    """One pipeline on one SQLite file for every example: what earlier examples stored is the
    history later ones are judged against, as in a running service."""
    url = f"sqlite:///{tmp_path_factory.mktemp('properties') / 'monitor.db'}"
    clock = fixed_clock(FETCHED)
    with SqlStore.open(url, clock=clock) as store:
        yield Pipeline(
            store=store,
            tagger=tagger,
            rules=[Rule(name="watchlist", channel="#libya")],
            notifier=None,
            clock=clock,
        )


@SLOW
@given(entries())
def test_a_report_processed_twice_is_seen_the_second_time(pipeline: Pipeline, entry: Entry) -> None:
    try:
        first = pipeline.process(entry)
    except InputError:
        with pytest.raises(InputError):
            pipeline.process(entry)
        return
    second = pipeline.process(entry)
    assert second.verdict.status is Status.SEEN, second.verdict
    assert second.report_id == first.report_id
    assert second.alerts == ()


@pytest.mark.slow
@SLOW
@given(entries())
def test_a_report_twice_in_one_group_is_seen_the_second_time(
    pipeline: Pipeline, entry: Entry
) -> None:
    results = list(pipeline.process_many([entry, entry]))
    if isinstance(results[0], InputError):
        assert isinstance(results[1], InputError)
        return
    first, second = results
    assert not isinstance(first, InputError) and not isinstance(second, InputError)
    assert second.verdict.status is Status.SEEN, second.verdict
    assert second.report_id == first.report_id


def test_the_awkward_pieces_cover_what_they_claim() -> None:
    categories = {unicodedata.category(c) for piece in AWKWARD for c in piece}
    assert {"Cc", "Cf", "Cs", "Cn", "Mn", "Me", "Lo"} <= categories
