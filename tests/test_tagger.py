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
    tags = tagger.tag(_report("AL BUNYAN AL MARSUS entered SIRTE from MiSRATA."))
    assert [t.entity_id for t in tags] == ["bunyan_al_marsus", "sirte", "misrata"]
    assert tags[0].text == "AL BUNYAN AL MARSUS"


def test_proper_names_need_their_capital(tagger: Tagger) -> None:
    # A name written with a capital in the watchlist is a proper noun: its lowercase twin is an
    # ordinary word ("hun", a Sufi "zawiya") or a typing accident too weak to alert on.
    assert tagger.tag(_report("the hun said the zawiya near misrata was calm")) == ()


def test_word_boundaries_hold(tagger: Tagger) -> None:
    assert tagger.tag(_report("Sirtean Sirtes LNAs ISISes")) == ()
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


def _tagged(tagger: Tagger, text: str) -> list[tuple[str, str]]:
    return [(t.entity_id, t.text) for t in tagger.tag(_report(text))]


# Every spelling of the names users search for most, each in a sentence, with its entity.
SPELLINGS = [
    ("Sarraj", "fayez_al_sarraj"),
    ("Serraj", "fayez_al_sarraj"),
    ("al-Sarraj", "fayez_al_sarraj"),
    ("السراج", "fayez_al_sarraj"),
    ("Misrata", "misrata"),
    ("Misurata", "misrata"),
    ("Misratah", "misrata"),
    ("مصراتة", "misrata"),
    ("Sebha", "sebha"),
    ("Sabha", "sebha"),
    ("Sabhā", "sebha"),
    ("Jodhran", "ibrahim_jadhran"),
    ("Jodrhan", "ibrahim_jadhran"),
    ("Jadhran", "ibrahim_jadhran"),
    ("Hay al-Gizah", "hay_al_gizah"),
    ("600 Flats", "sirte_600_flats"),
    ("Gate 17", "gate_17"),
    ("Ras Lanuf terminal", "ras_lanuf_terminal"),
    ("Bunyan al-Marsus", "bunyan_al_marsus"),
    ("Operation Solid Structure", "bunyan_al_marsus"),
    ("al-Bunyan al-Marsous", "bunyan_al_marsus"),
    ("Third Force", "third_force"),
    ("Misratan brigades", "misratan_forces"),
    ("Misratan-led", "misratan_forces"),
]


@pytest.mark.parametrize(("spelling", "entity_id"), SPELLINGS)
def test_every_spelling_tags_its_entity(tagger: Tagger, spelling: str, entity_id: str) -> None:
    tagged = _tagged(tagger, f"Reports on Tuesday named {spelling} once again.")
    assert tagged and tagged[0] == (entity_id, spelling), tagged


@pytest.mark.parametrize(
    "text",
    [
        "This is what it is, and Is it so?",
        "The gate was shut. Gate closures at the airport delayed flights.",
        "Clashes in Tripoli, Lebanon, killed two.",
        "Lebanon's Tripoli saw protests; in Tripoli the army deployed.",
        "Attila the Hun was no hun of ours.",
        "Khalifa said Ali arrived with Omar.",
    ],
)
def test_ordinary_words_and_foreign_twins_tag_nothing(tagger: Tagger, text: str) -> None:
    assert _tagged(tagger, text) == []


def test_tripoli_of_libya_still_tags(tagger: Tagger) -> None:
    assert _tagged(tagger, "Clashes in Tripoli killed two.") == [("tripoli", "Tripoli")]


def test_a_report_in_arabic_tags_sirte_haftar_and_isis(tagger: Tagger) -> None:
    text = "قالت قوات حفتر إن مقاتلي داعش انسحبوا من سرت بعد اشتباكات عنيفة."
    tags = tagger.tag(_report(text))
    assert {t.entity_id for t in tags} >= {"sirte", "khalifa_haftar", "isis"}
    assert {t.method for t in tags} <= {"exact", "alias", "arabic"}


def test_arabic_proclitics_and_variants(tagger: Tagger) -> None:
    tags = tagger.tag(_report("التقى السرّاج بحفتر وتوجه إلى مصراته والسراج"))
    assert [t.entity_id for t in tags] == [
        "fayez_al_sarraj",
        "khalifa_haftar",
        "misrata",
        "fayez_al_sarraj",
    ]


