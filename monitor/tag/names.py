"""The watchlist's names as the tagger files them: each name's words (folded) and how it may be
written (`Name`), the names that begin with one word (`Starting`), a mention found in a text
(`Mention`), and the words around a name that change what it names. Pure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from monitor.tag.fold import is_arabic
from monitor.tag.watchlist import Entity

# Words after a demonym that make it name a force ("Misratan brigades", "Russian mercenaries").
FORCE_WORDS = frozenset(
    "force forces brigade brigades battalion battalions militia militias militiamen fighters "
    "troops soldiers units unit mercenaries jets warplanes drones aircraft airstrikes army "
    "navy military special commandos gunmen".split()
)
# The words that make a town's name its facility's ("Brega port", "the port of Brega"), and the
# facility's word each stands for.
FACILITY_WORDS = {
    "port": "port",
    "harbour": "port",
    "harbor": "port",
    "terminal": "terminal",
    "refinery": "refinery",
}
# Capitalised after a place's name, these make it a company's name ("Brega Petroleum").
COMPANY_WORDS = frozenset(
    "petroleum company corporation corp airlines airways bank holding holdings marketing "
    "ltd inc plc club fc".split()
)
# Words a hyphen joins to a demonym to the same effect ("Misratan-led", "Turkish-backed").
LINK_WORDS = frozenset("led backed aligned allied affiliated dominated supported funded".split())


@dataclass(frozen=True, slots=True)
class Name:
    entity: Entity
    keys: tuple[str, ...]
    written: tuple[str, ...] | None  # an acronym's words as written
    capital: bool
    demonym: bool
    ambiguous: bool
    plain: bool = False  # neither an acronym nor a demonym: accepted on its capital alone
    length: int = 1  # words
    unless_near: bool = False  # its entity lists words that say it means something else


@dataclass(frozen=True, slots=True)
class Starting:
    """The names that begin with one word: one-word names, and longer ones longest first and
    by their second word, so most places in a text need only one dictionary look-up."""

    single: tuple[Name, ...]
    longer: tuple[Name, ...]
    by_second: dict[str, tuple[Name, ...]]
    only_people: bool  # every one-word name here is a person's, and no longer name starts here
    every: tuple[Name, ...]  # longer, then single: the names to try, longest first
    # by_second's names, then single: those to try when the second word is known
    by_second_then_single: dict[str, tuple[Name, ...]]

    @classmethod
    def of(cls, names: list[Name]) -> Starting:
        unique = list(
            {
                (n.entity.id, n.keys, n.written, n.capital, n.demonym, n.ambiguous): n
                for n in names
            }.values()
        )
        longer = sorted((n for n in unique if len(n.keys) > 1), key=lambda n: -len(n.keys))
        by_second: dict[str, list[Name]] = defaultdict(list)
        for name in longer:
            by_second[name.keys[1]].append(name)
        single = tuple(n for n in unique if len(n.keys) == 1)
        return cls(
            single=single,
            longer=tuple(longer),
            by_second={k: tuple(v) for k, v in by_second.items()},
            only_people=not longer and all(n.entity.kind == "person" for n in single),
            every=(*longer, *single),
            by_second_then_single={k: (*v, *single) for k, v in by_second.items()},
        )


@dataclass(slots=True)
class Mention:
    first: int  # index of the first and last word
    last: int
    start: int  # character offsets
    end: int
    names: list[Name]
    keys: tuple[str, ...]
    score: float
    how: str  # "" for a name as the watchlist writes it (folded), else "variant" or "fuzzy"
    entity: Entity | None = None


def needs_capital(name: str) -> bool:
    first = name.lstrip()[:1]
    return first.isupper() and not is_arabic(name)
