"""Build config/gazetteer.toml from the OSM and GeoNames extracts in ../shared/gazetteer.

    python scripts/build_gazetteer.py [--osm P] [--geonames P] [--places P] [--actors P] [--out P]

Names compare by their folded keys (`monitor.tag.fold.name_keys`). The rules, in order:
1. A GeoNames row and an OSM node are one place when the node's `geonames:id` is the row's id,
   or (node without one) they share a name and lie within 15 km: OSM coordinates, both ids.
2. A place config/places.toml has (same osm/geonames id, or a name in common within 30 km, generic
   words like "village"/"قرية" at either end left out) is skipped; stderr lists the names the
   curated entry lacks, for a person to add (places.toml is not edited).
3. Names: OSM name:en, name, name:fr, name:it, int_name, alt_name, old_name, name:ar, alt_name:ar;
   GeoNames name, asciiname, alternatenames. Values are split at ';', ':' and brackets, cut at
   '/', '.', ',' or a spaced dash ("Khadra - Tarhuna": Tarhuna is not its name), split where the
   script changes ("Kambot كمبوت"). Kept: Latin and Arabic script only; other name:xx tags are
   not read (name:pt calls Ghat "Gate"); no all-caps codes of 2-4 letters (TOB), no GeoNames
   romanizations in lowercase (tbrq) or from Russian (Al'-Mardzh). Latin names written all in
   one case ("AIN MARA", "bu ligharb") are capitalized word by word.
4. Of names with equal keys the first in ORDER is kept. The canonical name is the first Latin
   one (name:en, else OSM name, else GeoNames name), else the first Arabic one.
5. Dropped as ordinary words: one-word names of 3 letters or fewer; Latin names made only of
   LATIN_STOP and GENERIC_STOP words (not two or more GENERIC_STOP words: "Al Qaryat al
   Sharqiyah"); Arabic names made only of ARABIC_STOP words; one-word Arabic names of villages
   and hamlets (too often ordinary words: البيضاء "white", الخمس "five", زلة "slip").
6. A name two places share stays on the higher-ranked (city > town > village > hamlet, then
   population, then lower OSM id). Names of places.toml/actors.toml entries are dropped (curated
   names win). A place left without names is dropped.
7. Id: ascii snake_case of the canonical name (place_<id> if it has no Latin letters), with
   `_<osm id>` (or `_<geonames id>`) appended on a clash with another entry's id.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import time
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from monitor.tag.fold import name_keys  # noqa: E402

SHARED = REPO.parent / "shared" / "gazetteer"
KINDS = ("city", "town", "village", "hamlet")
RANK = {kind: i for i, kind in enumerate(KINDS)}
OSM_TAGS = ("name:en", "name", "name:fr", "name:it", "int_name", "alt_name", "old_name")
OSM_TAGS += ("name:ar", "alt_name:ar")
ORDER = ("name:en", "name", "gn:name", "gn:asciiname", *OSM_TAGS[2:], "gn:alt")  # rule 4
ALTERNATIVES = re.compile(r"[;:()\[\]]")
QUALIFIER = re.compile(r"[/.,]|\s[-\u2010-\u2015]\s")
EDGES = re.compile(
    r"^[^\w\u0300-\u036f\u064b-\u065f\u0670]+|[^\w\u0300-\u036f\u064b-\u065f\u0670]+$"
)
Key = tuple[str, ...]

# Rule 5, Latin, folded: English words found as place names, common given names and the words of
# famous people's names (villages "Omar al Mukhtar", "Uqba bin Nafi", "Salah Aldeen").
LATIN_STOP = """the of and in on at as a an to for new old white forty bear gate mine well camp farm
station village villaggio town city center centre port beach harbour spring oasis market north
south east west hill river lake road street bridge tower castle fort palace airport base field
project area district mosque school sultan marhaba urban arabi silk gala maya bivio gotta berta
mohammed muhammad mohamed mohammad ahmed ahmad ali omar umar khalifa khalifah abdullah abdallah
ibrahim mustafa mustapha salem salim saleh salih hassan hasan hussein husayn hussain khaled khalid
mahmoud mahmud youssef yusuf yousef masoud masud faraj milad fathi salah hamid hamed aziz mansour
mansur said saeed saad musa moussa issa yahya idris osman othman hamza jaber jabir jaafar jaffar
jafar badr nasser nasir karim rashid suleiman ismail adam hamad zayed marwan jamil hani timimi
tamimi shafi sayyad battah mukhtar mokhtar din deen aldeen eddine uqba nafi amr aas
hayyan""".split()
# Arabic and Italian geographic words, written alone.
GENERIC_STOP = """wadi ras sidi qasr gasr kasr ksar jabal jebel jabel hamada hammada qaryat qaryah
qarya qaria qariah madinat madinah madina medina mintaqat mintaqah qabilat baldat baldah souq
funduq hawsh hosh marsa mersa zawiyat sahel sahil gharbi gharbiyah sharqi sharqiyah jadid jadida
jadidah gedid qadim qadimah kabir kebir saghir wasat markaz hamra hamrah khadra abyad beida
baida saba sabaa qala qalaa qalah ramla ramlah mansurah mansura mansoura bin ibn ben""".split()
# Arabic: given names, famous people's names, ordinary and generic words.
ARABIC_STOP = """محمد علي أحمد عمر خليفة عبدالله إبراهيم مصطفى سالم صالح حسن حسين خالد محمود يوسف
مسعود فرج ميلاد فتحي صلاح حامد عزيز منصور سعيد جعفر بدر سلطان مروان جميل التميمي بن ابن المختار
الدين عقبة نافع عمرو العاص جابر حيان البئر بئر بير الوادي وادي رأس سيدي قصر الجبل القرية قرية
المدينة منطقة حي البلدة السوق المركز الوسط الجديد الجديدة القديمة مرحبا البيضاء الخمس زلة الشرارة
الحريقة بطة صياد القبة التضامن الماية الحمراء الخضراء الأبيض السبعة الأربعين العيون الزيتون
المنصورة الرملة القلعة الساحل العربان نسمة القريات المحروقة بياض غدوة""".split()
# Rule 2: words that only say what kind of place a name is ("Umm al-Qandil village").
GENERIC = "village town city center centre qaryat qaryah madinat mintaqat قرية مدينة منطقة بلدة حي"
LATIN_KEYS, GENERIC_KEYS, ARABIC_KEYS, GENERIC_CORE = (
    {name_keys(w)[0] for w in words}
    for words in (LATIN_STOP, GENERIC_STOP, ARABIC_STOP, GENERIC.split())
)


@dataclass
class Place:
    kind: str
    lat: float
    lon: float
    pop: int = 0
    osm: int | None = None
    geonames: int | None = None
    names: list[tuple[str, str]] = field(default_factory=list)  # (source in ORDER, name)

    def rank(self) -> tuple[int, int, int]:
        return (RANK[self.kind], -self.pop, self.osm or 10**12 + (self.geonames or 0))

    def keys(self) -> set[Key]:
        return {name_keys(n) for _, n in self.names}


@dataclass
class Entry:
    """A places.toml or actors.toml entry: its id, where it is, and the keys of its names."""

    id: str
    keys: set[Key]
    lat: float = 0.0
    lon: float = 0.0
    osm: int | None = None
    geonames: int | None = None


def km(a: Place, lat: float, lon: float) -> float:
    """Distance, flat-earth approximation (good to well under 1% at 30 km)."""
    return 111.2 * math.hypot(a.lat - lat, (a.lon - lon) * math.cos(math.radians(lat)))


def script(text: str) -> str:
    """'ar', 'la', '' (no letters) or 'x' (another script or a mix)."""
    letters = [c for c in text if c.isalpha()]
    if letters and all("\u0600" <= c <= "\u06ff" for c in letters):
        return "ar"
    latin = letters and all(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    return "la" if latin else "x" if letters else ""


def tidy(text: str) -> str:
    """Collapse spaces; strip all but letters, digits and marks from both ends."""
    return EDGES.sub("", " ".join(text.split()))


def capitalized(name: str) -> str:
    return " ".join(word.capitalize() for word in name.split())


def clean(source: str, raw: str, dropped: Counter[str]) -> list[tuple[str, str]]:
    """Rule 3: the Latin and Arabic names in one value."""
    raw = "".join(c for c in unicodedata.normalize("NFKC", raw) if unicodedata.category(c) != "Cf")
    out: list[tuple[str, str]] = []
    for part in (QUALIFIER.split(alt)[0] for alt in ALTERNATIVES.split(raw)):
        runs: list[tuple[str, list[str]]] = []
        for token in part.split():
            kind = script(token)
            if runs and kind in ("", runs[-1][0]):
                runs[-1][1].append(token)
            else:
                runs.append((kind, [token]))
        for kind, tokens in runs:
            name = tidy(" ".join(tokens))
            one_case = name in (name.upper(), name.lower())
            if not name or not name_keys(name):
                continue
            if kind not in ("la", "ar"):
                dropped["3: other script"] += 1
            elif re.fullmatch(r"[A-Z]{2,4}", name):
                dropped["3: all-caps code"] += 1
            elif source == "gn:alt" and kind == "la" and (name == name.lower() or "'-" in name):
                dropped["3: lowercase GeoNames romanization"] += 1
            else:
                out.append((source, capitalized(name) if kind == "la" and one_case else name))
    return out


def read_osm(path: Path, dropped: Counter[str]) -> tuple[list[Place], str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    places = []
    for node in data["elements"]:
        tags = node.get("tags", {})
        if node.get("type") != "node" or tags.get("place") not in KINDS:
            continue
        pop = re.sub(r"\D", "", tags.get("population", "").split(";")[0]) or "0"
        place = Place(tags["place"], node["lat"], node["lon"], int(pop), node["id"])
        gid = tags.get("geonames:id", "")
        place.geonames = int(gid) if gid.isdigit() else None
        for tag in OSM_TAGS:
            for value in tags.get(tag, "").split(";"):
                place.names += clean(tag, value, dropped)
        other = [t for t in tags if t.startswith(("name:", "alt_name:", "old_name:"))]
        dropped["3: other-language tag, not read"] += len(set(other) - set(OSM_TAGS))
        places.append(place)
    return places, data["osm3s"]["timestamp_osm_base"]


def read_geonames(path: Path, dropped: Counter[str]) -> list[Place]:
    places = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            pop = int(row["population"] or 0)
            place = Place("city" if pop >= 100000 else "town", 0.0, 0.0, pop)
            place.lat, place.lon = float(row["latitude"]), float(row["longitude"])
            place.geonames = int(row["geonameid"])
            place.names += clean("gn:name", row["name"], dropped)
            place.names += clean("gn:asciiname", row["asciiname"], dropped)
            for alt in filter(None, row["alternatenames"].split(",")):
                place.names += clean("gn:alt", alt, dropped)
            places.append(place)
    return places


def merge(osm: list[Place], gn: list[Place]) -> tuple[list[Place], int]:
    """Rule 1: the OSM places, GeoNames rows merged into them, then the unmerged rows."""
    places, merged = list(osm), 0
    for row in gn:
        near = [p for p in osm if p.geonames is None and p.keys() & row.keys()]
        near = sorted((km(p, row.lat, row.lon), p.rank(), p) for p in near)
        same = [p for p in osm if p.geonames == row.geonames] or [p for d, _, p in near if d <= 15]
        if same:
            same[0].geonames, same[0].pop = row.geonames, max(same[0].pop, row.pop)
            same[0].names += row.names
            merged += 1
        else:
            places.append(row)
    return places, merged


def dedupe(place: Place) -> int:
    """Rule 4: one name per key, the first in ORDER."""
    first: dict[Key, tuple[str, str]] = {}
    for sn in sorted(place.names, key=lambda sn: ORDER.index(sn[0])):
        first.setdefault(name_keys(sn[1]), sn)
    before, place.names = len(place.names), list(first.values())
    return before - len(place.names)


def core(k: Key) -> Key:
    """A name's keys without generic words at either end."""
    while k and (k[0] in GENERIC_CORE or k[-1] in GENERIC_CORE):
        k = k[1:] if k[0] in GENERIC_CORE else k[:-1]
    return k


