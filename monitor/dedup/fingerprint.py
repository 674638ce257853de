"""What dedup compares: exact keys (guid, canonical URL, content hash), the body's words, and the
retrieval keys that find a report's likely originals without scanning.

Retrieval keys are hashed word shingles (`SHINGLE` words in a row): every shingle that starts in
the first `head` words, and of the rest only those whose hash falls in one residue class of
`sampling`. The sampled choice depends on the shingle alone, not on the text around it, so every
sampled shingle of an excerpt is also a key of the full article, and the head, where an RSS
summary starts, is keyed whole: a copy shares most of its original's keys however much of it was
cut, and two distinct reports share only the keys of the phrases they have in common. The
hashes are our own and stable (CRC-32 of each word, mixed by fixed odd constants), because the
keys are stored.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from monitor.model import Report

_WORD = re.compile(r"\w+")
# Query parameters that say how a reader arrived, not what they read.
_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref", "ref_src", "cmpid"}
)
SHINGLE = 4
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)
_KEY_MASK = np.uint64((1 << 63) - 1)  # keys fit a signed 64-bit column
_WORD_IDS_MAX = 500_000
T = TypeVar("T")
# A text's paragraphs, each as its `paragraph_key` and its words.
Paragraphs = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Identity:
    """What says a report is an item already stored (`seen`): its guid within its source, its
    canonical URL, and `content_hash`, the SHA-256 of the title's and the text's casefolded
    words (the same item in other markup or spacing hashes alike; under a new title it does not).
    """

    source: str
    guid: str | None
    canonical_url: str | None
    content_hash: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Fingerprint(Identity):
    """A report as dedup sees it: its identity, its text's casefolded words without the
    paragraphs its source repeats (boilerplate), and the retrieval keys of those words."""

    words: tuple[str, ...]
    keys: tuple[int, ...]


def canonical_url(url: str | None) -> str | None:
    """`url` with what does not change the page removed: scheme and host case, default ports,
    the fragment, tracking parameters (utm_*, fbclid, ...), parameter order, a trailing slash."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
    )
    path = parts.path.rstrip("/") or "/"
    try:
        encoded = urlencode(query)
    except UnicodeEncodeError:  # a lone surrogate in the query: it has no UTF-8 form
        return url.strip()
    return urlunsplit((scheme, host, path, encoded, ""))


def paragraphs(text: str) -> list[str]:
    """The non-blank lines of a normalized text: its paragraphs."""
    return [line for line in text.split("\n") if line.strip()]


def words_of(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


def paragraph_key(paragraph: str) -> str:
    """A paragraph's identity for boilerplate lists: its casefolded words."""
    return " ".join(words_of(paragraph))


def paragraph_words(text: str) -> Paragraphs:
    """Each paragraph of `text` as its `paragraph_key` and its words."""
    return tuple((" ".join(words), words) for words in map(words_of, paragraphs(text)))


def kept_words(
    paragraphs_: Sequence[tuple[str, Sequence[T]]], boilerplate: frozenset[str]
) -> tuple[T, ...]:
    """The words of the paragraphs (as `paragraph_words` gives them, or the words in any other
    form) whose key is not in `boilerplate`; all of them if nothing else is left."""
    kept = [w for key, words in paragraphs_ if key not in boilerplate for w in words]
    if kept or not boilerplate:
        return tuple(kept)
    return tuple(w for _, words in paragraphs_ for w in words)


def body_words(text: str, boilerplate: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The words of `text` without the paragraphs whose `paragraph_key` is in `boilerplate`;
    all its words if nothing else is left."""
    if not boilerplate:
        return words_of(text)
    return kept_words(paragraph_words(text), boilerplate)


class _WordIds(dict[str, int]):
    """Each word's CRC-32, computed once: a dict that fills itself."""

    def __missing__(self, word: str) -> int:
        if len(self) >= _WORD_IDS_MAX:
            self.clear()
        found = self[word] = zlib.crc32(word.encode("utf-8"))
        return found


_WORD_IDS = _WordIds()


def shingle_keys(words: tuple[str, ...], sampling: int, head: int = 0) -> tuple[int, ...]:
    """The distinct retrieval keys of `words`, in order of first appearance: hashes of
    `SHINGLE`-word runs, all of those starting in the first `head` words and one in `sampling`
    of the others, kept by hash value."""
    if len(words) < SHINGLE:
        return ()
    ids = np.fromiter(map(_WORD_IDS.__getitem__, words), dtype=np.uint64, count=len(words))
    n = len(words) - SHINGLE + 1
    mixed = ids[:n] * _MIX[0]
    for offset in range(1, SHINGLE):
        mixed ^= ids[offset : offset + n] * _MIX[offset]
    mixed ^= mixed >> np.uint64(29)
    mixed *= _MIX[1]
    mixed ^= mixed >> np.uint64(32)
    mixed &= _KEY_MASK
    chosen = mixed % np.uint64(sampling) == 0
    chosen[:head] = True
    kept = mixed[chosen].tolist()
    return tuple(dict.fromkeys(kept))


def content_hash(report: Report, paragraphs_: Paragraphs | None = None) -> str:
    """`paragraphs_`, when given, are `paragraph_words(report.text)`, computed already."""
    if paragraphs_ is None:
        text_words = words_of(report.text)
    else:  # words never span lines, so these are the same words
        text_words = tuple(w for _, words in paragraphs_ for w in words)
    # A body without a single word (only punctuation or symbols) hashes its own text, so that two
    # such bodies are not taken for the same report merely because both have no words.
    body = " ".join(text_words) if text_words else "\x00" + report.text
    hashed = " ".join(words_of(report.title)) + "\x1f" + body
    return hashlib.sha256(hashed.encode("utf-8")).hexdigest()


def identity(report: Report, paragraphs_: Paragraphs | None = None) -> Identity:
    return Identity(
        source=report.source,
        guid=report.guid,
        canonical_url=canonical_url(report.url),
        content_hash=content_hash(report, paragraphs_),
    )


def identity_keys(ident: Identity) -> set[tuple[str, ...]]:
    """The keys by which `ident` is found (see `Identity`): two reports sharing none are never
    the same item."""
    keys: set[tuple[str, ...]] = {("content", ident.content_hash)}
    if ident.guid:
        keys.add(("guid", ident.source, ident.guid))
    if ident.canonical_url:
        keys.add(("url", ident.canonical_url))
    return keys


def fingerprint(
    report: Report,
    boilerplate: frozenset[str] = frozenset(),
    *,
    sampling: int = 16,
    head: int = 40,
    known: Identity | None = None,
    paragraphs_: Paragraphs | None = None,
) -> Fingerprint:
    """The fingerprint of `report`, leaving out of its words and keys the paragraphs whose
    `paragraph_key` is in `boilerplate` (the footers and share prompts its source repeats).
    `known` is the report's identity and `paragraphs_` its text's `paragraph_words`, when they
    were computed already."""
    ident = known or identity(report, paragraphs_)
    if paragraphs_ is None:
        words = body_words(report.text, boilerplate)
    else:
        words = kept_words(paragraphs_, boilerplate)
    return Fingerprint(
        source=ident.source,
        guid=ident.guid,
        canonical_url=ident.canonical_url,
        content_hash=ident.content_hash,
        words=words,
        keys=shingle_keys(words, sampling, head),
    )
