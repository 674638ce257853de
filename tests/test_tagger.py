"""The tagger on the seeds (against the golden file) and on the cases that must not tag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.model import Report, TagKind
from monitor.sources import read_text
from monitor.tag import Tagger
from tests.conftest import SEEDS

GOLDEN = json.loads((Path(__file__).parent / "golden" / "seeds_tags.json").read_text("utf-8"))
SEED_NAMES = sorted(k for k in GOLDEN if not k.startswith("_"))


def _report(text: str, title: str = "") -> Report:
    from datetime import UTC, datetime

    return Report(
        source="test",
        url=None,
        guid=None,
        title=title,
        text=text,
        published=None,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _seed_report(name: str) -> Report:
    from datetime import UTC, datetime

    from monitor.normalize import to_report

    path = SEEDS / name
    (entry,) = list(read_text(path, path.read_bytes()))
    return to_report(entry, fetched_at=datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_carries_its_golden_tags(tagger: Tagger, name: str) -> None:
    report = _seed_report(name)
    tags = tagger.tag(report)
    expected = GOLDEN[name]
    actors = {t.entity_id for t in tags if t.kind is TagKind.ACTOR}
    places = {t.entity_id for t in tags if t.kind is TagKind.PLACE}
    assert set(expected["actors"]) <= actors, set(expected["actors"]) - actors
    assert set(expected["places"]) <= places, set(expected["places"]) - places
    for entity_id, spellings in expected["spellings"].items():
        found = {t.text for t in tags if t.entity_id == entity_id}
        assert set(spellings) <= found, (entity_id, set(spellings) - found)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_spans_point_at_the_matched_text(tagger: Tagger, name: str) -> None:
    report = _seed_report(name)
    for tag in tagger.tag(report):
        field = report.title if tag.field == "title" else report.text
        assert field[tag.start : tag.end] == tag.text


@pytest.mark.parametrize("name", SEED_NAMES)
def test_lowercase_is_never_tags_isis(tagger: Tagger, name: str) -> None:
    report = _seed_report(name)
    assert " is " in report.text
    assert all(t.text != "is" for t in tagger.tag(report))


def test_acronyms_match_only_as_written(tagger: Tagger) -> None:
    tags = tagger.tag(_report("This is what it is. The pc was off; the hor was there; bm ok."))
    assert tags == ()
    tags = tagger.tag(_report("IS fighters met PC members and the HoR; BM forces advanced."))
    assert [t.entity_id for t in tags] == [
        "isis",
        "presidential_council",
        "hor",
        "bunyan_al_marsus",
    ]


def test_names_ignore_case_and_separators(tagger: Tagger) -> None:
    tags = tagger.tag(_report("al bunyan al marsus entered SIRTE from misrata."))
    assert [t.entity_id for t in tags] == ["bunyan_al_marsus", "sirte", "misrata"]
    assert tags[0].text == "al bunyan al marsus"


def test_word_boundaries_hold(tagger: Tagger) -> None:
    assert tagger.tag(_report("Sirtean Misratas LNAs ISISes")) == ()
    tags = tagger.tag(_report("#Sirte and Tobruk-based forces"))
    assert [t.entity_id for t in tags] == ["sirte", "tobruk"]


def test_longest_name_wins_where_names_overlap(tagger: Tagger) -> None:
    (tag,) = tagger.tag(_report("Forces of the Libyan National Army advanced."))
    assert (tag.entity_id, tag.text) == ("lna", "Libyan National Army")


def test_a_person_carries_the_organisation_he_leads(tagger: Tagger) -> None:
    (tag,) = tagger.tag(_report("Khalifa Haftar spoke."))
    assert tag.entity_id == "khalifa_haftar"
    assert tag.kind is TagKind.ACTOR
    assert "lna" in tag.parents


def test_a_place_carries_coordinates_and_its_city(tagger: Tagger) -> None:
    (tag,) = tagger.tag(_report("Fighting in Hay al-Gizah continued."))
    assert tag.entity_id == "hay_al_gizah"
    assert tag.parents[0] == "sirte"
    assert tag.lat is not None and 30 < tag.lat < 33
    assert tag.lon is not None and 15 < tag.lon < 18


def test_title_mentions_are_tagged_with_their_field(tagger: Tagger) -> None:
    tags = tagger.tag(_report("Nothing here.", title="ISIS attacks Sirte"))
    assert [(t.entity_id, t.field, t.start) for t in tags] == [
        ("isis", "title", 0),
        ("sirte", "title", 13),
    ]


def test_tagging_is_deterministic(tagger: Tagger) -> None:
    report = _seed_report(SEED_NAMES[2])
    assert tagger.tag(report) == tagger.tag(report)


def test_any_dash_or_apostrophe_the_tagger_accepts_finds_its_entity(tagger: Tagger) -> None:
    # The pattern and the lookup key are built from one definition of separators and
    # apostrophes; a mismatch would match the text and then drop the tag.
    text = "Bunyan\u2013al\u2014Marsus fought Da\u2019esh; Bunyan \u2010 al Marsus held."
    tags = tagger.tag(_report(text))
    assert [t.entity_id for t in tags] == ["bunyan_al_marsus", "isis", "bunyan_al_marsus"]
