"""Plain-text reports: one report per file; a first line that reads as a headline is the title."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from monitor.errors import InputError
from monitor.model import Entry
from monitor.sources.decode import decode_text

_HEADLINE_MAX_CHARS = 200
_HEADLINE_MAX_WORDS = 25
# A headline does not end like a sentence or a clause; '?' and '!' are allowed.
_SENTENCE_END = re.compile(r"[.,;:\u2026]$")


def split_headline(text: str) -> tuple[str | None, str]:
    """Split `text` into (headline, body) when its first line reads as a headline.

    A headline is a first line of at most 25 words and 200 characters that does not end with
    sentence punctuation and is followed by more text. Otherwise there is no headline and the
    body is the whole text (the title is then derived from it by `normalize`).
    """
    stripped = text.strip()
    first, _, rest = stripped.partition("\n")
    first = first.strip()
    if (
        rest.strip()
        and len(first) <= _HEADLINE_MAX_CHARS
        and len(first.split()) <= _HEADLINE_MAX_WORDS
        and not _SENTENCE_END.search(first)
    ):
        return first, rest
    return None, stripped


def read_text(path: Path, data: bytes, ref: str | None = None) -> Iterator[Entry | InputError]:
    """One report from a plain-text file; its source is the name of the folder it lies in."""
    ref = ref or str(path)
    try:
        text = decode_text(data, ref)
    except InputError as e:
        yield e
        return
    title, body = split_headline(text)
    source = path.resolve().parent.name or "file"
    yield Entry(ref=ref, source=source, title=title, body=body)
