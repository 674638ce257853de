"""Dedup's pure core: fingerprints, canonical URLs, the decision on the seeds and their copies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.dedup import (
    Candidate,
    DedupPolicy,
    ExactMatch,
    NearIndex,
    canonical_url,
    containment,
    decide,
    fingerprint,
)
from monitor.dedup.decide import encode_words
from monitor.model import Report, Status
from monitor.normalize import fold_whitespace
from tests import copies
from tests.conftest import SEEDS

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


def _index_of_seeds() -> NearIndex:
    index = NearIndex()
    for report_id, text in enumerate(SEED_TEXTS.values(), start=1):
        index.add(report_id, fingerprint(_report(text)).words)
    return index


def _decide_against_seeds(text: str):
    fp = fingerprint(_report(text))
    return decide(fp, None, _index_of_seeds().candidates(fp))


def test_the_seeds_are_five_distinct_reports() -> None:
    index = NearIndex()
    for report_id, text in enumerate(SEED_TEXTS.values(), start=1):
        fp = fingerprint(_report(text))
        assert decide(fp, None, index.candidates(fp)).status is Status.NEW
        index.add(report_id, fp.words)
    assert len(index) == 5


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


def test_an_exact_match_decides_before_any_candidate() -> None:
    fp = fingerprint(_report("anything at all"))
    verdict = decide(fp, ExactMatch(report_id=9, key="guid"), [])
    assert (verdict.status, verdict.duplicate_of, verdict.reason) == (Status.DUPLICATE, 9, "guid")


def test_short_bodies_are_left_to_exact_keys() -> None:
    short = "ISIS attacked a checkpoint near Sirte on Thursday."
    fp = fingerprint(_report(short))
    candidate = Candidate(report_id=1, words=encode_words(fingerprint(_report(short)).words))
    assert decide(fp, None, [candidate], DedupPolicy(min_words=20)).status is Status.NEW
    assert decide(fp, None, [candidate], DedupPolicy(min_words=5)).duplicate_of == 1


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
    assert decide(fp, None, candidates).duplicate_of == 5


def test_the_content_hash_ignores_title_case_spacing_and_punctuation() -> None:
    a = fingerprint(_report("ISIS attacked Sirte.\n\nThree died.", title="One"))
    b = fingerprint(_report("isis  attacked sirte\nthree died!", title="Two"))
    c = fingerprint(_report("ISIS attacked Misrata. Three died.", title="One"))
    assert a.content_hash == b.content_hash != c.content_hash


def test_boilerplate_paragraphs_are_left_out_of_the_fingerprint() -> None:
    text = "ISIS attacked Sirte on Thursday.\nShare this on social media"
    plain = fingerprint(_report(text))
    trimmed = fingerprint(_report(text), frozenset({"share this on social media"}))
    assert trimmed.words == ("isis", "attacked", "sirte", "on", "thursday")
    assert plain.content_hash != trimmed.content_hash


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
