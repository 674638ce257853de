"""Watchlist: the real actors and places load, and malformed watchlist files are refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import WatchlistError
from monitor.model import TagKind
from monitor.tag import Watchlist, is_acronym, load_watchlist

LNA = """
[[actor]]
id = "lna"
name = "LNA"
kind = "armed_group"
aliases = ["Libyan National Army"]
"""

HAFTAR = """
[[actor]]
id = "khalifa_haftar"
name = "Khalifa Haftar"
kind = "person"
aliases = ["Haftar"]
member_of = ["lna"]
"""

SIRTE = """
[[place]]
id = "sirte"
name = "Sirte"
kind = "city"
lat = 31.2089
lon = 16.5887
aliases = ["Sirt"]
"""

GIZAH = """
[[place]]
id = "hay_al_gizah"
name = "Hay al-Gizah"
kind = "district"
lat = 31.21
lon = 16.60
parent = "sirte"
"""


def write_watchlist(tmp_path: Path, actors: str, places: str) -> tuple[Path, Path]:
    actors_path = tmp_path / "actors.toml"
    places_path = tmp_path / "places.toml"
    actors_path.write_text(actors, encoding="utf-8")
    places_path.write_text(places, encoding="utf-8")
    return actors_path, places_path


def load_error(tmp_path: Path, actors: str, places: str) -> tuple[str, Path, Path]:
    """The message of the WatchlistError raised for these files, and their paths."""
    actors_path, places_path = write_watchlist(tmp_path, actors, places)
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(actors_path, places_path)
    return str(caught.value), actors_path, places_path


# --- the real watchlist -------------------------------------------------------------------------


def test_real_watchlist_loads_actors_and_places(watchlist: Watchlist) -> None:
    categories = {entity.category for entity in watchlist.entities.values()}
    assert categories == {TagKind.ACTOR, TagKind.PLACE}
    assert len(watchlist) == len(watchlist.entities) > 50
    assert {"isis", "lna", "khalifa_haftar", "sirte", "hay_al_gizah"} <= set(watchlist.entities)


def test_real_watchlist_every_place_has_coordinates(watchlist: Watchlist) -> None:
    places = [e for e in watchlist.entities.values() if e.category is TagKind.PLACE]
    assert places
    for place in places:
        assert place.lat is not None and -90 <= place.lat <= 90, place.id
        assert place.lon is not None and -180 <= place.lon <= 180, place.id


def test_real_watchlist_actors_have_no_coordinates(watchlist: Watchlist) -> None:
    actors = [e for e in watchlist.entities.values() if e.category is TagKind.ACTOR]
    assert actors
    assert all(a.lat is None and a.lon is None for a in actors)


def test_real_watchlist_haftar_belongs_to_lna(watchlist: Watchlist) -> None:
    assert "lna" in watchlist.ancestors("khalifa_haftar")


def test_real_watchlist_hay_al_gizah_lies_in_sirte(watchlist: Watchlist) -> None:
    ancestors = watchlist.ancestors("hay_al_gizah")
    assert ancestors[0] == "sirte"
    assert "libya" in ancestors


def test_real_watchlist_names_include_canonical_name_and_aliases(watchlist: Watchlist) -> None:
    names = watchlist.entities["isis"].names
    assert names[0] == "ISIS"
    assert "Islamic State" in names and "Daesh" in names


def test_ancestors_of_unknown_id_is_empty(watchlist: Watchlist) -> None:
    assert watchlist.ancestors("no_such_entity") == ()


# --- is_acronym ---------------------------------------------------------------------------------


@pytest.mark.parametrize("alias", ["IS", "BM", "PC", "HoR", "ISIS", "LNA"])
def test_is_acronym_short_names_with_two_capitals(alias: str) -> None:
    assert is_acronym(alias)


@pytest.mark.parametrize("alias", ["Sirte", "Islamic State", "is", "AFRICOM", "Haftar", "LN A"])
def test_is_acronym_other_names_are_not(alias: str) -> None:
    assert not is_acronym(alias)


# --- loading small watchlists -------------------------------------------------------------------


def test_small_watchlist_loads_with_links(tmp_path: Path) -> None:
    watchlist = load_watchlist(*write_watchlist(tmp_path, LNA + HAFTAR, SIRTE + GIZAH))
    assert len(watchlist) == 4
    assert watchlist.ancestors("khalifa_haftar") == ("lna",)
    assert watchlist.ancestors("hay_al_gizah") == ("sirte",)
    gizah = watchlist.entities["hay_al_gizah"]
    assert (gizah.category, gizah.kind, gizah.lat, gizah.lon) == (
        TagKind.PLACE,
        "district",
        31.21,
        16.60,
    )


def test_ancestors_follow_the_chain_nearest_first(tmp_path: Path) -> None:
    unit = '\n[[actor]]\nid = "unit"\nname = "Unit"\nkind = "armed_group"\npart_of = ["lna"]\n'
    fighter = (
        '\n[[actor]]\nid = "fighter"\nname = "Fighter"\nkind = "person"\nmember_of = ["unit"]\n'
    )
    watchlist = load_watchlist(*write_watchlist(tmp_path, LNA + unit + fighter, SIRTE))
    assert watchlist.ancestors("fighter") == ("unit", "lna")


# --- validation errors --------------------------------------------------------------------------


def test_duplicate_id_within_a_file(tmp_path: Path) -> None:
    message, actors_path, _ = load_error(tmp_path, LNA + LNA.replace('"LNA"', '"LNA two"'), SIRTE)
    assert str(actors_path) in message
    assert "'lna'" in message
    assert "duplicate id" in message


def test_duplicate_id_across_actors_and_places(tmp_path: Path) -> None:
    actor_sirte = '\n[[actor]]\nid = "sirte"\nname = "Sirte Council"\nkind = "political_body"\n'
    message, actors_path, places_path = load_error(tmp_path, LNA + actor_sirte, SIRTE)
    assert str(places_path) in message
    assert str(actors_path) in message
    assert "'sirte'" in message
    assert "duplicate id" in message


@pytest.mark.parametrize("link", ["member_of", "part_of"])
def test_actor_link_to_unknown_id(tmp_path: Path, link: str) -> None:
    actor = (
        f'\n[[actor]]\nid = "brigade"\nname = "Brigade"\nkind = "armed_group"\n{link} = ["gnu"]\n'
    )
    message, actors_path, _ = load_error(tmp_path, LNA + actor, SIRTE)
    assert str(actors_path) in message
    assert "'brigade'" in message
    assert "unknown id 'gnu'" in message


def test_place_parent_unknown_id(tmp_path: Path) -> None:
    message, _, places_path = load_error(tmp_path, LNA, GIZAH)
    assert str(places_path) in message
    assert "'hay_al_gizah'" in message
    assert "unknown id 'sirte'" in message


def test_place_parent_must_be_a_place(tmp_path: Path) -> None:
    message, _, places_path = load_error(tmp_path, LNA, SIRTE + GIZAH.replace('"sirte"', '"lna"'))
    assert str(places_path) in message
    assert "'hay_al_gizah'" in message
    assert "not a place" in message


@pytest.mark.parametrize("key", ["lat", "lon"])
def test_place_without_coordinate_names_the_key(tmp_path: Path, key: str) -> None:
    places = "\n".join(line for line in SIRTE.splitlines() if not line.startswith(f"{key} ="))
    message, _, places_path = load_error(tmp_path, LNA, places)
    assert str(places_path) in message
    assert "'sirte'" in message
    assert f"{key}:" in message
    assert "required" in message


def test_unknown_key_in_an_entry(tmp_path: Path) -> None:
    message, actors_path, _ = load_error(tmp_path, LNA + 'colour = "red"\n', SIRTE)
    assert str(actors_path) in message
    assert "'lna'" in message
    assert "colour" in message
    assert "unknown key" in message


@pytest.mark.parametrize("value", ['"north"', '"31.2"'], ids=["word", "number-as-text"])
def test_wrong_type_for_lat(tmp_path: Path, value: str) -> None:
    message, _, places_path = load_error(tmp_path, LNA, SIRTE.replace("31.2089", value))
    assert str(places_path) in message
    assert "'sirte'" in message
    assert "lat:" in message


def test_latitude_out_of_range(tmp_path: Path) -> None:
    message, _, places_path = load_error(tmp_path, LNA, SIRTE.replace("31.2089", "131.2"))
    assert str(places_path) in message
    assert "'sirte'" in message
    assert "lat:" in message


def test_aliases_must_be_a_list(tmp_path: Path) -> None:
    message, actors_path, _ = load_error(
        tmp_path, LNA.replace('["Libyan National Army"]', '"Libyan National Army"'), SIRTE
    )
    assert str(actors_path) in message
    assert "'lna'" in message
    assert "aliases" in message


def test_alias_claimed_by_two_entities_case_insensitively(tmp_path: Path) -> None:
    district = GIZAH.replace("\nparent", '\naliases = ["sirte"]\nparent')
    message, _, places_path = load_error(tmp_path, LNA, SIRTE + district)
    assert str(places_path) in message
    assert "'hay_al_gizah'" in message
    assert "name 'sirte'" in message
    assert "claimed by 'sirte'" in message


def test_alias_clash_ignores_hyphens_and_spaces(tmp_path: Path) -> None:
    other = '\n[[actor]]\nid = "other"\nname = "Other"\nkind = "armed_group"\n'
    other += 'aliases = ["Libyan-National  Army"]\n'
    message, actors_path, _ = load_error(tmp_path, LNA + other, SIRTE)
    assert str(actors_path) in message
    assert "'other'" in message
    assert "already claimed by 'lna'" in message


def test_acronym_alias_does_not_clash_with_lowercase_word(tmp_path: Path) -> None:
    isis = '\n[[actor]]\nid = "isis"\nname = "ISIS"\nkind = "armed_group"\naliases = ["IS"]\n'
    island = '\n[[place]]\nid = "is_island"\nname = "is"\nkind = "island"\nlat = 1\nlon = 2\n'
    watchlist = load_watchlist(*write_watchlist(tmp_path, LNA + isis, SIRTE + island))
    assert {"isis", "is_island"} <= set(watchlist.entities)


def test_cycle_of_part_of_links(tmp_path: Path) -> None:
    actors = (
        '[[actor]]\nid = "alpha"\nname = "Alpha"\nkind = "armed_group"\npart_of = ["beta"]\n'
        '[[actor]]\nid = "beta"\nname = "Beta"\nkind = "armed_group"\npart_of = ["alpha"]\n'
    )
    message, actors_path, _ = load_error(tmp_path, actors, SIRTE)
    assert str(actors_path) in message
    assert "'alpha'" in message or "'beta'" in message
    assert "cycle" in message


def test_self_link_is_a_cycle(tmp_path: Path) -> None:
    places = SIRTE.replace("\naliases", '\nparent = "sirte"\naliases')
    message, _, places_path = load_error(tmp_path, LNA, places)
    assert str(places_path) in message
    assert "'sirte'" in message
    assert "cycle" in message


def test_file_that_is_not_toml(tmp_path: Path) -> None:
    message, actors_path, _ = load_error(tmp_path, '[[actor]\nid = "lna"', SIRTE)
    assert str(actors_path) in message
    assert "not valid TOML" in message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    actors_path, places_path = write_watchlist(tmp_path, LNA, "")
    places_path.write_bytes(b'[[place]]\nid = "caf\xe9"\n')
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(actors_path, places_path)
    assert str(places_path) in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    _, places_path = write_watchlist(tmp_path, LNA, SIRTE)
    missing = tmp_path / "absent" / "actors.toml"
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(missing, places_path)
    assert str(missing) in str(caught.value)
    assert "cannot be read" in str(caught.value)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    message, actors_path, _ = load_error(tmp_path, LNA + "\n[meta]\nversion = 1\n", SIRTE)
    assert str(actors_path) in message
    assert "unknown key 'meta'" in message


def test_place_table_in_actors_file(tmp_path: Path) -> None:
    message, actors_path, _ = load_error(tmp_path, LNA + SIRTE, "")
    assert str(actors_path) in message
    assert "unknown key 'place'" in message


def test_top_level_table_instead_of_array(tmp_path: Path) -> None:
    actors = '[actor]\nid = "lna"\nname = "LNA"\nkind = "armed_group"\n'
    message, actors_path, _ = load_error(tmp_path, actors, SIRTE)
    assert str(actors_path) in message
    assert "[[actor]]" in message


def test_actor_kind_not_allowed(tmp_path: Path) -> None:
    message, actors_path, _ = load_error(tmp_path, LNA.replace("armed_group", "militia"), SIRTE)
    assert str(actors_path) in message
    assert "'lna'" in message
    assert "kind:" in message
    assert "armed_group" in message


def test_invalid_id_is_refused(tmp_path: Path) -> None:
    message, actors_path, _ = load_error(tmp_path, LNA.replace('"lna"', '"L-N-A"'), SIRTE)
    assert str(actors_path) in message
    assert "'L-N-A'" in message
    assert "id:" in message


def test_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    actors = LNA + '\n[[actor]]\nname = "Nameless"\nkind = "armed_group"\n'
    message, actors_path, _ = load_error(tmp_path, actors, SIRTE)
    assert str(actors_path) in message
    assert "actor #2" in message
    assert "id:" in message


def test_empty_files_give_an_empty_watchlist(tmp_path: Path) -> None:
    assert len(load_watchlist(*write_watchlist(tmp_path, "", ""))) == 0


def test_name_shared_under_ambiguous_loads(tmp_path: Path) -> None:
    district = GIZAH.replace("\nparent", '\nambiguous = ["Sirt"]\nparent')
    watchlist = load_watchlist(*write_watchlist(tmp_path, LNA, SIRTE + district))
    assert watchlist.entities["hay_al_gizah"].ambiguous == ("Sirt",)


def test_name_claimed_twice_says_how_to_share_it(tmp_path: Path) -> None:
    district = GIZAH.replace("\nparent", '\naliases = ["Sirt"]\nparent')
    message, _, _ = load_error(tmp_path, LNA, SIRTE + district)
    assert "list it under ambiguous" in message


def test_demonym_counts_as_a_claimed_name(tmp_path: Path) -> None:
    actors = LNA + '\n[[actor]]\nid = "x"\nname = "X"\nkind = "armed_group"\ndemonyms = ["Sirt"]\n'
    message, actors_path, _ = load_error(tmp_path, actors, SIRTE)
    assert "name 'Sirt'" in message


def test_name_without_words_is_refused(tmp_path: Path) -> None:
    message, actors_path, _ = load_error(tmp_path, LNA.replace('Army"]', 'Army", "--"]'), SIRTE)
    assert "'lna'" in message
    assert "has no words" in message


def test_place_parent_may_be_in_another_places_file(tmp_path: Path) -> None:
    actors_path, places_path = write_watchlist(tmp_path, LNA, SIRTE)
    gazetteer = tmp_path / "gazetteer.toml"
    gazetteer.write_text(GIZAH, encoding="utf-8")
    watchlist = load_watchlist(actors_path, [places_path, gazetteer])
    assert watchlist.ancestors("hay_al_gizah") == ("sirte",)
    # Only the actors and the first places file are hand-kept.
    assert watchlist.curated == {"lna", "sirte"}


def test_error_in_a_second_places_file_names_it(tmp_path: Path) -> None:
    actors_path, places_path = write_watchlist(tmp_path, LNA, SIRTE)
    gazetteer = tmp_path / "gazetteer.toml"
    gazetteer.write_text(SIRTE.replace('"Sirte"', '"Sirte town"'), encoding="utf-8")
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(actors_path, [places_path, gazetteer])
    assert str(caught.value).startswith(f"{gazetteer}: 'sirte': duplicate id")


def test_former_names_and_demonyms_load(tmp_path: Path) -> None:
    actors = LNA.replace(
        'aliases = ["Libyan National Army"]', 'former_names = ["Operation Dignity"]'
    )
    actors += '\n[[actor]]\nid = "m"\nname = "Misratan forces"\nkind = "armed_group"\n'
    actors += 'demonyms = ["Misratan"]\n'
    watchlist = load_watchlist(*write_watchlist(tmp_path, actors, SIRTE))
    assert "Operation Dignity" in watchlist.entities["lna"].names
    assert watchlist.entities["m"].demonyms == ("Misratan",)
