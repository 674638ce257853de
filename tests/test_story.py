"""Stories' pure core: what a lead says happened, and which story a report joins."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.model import Report
from monitor.story import Signature, StoryCandidate, StoryPolicy, choose, signature
from monitor.tag import Tagger

BROAD = frozenset({"libya", "tripolitania", "cyrenaica", "fezzan"})


def _report(text: str, title: str = "Report") -> Report:
    return Report(
        source="test",
        url=None,
        guid=None,
        title=title,
        text=text,
        published=datetime(2016, 9, 23, tzinfo=UTC),
        fetched_at=datetime(2026, 11, 21, tzinfo=UTC),
    )


def _sig(report: Report, tagger: Tagger, **kwargs) -> Signature:
    return signature(report, tagger.tag(report), broad=BROAD, **kwargs)


def _candidate(story_id: int, sig: Signature) -> StoryCandidate:
    return StoryCandidate(report_id=story_id, story_id=story_id, places=sig.places, facts=sig.facts)


def test_the_lead_gives_places_with_their_city_actors_dates_and_numbers(tagger: Tagger) -> None:
    report = _report(
        "On 22 September, Bunyan al-Marsus forces pushed into Hay al-Gizah and 600 Flats in "
        "Libya; eight fighters died and 50 were injured in 2016.\n\n"
        + "Later paragraphs name Benghazi and 77 others. "
        * 20
    )
    sig = _sig(report, tagger, policy=StoryPolicy(lead_words=20))
    assert sig.places == {"hay_al_gizah", "sirte_600_flats", "sirte"}
    assert sig.facts == {
        "a:bunyan_al_marsus",
        "p:hay_al_gizah",
        "p:sirte_600_flats",
        "d:09-22",
        "n:8",
        "n:50",
    }  # not Libya (too broad), not 600 (a name), not 2016 (a year), not the later paragraphs
    assert sig.day == datetime(2016, 9, 23).toordinal()


def test_boilerplate_is_no_part_of_the_lead(tagger: Tagger) -> None:
    text = "By a reporter in Benghazi\n\nClashes in Derna killed four."
    assert "p:benghazi" in _sig(_report(text), tagger).facts
    boilerplate = frozenset({"by a reporter in benghazi"})
    assert "p:benghazi" not in _sig(_report(text), tagger, boilerplate=boilerplate).facts


def test_a_report_joins_the_story_sharing_most_of_its_facts(tagger: Tagger) -> None:
    first = _sig(
        _report("ISIS attacked an LNA checkpoint in Nawfaliya on 31 August, killing four."), tagger
    )
    other = _sig(
        _report("ISIS fighters clashed with Bunyan al-Marsus in Sirte port on 2 September."), tagger
    )
    same = _sig(
        _report(
            "Four died when an Islamic State car bomb hit the LNA at al-Nawfaliya on 31 August."
        ),
        tagger,
    )
    assert choose(same, [_candidate(1, first), _candidate(2, other)]) == 1
    assert choose(other, [_candidate(1, first)]) is None


def test_different_dates_or_no_common_place_make_different_stories(tagger: Tagger) -> None:
    first = _sig(
        _report("ISIS attacked an LNA checkpoint in Nawfaliya on 31 August, killing four."), tagger
    )
    later = _sig(
        _report("ISIS attacked an LNA checkpoint in Nawfaliya on 14 October, killing four."), tagger
    )
    elsewhere = _sig(
        _report("ISIS attacked an LNA checkpoint in Brega on 31 August, killing four."), tagger
    )
    assert choose(later, [_candidate(1, first)]) is None
    assert choose(elsewhere, [_candidate(1, first)]) is None


def test_too_few_shared_facts_open_a_story() -> None:
    a = Signature(places=frozenset({"sirte"}), facts=frozenset({"p:sirte", "a:isis"}), day=1)
    b = Signature(places=frozenset({"sirte"}), facts=frozenset({"p:sirte", "a:isis", "n:4"}), day=1)
    assert choose(a, [_candidate(1, b)]) is None  # two facts in common: below min_shared
    assert choose(a, [_candidate(1, b)], StoryPolicy(min_shared=2)) == 1


def test_the_earliest_story_wins_a_tie() -> None:
    sig = Signature(
        places=frozenset({"sirte"}), facts=frozenset({"p:sirte", "a:isis", "n:4"}), day=1
    )
    assert choose(sig, [_candidate(7, sig), _candidate(3, sig)]) == 3