def ordinary(place: Place, name: str) -> str:
    """Rule 5: why `name` would fire on ordinary words, or ''."""
    k, arabic = set(name_keys(name)), script(name) == "ar"
    if len(k) == 1 and len(min(k)) <= 3:
        return "5: one word of 3 letters or fewer"
    if arabic and k <= ARABIC_KEYS:
        return "5: Arabic stoplist"
    if not arabic and k <= LATIN_KEYS | GENERIC_KEYS and (len(k) == 1 or k & LATIN_KEYS):
        return "5: Latin stoplist"
    if len(k) == 1 and arabic and place.kind in ("village", "hamlet"):
        return "5: one Arabic word for a village/hamlet"
    return ""


def read_entries(path: Path, table: str) -> list[Entry]:
    """Entries of a TOML file another person may be saving: on an error, retry after 60 s."""
    for attempt in range(10):
        try:
            raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
            break
        except tomllib.TOMLDecodeError as e:
            if attempt == 9:
                raise
            print(f"{path}: {e}; retrying in 60 s", file=sys.stderr)
            time.sleep(60)
    entries = []
    for e in raw.get(table, []):
        fields = ("aliases", "former_names", "demonyms", "ambiguous")
        names = [e.get("name", ""), *(n for f in fields for n in e.get(f, []))]
        pos = {k: e[k] for k in ("lat", "lon", "osm", "geonames") if k in e}
        entries.append(Entry(str(e.get("id")), {name_keys(n) for n in names} - {()}, **pos))
    return entries


