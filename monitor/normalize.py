"""Normalize: an `Entry` as a source gave it becomes a clean `Report`.

HTML is reduced to its text with block elements kept as paragraph breaks; whitespace is folded
inside lines; control characters go (and lone surrogates, noncharacters and the invisible
bidirectional overrides that can make a title read as something else); times become aware UTC,
and one more than a day after the report was fetched is not believed; a missing title is derived
from the text. Pure: no I/O, the time of fetching is passed in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

from monitor.errors import InputError
from monitor.model import Entry, Report
from monitor.net import is_http_url

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|<!--|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 "
    "h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
# Embeddings, overrides and isolates; the marks (U+200E, U+200F, U+061C) stay: Arabic uses them.
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_INLINE_SPACE = re.compile(r"[^\S\n]+")
_BLANK_RUN = re.compile(r"\n{3,}")
# The word before the stop is read up to 40 characters back: unbounded, a run of letters with no
# stop in it was scanned again from each of its characters (a 20,000-letter word took seconds).
_SENTENCE_END = re.compile(r"(\S{0,40})([.!?])\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# A full stop after these does not end a sentence ("Gen. Haftar", "U.N. envoy", "J. Smith").
_ABBREVIATIONS = frozenset(
    "adm brig capt col cpl dr gen gov jr lt maj mr mrs ms mt no prof rep sen sgt sr st vs".split()
)

TITLE_MAX_CHARS = 120
# A title given longer than this is cut: no headline is, and a megabyte one would be stored and
# shown whole.
TITLE_KEEP_CHARS = 1_000
# A published time this far after the fetch is a mistake (a year 9999, a wrong time zone sign).
PUBLISHED_AHEAD_MAX = timedelta(days=1)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def strip_html(text: str) -> str:
    """The text of `text` if it holds HTML tags or entities; otherwise `text` unchanged."""
    if not _TAG.search(text):
        return text
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def fold_whitespace(text: str) -> str:
    """Fold runs of spaces inside lines, strip lines, keep at most one blank line between
    paragraphs, and drop control characters (newlines stay)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", _BIDI_CONTROL.sub("", text.replace("\t", " ")))
    lines = [_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


def one_line(text: str) -> str:
    """`text` folded to a single line."""
    return " ".join(_CONTROL.sub(" ", _BIDI_CONTROL.sub("", text)).split())


def derive_title(text: str) -> str:
    """A title from the first sentence of `text`, cut at a word near TITLE_MAX_CHARS."""
    first_paragraph = text.strip().split("\n", 1)[0]
    sentence = first_paragraph
    for end in _SENTENCE_END.finditer(first_paragraph):
        word = end.group(1).lstrip("\"'“‘([").casefold()
        if end.group(2) == "." and (word in _ABBREVIATIONS or "." in word or len(word) == 1):
            continue
        sentence = first_paragraph[: end.end(2)]
        break
    sentence = sentence.strip()
    if len(sentence) <= TITLE_MAX_CHARS:
        return sentence
    cut = sentence[:TITLE_MAX_CHARS].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return cut + "…"


def parse_datetime(value: str | datetime | None) -> datetime | None:
    """An aware UTC datetime from ISO 8601 or RFC 2822 text; naive times are taken as UTC.

    Returns None for None and for text that reads as neither.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        raw = value.strip()
        if not raw:
            return None
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            try:
                parsed = parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError, OverflowError):
                return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def clean_url(url: str | None) -> str | None:
    """`url` stripped, or None unless it is an absolute http or https URL (one holding a control
    character or a lone surrogate is none: no store could keep it, no browser open it)."""
    if not url:
        return None
    url = url.strip()
    if _CONTROL.search(url):
        return None
    return url if is_http_url(url) else None


def _clean_guid(guid: str | None) -> str | None:
    """`guid` stripped, without the characters no store can keep (NUL, lone surrogates); None
    when nothing is left."""
    guid = _CONTROL.sub("", guid).strip() if guid else ""
    return guid or None


def to_report(entry: Entry, *, fetched_at: datetime) -> Report:
    """The clean `Report` of `entry`.

    Raises InputError naming `entry.ref` when nothing readable is left of it. A published time
    more than PUBLISHED_AHEAD_MAX after `fetched_at` is dropped (the report is kept without one).
    """
    text = fold_whitespace(strip_html(entry.body))
    title = one_line(strip_html(entry.title))[:TITLE_KEEP_CHARS] if entry.title else ""
    if not text and not title:
        raise InputError(entry.ref, "no text left after removing markup")
    if not text:
        text = title
    published = parse_datetime(entry.published)
    if published is not None and published - fetched_at > PUBLISHED_AHEAD_MAX:
        published = None
    return Report(
        source=one_line(entry.source) or "unknown",
        url=clean_url(entry.url),
        guid=_clean_guid(entry.guid),
        title=title or derive_title(text),
        text=text,
        published=published,
        fetched_at=fetched_at.astimezone(UTC),
    )
