"""The tagger: finds every watchlist name in a report's title and text.

A text is cut into words and each word folded (`monitor.tag.fold`); names are looked up by their
first word's key in a dictionary built once, so the cost of a report is one pass over its words
however long the watchlist. At each word the longest name that matches wins, then the scan goes
on after it. A name's words must follow each other with only spaces or hyphens between them.

How a mention is accepted, and how ambiguity is handled on purpose:

- Case. An acronym (`is_acronym`: IS, PC, HoR, BM) matches only as written, so "is" and "pc"
  never tag; a two-letter one also not beside a word in capitals ("WHERE IS THE MONEY"). Any
  other name written with a capital in the watchlist needs a capital on the mention's first
  word: "Hun" the town, not "hun"; Zawiya the city, not a Sufi "zawiya".
- Fuzzy. A capitalised Latin word of six letters or more that is no word of any name is compared
  with rapidfuzz against the words of six letters or more of the curated names (not the
  gazetteer's thousands, which would bring ordinary words within reach); at a similarity of
  `FUZZY_CUTOFF` or more it stands for that word ("Jodrhan" for "Jodhran", "Marsoos" inside
  "Bunyan al-Marsoos").
- Demonyms ("Misratan", "Zintani", "Russian") name a force only when a force word follows
  ("Zintani fighters", "Russian mercenaries") or a hyphen joins them to led, backed, aligned...
  ("Misratan-led"); "a Misratan businessman" tags nothing.
- Compounds. A name hyphen-joined to a following capitalised word that begins no watchlist name
  is part of another proper name ("Libya-Analysis", a blog) and tags nothing; "Sirte-Misrata"
  tags both.
- unless_near. Words listed by an entity that occur within `NEAR_WORDS` words of a mention say
  the name means something else there ("Tripoli, Lebanon"); one sense per text, so that name is
  then dropped everywhere in the same text.
- Ambiguous names (an entity's `ambiguous` list: names shared with another entity or with
  things outside the watchlist, such as Brak) tag only when the same text names some other
  watchlist entity plainly. When several entities share the name, the one whose family (itself,
  its parents, or anything under it) is named plainly in the text wins; failing that, the first
  listed in the watchlist. Such tags carry a lower score.
- First names. No watchlist name is a bare given name (the files' rule), so "Khalifa said"
  tags nothing while "Khalifa Haftar" and "Haftar" do.

Pure: no I/O once built.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress

from rapidfuzz import fuzz, process

from monitor.model import Report, Tag
from monitor.tag.fold import (
    ARTICLE_KEYS,
    HYPHENS,
    JOINER,
    WORD,
    arabic_variants,
    bare,
    fold_word,
    is_arabic,
    is_article,
    name_keys,
    words,
)
from monitor.tag.watchlist import Entity, Watchlist, is_acronym

FUZZY_CUTOFF = 85.0  # rapidfuzz ratio (0-100)
FUZZY_MIN_LETTERS = 6
MAY_START_KEPT = 200_000
NEAR_WORDS = 8
# Words after a demonym that make it name a force ("Misratan brigades", "Russian mercenaries").
FORCE_WORDS = frozenset(
    "force forces brigade brigades battalion battalions militia militias militiamen fighters "
    "troops soldiers units unit mercenaries jets warplanes drones aircraft airstrikes army "
    "navy military special commandos gunmen".split()
)
# Words a hyphen joins to a demonym to the same effect ("Misratan-led", "Turkish-backed").
LINK_WORDS = frozenset("led backed aligned allied affiliated dominated supported funded".split())


@dataclass(frozen=True, slots=True)
class _Name:
    entity: Entity
    keys: tuple[str, ...]
    written: tuple[str, ...] | None  # an acronym's words as written
    capital: bool
    demonym: bool
    ambiguous: bool


class _MayStart(dict[str, bool]):
    """Whether a name may start at a word (as written), kept for each word met: the same words
    come back in every text, and the answer depends on the word alone."""

    def __init__(self, starts: Callable[[str], bool]) -> None:
        super().__init__()
        self._starts = starts

    def __missing__(self, word: str) -> bool:
        if len(self) >= MAY_START_KEPT:
            self.clear()
        found = self[word] = self._starts(word)
        return found


class _Text:
    """A text cut into words: each word as written, its key, the text between words, and where
    each word starts and ends (from one `re.split`, the cheapest way Python has to do this)."""

    __slots__ = ("text", "words", "keys", "gaps", "offsets")

    def __init__(self, text: str) -> None:
        parts = _SPLIT(text)
        self.text = text
        self.words: list[str] = parts[1::2]
        self.gaps: list[str] = parts[0::2]  # gaps[i]: the text before word i
        self.offsets = list(accumulate(map(len, parts)))  # word i: offsets[2i] to offsets[2i+1]
        self.keys: list[str] = list(map(fold_word, self.words))

    def candidates(self, may_start: Mapping[str, bool]) -> list[int]:
        """The words where a name may start, as `may_start` says of each word."""
        return list(compress(range(len(self.words)), map(may_start.__getitem__, self.words)))

    def capital(self, i: int) -> bool:
        return self.words[i][0].isupper()

    def shouted(self, i: int) -> bool:
        """Word i exists and is written in capitals, two letters or more."""
        return 0 <= i < len(self.words) and len(self.words[i]) > 1 and self.words[i].isupper()

    def joined(self, i: int) -> bool:
        """Only spaces and hyphens between word i and the next."""
        return _JOINER(self.gaps[i + 1]) is not None

    def hyphened(self, i: int) -> bool:
        """A hyphen or dash between word i and the next."""
        return any(c in HYPHENS for c in self.gaps[i + 1])

    def article(self, i: int) -> bool:
        return i + 1 < len(self.keys) and is_article(self.keys[i], self.gaps[i + 1])

    def next_word(self, i: int) -> int | None:
        """The index of the first word after word i that is not an article, if only spaces,
        hyphens and articles lie between them."""
        j = i + 1
        while j < len(self.keys):
            if not self.joined(j - 1):
                return None
            if not self.article(j):
                return j
            j += 1
        return None

    def start(self, i: int) -> int:
        """Where a mention beginning at word i starts: at an article joined to it, if any."""
        if i > 0 and self.article(i - 1) and self.joined(i - 1):
            return self.offsets[2 * i - 2]
        return self.offsets[2 * i]

    def end(self, i: int) -> int:
        """Where word i ends, a possessive 's left out."""
        return self.offsets[2 * i + 1] - (len(self.words[i]) - len(bare(self.words[i])))


