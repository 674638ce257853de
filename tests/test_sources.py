"""Sources: discovering input files and reading text, JSON Lines and feed documents into entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.errors import InputError
from monitor.model import Entry
from monitor.sources import InputFile, Skipped, discover, read_input, read_jsonl, read_text
from monitor.sources.feed import read_feed, read_feed_file
from monitor.sources.jsonl import read_jsonl as jsonl_reader
from monitor.sources.text import read_text as text_reader
from tests.conftest import SEEDS


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def read_path(path: Path) -> list[Entry | InputError]:
    """Read one file the way the pipeline does: discover it, then read it."""
    (item,) = discover([path])
    assert isinstance(item, InputFile)
    return list(read_input(item))


def only_error(results: list[Entry | InputError]) -> InputError:
    assert len(results) == 1, results
    (result,) = results
    assert isinstance(result, InputError), result
    return result


def only_entry(results: list[Entry | InputError]) -> Entry:
    assert len(results) == 1, results
    (result,) = results
    assert isinstance(result, Entry), result
    return result


def jsonl_lines(*lines: object | str) -> bytes:
    return "\n".join(
        line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines
    ).encode()


# --- discover ---------------------------------------------------------------------------------


def test_discover_walks_folder_in_sorted_order_including_subfolders(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "b")
    write(tmp_path / "a.jsonl", '{"text": "a"}')
    write(tmp_path / "c" / "inner.rss", "<rss/>")
    write(tmp_path / "d.xml", "<rss/>")
    found = list(discover([tmp_path]))
    assert [item.path for item in found if isinstance(item, InputFile)] == [
        tmp_path / "a.jsonl",
        tmp_path / "b.txt",
        tmp_path / "c" / "inner.rss",
        tmp_path / "d.xml",
    ]
    assert all(isinstance(item, InputFile) for item in found)


def test_discover_picks_the_reader_by_ending(tmp_path: Path) -> None:
    write(tmp_path / "a.jsonl", '{"text": "a"}')
    write(tmp_path / "b.TXT", "b")
    found = [item for item in discover([tmp_path]) if isinstance(item, InputFile)]
    assert {item.path.name: item.reader for item in found} == {
        "a.jsonl": jsonl_reader,
        "b.TXT": text_reader,
    }


def test_discover_reports_file_size(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", b"12345")
    (item,) = discover([tmp_path])
    assert isinstance(item, InputFile)
    assert item.size == 5


def test_discover_skips_hidden_files_and_folders(tmp_path: Path) -> None:
    write(tmp_path / ".hidden.txt", "secret")
    write(tmp_path / ".git" / "notes.txt", "internal")
    write(tmp_path / "shown.txt", "shown")
    assert list(discover([tmp_path])) == [
        InputFile(path=tmp_path / "shown.txt", reader=text_reader, size=5)
    ]


def test_discover_reports_unknown_endings_in_a_folder_as_one_skipped(tmp_path: Path) -> None:
    write(tmp_path / "report.txt", "text")
    write(tmp_path / "photo.jpg", b"\xff\xd8")
    write(tmp_path / "sheet.PDF", b"%PDF")
    write(tmp_path / "more.pdf", b"%PDF")
    write(tmp_path / "README", "readme")
    found = list(discover([tmp_path]))
    assert [item.path.name for item in found if isinstance(item, InputFile)] == ["report.txt"]
    skipped = [item for item in found if isinstance(item, Skipped)]
    assert skipped == [
        Skipped(folder=tmp_path, count=4, endings=("(none)", ".jpg", ".pdf")),
    ]


def test_discover_missing_path_is_an_input_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "reports"
    (error,) = discover([missing])
    assert isinstance(error, InputError)
    assert error.ref == str(missing)
    assert str(missing) in str(error)
    assert "no such file or folder" in str(error)


def test_discover_keeps_going_after_a_missing_path(tmp_path: Path) -> None:
    present = write(tmp_path / "here.txt", "here")
    found = list(discover([tmp_path / "gone.txt", present]))
    assert isinstance(found[0], InputError)
    assert isinstance(found[1], InputFile) and found[1].path == present


def test_discover_reads_a_single_file_of_unknown_ending_as_text(tmp_path: Path) -> None:
    path = write(tmp_path / "dispatch.md", "Clashes in Sirte\n\nFighting continued overnight.")
    (item,) = discover([path])
    assert isinstance(item, InputFile)
    assert item.reader is text_reader
    entry = only_entry(list(read_input(item)))
    assert entry.title == "Clashes in Sirte"


def test_discover_yields_each_file_once_despite_a_symlink_loop(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "a.txt", "a")
    (tmp_path / "sub" / "up").symlink_to("..", target_is_directory=True)
    files = [item for item in discover([tmp_path]) if isinstance(item, InputFile)]
    assert len(files) == 1


# --- read_text ----------------------------------------------------------------------------------


def test_read_text_headline_first_line_becomes_title(tmp_path: Path) -> None:
    path = write(
        tmp_path / "libyaobserver" / "a.txt",
        "LNA advances on Sirte\n\nForces loyal to Haftar moved west on Monday.\nMore later.",
    )
    entry = only_entry(read_path(path))
    assert entry.title == "LNA advances on Sirte"
    assert entry.body.strip() == "Forces loyal to Haftar moved west on Monday.\nMore later."
    assert "LNA advances on Sirte" not in entry.body


def test_read_text_first_line_ending_with_period_is_not_a_title(tmp_path: Path) -> None:
    text = "Forces moved west on Monday.\nThey reached the coast road."
    entry = only_entry(read_path(write(tmp_path / "a.txt", text)))
    assert entry.title is None
    assert entry.body == text


def test_read_text_long_first_paragraph_is_not_a_title(tmp_path: Path) -> None:
    first = " ".join(["word"] * 40)
    text = f"{first}\n\nSecond paragraph."
    entry = only_entry(read_path(write(tmp_path / "a.txt", text)))
    assert entry.title is None
    assert entry.body == text


def test_read_text_single_line_is_body_not_title(tmp_path: Path) -> None:
    entry = only_entry(read_path(write(tmp_path / "a.txt", "Only a headline here\n")))
    assert entry.title is None
    assert entry.body == "Only a headline here"


def test_read_text_seed_002_title() -> None:
    (path,) = SEEDS.glob("002_*.txt")
    entry = only_entry(read_path(path))
    assert entry.title == "Islamic State in Libya advances to west and south"
    assert entry.body.lstrip().startswith("The Islamic State appears to be launching")
    assert entry.source == "seeds"


def test_read_text_source_is_the_folder_name(tmp_path: Path) -> None:
    path = write(tmp_path / "alwasat" / "report.txt", "Headline\n\nBody.")
    assert only_entry(read_path(path)).source == "alwasat"


def test_read_text_ref_is_the_path(tmp_path: Path) -> None:
    path = write(tmp_path / "report.txt", "Headline\n\nBody.")
    assert only_entry(read_path(path)).ref == str(path)


@pytest.mark.parametrize("data", [b"", b"   \n\t\n  "], ids=["empty", "whitespace"])
def test_read_text_empty_file_is_one_input_error(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "empty.txt", data)
    error = only_error(read_path(path))
    assert error.ref == str(path)
    assert "empty file" in str(error)


def test_read_text_bom_only_file_is_empty(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbf \n")
    assert "empty file" in str(only_error(read_path(path)))


def test_read_text_binary_file_is_one_input_error(tmp_path: Path) -> None:
    path = write(tmp_path / "blob.txt", b"PK\x03\x04\x00\x00\x08\x00binary stuff")
    error = only_error(read_path(path))
    assert error.ref == str(path)
    assert "binary file" in str(error)


def test_read_text_non_utf8_file_names_the_offset(tmp_path: Path) -> None:
    path = write(tmp_path / "latin1.txt", b"caf\xe9 au lait")
    error = only_error(read_path(path))
    assert error.ref == str(path)
    assert "not UTF-8" in str(error)
    assert "0xe9" in str(error)
    assert "offset 3" in str(error)


def test_read_text_utf8_bom_is_accepted_and_dropped(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfHeadline here\n\nBody text.")
    entry = only_entry(read_path(path))
    assert entry.title == "Headline here"
    assert "\ufeff" not in entry.body


def test_read_text_direct_call_uses_given_ref(tmp_path: Path) -> None:
    (entry,) = read_text(tmp_path / "x.txt", b"Headline\n\nBody.", "custom-ref")
    assert isinstance(entry, Entry)
    assert entry.ref == "custom-ref"


# --- read_jsonl ---------------------------------------------------------------------------------


def test_read_jsonl_valid_line_becomes_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path / "wire.jsonl",
        jsonl_lines(
            {
                "id": "abc-1",
                "url": "https://example.org/a",
                "title": "Clashes in Sirte",
                "text": "Fighting near Sirte.",
                "published": "2016-09-03T10:00:00+02:00",
                "source": "Libya Herald",
                "unknown_field": {"nested": True},
            }
        ),
    )
    assert read_path(path) == [
        Entry(
            ref=f"{path}:1",
            source="Libya Herald",
            body="Fighting near Sirte.",
            title="Clashes in Sirte",
            url="https://example.org/a",
            guid="abc-1",
            published="2016-09-03T10:00:00+02:00",
        )
    ]


def test_read_jsonl_integer_id_becomes_string_guid(tmp_path: Path) -> None:
    path = write(tmp_path / "wire.jsonl", jsonl_lines({"id": 7, "text": "t"}))
    assert only_entry(read_path(path)).guid == "7"


def test_read_jsonl_summary_used_when_text_missing(tmp_path: Path) -> None:
    path = write(tmp_path / "wire.jsonl", jsonl_lines({"summary": "Short summary."}))
    assert only_entry(read_path(path)).body == "Short summary."


def test_read_jsonl_text_preferred_over_summary(tmp_path: Path) -> None:
    path = write(tmp_path / "wire.jsonl", jsonl_lines({"text": "Full text.", "summary": "Sum."}))
    assert only_entry(read_path(path)).body == "Full text."


def test_read_jsonl_source_defaults_to_file_stem(tmp_path: Path) -> None:
    path = write(tmp_path / "alwasat_export.jsonl", jsonl_lines({"text": "t"}))
    entry = only_entry(read_path(path))
    assert entry.source == "alwasat_export"
    assert entry.title is None and entry.url is None and entry.guid is None


def test_read_jsonl_blank_lines_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", jsonl_lines({"text": "one"}, "", "   ", {"text": "four"}))
    results = read_path(path)
    assert [(r.ref, r.body) for r in results if isinstance(r, Entry)] == [
        (f"{path}:1", "one"),
        (f"{path}:4", "four"),
    ]
    assert len(results) == 2


def test_read_jsonl_invalid_json_line_is_error_and_others_still_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "w.jsonl",
        jsonl_lines({"text": "first"}, '{"text": "broken', {"text": "third"}),
    )
    results = read_path(path)
    assert len(results) == 3
    first, error, third = results
    assert isinstance(first, Entry) and first.body == "first"
    assert isinstance(error, InputError)
    assert error.ref == f"{path}:2"
    assert "not valid JSON" in str(error)
    assert isinstance(third, Entry) and third.body == "third"


@pytest.mark.parametrize(
    "obj",
    [{"title": "No body"}, {"text": "", "summary": ""}, {"text": "   "}],
    ids=["missing", "empty", "whitespace"],
)
def test_read_jsonl_line_without_text_is_error(tmp_path: Path, obj: dict[str, str]) -> None:
    path = write(tmp_path / "w.jsonl", jsonl_lines({"text": "ok"}, obj))
    ok, error = read_path(path)
    assert isinstance(ok, Entry)
    assert isinstance(error, InputError)
    assert error.ref == f"{path}:2"
    assert "'text' or 'summary'" in str(error)


def test_read_jsonl_array_line_is_error(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", jsonl_lines(["text", "in", "a", "list"]))
    error = only_error(read_path(path))
    assert error.ref == f"{path}:1"
    assert "expected a JSON object" in str(error)


@pytest.mark.parametrize("title", [["a", "b"], {"x": 1}, True], ids=["list", "object", "bool"])
def test_read_jsonl_non_string_title_is_error_naming_field(tmp_path: Path, title: object) -> None:
    path = write(tmp_path / "w.jsonl", jsonl_lines({"text": "t", "title": title}))
    error = only_error(read_path(path))
    assert error.ref == f"{path}:1"
    assert "field 'title'" in str(error)


def test_read_jsonl_non_utf8_file_is_one_error(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", b'{"text": "caf\xe9"}\n{"text": "ok"}\n')
    error = only_error(read_path(path))
    assert error.ref == str(path)
    assert "offset 13" in str(error)


def test_read_jsonl_line_separator_inside_a_string_stays_one_line(tmp_path: Path) -> None:
    data = json.dumps({"text": "first part\u2028second part"}, ensure_ascii=False).encode()
    results = list(read_jsonl(tmp_path / "w.jsonl", data))
    entry = only_entry(results)
    assert entry.body == "first part\u2028second part"


# --- read_feed ----------------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>Libya Observer</title>
    <link>https://www.libyaobserver.ly/</link>
    <description>News from Libya</description>
    <item>
      <title>Clashes near Sirte</title>
      <link>https://www.libyaobserver.ly/news/clashes-near-sirte</link>
      <guid isPermaLink="false">lo-1001</guid>
      <pubDate>Sat, 03 Sep 2016 10:00:00 +0200</pubDate>
      <description>&lt;p&gt;Fighting near &lt;b&gt;Sirte&lt;/b&gt; today.&lt;/p&gt;</description>
    </item>
    <item>
      <title>Oil ports reopen</title>
      <link>https://www.libyaobserver.ly/news/oil-ports</link>
      <guid isPermaLink="false">lo-1002</guid>
      <pubDate>Sun, 04 Sep 2016 09:30:00 GMT</pubDate>
      <description>Ras Lanuf and Es Sider resumed exports.</description>
    </item>
  </channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom Wire</title>
  <id>urn:atom-wire</id>
  <updated>2016-09-03T12:00:00Z</updated>
  <entry>
    <title>Unity government meets in Tripoli</title>
    <id>urn:atom-wire:1</id>
    <link href="https://wire.example.org/1"/>
    <updated>2016-09-03T12:00:00+02:00</updated>
    <summary>Short summary.</summary>
    <content type="html">&lt;p&gt;The Presidency Council met in Tripoli.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def feed_entries(results: list[Entry | InputError]) -> list[Entry]:
    assert all(isinstance(r, Entry) for r in results), results
    return [r for r in results if isinstance(r, Entry)]


def test_read_feed_rss_items_become_entries() -> None:
    first, second = feed_entries(list(read_feed(RSS, "lo.rss")))
    assert first == Entry(
        ref="lo.rss#1",
        source="Libya Observer",
        body="<p>Fighting near <b>Sirte</b> today.</p>",
        title="Clashes near Sirte",
        url="https://www.libyaobserver.ly/news/clashes-near-sirte",
        guid="lo-1001",
        published=datetime(2016, 9, 3, 8, 0, tzinfo=UTC),
    )
    assert second.ref == "lo.rss#2"
    assert second.title == "Oil ports reopen"
    assert second.body == "Ras Lanuf and Es Sider resumed exports."
    assert second.guid == "lo-1002"


def test_read_feed_published_is_aware_utc() -> None:
    for entry in feed_entries(list(read_feed(RSS, "lo.rss"))):
        assert isinstance(entry.published, datetime)
        assert entry.published.utcoffset() == timedelta(0)


def test_read_feed_atom_prefers_content_over_shorter_summary() -> None:
    (entry,) = feed_entries(list(read_feed(ATOM, "wire.atom")))
    assert entry.source == "Atom Wire"
    assert entry.title == "Unity government meets in Tripoli"
    assert entry.url == "https://wire.example.org/1"
    assert entry.guid == "urn:atom-wire:1"
    assert entry.body == "<p>The Presidency Council met in Tripoli.</p>"
    assert entry.published == datetime(2016, 9, 3, 10, 0, tzinfo=UTC)


def test_read_feed_source_argument_overrides_feed_title() -> None:
    entries = feed_entries(list(read_feed(RSS, "lo.rss", source="observer")))
    assert {entry.source for entry in entries} == {"observer"}


def test_read_feed_file_reads_by_path(tmp_path: Path) -> None:
    path = write(tmp_path / "observer.rss", RSS)
    entries = feed_entries(read_path(path))
    assert [entry.ref for entry in entries] == [f"{path}#1", f"{path}#2"]
    assert entries[0].source == "Libya Observer"


def test_read_feed_file_without_feed_title_uses_feed_host(tmp_path: Path) -> None:
    data = RSS.replace(b"<title>Libya Observer</title>", b"")
    entries = feed_entries(list(read_feed_file(tmp_path / "observer.rss", data)))
    assert entries[0].source == "www.libyaobserver.ly"


@pytest.mark.parametrize(
    "data",
    [
        b"hello world, not xml",
        b"<html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
    ],
    ids=["plain-text", "html-page"],
)
def test_read_feed_not_a_feed_is_one_error(data: bytes) -> None:
    error = only_error(list(read_feed(data, "page.xml")))
    assert error.ref == "page.xml"
    assert "not a readable feed" in str(error) or "not an RSS or Atom feed" in str(error)


@pytest.mark.parametrize("data", [b"", b"  \n\t "], ids=["empty", "whitespace"])
def test_read_feed_empty_document_is_one_error(data: bytes) -> None:
    error = only_error(list(read_feed(data, "empty.rss")))
    assert error.ref == "empty.rss"
    assert "empty document" in str(error)


def test_read_feed_entry_without_title_or_text_is_error_and_others_read() -> None:
    empty_item = b"<item><title></title><description>  </description></item>"
    data = RSS.replace(b"<item>", empty_item + b"<item>", 1)
    results = list(read_feed(data, "lo.rss"))
    assert len(results) == 3
    error, first, second = results
    assert isinstance(error, InputError)
    assert error.ref == "lo.rss#1"
    assert "neither text nor title" in str(error)
    assert isinstance(first, Entry) and first.ref == "lo.rss#2"
    assert isinstance(second, Entry) and second.ref == "lo.rss#3"


def test_read_feed_entry_with_title_only_uses_title_as_body() -> None:
    data = RSS.replace(b"<description>Ras Lanuf and Es Sider resumed exports.</description>", b"")
    _, second = feed_entries(list(read_feed(data, "lo.rss")))
    assert second.title == "Oil ports reopen"
    assert second.body == "Oil ports reopen"


def test_read_feed_never_opens_a_path_given_as_bytes(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.rss", RSS.replace(b"Libya Observer", b"SECRET FEED"))
    results = list(read_feed(str(secret).encode(), "remote"))
    assert not any(isinstance(r, Entry) for r in results)
    assert all("SECRET" not in str(r) and "Clashes" not in str(r) for r in results)


def test_read_feed_does_not_expand_external_entities(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.txt", "TOP-SECRET-CONTENT")
    data = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE rss [<!ENTITY x SYSTEM "' + secret.as_uri().encode() + b'">]>\n'
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><title>t</title><description>before &x; after</description></item>"
        b"</channel></rss>"
    )
    results = list(read_feed(data, "xxe.rss"))
    assert all("TOP-SECRET-CONTENT" not in repr(r) for r in results)


def test_read_jsonl_blank_text_falls_back_to_summary(tmp_path: Path) -> None:
    data = b'{"text": "   ", "summary": "The LNA entered Sirte."}\n'
    entry = only_entry(list(read_jsonl(tmp_path / "w.jsonl", data)))
    assert entry.body == "The LNA entered Sirte."
