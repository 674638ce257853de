"""RSS and Atom documents, parsed with feedparser from bytes: each entry a report.

feedparser is only ever handed a byte stream, never a string: given a string it would treat it as a
URL or a file name and fetch or open it by itself.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser

from monitor.errors import InputError
from monitor.model import Entry


def _published(entry: Any) -> datetime | str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed: time.struct_time | None = entry.get(key)
        if parsed is not None:
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    # feedparser could not read the date; pass the raw text on so normalize can try.
    return entry.get("published") or entry.get("updated") or None


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
    data: bytes, ref: str, *, source: str | None = None, fallback_source: str = "feed"
) -> Iterator[Entry | InputError]:
    """The entries of an RSS or Atom document.

    `source` names the feed (the daemon passes the configured feed name); without it the feed's
    own title is used. A document feedparser cannot read as a feed is one InputError naming `ref`;
    an entry with neither text nor title is an InputError naming `ref#N`.
    """
    if not data.strip():
        yield InputError(ref, "empty document, no feed in it")
        return
    parsed = feedparser.parse(io.BytesIO(data))
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
        )


def read_feed_file(path: Path, data: bytes, ref: str | None = None) -> Iterator[Entry | InputError]:
    return read_feed(data, ref or str(path), fallback_source=path.stem)
