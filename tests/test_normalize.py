"""Normalize: HTML, whitespace, titles, dates and URLs cleaned as an Entry becomes a Report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitor.errors import InputError
from monitor.model import Entry, Report
from monitor.normalize import (
    TITLE_MAX_CHARS,
    clean_url,
    derive_title,
    fold_whitespace,
    parse_datetime,
    strip_html,
    to_report,
)

FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# --- strip_html ---------------------------------------------------------------------------------


def test_strip_html_removes_tags() -> None:
    assert strip_html("Fighting near <b>Sirte</b> and <a href='x'>Misrata</a>") == (
        "Fighting near Sirte and Misrata"
    )


@pytest.mark.parametrize(
    "html",
    [
        "<p>One</p><p>Two</p>",
        "<div>One</div><div>Two</div>",
        "<ul><li>One</li><li>Two</li></ul>",
        "One<br>Two",
        "One<br/>Two",
    ],
)
def test_strip_html_block_tags_become_line_breaks(html: str) -> None:
    text = strip_html(html)
    assert "\n" in text
    assert [line for line in text.split("\n") if line] == ["One", "Two"]


def test_strip_html_keeps_paragraphs_apart_after_folding() -> None:
    html = "<p>First paragraph.</p>\n<p>Second <i>paragraph</i>.</p>"
    assert fold_whitespace(strip_html(html)) == "First paragraph.\n\nSecond paragraph."


def test_strip_html_drops_script_and_style_contents() -> None:
    html = (
        "<style>p { color: red }</style><p>Visible</p>"
        "<script>var hidden = 'tracking';</script><p>Also visible</p>"
    )
    text = strip_html(html)
    assert "color" not in text
    assert "tracking" not in text
    assert "Visible" in text and "Also visible" in text


def test_strip_html_decodes_entities() -> None:
    assert strip_html("<p>Tom &amp; Jerry &lt;3 it&#8217;s</p>").strip() == "Tom & Jerry <3 it’s"


def test_strip_html_decodes_entities_without_tags() -> None:
    assert strip_html("AT&amp;T") == "AT&T"


@pytest.mark.parametrize(
    "text", ["a < b and c > d", "Plain report text.\n\nWith two paragraphs.", "5 < 10 & 7 > 3"]
)
def test_strip_html_plain_text_unchanged(text: str) -> None:
    assert strip_html(text) == text


# --- fold_whitespace ----------------------------------------------------------------------------


def test_fold_whitespace_folds_spaces_tabs_and_nbsp() -> None:
    assert fold_whitespace("Sirte \t  is\u00a0\u00a0quiet") == "Sirte is quiet"


def test_fold_whitespace_strips_each_line() -> None:
    assert fold_whitespace("   first line   \n\t second line \t") == "first line\nsecond line"


def test_fold_whitespace_keeps_at_most_one_blank_line() -> None:
    assert fold_whitespace("one\n\n\n\n\ntwo\n\nthree") == "one\n\ntwo\n\nthree"


def test_fold_whitespace_blank_lines_with_spaces_also_fold() -> None:
    assert fold_whitespace("one\n  \n \t \n\ntwo") == "one\n\ntwo"


def test_fold_whitespace_removes_control_characters() -> None:
    folded = fold_whitespace("bell\x07 here\x00 and\x1b there\x7f end\x9f")
    assert not any(ord(c) < 32 and c != "\n" or 0x7F <= ord(c) <= 0x9F for c in folded)
    assert folded.split() == ["bell", "here", "and", "there", "end"]


def test_fold_whitespace_handles_crlf_and_cr() -> None:
    assert fold_whitespace("one\r\ntwo\r\n\r\n\r\n\r\nthree\rfour") == "one\ntwo\n\nthree\nfour"


def test_fold_whitespace_strips_the_whole_text() -> None:
    assert fold_whitespace("\n\n  text  \n\n") == "text"


# --- derive_title -------------------------------------------------------------------------------


def test_derive_title_is_the_first_sentence() -> None:
    text = "Fighting broke out in Sirte on Monday. Ten people were killed."
    assert derive_title(text) == "Fighting broke out in Sirte on Monday."


def test_derive_title_stops_at_first_paragraph() -> None:
    assert derive_title("A headline without a stop\nThe body follows.") == (
        "A headline without a stop"
    )


def test_derive_title_ends_at_question_mark() -> None:
    assert derive_title("Is the siege over? Nobody knows yet.") == "Is the siege over?"


def test_derive_title_short_text_unchanged() -> None:
    assert derive_title("  Clashes in Sirte  ") == "Clashes in Sirte"


def test_derive_title_long_sentence_cut_at_word_boundary_with_ellipsis() -> None:
    sentence = " ".join(f"word{i}" for i in range(60)) + "."
    title = derive_title(sentence)
    assert title.endswith("…")
    kept = title[:-1]
    assert len(kept) <= TITLE_MAX_CHARS
    assert len(kept) > TITLE_MAX_CHARS - 12
    assert sentence.startswith(kept)
    assert sentence[len(kept)] == " "


def test_derive_title_cut_drops_trailing_punctuation() -> None:
    sentence = ("Ministers, " * 20) + "met."
    title = derive_title(sentence)
    assert title.endswith("Ministers…")


# --- parse_datetime -----------------------------------------------------------------------------


def test_parse_datetime_iso_with_offset_converted_to_utc() -> None:
    parsed = parse_datetime("2016-09-03T12:00:00+02:00")
    assert parsed == datetime(2016, 9, 3, 10, tzinfo=UTC)
    assert parsed is not None and parsed.utcoffset() == timedelta(0)
    assert parsed.hour == 10


def test_parse_datetime_naive_assumed_utc() -> None:
    parsed = parse_datetime("2016-09-03T10:00:00")
    assert parsed == datetime(2016, 9, 3, 10, tzinfo=UTC)
    assert parsed is not None and parsed.tzinfo is UTC


def test_parse_datetime_z_suffix() -> None:
    assert parse_datetime("2016-09-03T10:00:00Z") == datetime(2016, 9, 3, 10, tzinfo=UTC)


def test_parse_datetime_rfc2822() -> None:
    parsed = parse_datetime("Sat, 03 Sep 2016 10:00:00 +0200")
    assert parsed == datetime(2016, 9, 3, 8, tzinfo=UTC)
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


def test_parse_datetime_surrounding_whitespace_ignored() -> None:
    assert parse_datetime("  2016-09-03T10:00:00Z \n") == datetime(2016, 9, 3, 10, tzinfo=UTC)


@pytest.mark.parametrize("value", ["garbage", "yesterday afternoon", "", "   ", "2016-13-45"])
def test_parse_datetime_unreadable_is_none(value: str) -> None:
    assert parse_datetime(value) is None


def test_parse_datetime_none_is_none() -> None:
    assert parse_datetime(None) is None


def test_parse_datetime_aware_datetime_converted_to_utc() -> None:
    tripoli = timezone(timedelta(hours=2))
    parsed = parse_datetime(datetime(2016, 9, 3, 12, tzinfo=tripoli))
    assert parsed == datetime(2016, 9, 3, 10, tzinfo=UTC)
    assert parsed is not None and parsed.utcoffset() == timedelta(0)
    assert parsed.hour == 10


def test_parse_datetime_naive_datetime_assumed_utc() -> None:
    assert parse_datetime(datetime(2016, 9, 3, 10)) == datetime(2016, 9, 3, 10, tzinfo=UTC)


# --- clean_url ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://example.org/a", "https://www.libyaobserver.ly/news/x?id=1#top"]
)
def test_clean_url_keeps_http_and_https(url: str) -> None:
    assert clean_url(url) == url


def test_clean_url_strips_whitespace() -> None:
    assert clean_url("  https://example.org/a \n") == "https://example.org/a"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.org/file",
        "/news/relative",
        "news/relative",
        "//example.org/no-scheme",
        "https://",
        "",
        "   ",
        None,
    ],
)
def test_clean_url_rejects_other_urls(url: str | None) -> None:
    assert clean_url(url) is None


# --- to_report ----------------------------------------------------------------------------------


def test_to_report_builds_a_clean_report() -> None:
    entry = Entry(
        ref="feed.rss#1",
        source="Libya Observer",
        body="<p>Fighting near <b>Sirte</b>.</p><p>Ten   killed &amp; more hurt.</p>",
        title="Clashes <i>near</i> Sirte &amp; Misrata",
        url="https://www.libyaobserver.ly/a",
        guid="  lo-1  ",
        published="2016-09-03T12:00:00+02:00",
    )
    assert to_report(entry, fetched_at=FETCHED) == Report(
        source="Libya Observer",
        url="https://www.libyaobserver.ly/a",
        guid="lo-1",
        title="Clashes near Sirte & Misrata",
        text="Fighting near Sirte.\n\nTen killed & more hurt.",
        published=datetime(2016, 9, 3, 10, tzinfo=UTC),
        fetched_at=FETCHED,
    )


def test_to_report_derives_missing_title_from_text() -> None:
    entry = Entry(ref="r", source="s", body="Sirte fell on Monday. Ten were killed.")
    assert to_report(entry, fetched_at=FETCHED).title == "Sirte fell on Monday."


def test_to_report_derives_title_when_title_is_only_markup() -> None:
    entry = Entry(ref="r", source="s", body="Sirte fell on Monday. More.", title="<b> </b>")
    assert to_report(entry, fetched_at=FETCHED).title == "Sirte fell on Monday."


@pytest.mark.parametrize("guid", ["", "   ", None])
def test_to_report_empty_guid_is_none(guid: str | None) -> None:
    entry = Entry(ref="r", source="s", body="Text.", guid=guid)
    assert to_report(entry, fetched_at=FETCHED).guid is None


def test_to_report_bad_url_becomes_none() -> None:
    entry = Entry(ref="r", source="s", body="Text.", url="javascript:alert(1)")
    assert to_report(entry, fetched_at=FETCHED).url is None


def test_to_report_unreadable_published_is_none() -> None:
    entry = Entry(ref="r", source="s", body="Text.", published="last Tuesday")
    assert to_report(entry, fetched_at=FETCHED).published is None


def test_to_report_fetched_at_kept_in_utc() -> None:
    tripoli = timezone(timedelta(hours=2))
    entry = Entry(ref="r", source="s", body="Text.")
    report = to_report(entry, fetched_at=datetime(2026, 11, 21, 14, tzinfo=tripoli))
    assert report.fetched_at == datetime(2026, 11, 21, 12, tzinfo=UTC)
    assert report.fetched_at.utcoffset() == timedelta(0)
    assert report.fetched_at.hour == 12


def test_to_report_source_folded_to_one_line() -> None:
    entry = Entry(ref="r", source="  Libya\n  Herald ", body="Text.")
    assert to_report(entry, fetched_at=FETCHED).source == "Libya Herald"


@pytest.mark.parametrize(
    ("body", "title"),
    [("<p> </p><br/>", None), ("  \n\t ", "<b></b>  "), ("<script>x()</script>", "")],
)
def test_to_report_nothing_readable_raises_naming_ref(body: str, title: str | None) -> None:
    entry = Entry(ref="wire.jsonl:7", source="s", body=body, title=title)
    with pytest.raises(InputError) as caught:
        to_report(entry, fetched_at=FETCHED)
    assert caught.value.ref == "wire.jsonl:7"
    assert str(caught.value).startswith("wire.jsonl:7: ")


def test_to_report_empty_body_with_title_uses_title_as_text() -> None:
    entry = Entry(ref="r", source="s", body="<p></p>", title="Clashes in Sirte")
    report = to_report(entry, fetched_at=FETCHED)
    assert report.text == "Clashes in Sirte"
    assert report.title == "Clashes in Sirte"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "Gen. Haftar said the LNA would advance. More followed.",
            "Gen. Haftar said the LNA would advance.",
        ),
        (
            "U.N. envoy Kobler arrived in Tripoli. Talks began.",
            "U.N. envoy Kobler arrived in Tripoli.",
        ),
        ("Forces led by J. Smith withdrew. Then calm.", "Forces led by J. Smith withdrew."),
        ("Is Sirte free? Not yet.", "Is Sirte free?"),
    ],
)
def test_derive_title_does_not_stop_at_abbreviations(text: str, title: str) -> None:
    assert derive_title(text) == title