@dataclass(frozen=True, slots=True)
class _Starting:
    """The names that begin with one word: one-word names, and longer ones longest first and
    by their second word, so most places in a text need only one dictionary look-up."""

    single: tuple[_Name, ...]
    longer: tuple[_Name, ...]
    by_second: dict[str, tuple[_Name, ...]]

    @classmethod
    def of(cls, names: list[_Name]) -> _Starting:
        unique = list(
            {
                (n.entity.id, n.keys, n.written, n.capital, n.demonym, n.ambiguous): n
                for n in names
            }.values()
        )
        longer = sorted((n for n in unique if len(n.keys) > 1), key=lambda n: -len(n.keys))
        by_second: dict[str, list[_Name]] = defaultdict(list)
        for name in longer:
            by_second[name.keys[1]].append(name)
        return cls(
            single=tuple(n for n in unique if len(n.keys) == 1),
            longer=tuple(longer),
            by_second={k: tuple(v) for k, v in by_second.items()},
        )


@dataclass(slots=True)
class _Mention:
    first: int  # index of the first and last word
    last: int
    start: int  # character offsets
    end: int
    names: list[_Name]
    keys: tuple[str, ...]
    score: float
    fuzzy: bool
    entity: Entity | None = None


def _needs_capital(name: str) -> bool:
    first = name.lstrip()[:1]
    return first.isupper() and not is_arabic(name)


