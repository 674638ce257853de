"""RSS and Atom documents, parsed with feedparser from bytes: each entry a report.

feedparser is only ever handed a byte stream, never a string: given a string it would treat it as a
URL or a file name and fetch or open it by itself.

Before feedparser sees a document, two things are settled here. A document that declares XML
entities (`<!ENTITY`) is refused: feedparser keeps the declarations it deems safe and expands them
itself when expat gives up, so a small document can grow to gigabytes ("billion laughs" with flat
entities); external entities are never resolved either way. And a document meant as UTF-8 (it says
so, or says nothing) that is mostly UTF-8 with a few bad bytes has those bytes read as U+FFFD:
feedparser would read the whole of it as windows-1252 instead, turning every Arabic word into
mojibake. A document mostly in another encoding is left to feedparser, which guesses it with
chardet (windows-1256 Arabic declared as UTF-8 is read right).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
from feedparser.encodings import convert_to_utf8

from monitor.errors import InputError
from monitor.model import Entry, Scope

_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF8_NAMES = frozenset({"utf-8", "utf8", "utf_8"})
# A document meant as UTF-8 with more than this share of its non-ASCII characters invalid is in
# another encoding, not UTF-8 with a few bad bytes.
_MAX_INVALID_SHARE = 0.2


def _meant_as_utf8(data: bytes) -> bool:
    """True when an XML reader must take `data` as UTF-8: it starts with markup in an ASCII-based
    encoding and declares UTF-8 or no encoding at all."""
    head = data.removeprefix(_UTF8_BOM).lstrip()
    if not head.startswith(b"<") or b"\x00" in head[:4]:
        return False  # UTF-16 or UTF-32 (with or without a mark), EBCDIC, or no markup
    declared = _DECLARED_ENCODING.match(head[:512])
    return declared is None or declared.group(1).decode().lower() in _UTF8_NAMES


def _as_utf8(data: bytes) -> bytes:
    """`data`, with the few bytes that are not UTF-8 replaced by U+FFFD when it is meant as UTF-8
    and mostly is; otherwise `data` as it is."""
    if not _meant_as_utf8(data):
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = sum(1 for c in text if ord(c) > 127)
    if invalid > _MAX_INVALID_SHARE * non_ascii:
        return data
    return text.encode("utf-8")


def _declares_entities(data: bytes) -> bool:
    """True when the document, decoded as feedparser will decode it, declares an entity."""
    return _ENTITY_DECLARATION.search(convert_to_utf8({}, data, {})) is not None


def _parse(data: bytes, ref: str) -> Any:
    """feedparser's result for `data`. Raises InputError when the document is refused (see the
    module's docstring) or feedparser fails on it."""
    data = _as_utf8(data)
    if _declares_entities(data):
        raise InputError(
            ref, "declares XML entities (<!ENTITY>); refused, as expanding them can exhaust memory"
        )
    try:
        return feedparser.parse(io.BytesIO(data))
    except Exception as e:  # feedparser fails in assorted ways on hostile input
        raise InputError(ref, f"feedparser failed: {type(e).__name__}: {_first_line(e)}") from e


def _first_line(error: Exception) -> str:
    lines = str(error).splitlines()
    return lines[0][:200] if lines else "no details"


def _published(entry: Any) -> datetime | str | None:
    # dict.get: feedparser's own get maps a missing `updated` to `published` with a
    # DeprecationWarning; published is looked at first anyway.
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed: time.struct_time | None = dict.get(entry, key)
        if parsed is not None:
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    # feedparser could not read the date; pass the raw text on so normalize can try.
    return dict.get(entry, "published") or dict.get(entry, "updated") or None


def _body(entry: Any) -> str:
    contents = entry.get("content") or []
    best = max((c.get("value") or "" for c in contents), key=len, default="")
    summary = entry.get("summary") or ""
    return best if len(best) >= len(summary) else summary


def _source_name(feed: Any, fallback: str) -> str:
    title = (feed.get("title") or "").strip()
    if title:
        return title
    host = urlsplit(feed.get("link") or "").hostname
    return host or fallback


def read_feed(
    data: bytes,
    ref: str,
    *,
    source: str | None = None,
    fallback_source: str = "feed",
    scope: Scope = "general",
) -> Iterator[Entry | InputError]:
    """The entries of an RSS or Atom document.

    `source` names the feed (the daemon passes the configured feed name); without it the feed's
    own title is used. Each entry is in `scope`, what the feed covers (its configured `scope`).
    A document feedparser cannot read as a feed, or that is refused (see the module's
    docstring), is one InputError naming `ref`; an entry with neither text nor title is an
    InputError naming `ref#N`.
    """
    if not data.strip():
        yield InputError(ref, "empty document, no feed in it")
        return
    try:
        parsed = _parse(data, ref)
    except InputError as e:
        yield e
        return
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            reason = str(parsed.get("bozo_exception") or "unreadable").splitlines()[0]
            yield InputError(ref, f"not a readable feed ({reason})")
        elif not parsed.get("version"):
            yield InputError(ref, "not an RSS or Atom feed")
        return
    name = source or _source_name(parsed.get("feed") or {}, fallback_source)
    for number, entry in enumerate(entries, start=1):
        entry_ref = f"{ref}#{number}"
        body = _body(entry)
        title = entry.get("title") or None
        if not body.strip() and not (title or "").strip():
            yield InputError(entry_ref, "feed entry has neither text nor title")
            continue
        yield Entry(
            ref=entry_ref,
            source=name,
            body=body if body.strip() else (title or ""),
            title=title,
            url=entry.get("link") or None,
            guid=entry.get("id") or None,
            published=_published(entry),
            scope=scope,
        )


def read_feed_file(path: Path, data: bytes, ref: str | None = None) -> Iterator[Entry | InputError]:
    return read_feed(data, ref or str(path), fallback_source=path.stem)
