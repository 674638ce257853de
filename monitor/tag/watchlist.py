"""The watchlist: actors and places a person reads and edits in TOML, validated on load.

`actors.toml` holds `[[actor]]` tables (id, name, kind, aliases, member_of, part_of);
`places.toml` holds `[[place]]` tables (id, name, kind, lat, lon, parent, aliases). Links make
the hierarchy: a person's organisation, a unit's parent force, a district's city. A tag carries
the chain of its entity's parents, so a query or a rule for the LNA finds a report that names
only Haftar, and one for Sirte finds a report that names only Hay al-Gizah.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.errors import WatchlistError
from monitor.model import TagKind
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
# What may stand between the words of a name, and what counts as an apostrophe. The tagger builds
# its patterns and `alias_key` its keys from these same two classes, so whatever a pattern
# matches finds its entry.
SEPARATOR = r"[\s\-\u2010\u2011\u2012\u2013\u2014]+"
APOSTROPHE = r"['\u2018\u2019\u02bc\u02bb`´]"
_SEPARATORS = re.compile(SEPARATOR)
_APOSTROPHES = re.compile(APOSTROPHE)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    aliases: list[str] = []

    @property
    def parents(self) -> tuple[str, ...]:
        return ()


class _Actor(_Entry):
    kind: ActorKind
    member_of: list[str] = []
    part_of: list[str] = []

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.member_of, *self.part_of]))


class _Place(_Entry):
    kind: str = Field(min_length=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    parent: str = ""

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
    lat: float | None = None
    lon: float | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name and every alias, each once."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))


def is_acronym(alias: str) -> bool:
    """Short names with two or more capitals (IS, BM, PC, HoR, ISIS) match only as written, so the
    word "is" never tags ISIS."""
    return (
        len(alias) <= 6
        and not any(c.isspace() for c in alias)
        and sum(c.isupper() for c in alias) >= 2
    )


def alias_key(text: str, *, acronym: bool) -> str:
    """How an alias and a matched text are compared: separators and apostrophes unified, case
    folded unless the alias is an acronym."""
    key = _APOSTROPHES.sub("'", _SEPARATORS.sub(" ", text.strip()))
    return key if acronym else key.casefold()


class _CycleError(ValueError):
    pass


class Watchlist:
    """Entities by id, with their parent chains resolved. Raises ValueError on a cycle."""

    def __init__(self, entities: list[Entity]) -> None:
        self.entities: dict[str, Entity] = {e.id: e for e in entities}
        self._ancestors = {e.id: self._chain(e.id) for e in entities}

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


def load_watchlist(actors_path: Path, places_path: Path) -> Watchlist:
    """Read and validate both watchlist files.

    Raises WatchlistError naming the file and the entry for: unreadable or invalid TOML, an
    unknown key or wrong type, a duplicate id, a place without coordinates, a link to an unknown
    id, a cycle of links, or an alias claimed by two entities.
    """
    sources: list[tuple[Path, TagKind, _Entry]] = [
        (actors_path, TagKind.ACTOR, entry) for entry in _parse(actors_path, "actor", _Actor)
    ] + [(places_path, TagKind.PLACE, entry) for entry in _parse(places_path, "place", _Place)]

    seen: dict[str, Path] = {}
    for path, _, entry in sources:
        if entry.id in seen:
            raise WatchlistError(f"{path}: '{entry.id}': duplicate id (also in {seen[entry.id]})")
        seen[entry.id] = path
    for path, category, entry in sources:
        for parent in entry.parents:
            if parent not in seen:
                raise WatchlistError(f"{path}: '{entry.id}': links to unknown id '{parent}'")
            if category is TagKind.PLACE and seen[parent] != path:
                raise WatchlistError(f"{path}: '{entry.id}': parent '{parent}' is not a place")

    claimed: dict[str, str] = {}
    entities: list[Entity] = []
    for path, category, entry in sources:
        names = tuple(dict.fromkeys((entry.name, *entry.aliases)))
        for name in names:
            if not name.strip():
                raise WatchlistError(f"{path}: '{entry.id}': empty alias")
            key = alias_key(name, acronym=is_acronym(name))
            owner = claimed.setdefault(key, entry.id)
            if owner != entry.id:
                raise WatchlistError(
                    f"{path}: '{entry.id}': alias '{name}' is already claimed by '{owner}'"
                )
        entities.append(
            Entity(
                id=entry.id,
                name=entry.name,
                category=category,
                kind=entry.kind,  # type: ignore[attr-defined]
                aliases=tuple(a for a in names if a != entry.name),
                parents=entry.parents,
                lat=getattr(entry, "lat", None),
                lon=getattr(entry, "lon", None),
            )
        )
    try:
        return Watchlist(entities)
    except _CycleError as e:
        raise WatchlistError(f"{seen[str(e)]}: '{e}': its links form a cycle") from e