def test_demonym_names_a_force_only_before_a_force_word(tagger: Tagger) -> None:
    assert _tagged(tagger, "The Misratan-led offensive went on.") == [
        ("misratan_forces", "Misratan-led")
    ]
    assert _tagged(tagger, "Zintani fighters held the airport.")[0][0] == "zintani_forces"
    assert _tagged(tagger, "A Misratan businessman was kidnapped.") == []


def test_hyphen_compound_with_another_proper_name_is_not_a_mention(tagger: Tagger) -> None:
    assert _tagged(tagger, "Libya-Analysis is a blog.") == []
    assert [e for e, _ in _tagged(tagger, "The Sirte-Misrata road")] == ["sirte", "misrata"]


def test_variants_catch_misspellings(tagger: Tagger) -> None:
    # A doubled letter sounds the same (a variant); a consonant mistyped as another is a
    # misspelling (fuzzy).
    tags = tagger.tag(_report("Sarrraj met officials in Benghazzi and Tripoki."))
    assert [(t.entity_id, t.method) for t in tags] == [
        ("fayez_al_sarraj", "variant"),
        ("benghazi", "variant"),
        ("tripoli", "fuzzy"),
    ]
    assert all(0.85 <= t.score < 1 for t in tags)


def test_fuzzy_step_leaves_lowercase_and_short_words_alone(tagger: Tagger) -> None:
    assert _tagged(tagger, "sarrraj met officials in benghazzi; Sirt.") == [("sirte", "Sirt")]


def test_tags_say_how_they_matched(tagger: Tagger) -> None:
    methods = {t.text: t.method for t in tagger.tag(_report("Sirte, SIRTE, Sirt, سرت."))}
    assert methods == {"Sirte": "exact", "SIRTE": "folded", "Sirt": "alias", "سرت": "alias"}


def test_a_district_carries_its_whole_parent_chain(tagger: Tagger) -> None:
    (tag,) = tagger.tag(_report("Fighting in Hay al-Gizah continued."))
    assert tag.parents[:2] == ("sirte", "libya") or tag.parents[0] == "sirte"
    assert "libya" in tag.parents


def test_short_acronyms_in_shouted_text_are_words(tagger: Tagger) -> None:
    assert _tagged(tagger, "BREAKING: WHERE IS THE MONEY GOING? JOIN US") == []
    assert [e for e, _ in _tagged(tagger, "ISIS ATTACKS SIRTE")] == ["isis", "sirte"]
    assert [e for e, _ in _tagged(tagger, "IS fighters fled.")] == ["isis"]


def test_ambiguous_name_needs_another_watchlist_name_in_the_text(tagger: Tagger) -> None:
    assert _tagged(tagger, "The school bought a new PC.") == []
    assert [e for e, _ in _tagged(tagger, "The PC met the GNA.")] == ["presidential_council", "gna"]
    assert _tagged(tagger, "Residents of Brak waited.") == []
    tags = tagger.tag(_report("Residents of Brak and Sebha waited."))
    assert [t.entity_id for t in tags] == ["brak_al_shati", "sebha"]
    assert tags[0].score < 1


def test_gazetteer_villages_tag_exactly_and_misspelt(tagger: Tagger) -> None:
    village = next(
        e
        for e in tagger.watchlist.entities.values()
        if e.id not in tagger.watchlist.curated and len(e.name) >= 8 and e.name.isalpha()
    )
    assert _tagged(tagger, f"Clashes near {village.name} today.") == [(village.id, village.name)]
    misspelt = village.name[:3] + village.name[3] * 2 + village.name[4:]
    # A misspelt village needs something of Libya beside it (see test_variants).
    assert _tagged(tagger, f"Clashes near {misspelt} today.") == []
    assert _tagged(tagger, f"Clashes near {misspelt}, Libya.") == [
        (village.id, misspelt),
        ("libya", "Libya"),
    ]


def test_air_power_demonym_tags_the_state(tagger: Tagger) -> None:
    assert _tagged(tagger, "Emirati drones struck Tajoura.") == [
        ("uae", "Emirati"),
        ("tajoura", "Tajoura"),
    ]
