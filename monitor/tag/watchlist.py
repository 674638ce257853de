"""The watchlist: actors and places a person reads and edits in TOML, validated on load.

`actors.toml` holds `[[actor]]` tables (id, name, kind, aliases, former_names, demonyms,
member_of, part_of); the places files hold `[[place]]` tables (id, name, kind, lat, lon, parent,
aliases, and the gazetteer ids osm and geonames). Both may give `ambiguous` (names the entry
shares with another entry, or with words outside the watchlist) and `unless_near` (words that,
close to a mention, say the name means something else: Tripoli near Lebanon). Links make the
hierarchy: a person's organisation, a unit's parent force, a district's city. A tag carries the
chain of its entity's parents, so a query or a rule for the LNA finds a report that names only
Haftar, and one for Sirte finds a report that names only Hay al-Gizah.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.errors import WatchlistError
from monitor.model import TagKind
from monitor.tag.fold import name_keys, words
from monitor.validation import validation_problems

ActorKind = Literal[
    "armed_group",
    "state_body",
    "political_body",
    "company",
    "foreign_force",
    "international_body",
    "person",
]
_ID = r"^[a-z0-9][a-z0-9_]*$"
# The id of the country, whose places make a report about it.
LIBYA = "libya"
# Actors of these kinds act in the whole world's news: not Libyan unless their entry says so.
FOREIGN_KINDS = frozenset({"foreign_force", "international_body"})


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    aliases: list[str] = []
    ambiguous: list[str] = []
    unless_near: list[str] = []

    @property
    def parents(self) -> tuple[str, ...]:
        return ()


class _Actor(_Entry):
    kind: ActorKind
    former_names: list[str] = []
    demonyms: list[str] = []
    member_of: list[str] = []
    part_of: list[str] = []
    libyan: bool | None = None

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.member_of, *self.part_of]))


class _Place(_Entry):
    kind: str = Field(min_length=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    parent: str = ""
    osm: int | None = None
    geonames: int | None = None

    @property
    def parents(self) -> tuple[str, ...]:
        return (self.parent,) if self.parent else ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Entity:
    """One watchlist entry. `category` says actor or place; `kind` its kind within that."""

    id: str
    name: str
    category: TagKind
    kind: str
    aliases: tuple[str, ...]
    parents: tuple[str, ...]
    ambiguous: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    unless_near: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    libyan: bool | None = None  # an actor's own word on whether it is Libyan (see Watchlist)

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name and every alias (former names included), each once."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))


def is_acronym(alias: str) -> bool:
    """Short names with two or more capitals (IS, BM, PC, HoR, ISIS) match only as written, so the
    word "is" never tags ISIS."""
    return (
        len(alias) <= 6
        and not any(c.isspace() for c in alias)
        and sum(c.isupper() for c in alias) >= 2
    )


def alias_key(name: str) -> tuple[str, ...]:
    """What two names must share to be the same name: acronyms their words as written, other
    names their folded words without articles (see `monitor.tag.fold`). Empty for a name with
    no words."""
    if is_acronym(name):
        return ("=", *(w.text for w in words(name)))
    return name_keys(name)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two (lat, lon) points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 12742.0 * math.asin(math.sqrt(h))


class _CycleError(ValueError):
    pass


class Watchlist:
    """Entities by id, with their parent chains resolved. Raises ValueError on a cycle."""

    def __init__(self, entities: list[Entity], *, curated: Iterable[str] | None = None) -> None:
        self.entities: dict[str, Entity] = {e.id: e for e in entities}
        # The hand-kept entries (actors and curated places), as against gazetteer imports.
        self.curated = frozenset(self.entities if curated is None else curated)
        self._ancestors = {e.id: self._chain(e.id) for e in entities}
        self.libyan = frozenset(e.id for e in entities if self._is_libyan(e))

    def _chain(self, entity_id: str) -> tuple[str, ...]:
        chain: list[str] = []
        frontier = list(self.entities[entity_id].parents)
        while frontier:
            parent = frontier.pop(0)
            if parent == entity_id:
                raise _CycleError(entity_id)
            if parent not in chain:
                chain.append(parent)
                frontier.extend(self.entities[parent].parents)
        return tuple(chain)

    def _is_libyan(self, entity: Entity, seen: frozenset[str] = frozenset()) -> bool:
        """Whether naming `entity` is evidence that a report is about Libya. A place is when
        it is Libya or lies in it. An actor is when its entry says so (`libyan`); otherwise
        foreign forces and international bodies are not (the whole world's news names them),
        a member or unit is when one of the bodies it belongs to is, and the rest are."""
        if entity.category is TagKind.PLACE:
            return entity.id == LIBYA or LIBYA in self._ancestors.get(entity.id, ())
        if entity.libyan is not None:
            return entity.libyan
        if entity.kind in FOREIGN_KINDS:
            return False
        parents = [p for p in entity.parents if p not in seen]
        if not parents:
            return True
        return any(self._is_libyan(self.entities[p], seen | {entity.id}) for p in parents)

    def ancestors(self, entity_id: str) -> tuple[str, ...]:
        """The ids `entity_id` belongs to, nearest first."""
        return self._ancestors.get(entity_id, ())

    def __len__(self) -> int:
        return len(self.entities)


def _read_table(path: Path, table: str) -> list[object]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise WatchlistError(f"{path}: cannot be read ({e.strerror or e})") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise WatchlistError(f"{path}: not valid TOML ({e})") from e
    unknown = sorted(set(raw) - {table})
    if unknown:
        raise WatchlistError(f"{path}: unknown key '{unknown[0]}' (expected [[{table}]] tables)")
    entries = raw.get(table, [])
    if not isinstance(entries, list):
        raise WatchlistError(f"{path}: '{table}' must be an array of tables ([[{table}]])")
    return entries


def _parse(path: Path, table: str, model: type[_Entry]) -> list[_Entry]:
    parsed: list[_Entry] = []
    for number, raw in enumerate(_read_table(path, table), start=1):
        label = f"{table} #{number}"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            label = f"{table} '{raw['id']}'"
        try:
            parsed.append(model.model_validate(raw))
        except ValidationError as e:
            raise WatchlistError(f"{path}: {label}: {validation_problems(e)[0]}") from e
    return parsed


def load_watchlist(actors_path: Path, places_paths: Path | Sequence[Path]) -> Watchlist:
    """Read and validate the actors file and the places files: the curated places first, then
    any gazetteers (a place's parent may be in any of them). The actors and the first places
    file make `Watchlist.curated`.

    Raises WatchlistError naming the file and the entry for: unreadable or invalid TOML, an
    unknown key or wrong type, a duplicate id, a place without coordinates, a link to an unknown
    id, a cycle of links, a name without words, or a name claimed by two entities where neither
    lists it under `ambiguous` (the rule that lets them share it).
    """
    if isinstance(places_paths, Path):
        places_paths = [places_paths]
    sources: list[tuple[Path, TagKind, _Entry]] = [
        (actors_path, TagKind.ACTOR, entry) for entry in _parse(actors_path, "actor", _Actor)
    ]
    for places_path in places_paths:
        sources += [
            (places_path, TagKind.PLACE, entry) for entry in _parse(places_path, "place", _Place)
        ]

    seen: dict[str, tuple[Path, TagKind]] = {}
    for path, category, entry in sources:
        if entry.id in seen:
            raise WatchlistError(
                f"{path}: '{entry.id}': duplicate id (also in {seen[entry.id][0]})"
            )
        seen[entry.id] = (path, category)
    for path, category, entry in sources:
        for parent in entry.parents:
            if parent not in seen:
                raise WatchlistError(f"{path}: '{entry.id}': links to unknown id '{parent}'")
            if category is TagKind.PLACE and seen[parent][1] is not TagKind.PLACE:
                raise WatchlistError(f"{path}: '{entry.id}': parent '{parent}' is not a place")

    curated = {e.id for path, _, e in sources if path == actors_path or path in places_paths[:1]}
    owners: dict[tuple[str, ...], str] = {}  # a name's one plain (not ambiguous) owner
    entities: list[Entity] = []
    for path, category, entry in sources:
        former = getattr(entry, "former_names", [])
        names = tuple(dict.fromkeys((entry.name, *entry.aliases, *former)))
        shared = tuple(dict.fromkeys(entry.ambiguous))
        demonyms = tuple(getattr(entry, "demonyms", []))
        for name in (*names, *shared, *demonyms, *entry.unless_near):
            if not alias_key(name):
                raise WatchlistError(f"{path}: '{entry.id}': name '{name}' has no words")
        for name in (*names, *demonyms):
            owner = owners.setdefault(alias_key(name), entry.id)
            if owner != entry.id:
                raise WatchlistError(
                    f"{path}: '{entry.id}': name '{name}' is already claimed by '{owner}'"
                    " (list it under ambiguous in one of them to share it)"
                )
        entities.append(
            Entity(
                id=entry.id,
                name=entry.name,
                category=category,
                kind=entry.kind,  # type: ignore[attr-defined]
                aliases=tuple(a for a in names if a != entry.name),
                parents=entry.parents,
                ambiguous=tuple(n for n in shared if n not in names),
                demonyms=demonyms,
                unless_near=tuple(entry.unless_near),
                lat=getattr(entry, "lat", None),
                lon=getattr(entry, "lon", None),
                libyan=getattr(entry, "libyan", None),
            )
        )
    try:
        return Watchlist(entities, curated=curated)
    except _CycleError as e:
        raise WatchlistError(f"{seen[str(e)][0]}: '{e}': its links form a cycle") from e
