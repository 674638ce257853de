"""Dedup: is a report an item we hold already (`seen`), a copy of a stored original
(`duplicate`), or `new`? Exact keys first, then near-duplicates found through retrieval keys and
verified word by word, with each source's boilerplate left out. `Deduper` is the stage; the rest
are its pure parts."""

from monitor.dedup.boilerplate import Boilerplate
from monitor.dedup.decide import (
    DEFAULT_POLICY,
    Candidate,
    DedupPolicy,
    ExactMatch,
    containment,
    decide,
    encode_words,
    rank,
    seen,
)
from monitor.dedup.fingerprint import (
    Fingerprint,
    Identity,
    Paragraphs,
    body_words,
    canonical_url,
    fingerprint,
    identity,
    identity_keys,
    kept_words,
    paragraph_words,
)
from monitor.dedup.index import KeyIndex, decode_keys, encode_keys
from monitor.dedup.stage import Deduper, DedupReads, ExactMatches, Item, Judgement, item_of

__all__ = [
    "DEFAULT_POLICY",
    "Boilerplate",
    "Candidate",
    "DedupPolicy",
    "DedupReads",
    "Deduper",
    "ExactMatch",
    "ExactMatches",
    "KeyIndex",
    "Paragraphs",
    "Fingerprint",
    "Identity",
    "Item",
    "Judgement",
    "body_words",
    "canonical_url",
    "containment",
    "decide",
    "decode_keys",
    "encode_keys",
    "encode_words",
    "fingerprint",
    "identity",
    "identity_keys",
    "item_of",
    "kept_words",
    "paragraph_words",
    "rank",
    "seen",
]
