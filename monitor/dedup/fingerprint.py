"""What dedup compares: exact keys (guid, canonical URL, content hash) and the body's words."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.model import Report

_WORD = re.compile(r"\w+")
# Query parameters that say how a reader arrived, not what they read.
_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref", "ref_src", "cmpid"}
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Fingerprint:
    """A report as dedup sees it.

    `words` are the casefolded words of the text with boilerplate paragraphs left out;
    `content_hash` is the SHA-256 of those words, so the same words under another title, in
    other markup or spacing hash alike.
    """

    source: str
    guid: str | None
    canonical_url: str | None
    content_hash: str
    words: tuple[str, ...]


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
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def paragraphs(text: str) -> list[str]:
    """The non-blank lines of a normalized text: its paragraphs."""
    return [line for line in text.split("\n") if line.strip()]


def paragraph_key(paragraph: str) -> str:
    """A paragraph's identity for boilerplate lists: its casefolded words."""
    return " ".join(w.casefold() for w in _WORD.findall(paragraph))


def words_of(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORD.findall(text))


def fingerprint(report: Report, boilerplate: frozenset[str] = frozenset()) -> Fingerprint:
    """The fingerprint of `report`, leaving out the paragraphs whose `paragraph_key` is in
    `boilerplate` (the footers and share prompts its source repeats)."""
    if boilerplate:
        kept = [p for p in paragraphs(report.text) if paragraph_key(p) not in boilerplate]
        words = words_of("\n".join(kept)) or words_of(report.text)
    else:
        words = words_of(report.text)
    # A body without a single word (only punctuation or symbols) hashes its own text, so that two
    # such bodies are not taken for the same report merely because both have no words.
    hashed = " ".join(words) if words else "\x00" + report.text
    digest = hashlib.sha256(hashed.encode("utf-8")).hexdigest()
    return Fingerprint(
        source=report.source,
        guid=report.guid,
        canonical_url=canonical_url(report.url),
        content_hash=digest,
        words=words,
    )