def skip_curated(
    places: list[Place], curated: list[Entry], taken: set[Key]
) -> tuple[list[Place], dict[str, list[str]]]:
    """Rule 2: the places not curated, and per curated id the names it lacks."""
    cores = {c.id: {core(k) for k in c.keys} - {()} for c in curated}
    kept, lacking = [], {}
    for place in places:
        mine = {core(k) for k in place.keys()}
        hits = sorted(
            (km(place, c.lat, c.lon), c.id)
            for c in curated
            if (place.osm and c.osm == place.osm)
            or (place.geonames and c.geonames == place.geonames)
            or (mine & cores[c.id] and km(place, c.lat, c.lon) <= 30)
        )
        if not hits:
            kept.append(place)
            continue
        extra = lacking.setdefault(hits[0][1], [])
        for _, name in place.names:
            k = name_keys(name)
            if k not in taken and core(k) not in cores[hits[0][1]] and not ordinary(place, name):
                extra += [] if k in map(name_keys, extra) else [name]
    return kept, lacking


def slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"['`\u2018\u2019]", "", text)).strip("_")


def canonical(place: Place) -> str:
    return next((n for _, n in place.names if script(n) == "la"), place.names[0][1])


def render(places: list[Place], ids: set[str], osm: Path, gn: Path, stamp: str) -> str:
    """Rule 7 and the file; `places` sorted by kind, then name."""
    lines = [
        "# Generated by scripts/build_gazetteer.py: do not edit by hand (curated places go in",
        "# places.toml, which wins over this file). Sources, from ../shared/gazetteer:",
        f"# {osm.name} (OSM data of {stamp}) and {gn.name}.",
        "# Data © OpenStreetMap contributors, Open Database Licence (ODbL 1.0); GeoNames",
        "# (geonames.org), CC BY 4.0. OSM node and GeoNames row merged on id or on a name within",
        "# 15 km. Left out: places and names places.toml or actors.toml has; non-Latin/Arabic",
        "# names; names of 3 letters or fewer, ordinary words, given names, one-word Arabic names",
        "# of villages/hamlets. A name two places share is kept on the larger only. kind: the OSM",
        "# place value (GeoNames only: town, or city from 100,000 people).",
    ]
    for place in places:
        name = canonical(place)
        pid = slug(name) or f"place_{place.osm or place.geonames}"
        pid = f"{pid}_{place.osm or place.geonames}" if pid in ids else pid
        ids.add(pid)
        aliases = ", ".join(json.dumps(n, ensure_ascii=False) for _, n in place.names if n != name)
        lines += [
            "",
            "[[place]]",
            f'id = "{pid}"',
            f"name = {json.dumps(name, ensure_ascii=False)}",
        ]
        lines += [f'kind = "{place.kind}"', f"lat = {place.lat:.5f}", f"lon = {place.lon:.5f}"]
        lines += ['parent = "libya"'] + ([f"aliases = [{aliases}]"] if aliases else [])
        lines += ([f"osm = {place.osm}"] if place.osm else []) + (
            [f"geonames = {place.geonames}"] if place.geonames else []
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--osm", type=Path, default=SHARED / "libya_places_osm_overpass_raw.json")
    ap.add_argument("--geonames", type=Path, default=SHARED / "geonames_cities15000_LY.tsv")
    ap.add_argument("--places", type=Path, default=REPO / "config" / "places.toml")
    ap.add_argument("--actors", type=Path, default=REPO / "config" / "actors.toml")
    ap.add_argument("--out", type=Path, default=REPO / "config" / "gazetteer.toml")
    args = ap.parse_args(argv)
    for path in (args.osm, args.geonames, args.places, args.actors):
        if not path.is_file():
            print(f"build_gazetteer: input file not found: {path}", file=sys.stderr)
            return 2

    dropped: Counter[str] = Counter()  # names dropped, by rule
    osm, stamp = read_osm(args.osm, dropped)
    gn = read_geonames(args.geonames, dropped)
    places, merged = merge(osm, gn)
    for place in places:
        dropped["4: same key as another name of the place"] += dedupe(place)
    curated = read_entries(args.places, "place")
    actors = read_entries(args.actors, "actor")
    taken = set().union(*(e.keys for e in curated + actors))
    kept, lacking = skip_curated(places, curated, taken)
    for place in kept:  # rule 5
        reasons = [(sn, ordinary(place, sn[1])) for sn in place.names]
        dropped.update(r for _, r in reasons if r)
        place.names = [sn for sn, r in reasons if not r]
    owner: dict[Key, Place] = {}
    for place in sorted(kept, key=Place.rank):  # rule 6
        for k in place.keys():
            owner.setdefault(k, place)
    for place in kept:
        names = place.names
        place.names = [sn for sn in names if owner[name_keys(sn[1])] is place]
        dropped["6: homonym of a higher-ranked place"] += len(names) - len(place.names)
        names = place.names
        place.names = [sn for sn in names if name_keys(sn[1]) not in taken]
        dropped["6: name of a places.toml/actors.toml entry"] += len(names) - len(place.names)
    written = sorted(
        (p for p in kept if p.names),
        key=lambda p: (RANK[p.kind], canonical(p).casefold(), p.rank()),
    )
    ids = {e.id for e in curated + actors}
    args.out.write_text(render(written, ids, args.osm, args.geonames, stamp), encoding="utf-8")
    print(
        f"read {len(osm)} OSM nodes, {len(gn)} GeoNames rows; merged {merged}; skipped "
        f"{len(places) - len(kept)} as curated; dropped {len(kept) - len(written)} left without "
        f"names; wrote {len(written)} places to {args.out}",
        file=sys.stderr,
    )
    for reason, count in sorted(dropped.items()):
        print(f"  names dropped, rule {reason}: {count}", file=sys.stderr)
    for cid, names in sorted(lacking.items()):
        if names:
            print(f"curated {cid}: gazetteer also has names {', '.join(names)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