class Tagger:
    """Built once from a watchlist; `tag(report)` is then pure and deterministic."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self._order = {entity_id: n for n, entity_id in enumerate(watchlist.entities)}
        self._roots = {e.id for e in watchlist.entities.values() if not e.parents}
        by_first: dict[str, list[_Name]] = defaultdict(list)
        fuzzy_words: set[str] = set()
        self._unless: dict[str, list[tuple[str, ...]]] = {}
        for entity in watchlist.entities.values():
            named = [(n, False, False) for n in entity.names]
            named += [(n, False, True) for n in entity.ambiguous]
            named += [(n, True, False) for n in entity.demonyms]
            for text, demonym, ambiguous in named:
                keys = name_keys(text)
                acronym = is_acronym(text)
                written = tuple(w.text for w in words(text)) if acronym else None
                name = _Name(entity, keys, written, _needs_capital(text), demonym, ambiguous)
                by_first[keys[0]].append(name)
                if entity.id in watchlist.curated and not acronym:
                    fuzzy_words.update(k for k in keys if len(k) >= FUZZY_MIN_LETTERS)
            if entity.unless_near:
                self._unless[entity.id] = [name_keys(w) for w in entity.unless_near]
        self._names = {first: _Starting.of(names) for first, names in by_first.items()}
        self._may_start = _MayStart(self._word_starts)
        self._families = {e: self._family_of(e) for e in watchlist.entities}
        self._vocabulary = frozenset(
            k for names in by_first.values() for n in names for k in n.keys
        )
        # Fuzzy candidates by length: a ratio of FUZZY_CUTOFF or more needs lengths within
        # (100 - cutoff) / 100 of their sum of each other, so only those are compared.
        self._fuzzy_by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(w for w in fuzzy_words if w.isascii() and w.isalpha()):
            self._fuzzy_by_length[len(word)].append(word)

    # -- matching ----------------------------------------------------------------------------

    @lru_cache(maxsize=16384)  # noqa: B019 - the tagger lives as long as the process
    def _corrected(self, key: str) -> tuple[str, float] | None:
        slack = (100 - FUZZY_CUTOFF) / 100
        n = len(key)
        lo, hi = int(n * (1 - slack) / (1 + slack)), int(n * (1 + slack) / (1 - slack))
        choices = [w for length in range(lo, hi + 1) for w in self._fuzzy_by_length.get(length, ())]
        found = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return (found[0], found[1] / 100) if found else None

    def _fuzzy_key(self, t: _Text, i: int) -> tuple[str, float] | None:
        key = t.keys[i]
        if (
            len(key) < FUZZY_MIN_LETTERS
            or not key.isascii()
            or not t.capital(i)
            or key in self._vocabulary
        ):
            return None
        return self._corrected(key)

    def _word_starts(self, word: str) -> bool:
        """Whether a name may start at `word`: its key begins one, or `_alternatives` would
        find one for it (the same tests, on the word alone)."""
        key = fold_word(word)
        if key in self._names:
            return True
        if not key.isascii():
            variants = arabic_variants(key) if is_arabic(key) else ()
            return any(self._names.get(v) for v in variants)
        if len(key) < FUZZY_MIN_LETTERS or not word[0].isupper() or key in self._vocabulary:
            return False
        corrected = self._corrected(key)
        return corrected is not None and corrected[0] in self._names

    def _alternatives(self, t: _Text, i: int) -> tuple[_Starting | None, float, bool]:
        """The names word i may begin though its key begins none: read without an Arabic
        proclitic, or as a misspelling (with the similarity as its score)."""
        key = t.keys[i]
        if not key.isascii():
            for variant in arabic_variants(key) if is_arabic(key) else ():
                names = self._names.get(variant)
                if names:
                    return names, 1.0, False
            return _NONE
        corrected = self._fuzzy_key(t, i)
        if corrected is not None:
            return self._names.get(corrected[0]), corrected[1], True
        return _NONE

    def _may_follow(self, t: _Text, j: int) -> bool:
        """Whether word j could still continue a name whose next word it does not spell: as an
        article before it, or as a misspelling of it."""
        if j >= len(t.keys):
            return False
        key = t.keys[j]
        return key in ARTICLE_KEYS or (
            len(key) >= FUZZY_MIN_LETTERS and key not in self._vocabulary and key.isascii()
        )

    def _rest(self, t: _Text, i: int, name: _Name) -> tuple[int, float] | None:
        """Where `name`'s words after the first end (the index of its last word) and their
        score, when they follow word i; None when they do not."""
        score = 1.0
        last = i
        for key in name.keys[1:]:
            j = t.next_word(last)
            if j is None:
                return None
            if t.keys[j] != key:
                corrected = self._fuzzy_key(t, j)
                if corrected is None or corrected[0] != key:
                    return None
                score = min(score, corrected[1])
            last = j
        return last, score

    def _accepts(self, t: _Text, i: int, last: int, name: _Name) -> bool:
        if name.written is not None:
            if tuple(map(bare, t.words[i : last + 1])) != name.written:
                return False
            # Two capitals in shouted text ("WHERE IS THE MONEY", "JOIN US") are a word.
            return len(name.written[0]) > 2 or not (t.shouted(i - 1) or t.shouted(last + 1))
        if name.capital and not t.capital(i):
            return False
        if name.demonym:
            j = i + 1
            if j >= len(t.keys) or not t.joined(i):
                return False
            return (t.hyphened(i) and t.keys[j] in LINK_WORDS) or t.keys[j] in FORCE_WORDS
        return True

    def _compound(self, t: _Text, last: int) -> bool:
        """True when the name ending at word `last` is hyphen-joined to a capitalised word that
        begins no name: part of some other proper name ("Libya-Analysis")."""
        j = last + 1
        return (
            j < len(t.keys)
            and t.hyphened(last)
            and t.joined(last)
            and t.capital(j)
            and t.keys[j] not in self._names
        )

    def _mentions(self, t: _Text) -> list[_Mention]:
        found: list[_Mention] = []
        names_of = self._names
        keys = t.keys
        n = len(keys)
        resume = 0  # the first word not yet inside a mention
        for i in t.candidates(self._may_start):
            if i < resume:
                continue
            key = keys[i]
            starting = names_of.get(key)
            first_score, fuzzy = 1.0, False
            if starting is None:
                starting, first_score, fuzzy = self._alternatives(t, i)
                if starting is None:
                    continue
            if i + 1 >= n:
                longer: tuple[_Name, ...] = ()
            elif self._may_follow(t, i + 1):
                longer = starting.longer
            else:
                longer = starting.by_second.get(keys[i + 1], ())
            best: _Mention | None = None
            for name in (*longer, *starting.single):
                if best is not None and len(name.keys) < len(best.keys):
                    break
                rest = self._rest(t, i, name) if len(name.keys) > 1 else (i, 1.0)
                if rest is None or not self._accepts(t, i, rest[0], name):
                    continue
                last, score = rest
                if best is None:
                    end = t.end(last)
                    if name.demonym and t.hyphened(i) and keys[i + 1] in LINK_WORDS:
                        end = t.end(i + 1)
                    best = _Mention(i, last, t.start(i), end, [], name.keys, 1.0, fuzzy)
                best.score = min(best.score, first_score, score)
                best.fuzzy = best.fuzzy or score < 1.0
                best.names.append(name)
            if best is not None and not self._compound(t, best.last):
                found.append(best)
                resume = best.last + 1
        return found

    # -- resolving ---------------------------------------------------------------------------

    def _family_of(self, entity_id: str) -> frozenset[str]:
        return frozenset({entity_id, *self.watchlist.ancestors(entity_id)} - self._roots)

    def _resolve(self, mentions: list[_Mention], t: _Text) -> list[_Mention]:
        excluded: set[tuple[str, tuple[str, ...]]] = set()
        for m in mentions:
            for name in m.names:
                if self._near(t, m.first, name.entity.id):
                    excluded.add((name.entity.id, m.keys))
        plain: list[_Mention] = []
        ambiguous: list[_Mention] = []
        for m in mentions:
            m.names = [n for n in m.names if (n.entity.id, m.keys) not in excluded]
            owners = [n for n in m.names if not n.ambiguous]
            if owners:
                m.entity = owners[0].entity
                plain.append(m)
            elif m.names:
                ambiguous.append(m)
        named: set[str] = set()
        for m in plain:
            assert m.entity is not None
            named |= self._families[m.entity.id]
        for m in ambiguous:
            if not plain:
                continue
            claimants = sorted({n.entity.id for n in m.names}, key=self._order.__getitem__)
            in_family = [
                c for c in claimants if self._families[c] & named or self._has_child(c, named)
            ]
            m.entity = self.watchlist.entities[(in_family or claimants)[0]]
            m.score *= 0.8 if in_family else 0.6
        return sorted((m for m in mentions if m.entity is not None), key=lambda m: m.start)

    def _has_child(self, entity_id: str, named: set[str]) -> bool:
        return any(entity_id in self.watchlist.ancestors(other) for other in named)

    def _near(self, t: _Text, at: int, entity_id: str) -> bool:
        near = self._unless.get(entity_id)
        if not near:
            return False
        window = t.keys[max(0, at - NEAR_WORDS) : at + NEAR_WORDS + 1]
        return any(
            tuple(window[j : j + len(keys)]) == keys
            for keys in near
            for j in range(len(window) - len(keys) + 1)
        )

    # -- tags --------------------------------------------------------------------------------

    def _method(self, entity: Entity, matched: str, mention: _Mention) -> tuple[str, float]:
        if mention.fuzzy:
            return "fuzzy", mention.score
        if any(n.demonym for n in mention.names if n.entity is entity):
            return "demonym", 0.9 * mention.score
        if matched == entity.name:
            return "exact", mention.score
        if matched in entity.aliases or matched in entity.ambiguous:
            return "alias", mention.score
        if is_arabic(matched):
            return "arabic", mention.score
        return "folded", mention.score

    def tag_text(self, text: str, field: str) -> list[Tag]:
        t = _Text(text)
        tags = []
        for m in self._resolve(self._mentions(t), t):
            entity = m.entity
            assert entity is not None
            matched = text[m.start : m.end]
            method, score = self._method(entity, matched, m)
            tags.append(
                Tag(
                    kind=entity.category,
                    entity_id=entity.id,
                    name=entity.name,
                    text=matched,
                    field=field,
                    start=m.start,
                    end=m.end,
                    method=method,
                    score=round(score, 3),
                    entity_kind=entity.kind,
                    parents=self.watchlist.ancestors(entity.id),
                    lat=entity.lat,
                    lon=entity.lon,
                )
            )
        return tags

    def tag(self, report: Report) -> tuple[Tag, ...]:
        """Every mention in the title, then in the text, in order of position."""
        return tuple(self.tag_text(report.title, "title") + self.tag_text(report.text, "text"))


_JOINER = JOINER.fullmatch
_SPLIT = re.compile(f"({WORD.pattern})").split
_NONE: tuple[_Starting | None, float, bool] = (None, 0.0, False)
