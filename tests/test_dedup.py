"""Dedup's pure core: fingerprints, canonical URLs, the decision on the seeds and their copies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.dedup import (
    Boilerplate,
    Candidate,
    DedupPolicy,
    ExactMatch,
    canonical_url,
    containment,
    decide,
    encode_words,
    fingerprint,
    rank,
    seen,
)
from monitor.dedup.fingerprint import paragraph_key
from monitor.model import Report, Status
from monitor.normalize import fold_whitespace
from tests import copies
from tests.conftest import SEEDS

DEFAULT = DedupPolicy()
SEED_TEXTS = {p.name: p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def _report(text: str, *, title: str = "t", url: str | None = None, guid: str | None = None):
    return Report(
        source="test",
        url=url,
        guid=guid,
        title=title,
        text=fold_whitespace(text),
        published=None,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _decide_against(text: str, originals: dict[int, str], policy: DedupPolicy = DEFAULT):
    """Retrieval and decision as the pipeline runs them, with the store's key look-up done here:
    the originals sharing keys, ranked, then compared word by word."""
    fp = fingerprint(_report(text))
    prints = {i: fingerprint(_report(t)) for i, t in originals.items()}
    shared = {i: len(set(fp.keys) & set(p.keys)) for i, p in prints.items()}
    chosen = rank(
        len(fp.keys),
        {i: n for i, n in shared.items() if n},
        {i: len(p.keys) for i, p in prints.items()},
        policy,
    )
    candidates = [Candidate(report_id=i, words=encode_words(prints[i].words)) for i in chosen]
    return decide(fp, candidates, policy)


SEED_IDS = dict(enumerate(SEED_TEXTS.values(), start=1))


def _decide_against_seeds(text: str):
    return _decide_against(text, SEED_IDS)


def test_the_seeds_are_five_distinct_reports() -> None:
    stored: dict[int, str] = {}
    for report_id, text in SEED_IDS.items():
        assert _decide_against(text, stored).status is Status.NEW
        stored[report_id] = text


def test_an_excerpt_keeps_only_keys_of_its_original() -> None:
    for text in SEED_TEXTS.values():
        whole = set(fingerprint(_report(text)).keys)
        part = fingerprint(_report(copies.excerpt(text))).keys
        assert len(part) >= 20 and set(part) <= whole


def test_distinct_seeds_share_few_keys() -> None:
    keys = [set(fingerprint(_report(t)).keys) for t in SEED_TEXTS.values()]
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            assert len(a & b) / min(len(a), len(b)) < 0.2


def test_keys_are_stable_numbers_that_fit_a_signed_64_bit_column() -> None:
    text = "ISIS attacked the checkpoint at the eastern gate of Sirte today."
    fp = fingerprint(_report(text))
    assert fp.keys == fingerprint(_report(text)).keys
    assert len(fp.keys) == 11 - 4 + 1  # all in the head
    assert all(0 <= k < 2**63 for k in fp.keys)
    assert fingerprint(_report(text), head=0, sampling=1).keys == fp.keys
    assert len(fingerprint(_report(text), head=0, sampling=10**6).keys) <= 1


@pytest.mark.parametrize("edit", sorted(copies.EDITS))
@pytest.mark.parametrize("seed_number", range(5))
def test_an_edited_copy_is_a_duplicate_of_its_seed(edit: str, seed_number: int) -> None:
    text = list(SEED_TEXTS.values())[seed_number]
    verdict = _decide_against_seeds(copies.EDITS[edit](text))
    assert verdict.status is Status.DUPLICATE
    assert verdict.duplicate_of == seed_number + 1
    assert verdict.reason == "near"
    assert verdict.score is not None and verdict.score >= 0.85


@pytest.mark.parametrize("seed_number", range(5))
def test_an_excerpt_of_a_seed_is_a_duplicate(seed_number: int) -> None:
    text = list(SEED_TEXTS.values())[seed_number]
    verdict = _decide_against_seeds(copies.excerpt(text))
    assert (verdict.status, verdict.duplicate_of) == (Status.DUPLICATE, seed_number + 1)


def test_sharing_a_footer_does_not_make_reports_alike() -> None:
    texts = list(SEED_TEXTS.values())
    sharing = [t for t in texts if "Libya-Analysis is the most read" in " ".join(t.split())]
    assert len(sharing) == 4  # four of the five seeds end with the same blog footer
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            score = containment(
                encode_words(fingerprint(_report(a)).words),
                encode_words(fingerprint(_report(b)).words),
            )
            assert score < 0.5


def test_an_exact_match_is_seen() -> None:
    verdict = seen(ExactMatch(report_id=9, key="guid", duplicate_of=4, story_id=2))
    assert (verdict.status, verdict.same_as, verdict.reason) == (Status.SEEN, 9, "guid")
    assert (verdict.duplicate_of, verdict.story_id) == (4, 2)


def test_rank_keeps_originals_sharing_enough_keys_best_first() -> None:
    policy = DedupPolicy(min_shared=0.5, max_compared=2)
    shared = {1: 10, 2: 30, 3: 5, 4: 60}
    counts = {1: 12, 2: 60, 3: 60, 4: 60}
    # 1 holds 10 of its 12 keys in common (an excerpt); 4 all 60; 2 half; 3 a twelfth.
    assert rank(60, shared, counts, policy) == [4, 1]
    assert rank(60, shared, counts, DedupPolicy(min_shared=0.5)) == [4, 1, 2]


def test_short_bodies_are_left_to_exact_keys() -> None:
    short = "ISIS attacked a checkpoint near Sirte on Thursday."
    fp = fingerprint(_report(short))
    candidate = Candidate(report_id=1, words=encode_words(fingerprint(_report(short)).words))
    assert decide(fp, [candidate], DedupPolicy(min_words=20)).status is Status.NEW
    assert decide(fp, [candidate], DedupPolicy(min_words=5)).duplicate_of == 1


def test_the_best_candidate_wins_and_the_earliest_on_a_tie() -> None:
    text = list(SEED_TEXTS.values())[0]
    words = encode_words(fingerprint(_report(text)).words)
    partial = encode_words(fingerprint(_report(copies.misspelt(text, every=15))).words)
    fp = fingerprint(_report(text))
    candidates = [
        Candidate(report_id=3, words=partial),
        Candidate(report_id=7, words=words),
        Candidate(report_id=5, words=words),
    ]
    assert decide(fp, candidates).duplicate_of == 5


def test_the_content_hash_ignores_case_spacing_and_punctuation_but_not_the_title() -> None:
    a = fingerprint(_report("ISIS attacked Sirte.\n\nThree died.", title="One"))
    b = fingerprint(_report("isis  attacked sirte\nthree died!", title="one!"))
    c = fingerprint(_report("ISIS attacked Misrata. Three died.", title="One"))
    d = fingerprint(_report("ISIS attacked Sirte.\n\nThree died.", title="Two"))
    assert a.content_hash == b.content_hash
    assert len({a.content_hash, c.content_hash, d.content_hash}) == 3


def test_boilerplate_paragraphs_are_left_out_of_the_fingerprint() -> None:
    text = "ISIS attacked Sirte on Thursday.\nShare this on social media"
    plain = fingerprint(_report(text))
    trimmed = fingerprint(_report(text), frozenset({"share this on social media"}))
    assert trimmed.words == ("isis", "attacked", "sirte", "on", "thursday")
    assert plain.words[-5:] == ("share", "this", "on", "social", "media")
    assert plain.content_hash == trimmed.content_hash  # the item is the same item


def test_boilerplate_is_what_a_source_repeats_in_three_of_its_recent_originals() -> None:
    footer = "Popular posts from this blog"
    stored = {"blog": [f"Report {i} on Sirte.\n{footer}" for i in range(2)], "wire": []}
    learned = Boilerplate(lambda source, n: stored[source][:n], recent=4, min_reports=3)
    assert learned.of("blog") == frozenset()
    learned.learn("blog", f"Report 2 on Misrata.\n{footer}")
    assert learned.of("blog") == {"popular posts from this blog"}
    assert learned.of("wire") == frozenset()
    for i in range(3, 6):  # the footer changes; the old one leaves the last four
        learned.learn("blog", f"Report {i}.\nSubscribe")
    assert learned.of("blog") == {"subscribe"}
    for i in range(6, 1000):  # a long-running source: only its last four reports are counted
        learned.learn("blog", f"Report {i}.\nSubscribe")
    assert learned.of("blog") == {"subscribe"}
    assert len(learned._sources["blog"].counts) == 5


def test_a_shared_footer_neither_joins_distinct_reports_nor_hides_a_copy() -> None:
    texts = list(SEED_TEXTS.values())
    footer = "\n\n".join(copies.split_footer(texts[0])[1])
    with_footer = {i: copies.without_footer(t) + "\n\n" + footer for i, t in SEED_IDS.items()}
    boilerplate = frozenset(paragraph_key(p) for p in footer.split("\n\n"))
    a = fingerprint(_report(with_footer[1]), boilerplate)
    b = fingerprint(_report(with_footer[2]), boilerplate)
    assert not set(a.keys) & set(b.keys)
    copy = fingerprint(_report(copies.with_other_footer(texts[0])), boilerplate)
    assert containment(encode_words(copy.words), encode_words(a.words)) > 0.95


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://Example.COM:443/news/1/?utm_source=x&b=2&a=1#top",
            "https://example.com/news/1?a=1&b=2",
        ),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/a?fbclid=1", "http://example.com:8080/a"),
        (None, None),
    ],
)
def test_canonical_url(url: str | None, expected: str | None) -> None:
    assert canonical_url(url) == expected


def test_bodies_without_words_do_not_share_a_content_hash() -> None:
    assert fingerprint(_report("…")).content_hash != fingerprint(_report("★ ★")).content_hash
    assert fingerprint(_report("…")).content_hash == fingerprint(_report("…")).content_hash
