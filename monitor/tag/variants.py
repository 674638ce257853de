"""Spelling variants: the other ways a report may write a watchlist name's word.

Arabic names reach English text in many transliterations (Zuwara, Zuwarah, Zuara; Al Bayda,
Baydah; Ganfouda, Qafunda) and with typing slips (Tripoki, Benghzai). A variant is found in two
steps, as name-variant work on news does: normalise both words to keys the usual variants
share, then check the pair with edit distances.

Three keys, each coarser than the one before:

- `spelling`: the letters with the groups that write one Arabic sound merged (q/k/g/c/gh/kh,
  j/dj, sh/ch/s, th/t, dh/z, ph/f/v, ou/u, ee/i), an h that only marks the letter before (at the
  end of a word, after a consonant) dropped, doubled letters one: Zuwarah -> zuwara, Qubbah ->
  kuba, Ganfouda -> kanfuda.
- `sound`: the spelling with each run of vowels (w and y among them) one "a": Zuwara and Zuara
  -> zara, Bayda and Baydah -> bada.
- `skeleton`: the consonants of the sound: zr, bd; Qafunda knfd, Ganfouda kfnd.

A text word is a transliteration of a watchlist word when their skeletons are equal, they sound
alike (the same sound for a skeleton of one or two consonants, `SOUND_SIMILAR` for longer) and
they are spelt alike (`SPELT_SIMILAR`); or, for skeletons of `NEAR_SKELETON` consonants or more,
when the skeletons differ by two consonants swapped (Qafunda) or one more or less, with the
sounds and spellings a little more alike. The spelling check is what keeps the skeleton's
reach in bounds: Gheit (keit) shares Ghat's skeleton and sound but is not spelt like it (kat).
A text word of six letters or more with one letter dropped, added, swapped with the next or
mistyped is a misspelling (Tripoki).

Candidates are found without comparing against every word: each watchlist word is filed under
its skeleton, its skeleton with one consonant left out or two swapped, and (for misspellings)
itself with any one letter left out; a text word looks up the same keys of its own (a
symmetric-deletion index), then each candidate is checked by `_admit`.

Which words may be read as variants at all is the tagger's business (capitalised, not an
ordinary word: see `monitor.tag.matcher`). Pure: no I/O once built.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, Levenshtein

SOUND_SIMILAR = 0.75  # normalised Levenshtein similarity of the sounds, skeletons equal
SPELT_SIMILAR = 0.75  # ...and of the spellings
SOUND_NEAR = 0.7  # skeletons with two consonants swapped
SPELT_NEAR = 0.7
SOUND_NEAR_GAP = 0.8  # skeletons with one consonant more or less
MISSPELT_MIN_LETTERS = 6
VARIANT_MIN_LETTERS = 4
VARIANT_MAX_LETTERS = 40
NEAR_SKELETON = 4  # consonants a skeleton needs before one edit in it is allowed
SLIP_ENDS = (3, 4)  # letters at either end of a word a misspelling's look-up checks first

# Letter groups that write one sound, longest first, then single letters.
_GROUPS = [
    ("dsch", "j"),
    ("sch", "s"),
    ("ch", "s"),
    ("sh", "s"),
    ("dj", "j"),
    ("dh", "z"),
    ("th", "t"),
    ("kh", "k"),
    ("gh", "k"),
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
]
_LETTERS = str.maketrans({"q": "k", "g": "k", "c": "k", "x": "k", "v": "f", "p": "b"})
_VOWELS = str.maketrans(dict.fromkeys("eiouyw", "a"))
_VOWEL_RUNS = re.compile("aa+")
# An h that is not a consonant of its own: at the end of a word, or after another consonant
# (Jodrhan), where it only marks how the one before sounds.
_SILENT_H = re.compile(r"h$|(?<=[^aeiouwyh])h")


def _merge(letters: str) -> str:
    """Each run of one letter as one letter (a loop: faster than a pattern on short words)."""
    out = []
    last = ""
    for c in letters:
        if c != last:
            out.append(c)
            last = c
    return "".join(out)


@lru_cache(maxsize=65536)
def keys(key: str) -> tuple[str, str, str]:
    """The `spelling`, `sound` and `skeleton` of a folded Latin word, made together."""
    for group, letter in _GROUPS:
        if group in key:
            key = key.replace(group, letter)
    if "h" in key:
        key = _SILENT_H.sub("", key)
    spelt = _merge(key.translate(_LETTERS))
    said = _VOWEL_RUNS.sub("a", spelt.translate(_VOWELS))
    return spelt, said, _merge(said.replace("a", ""))


def spelling(key: str) -> str:
    """A folded Latin word with the letter groups of one sound merged, a silent h dropped and
    doubled letters one: "zuwarah" -> "zuwara", "qubbah" -> "kuba", "ganfouda" -> "kanfuda"."""
    return keys(key)[0]


def sound(key: str) -> str:
    """The spelling with each run of vowels (w and y among them) one "a": "zuwarah" -> "zara",
    "ganfouda" -> "kanfada"."""
    return keys(key)[1]


def skeleton(key: str) -> str:
    """The consonants of `sound`: "zuwarah" -> "zr", "ganfouda" -> "knfd", "jodrhan" -> "jdrn"."""
    return keys(key)[2]


def slip(key: str, word: str) -> bool:
    """Whether `key` is `word` (of six letters or more) with one letter dropped, added, swapped
    with the next or mistyped: a misspelling of it."""
    return len(word) >= MISSPELT_MIN_LETTERS and OSA.distance(key, word) == 1


def _alike(a: str, b: str) -> float:
    return Levenshtein.normalized_similarity(a, b)


def _transliteration(key: str, theirs: tuple[str, str, str]) -> bool:
    """The rules of the module's docstring, for a text word and a watchlist word's `keys`."""
    (spelt, said, bones), (other_spelt, other_said, other) = keys(key), theirs
    if bones == other:
        sounds = _alike(said, other_said)
        if sounds < 1.0 and (len(bones) < 3 or sounds < SOUND_SIMILAR):
            return False
        return _alike(spelt, other_spelt) >= SPELT_SIMILAR
    if min(len(bones), len(other)) < NEAR_SKELETON or OSA.distance(bones, other) != 1:
        return False
    if len(bones) == len(other):  # two consonants swapped; one written as another is not
        return (
            sorted(bones) == sorted(other)
            and _alike(said, other_said) >= SOUND_NEAR
            and _alike(spelt, other_spelt) >= SPELT_NEAR
        )
    return (
        _alike(said, other_said) >= SOUND_NEAR_GAP and _alike(spelt, other_spelt) >= SPELT_SIMILAR
    )


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _swaps(word: str) -> set[str]:
    """`word` with two neighbouring letters swapped, each way it can be (other than itself)."""
    return {
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
    }


@dataclass(frozen=True, slots=True)
class Variant:
    """A watchlist word a text word may stand for, how (`transliteration` or `misspelling`) and
    how alike the two are (0.7 to 0.95, from their letters)."""

    word: str
    how: str
    score: float


_NOTHING: frozenset[str] = frozenset()


class Variants:
    """The watchlist's words, filed so that a text word's variants are found by look-up."""

    def __init__(self, vocabulary: Iterable[str], everyday: Iterable[str] = ()) -> None:
        """`vocabulary`: the words of names, found as transliterations and misspellings;
        `everyday`: words of names that are English words (National, Council), found only
        as misspellings (Natioanal)."""
        by_skeleton: dict[str, set[str]] = defaultdict(set)
        # A skeleton, and (for skeletons of NEAR_SKELETON consonants or more) the skeleton with
        # two consonants swapped or one left out: the words a text word's skeleton may be near.
        near: dict[str, set[str]] = defaultdict(set)
        # A word of MISSPELT_MIN_LETTERS or more, and the word with any one letter left out.
        slips: dict[str, set[str]] = defaultdict(set)
        self._words: set[str] = set()
        # The words found as transliterations, with their keys: made once here, where a cache
        # of keys would drop them among the text's words.
        self._transliterated: dict[str, tuple[str, str, str]] = {}
        for word in vocabulary:
            if len(word) < VARIANT_MIN_LETTERS or not (word.isascii() and word.isalpha()):
                continue
            self._words.add(word)
            self._transliterated[word] = theirs = keys(word)
            bones = theirs[2]
            if not bones:
                continue
            by_skeleton[bones].add(word)
            near[bones].add(word)
            if len(bones) >= NEAR_SKELETON:
                for other in {*_deletions(bones), *_swaps(bones)}:
                    near[other].add(word)
            _file_slips(slips, word)
        for word in everyday:
            if word.isascii() and word.isalpha() and word not in self._words:
                self._words.add(word)
                _file_slips(slips, word)
        self._by_skeleton = {k: tuple(v) for k, v in by_skeleton.items()}
        self._near = {k: tuple(v) for k, v in near.items()}
        self._slips = {k: tuple(v) for k, v in slips.items()}
        # The first and last letters of the words a misspelling may stand for, k of them for
        # each k of SLIP_ENDS. One slip changes at most two neighbouring letters, so in a word
        # of 2k + 1 letters or more it leaves the first k or the last k as they were: a text
        # word with neither among these is no misspelling, and needs no look-up (most new
        # words are not).
        slipping = [w for w in self._words if len(w) >= MISSPELT_MIN_LETTERS]
        self._ends = {
            k: (frozenset(w[:k] for w in slipping), frozenset(w[-k:] for w in slipping))
            for k in SLIP_ENDS
        }

    def __contains__(self, word: str) -> bool:
        return word in self._words

    def _admit(self, key: str, word: str) -> Variant | None:
        theirs = self._transliterated.get(word)
        if theirs is not None and _transliteration(key, theirs):
            how = "transliteration"
        elif slip(key, word):
            how = "misspelling"
        else:
            return None
        # Of the words admitted, the nearest in letters is the likeliest meant: a slip of the
        # keyboard (Tipoli) is Tripoli before it is another name's vowels.
        return Variant(word, how, round(0.7 + 0.25 * OSA.normalized_similarity(key, word), 3))

    def match(self, key: str, word: str) -> Variant | None:
        """Whether `key` (a folded Latin word) may be a variant of the watchlist word `word`."""
        if key == word or word not in self._words or not _readable(key):
            return None
        return self._admit(key, word)

    def find(self, key: str) -> tuple[Variant, ...]:
        """The watchlist words `key` (a folded Latin word, not itself a watchlist word) may be a
        variant of: the most alike, and those as alike as it."""
        if not _readable(key):
            return ()
        bones = skeleton(key)
        found: list[str] = list(self._near.get(bones, ()))
        if len(bones) > NEAR_SKELETON:  # a consonant more than a word's skeleton
            by_skeleton = self._by_skeleton
            for less in _deletions(bones):
                found += by_skeleton.get(less, ())
        if len(key) >= MISSPELT_MIN_LETTERS - 1 and self._may_slip(key):
            slips = self._slips
            found += slips.get(key, ())
            for less in _deletions(key):
                found += slips.get(less, ())
        if not found:
            return ()
        admitted = [v for w in set(found) if w != key and (v := self._admit(key, w)) is not None]
        if not admitted:
            return ()
        best = max(v.score for v in admitted)
        return tuple(sorted((v for v in admitted if v.score == best), key=lambda v: v.word))

    def _may_slip(self, key: str) -> bool:
        """False when `key`'s ends show it is no misspelling of a word (see `_ends`)."""
        k = min((len(key) - 1) // 2, SLIP_ENDS[-1])
        if k < SLIP_ENDS[0]:
            return True
        heads, tails = self._ends[k]
        return key[:k] in heads or key[-k:] in tails


def _file_slips(slips: dict[str, set[str]], word: str) -> None:
    if len(word) >= MISSPELT_MIN_LETTERS:
        slips[word].add(word)
        for less in _deletions(word):
            slips[less].add(word)


def _readable(key: str) -> bool:
    # No name is longer than VARIANT_MAX_LETTERS, and the look-ups cost the square of the length.
    return (
        VARIANT_MIN_LETTERS <= len(key) <= VARIANT_MAX_LETTERS and key.isascii() and key.isalpha()
    )
