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
- Variants. A capitalised Latin word of four letters or more that is no word of any name, and no
  ordinary word of English or another European language (`monitor.tag.ordinary`), may stand
  for a name's word written another way: another transliteration of the same Arabic name
  ("Zuwara" for Zuara, "Baydah" for Al Bayda, "Qafunda" for Ganfouda) or, from six letters, a
  misspelling ("Tripoki"); see `monitor.tag.variants` for the rules. This holds for every name,
  the gazetteer's included. A doubtful variant (of a gazetteer name, or a loose one) counts only
  where the text also names something of Libya as the watchlist writes it, or the word Libya.
  Where a variant could be the word of several places, the one nearest the places the text
  names plainly wins; failing those, the larger (a city before a town before a village). A
  short name that only people bear is not read from a variant (Qaboos is not Kubis).
- Elsewhere. A place's name followed by another country's ("Sousse, Tunisia") or after its
  possessive ("Tunisia's Bardo") is that country's place, and tags nothing; the countries a
  text names are kept for relevance (`monitor.tag.elsewhere`).
- Facilities. A town's name after "the port of", "the refinery at" (or before "Refinery") is the
  town's port or refinery, where the watchlist has one.
- Companies. A place's name before Petroleum, Company, Airlines... is a company's ("Brega
  Petroleum") and tags nothing.
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

The module is longer than the others on purpose: the Tagger is one class whose matching loop,
resolution and tag building share the tables it builds once from the watchlist, and its inner
loop reads them as attributes (the fastest look-up Python has; the loop runs for every word of
every report). How a text is cut (`monitor.tag.text`) and how names are filed
(`monitor.tag.names`) live apart.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from itertools import compress

from monitor.model import Reading, Report, Scope, Tag, TagKind
from monitor.tag.elsewhere import COUNTRIES, Elsewhere, Named
from monitor.tag.fold import (
    ARTICLE_KEYS,
    arabic_variants,
    bare,
    fold_word,
    is_arabic,
    name_keys,
    words,
)
from monitor.tag.names import (
    COMPANY_WORDS,
    FACILITY_WORDS,
    FORCE_WORDS,
    LINK_WORDS,
    Mention,
    Name,
    Starting,
    needs_capital,
)
from monitor.tag.ordinary import common_words, ordinary_words
from monitor.tag.relevance import (
    DEFAULT_RELEVANCE_POLICY,
    RelevancePolicy,
    judge,
    libya_words,
)
from monitor.tag.text import HYPHEN_SET, MayStart, Text
from monitor.tag.variants import Variant, Variants, skeleton, slip
from monitor.tag.watchlist import Entity, Watchlist, distance_km, is_acronym
from monitor.tag.where import locate

VARIANT_MIN_LETTERS = 4
# A variant of a hand-kept name at least this alike needs no other evidence of Libya beside it.
CLOSE_VARIANT = 0.9
# A variant that could only be a person's one-word name needs this many consonants.
PERSON_SKELETON = 4
# Words of names at least this common in English are not looked for as variants.
TARGET_ZIPF = 4.0
_FOREIGN_KINDS = frozenset({"foreign_force", "international_body"})
NEAR_WORDS = 8


class Tagger:
    """Built once from a watchlist; `tag(report)` is then pure and deterministic."""

    def __init__(
        self, watchlist: Watchlist, relevance: RelevancePolicy = DEFAULT_RELEVANCE_POLICY
    ) -> None:
        self.watchlist = watchlist
        self.relevance = relevance
        self._order = {entity_id: n for n, entity_id in enumerate(watchlist.entities)}
        self._roots = {e.id for e in watchlist.entities.values() if not e.parents}
        by_first: dict[str, list[Name]] = defaultdict(list)
        self._unless: dict[str, list[tuple[str, ...]]] = {}
        self._unless_first: dict[str, frozenset[str]] = {}
        for entity in watchlist.entities.values():
            named = [(n, False, False) for n in entity.names]
            named += [(n, False, True) for n in entity.ambiguous]
            named += [(n, True, False) for n in entity.demonyms]
            for text, demonym, ambiguous in named:
                keys = name_keys(text)
                acronym = is_acronym(text)
                written = tuple(w.text for w in words(text)) if acronym else None
                name = Name(
                    entity,
                    keys,
                    written,
                    needs_capital(text),
                    demonym,
                    ambiguous,
                    plain=written is None and not demonym,
                    length=len(keys),
                    unless_near=bool(entity.unless_near),
                )
                by_first[keys[0]].append(name)
            if entity.unless_near:
                self._unless[entity.id] = [name_keys(w) for w in entity.unless_near]
                self._unless_first[entity.id] = frozenset(k[0] for k in self._unless[entity.id])
        self._names = {first: Starting.of(names) for first, names in by_first.items()}
        # First words of names that may be written in lowercase (Arabic, "oil crescent").
        self._lowercase_starts = frozenset(
            first for first, names in by_first.items() if any(not n.capital for n in names)
        )
        self._may_start = MayStart(self._word_starts)
        self._may_continue = MayStart(self._word_continues)
        self._families = {e: self._family_of(e) for e in watchlist.entities}
        self._vocabulary = frozenset(
            k for names in by_first.values() for n in names for k in n.keys
        )
        # The words that names have after their first.
        self._later_words = frozenset(
            k for names in by_first.values() for n in names for k in n.keys[1:]
        )
        # Variants are looked for of the names that come from Arabic: of places and Libyan
        # actors, not of foreign states and international bodies, whose English names are
        # written one way; and not of everyday words inside names (council, national).
        everyday = common_words("en", TARGET_ZIPF)
        words_of_names = {
            k: n.entity.kind not in _FOREIGN_KINDS
            for names in by_first.values()
            for n in names
            if n.written is None
            for k in n.keys
        }
        self._variants = Variants(
            (k for k, arabic in words_of_names.items() if arabic and k not in everyday),
            everyday=(k for k in words_of_names if k in everyday),
        )
        self._ordinary = ordinary_words()
        self._size = {e: _size_rank(entity) for e, entity in watchlist.entities.items()}
        self._merged: dict[tuple[str, ...], Starting] = {}
        # Other countries than those the watchlist holds as actors: France or Italy named
        # beside Libya is Libya's affairs; Bahrain or Guatemala is elsewhere.
        on_watch = {k for e in watchlist.entities.values() for n in e.names for k in [name_keys(n)]}
        self._countries = Elsewhere([c for c in COUNTRIES if name_keys(c) not in on_watch])
        # A town's port, terminal or refinery, by the town and the word: "the port of Brega"
        # is the place named "Brega port".
        self._facilities: dict[tuple[str, str], Entity] = {}
        for entity in watchlist.entities.values():
            for parent_id in entity.parents:
                parent = watchlist.entities[parent_id]
                for facility_name in entity.names:
                    keys = name_keys(facility_name)
                    if keys[-1] in FACILITY_WORDS and keys[:-1] in map(name_keys, parent.names):
                        self._facilities.setdefault((parent_id, FACILITY_WORDS[keys[-1]]), entity)
        self._facility_towns = frozenset(town for town, _ in self._facilities)

    # -- matching ----------------------------------------------------------------------------

    @lru_cache(maxsize=65536)  # noqa: B019 - the tagger lives as long as the process
    def _corrected(self, key: str) -> tuple[Variant, ...]:
        return self._variants.find(key) if key not in self._ordinary else ()

    def _variant_of(self, word: str, key: str) -> tuple[Variant, ...]:
        """What a word of a text may be a variant of: nothing unless it is a capitalised Latin
        word of `VARIANT_MIN_LETTERS` or more that no name spells."""
        if (
            len(key) < VARIANT_MIN_LETTERS
            or not word[0].isupper()
            or not key.isascii()
            or key in self._vocabulary
        ):
            return ()
        return self._corrected(key)

    @lru_cache(maxsize=65536)  # noqa: B019 - the tagger lives as long as the process
    def _variant_in_name(self, word: str, key: str, wanted: str) -> Variant | None:
        """Whether a word after a name's first word may stand for the name's word `wanted`
        written another way ("Bab Malaha" for Bab Mallaha, though Malaha is another place)."""
        if not word[0].isupper() or key in self._ordinary:
            return None
        return self._variants.match(key, wanted)

    def _word_starts(self, word: str) -> bool:
        """Whether a name may start at `word`: its key begins one, or `_alternatives` would
        find one for it (the same tests, on the word alone)."""
        key = fold_word(word)
        if key in self._names:
            # A lowercase word begins no name that needs a capital ("a", "as", "is", "council").
            return word[:1].isupper() or key in self._lowercase_starts
        if not key.isascii():
            variants = arabic_variants(key) if is_arabic(key) else ()
            return any(self._names.get(v) for v in variants)
        return any(v.word in self._names for v in self._variant_of(word, key))

    def _alternatives(self, t: Text, i: int) -> tuple[Starting | None, float, str]:
        """The names word i may begin though its key begins none: read without an Arabic
        proclitic, or as a variant (with its likeness as the score)."""
        key = t.keys[i]
        if not key.isascii():
            for variant in arabic_variants(key) if is_arabic(key) else ():
                names = self._names.get(variant)
                if names:
                    return names, 1.0, ""
            return _NONE
        found = [v for v in self._variant_of(t.words[i], key) if v.word in self._names]
        if not found:
            return _NONE
        if len(skeleton(key)) < PERSON_SKELETON:
            # A short name of a person read from a variant alone is too often someone else's
            # name (Qaboos is not Kubis); a place's, a longer name's word, or a misspelling
            # (Sarrraj) is kept.
            found = [v for v in found if not self._names[v.word].only_people or slip(key, v.word)]
            if not found:
                return _NONE
        how = "fuzzy" if found[0].how == "misspelling" else "variant"
        return self._starting_any(tuple(v.word for v in found)), found[0].score, how

    def _starting_any(self, keys: tuple[str, ...]) -> Starting:
        """The names that begin with any of `keys` (a variant as like one word as another)."""
        if len(keys) == 1:
            return self._names[keys[0]]
        merged = self._merged.get(keys)
        if merged is None:
            names = [n for k in keys for s in (self._names[k],) for n in (*s.longer, *s.single)]
            merged = self._merged[keys] = Starting.of(names)
        return merged

    def _word_continues(self, word: str) -> bool:
        """Whether a name's next word may be written as `word` though it does not spell it: an
        article, or a capitalised Latin word that may be a variant of it."""
        key = fold_word(word)
        return key in ARTICLE_KEYS or (
            len(key) >= VARIANT_MIN_LETTERS
            and word[0].isupper()
            and key.isascii()
            and any(v.word in self._later_words for v in self._corrected(key))
        )

    def _rest(self, t: Text, i: int, name: Name) -> tuple[int, float] | None:
        """Where `name`'s words after the first end (the index of its last word) and their
        score, when they follow word i; None when they do not."""
        score = 1.0
        last = i
        keys, gaps = t.keys, t.gaps
        for key in name.keys[1:]:
            j = last + 1
            # Most often the next word follows after one space, and is no article to skip.
            if not (j < len(keys) and gaps[j] == " " and keys[j] not in ARTICLE_KEYS):
                following = t.next_word(last)
                if following is None:
                    return None
                j = following
            if keys[j] != key:
                word = t.words[j]
                if not word[0].isupper():
                    return None
                variant = self._variant_in_name(word, keys[j], key)
                if variant is None:
                    return None
                score = min(score, variant.score)
            last = j
        return last, score

    def _accepts(self, t: Text, i: int, last: int, name: Name) -> bool:
        if name.plain:
            return not name.capital or t.words[i][0].isupper()
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

    def _company(self, t: Text, mention: Mention) -> bool:
        """True when a place's name is followed by a word that makes it a company's ("Brega
        Petroleum", "Tripoli Airlines"): the company is no mention of the place."""
        j = mention.last + 1
        return (
            j < len(t.keys)
            and t.keys[j] in COMPANY_WORDS
            and t.capital(j)
            and t.gaps[j].isspace()
            and mention.names[0].entity.category is TagKind.PLACE
        )

    def _compound(self, t: Text, last: int) -> bool:
        """True when the name ending at word `last` is hyphen-joined to a capitalised word that
        begins no name: part of some other proper name ("Libya-Analysis")."""
        j = last + 1
        return (
            j < len(t.keys)
            and t.gaps[j] != " "
            and t.hyphened(last)
            and t.joined(last)
            and t.capital(j)
            and t.keys[j] not in self._names
        )

    def _mentions(self, t: Text) -> list[Mention]:
        found: list[Mention] = []
        names_of = self._names
        may_continue = self._may_continue
        capital = t.capital
        offsets = t.offsets
        best_length = 0
        words = t.words
        keys = t.keys
        n = len(keys)
        resume = 0  # the first word not yet inside a mention
        for i in t.candidates(self._may_start):
            if i < resume:
                continue
            key = keys[i]
            starting = names_of.get(key)
            first_score, how = 1.0, ""
            if starting is None:
                starting, first_score, how = self._alternatives(t, i)
                if starting is None:
                    continue
            # Whether the next word follows after one space and spells the second word of every
            # longer name tried (those filed under it): a two-word one then needs no more check.
            next_spelt = False
            if i + 1 >= n:
                to_try = starting.single
            elif may_continue[words[i + 1]]:
                to_try = starting.every
            else:
                to_try = starting.by_second_then_single.get(keys[i + 1], starting.single)
                next_spelt = t.gaps[i + 1] == " " and keys[i + 1] not in ARTICLE_KEYS
            best: Mention | None = None
            best_rest = 0.0  # how well the best names' words after the first matched
            for name in to_try:
                if best is not None and name.length < best_length:
                    break
                if name.length == 1:
                    last, score = i, 1.0
                elif name.length == 2 and next_spelt:
                    last, score = i + 1, 1.0
                else:
                    rest = self._rest(t, i, name)
                    if rest is None:
                        continue
                    last, score = rest
                if name.plain:
                    if name.capital and not capital(i):
                        continue
                elif not self._accepts(t, i, last, name):
                    continue
                if best is None:
                    end = t.end(last)
                    if name.demonym and t.hyphened(i) and keys[i + 1] in LINK_WORDS:
                        end = t.end(i + 1)
                    start = (
                        offsets[2 * i]
                        if i == 0 or keys[i - 1] not in ARTICLE_KEYS
                        else t.start(i)  # at an article joined to it
                    )
                    best = Mention(i, last, start, end, [], name.keys, 1.0, how)
                    best_length = name.length
                if score < best_rest:
                    continue  # a name written as the text writes it wins over a variant
                if score > best_rest:
                    best_rest = score
                    best.names = []
                    best.score = min(first_score, score)
                    best.how = how or ("variant" if score < 1.0 else "")
                best.names.append(name)
            if best is None:
                continue
            after = best.last + 1
            if (
                after < n
                and not HYPHEN_SET.isdisjoint(t.gaps[after])
                and self._compound(t, best.last)
            ):
                continue
            if after < n and keys[after] in COMPANY_WORDS and self._company(t, best):
                resume = best.last + 1
                continue
            found.append(best)
            resume = best.last + 1
        return found

    # -- resolving ---------------------------------------------------------------------------

    def _family_of(self, entity_id: str) -> frozenset[str]:
        return frozenset({entity_id, *self.watchlist.ancestors(entity_id)} - self._roots)

    def _resolve(self, mentions: list[Mention], t: Text) -> list[Mention]:
        excluded: set[tuple[str, tuple[str, ...]]] = set()
        for m in mentions:
            for name in m.names:
                if name.unless_near and self._near(t, m.first, name.entity.id):
                    excluded.add((name.entity.id, m.keys))
        plain: list[Mention] = []
        ambiguous: list[Mention] = []
        for m in mentions:
            if excluded:
                m.names = [n for n in m.names if (n.entity.id, m.keys) not in excluded]
            names = m.names
            if len(names) == 1 and not names[0].ambiguous:  # most mentions: one plain name
                m.entity = names[0].entity
                plain.append(m)
                continue
            owners = [n for n in names if not n.ambiguous]
            if owners:
                m.entity = owners[0].entity
                plain.append(m)
            elif names:
                ambiguous.append(m)
        self._choose_variants(plain)
        if not (ambiguous and plain):
            return [m for m in mentions if m.entity is not None]  # found in order of position
        named: set[str] = set()
        for m in plain:
            assert m.entity is not None
            named |= self._families[m.entity.id]
        for m in ambiguous:
            claimants = sorted({n.entity.id for n in m.names}, key=self._order.__getitem__)
            in_family = [
                c for c in claimants if self._families[c] & named or self._has_child(c, named)
            ]
            m.entity = self.watchlist.entities[(in_family or claimants)[0]]
            m.score *= 0.8 if in_family else 0.6
        return [m for m in mentions if m.entity is not None]

    def _choose_variants(self, mentions: list[Mention]) -> None:
        """A variant that could be the word of several entities is the one nearest the places
        the text names as the watchlist writes them (a report's places are near each other);
        without such places, or for actors, the largest place (`_size_rank`), then the first
        in the watchlist."""
        if not any(m.how for m in mentions):
            return
        anchors = [
            (m.entity.lat, m.entity.lon)
            for m in mentions
            if not m.how
            and m.entity is not None
            and m.entity.lat is not None
            and m.entity.lon is not None
            and m.entity.kind not in _BROAD
        ]
        for m in mentions:
            if not m.how:
                continue
            claimants = list(dict.fromkeys(n.entity.id for n in m.names if not n.ambiguous))
            if len(claimants) < 2:
                continue

            def rank(entity_id: str) -> tuple[float, int, int]:
                entity = self.watchlist.entities[entity_id]
                distance = (
                    min((_distance_km(entity, a) for a in anchors), default=0.0)
                    if entity.lat is not None
                    else float("inf")
                )
                return (distance, -self._size[entity_id], self._order[entity_id])

            m.entity = self.watchlist.entities[min(claimants, key=rank)]

    def _has_child(self, entity_id: str, named: set[str]) -> bool:
        return any(entity_id in self.watchlist.ancestors(other) for other in named)

    def _near(self, t: Text, at: int, entity_id: str) -> bool:
        near = self._unless.get(entity_id)
        if not near:
            return False
        window = t.keys[max(0, at - NEAR_WORDS) : at + NEAR_WORDS + 1]
        firsts = self._unless_first[entity_id]
        if firsts.isdisjoint(window):
            return False
        return any(
            window[j] in firsts and tuple(window[j : j + len(keys)]) == keys
            for j in range(len(window))
            for keys in near
        )

    # -- tags --------------------------------------------------------------------------------

    def _method(self, entity: Entity, matched: str, mention: Mention) -> tuple[str, float]:
        if mention.how:
            return mention.how, mention.score
        if not mention.names[0].plain and any(
            n.demonym for n in mention.names if n.entity is entity
        ):
            return "demonym", 0.9 * mention.score
        if matched == entity.name:
            return "exact", mention.score
        if matched in entity.aliases or matched in entity.ambiguous:
            return "alias", mention.score
        if is_arabic(matched):
            return "arabic", mention.score
        return "folded", mention.score

    def tag_text(self, text: str, field: str) -> list[Tag]:
        """Every mention in `text` (the report's `field`), in order of position."""
        return self._corroborated(self._scan(text, field)[0], text)

    def _scan(self, text: str, field: str) -> tuple[list[Tag], list[Named]]:
        """The mentions in `text`, and the other countries it names."""
        t = Text(text)
        elsewhere = self._elsewhere_in(t)
        tags = []
        ancestors = self.watchlist.ancestors
        mentions = self._resolve(self._mentions(t), t)
        if elsewhere:
            mentions = [m for m in mentions if not self._abroad(t, m, elsewhere)]
        towns = self._facility_towns
        for m in mentions:
            if m.entity is not None and m.entity.id in towns:
                self._as_facility(t, m)
        for m in mentions:
            entity = m.entity
            assert entity is not None
            matched = text[m.start : m.end]
            first = m.names[0]
            if not m.how and first.plain and first.entity is entity and matched == entity.name:
                method, score = "exact", m.score  # most tags: `_method`'s first answer
            else:
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
                    score=score if score == 1.0 else round(score, 3),
                    entity_kind=entity.kind,
                    parents=ancestors(entity.id),
                    lat=entity.lat,
                    lon=entity.lon,
                )
            )
        named = [
            Named(field, t.offsets[2 * i], t.end(j), text[t.offsets[2 * i] : t.end(j)])
            for i, j in elsewhere
        ]
        return tags, named

    def _elsewhere_in(self, t: Text) -> list[tuple[int, int]]:
        """The other countries `t` names, capitalised: (first, last) word indexes."""
        firsts = self._countries.first_keys
        starts = [
            i
            for i in compress(range(len(t.keys)), map(firsts.__contains__, t.keys))
            if t.capital(i)
        ]
        return self._countries.find(t.keys, starts) if starts else []

    def _as_facility(self, t: Text, m: Mention) -> None:
        """A town's name after "the port of", "the oil ports of Sidra and", "the refinery at",
        or before "Refinery", is the town's port, terminal or refinery, where the watchlist has
        it."""
        if m.entity is None or m.entity.category is not TagKind.PLACE:
            return
        after = m.last + 1
        if after < len(t.keys) and t.gaps[after].isspace():
            word = FACILITY_WORDS.get(t.keys[after])
            facility = self._facilities.get((m.entity.id, word)) if word else None
            if facility is not None:  # "Ra's Lanuf Refinery", written as the watchlist does not
                m.entity, m.last, m.end = facility, after, t.end(after)
                return
        j = m.first - 1
        while j >= 0 and (t.capital(j) or t.keys[j] in ("and", "the")) and "." not in t.gaps[j + 1]:
            j -= 1  # other names of the list, and "and"
        if j < 1 or t.keys[j] not in ("of", "at", "in") or "." in t.gaps[j + 1]:
            return
        word = FACILITY_WORDS.get(t.keys[j - 1].removesuffix("s"))
        facility = self._facilities.get((m.entity.id, word)) if word else None
        if facility is not None:
            m.entity = facility

    def _abroad(self, t: Text, m: Mention, elsewhere: list[tuple[int, int]]) -> bool:
        """True for a place's name that another country's name qualifies: "Sousse, Tunisia",
        "La Bomba, Peten, Guatemala" (a country within three words after, only commas and
        capitalised words between), "Tunisia's Bardo" (a country's possessive just before)."""
        if m.entity is None or m.entity.category is not TagKind.PLACE or m.entity.kind in _BROAD:
            return False
        for first, last in elsewhere:
            if last == m.first - 1 and t.words[last] != bare(t.words[last]):
                return True
            if m.last < first <= m.last + 3 and "," in t.gaps[m.last + 1]:
                between = range(m.last + 1, first)
                if all(t.capital(k) for k in between) and all(
                    not t.gaps[k + 1].strip(" ,") for k in range(m.last, first - 1)
                ):
                    return True
        return False

    def tag(self, report: Report) -> tuple[Tag, ...]:
        """Every mention in the title, then in the text, in order of position."""
        tags = self._scan(report.title, "title")[0] + self._scan(report.text, "text")[0]
        return tuple(self._corroborated(tags, report.title, report.text))

    def _corroborated(self, tags: list[Tag], *texts: str) -> list[Tag]:
        """`tags` less the doubtful ones read from another spelling or a misspelling, unless the
        texts name something of Libya as the watchlist writes it, or the word Libya: "Daraa" in
        a report on Syria is not Dawairah, nor "Marzouki" Murzuq, but "Qafunda" in a report on
        Benghazi is Ganfouda. A close variant (`CLOSE_VARIANT`) of a hand-kept name needs
        nothing beside it: "Tripolli" is Tripoli."""
        if not any(t.method in _VARIANT_METHODS for t in tags) or not any(
            self._doubtful(t) for t in tags
        ):
            return tags
        libyan = self.watchlist.libyan
        if any(t.method not in _VARIANT_METHODS and t.entity_id in libyan for t in tags) or any(
            libya_words(text) for text in texts
        ):
            return tags
        return [t for t in tags if not self._doubtful(t)]

    def _doubtful(self, tag: Tag) -> bool:
        return tag.method in _VARIANT_METHODS and (
            tag.score < CLOSE_VARIANT or tag.entity_id not in self.watchlist.curated
        )

    def read(self, report: Report, scope: Scope = "general") -> Reading:
        """The report's tags, whether it is about Libya (weighed against the other countries it
        names), and where it happened."""
        title_tags, title_elsewhere = self._scan(report.title, "title")
        text_tags, text_elsewhere = self._scan(report.text, "text")
        tags = tuple(self._corroborated(title_tags + text_tags, report.title, report.text))
        libyan = self.watchlist.libyan
        return Reading(
            tags=tags,
            relevance=judge(
                report, tags, scope, libyan, self.relevance, title_elsewhere + text_elsewhere
            ),
            place=locate(report, tags, libyan),
        )


_VARIANT_METHODS = frozenset({"variant", "fuzzy"})
# Places too wide to say where the others are.
_BROAD = frozenset({"country", "region"})
# How large a kind of place is, for choosing between two a variant could name.
_SIZES = {"city": 5, "town": 4, "district": 3, "village": 2, "hamlet": 1}


def _size_rank(entity: Entity) -> int:
    return _SIZES.get(entity.kind, 3)


def _distance_km(entity: Entity, point: tuple[float, float]) -> float:
    assert entity.lat is not None and entity.lon is not None
    return distance_km((entity.lat, entity.lon), point)


_NONE: tuple[Starting | None, float, str] = (None, 0.0, "")
