"""The event stage: what happened (ACLED type and sub-type), how many were killed, injured,
kidnapped and arrested, the day, and who acted on whom; a pure function of a report and its
reading, tested through the real tagger."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.event import read_event
from monitor.event.counts import counts
from monitor.event.dates import days
from monitor.event.numbers import is_number, value
from monitor.model import Event, Report
from monitor.tag import Tagger

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PUBLISHED = datetime(2017, 9, 5, 9, 0, tzinfo=UTC)  # a Tuesday


def _report(title: str, text: str = "", published: datetime | None = PUBLISHED) -> Report:
    return Report(
        source="test",
        url=None,
        guid=None,
        title=title,
        text=text,
        published=published,
        fetched_at=datetime(2026, 11, 21, tzinfo=UTC),
    )


def _event(tagger: Tagger, title: str, text: str = "") -> Event:
    report = _report(title, text)
    return read_event(report, tagger.read(report))


# -- numbers and counts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "n"),
    [
        ("24", 24),
        ("1,200", 1200),
        ("four", 4),
        ("twenty-one", 21),
        ("twenty one", 21),
        ("a dozen", 12),
        ("half a dozen", 6),
        ("two hundred", 200),
        ("a hundred", 100),
    ],
)
def test_numbers_in_words_and_digits(words: str, n: int) -> None:
    assert is_number(words)
    assert value(words) == n


@pytest.mark.parametrize("words", ["dozens", "hundreds", "several", "many", "scores"])
def test_words_that_give_no_number(words: str) -> None:
    assert not is_number(words)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The attack left four dead and eight others injured.", {"killed": 4, "injured": 8}),
        ("At least 24 people have died.", {"killed": 24}),
        ("More than 200 migrants were rescued and 12 drowned.", {"killed": 12}),
        ("Two soldiers and six militants were killed.", {"killed": 8}),
        (
            "A car bomb exploded, killing four people and wounding eight.",
            {"killed": 4, "injured": 8},
        ),
        ("The death toll rose to 31 on Monday.", {"killed": 31}),
        ("Gunmen kidnapped a dozen Egyptian workers.", {"kidnapped": 12}),
        ("Police arrested three men and a woman.", {"arrested": 4}),
        ("A soldier was killed at the gate.", {"killed": 1}),
        ("مقتل ثلاثة أشخاص وإصابة ثمانية في تفجير", {"killed": 3, "injured": 8}),
        ("سقوط أربعة قتلى و١٢ جرحى", {"killed": 4, "injured": 12}),
        ("Dozens were killed and hundreds injured.", {}),
        ("The town lies 100 km east of Sirte and was shelled in 2016.", {}),
        ("Fifty people are missing after the boat sank.", {}),
    ],
)
def test_counts(text: str, expected: dict[str, int]) -> None:
    found: dict[str, int] = {}
    for count in counts(text):
        found.setdefault(count.kind, count.n)
    assert found == expected


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("on 31 August", date(2017, 8, 31)),
        ("on August 31st", date(2017, 8, 31)),
        ("on 31 August 2016", date(2016, 8, 31)),
        ("overnight on 17 March", date(2017, 3, 17)),
        ("on 30 December", date(2016, 12, 30)),  # not yet this year: last year's
        ("on Thursday", date(2017, 8, 31)),
        ("on Tuesday", date(2017, 9, 5)),  # the day it was published
        ("last Tuesday", date(2017, 8, 29)),
        ("yesterday", date(2017, 9, 4)),
        ("this morning", date(2017, 9, 5)),
        ("أمس", date(2017, 9, 4)),
        ("يوم الخميس", date(2017, 8, 31)),
    ],
)
def test_days_resolved_against_the_published_day(text: str, day: date) -> None:
    said = days(f"Fighting broke out {text} near the port.", PUBLISHED.date())
    assert [s.day for s in said] == [day]


# -- events ------------------------------------------------------------------------------------


def test_the_seed_car_bomb_is_an_explosion_with_its_toll_and_day(tagger: Tagger) -> None:
    text = (SEEDS / "000_57c9ec2a4132b078.txt").read_text("utf-8")
    title, _, _ = text.partition("\n")
    event = _event(tagger, title, text)
    assert event.type == "explosion_remote_violence"
    assert event.subtype == "remote_explosive_landmine_ied"
    assert (event.killed, event.injured, event.kidnapped, event.arrested) == (4, 8, None, None)
    assert event.date == date(2017, 8, 31)
    assert "isis" in event.actors and "lna" in event.targets
    said = {c.what: c.text for c in event.cues}
    assert said["type"] == "car bomb"
    assert said["date"] == "31 August"


def test_every_seed_gets_a_type(tagger: Tagger) -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text("utf-8")
        assert _event(tagger, text.partition("\n")[0], text).type is not None, path.name


@pytest.mark.parametrize(
    ("title", "type_", "subtype"),
    [
        (
            "Clashes erupt between LNA and Benghazi Defence Brigades in Ajdabiya",
            "battle",
            "armed_clash",
        ),
        ("LNA airstrikes hit Derna", "explosion_remote_violence", "air_drone_strike"),
        (
            "Suicide bomber kills five at Misrata checkpoint",
            "explosion_remote_violence",
            "suicide_bomb",
        ),
        (
            "Rockets fall on Mitiga airport",
            "explosion_remote_violence",
            "shelling_artillery_missile_attack",
        ),
        (
            "Gunmen abduct three Italian workers near Ghat",
            "violence_against_civilians",
            "abduction_forced_disappearance",
        ),
        ("Hundreds protest in Tripoli against the government", "protest", "peaceful_protest"),
        ("Police arrest six smugglers in Zuwara", "strategic_development", "arrests"),
        (
            "Rival parliaments sign ceasefire agreement in Skhirat",
            "strategic_development",
            "agreement",
        ),
        (
            "Bunyan al-Marsus forces retake Sirte port from ISIS",
            "battle",
            "non_state_actor_overtakes_territory",
        ),
    ],
)
def test_types_and_subtypes(tagger: Tagger, title: str, type_: str, subtype: str) -> None:
    event = _event(tagger, title)
    assert (event.type, event.subtype) == (type_, subtype)


def test_no_event_in_talk_or_a_shipwreck(tagger: Tagger) -> None:
    assert _event(tagger, "UN envoy says talks on Libya will resume").type is None
    wreck = _event(tagger, "Boat capsizes off Zuwara", "At least 24 migrants drowned on Monday.")
    assert wreck.type is None
    assert wreck.killed == 24


def test_counts_and_date_from_the_lead_not_the_background(tagger: Tagger) -> None:
    event = _event(
        tagger,
        "Fighting in Benghazi",
        "Three LNA soldiers were killed in clashes in Ganfouda on Monday, a spokesman said. "
        "Fighting there has killed more than 500 people since 2014, and the city's last "
        "battle, on 12 May, left 40 dead.\n\nOther news. "
        + "More words here. " * 30
        + "Later, 99 people were killed elsewhere.",
    )
    assert event.type == "battle"
    assert event.killed == 3
    assert event.date == date(2017, 9, 4)


def test_no_number_is_invented(tagger: Tagger) -> None:
    event = _event(
        tagger, "Clashes in Sabha", "Fighting between Tebu and Awlad Suleiman left many dead."
    )
    assert event.type == "battle"
    assert (event.killed, event.injured, event.kidnapped, event.arrested) == (None,) * 4
    assert event.date is None


def test_arabic_report(tagger: Tagger) -> None:
    event = _event(tagger, "مقتل أربعة أشخاص وإصابة ثمانية في تفجير سيارة مفخخة في النوفلية أمس")
    assert event.type == "explosion_remote_violence"
    assert (event.killed, event.injured) == (4, 8)
    assert event.date == date(2017, 9, 4)


def test_the_cheap_test_before_each_pattern_never_turns_a_match_away() -> None:
    """`Needles` only spares work: on every labelled real text, and on every sentence of the
    seeds, each pattern that matches passes its needles first."""
    import json

    from monitor.event.counts import _AFTER, _MAY, _SUBJECT_FIRST, _VERB_FIRST
    from monitor.event.kinds import _NEEDLES

    real = Path(__file__).resolve().parent / "data" / "real" / "wcep.jsonl"
    texts = [json.loads(line)["text"] for line in real.read_text("utf-8").splitlines()]
    texts += [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    matched = 0
    for text in texts:
        lowered = text.lower()
        for cue, needles in _NEEDLES:
            if cue.pattern.search(text):
                matched += 1
                assert needles.may_match(lowered), (cue.subtype, text[:80])
        for kind in _AFTER:
            if _SUBJECT_FIRST[kind].search(text) or _VERB_FIRST[kind].search(text):
                assert _MAY[kind].may_match(lowered), (kind, text[:80])
    assert matched > 300
