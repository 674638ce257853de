"""Stories' pure core: what a lead says happened, and which story a report joins and why."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.event import read_event
from monitor.model import Report
from monitor.story import (
    Signature,
    StoryCandidate,
    StoryPolicy,
    choose,
    pick,
    signature,
)
from monitor.tag import Tagger

BROAD = frozenset({"libya", "tripolitania", "cyrenaica", "fezzan"})


def _report(text: str, title: str = "Report", day: int = 23) -> Report:
    return Report(
        source="test",
        url=None,
        guid=None,
        title=title,
        text=text,
        published=datetime(2016, 9, day, tzinfo=UTC),
        fetched_at=datetime(2026, 11, 21, tzinfo=UTC),
    )


def _sig(report: Report, tagger: Tagger, **kwargs) -> Signature:
    reading = tagger.read(report)
    return signature(report, reading.tags, broad=BROAD, event=read_event(report, reading), **kwargs)


def _candidate(story_id: int, sig: Signature) -> StoryCandidate:
    return StoryCandidate(report_id=story_id, story_id=story_id, places=sig.places, facts=sig.facts)


def test_the_lead_gives_places_actors_dates_numbers_the_event_and_rare_words(
    tagger: Tagger,
) -> None:
    report = _report(
        "On 22 September, Bunyan al-Marsus forces pushed into Hay al-Gizah and 600 Flats in "
        "Libya; eight fighters died and 50 were injured in 2016.\n\n"
        + "Later paragraphs name Benghazi and 77 others. "
        * 20
    )
    sig = _sig(report, tagger, policy=StoryPolicy(lead_words=20))
    assert sig.places == {"hay_al_gizah", "sirte_600_flats", "sirte"}
    facts = {f for f in sig.facts if not f.startswith("w:")}
    assert facts >= {
        "a:bunyan_al_marsus",
        "p:hay_al_gizah",
        "p:sirte_600_flats",
        "d:09-22",
        "n:8",
        "n:50",
        "e:battle",
        "k:8",
    }  # not Libya (too broad), not 600 (a name), not 2016 (a year), not the later paragraphs
    assert not any(f in facts for f in ("p:benghazi", "n:77", "n:600", "n:2016", "p:libya"))
    assert {"w:push", "w:fighter", "w:bunyan"} <= sig.facts  # rare words of the lead
    assert "w:the" not in sig.facts and "w:later" not in sig.facts
    assert sig.day == datetime(2016, 9, 23).toordinal()


def test_boilerplate_is_no_part_of_the_lead(tagger: Tagger) -> None:
    text = "By a reporter in Benghazi\n\nClashes in Derna killed four."
    assert "p:benghazi" in _sig(_report(text), tagger).facts
    boilerplate = frozenset({"by a reporter in benghazi"})
    assert "p:benghazi" not in _sig(_report(text), tagger, boilerplate=boilerplate).facts


def test_a_one_line_summary_joins_another_outlets_lead(tagger: Tagger) -> None:
    summary = _sig(
        _report(
            "Fighting rages near the western Libyan city of Sirte between Islamic State "
            "affiliated militants and a local militia alliance.",
            title="Fighting near Sirte",
        ),
        tagger,
    )
    lead = _sig(
        _report(
            "Islamic State fighters battled Misratan-led militias on the outskirts of Sirte late "
            "on Friday, residents said, as the jihadists pressed their push along the coast. "
            "Mortar fire was heard in the city's east.",
            title="Islamic State and militias fight for Sirte",
            day=24,
        ),
        tagger,
    )
    joined = choose(lead, [_candidate(1, summary)])
    assert joined.story_id == 1
    assert "place sirte" in joined.reason and "both battle" in joined.reason


def test_two_events_in_one_town_on_one_day_stay_apart(tagger: Tagger) -> None:
    protest = _sig(_report("Hundreds protest in Benghazi against power cuts.", "Protest"), tagger)
    airstrike = _sig(
        _report("LNA warplanes strike militant positions in Benghazi's Ganfouda.", "Strikes"),
        tagger,
    )
    joined = choose(airstrike, [_candidate(1, protest)])
    assert joined.story_id is None
    assert "explosion_remote_violence against protest" in joined.reason


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
    assert choose(later, [_candidate(1, first)]).story_id is None
    assert choose(elsewhere, [_candidate(1, first)]).story_id is None
    assert choose(first, []).reason.startswith("opened a story: no report of nearby days")


def test_a_story_is_joined_only_when_it_is_told_from_the_others() -> None:
    assert pick([(3.0, 7), (1.0, 3)], 2.5, 0.5) == ((3.0, 7), (1.0, 3))
    assert pick([(3.0, 7), (2.8, 3)], 2.5, 0.5)[0] is None  # two stories alike: neither
    assert pick([(3.0, 7), (2.9, 7)], 2.5, 0.5)[0] == (3.0, 7)  # one story, two of its reports
    assert pick([(2.0, 7)], 2.5, 0.5)[0] is None
    assert pick([(3.0, 7), (3.0, 3)], 2.5, 0.0)[0] == (3.0, 3)  # the earliest story on a tie
