"""Folding: how a word in a report and a word in the watchlist come to compare equal.

Both sides go through the same functions, so whatever a report writes in any of the ways below
finds the watchlist name written in any other:

- Latin: case folded; accents and other marks dropped (Salamé = Salame, Sabhā = Sabha);
  the ʿayn and hamza marks and apostrophes inside a word dropped (Da'esh = Daesh = Daʿesh);
  a possessive 's is not part of the word (Haftar's = Haftar).
- Arabic: diacritics and tatweel dropped; alef with hamza or madda and alef wasla read as bare
  alef; waw and yaa with hamza as waw and yaa; taa marbuta as haa; alef maqsura as yaa; the
  article ال dropped from the front of a word (السراج = سراج).
- Articles: al-, el-, ad-, ash-... before a name are not part of it (al-Sarraj = Sarraj,
  al-Bunyan al-Marsus = Bunyan Marsus). The forms that are also English words (as, at, an)
  count as articles only when a hyphen joins them to the next word ("as-Sidra", not "as Sidra").
- Words are runs of letters and digits; spaces, hyphens and dashes between the words of a
  name are interchangeable, and any other punctuation ends a name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
_APOSTROPHES = "'\u2018\u2019\u02bc\u02bb\u02be\u02bf`\u00b4"
# A word: letters, digits and combining marks, with apostrophes allowed inside (Ma'atiga); or a
# dotted abbreviation (U.N., U.S.), which is one word: a capital standing alone, then a dot and
# a capital and a dot, once or more. Every word starts with letters or digits, so the pattern
# starts there too, and looks for the abbreviation's dots only after a lone capital: a third
# faster than trying an abbreviation at every letter.
# Possessive quantifiers (++, *+): letters, marks and apostrophes do not overlap, so a word never
# needs to give back what it matched, and the scan is faster without the chance to.
WORD = re.compile(
    r"[^\W_]++(?:"
    r"(?<=[A-Z])(?<![^\W_][A-Z])\.(?:[A-Z]\.)+"
    rf"|(?:[{_MARKS}]++[^\W_]*+)*+"
    rf"(?:[{_APOSTROPHES}][^\W_]++(?:[{_MARKS}]++[^\W_]*+)*+)*+"
    ")"
)
# What may stand between two words of one name: spaces, and hyphens or dashes.
HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u00ad"
JOINER = re.compile(rf"[\s{re.escape(HYPHENS)}]+")

_DELETE = {ord(c): None for c in _APOSTROPHES + "\u0640"}
_DELETE.update({c: None for c in range(0x0300, 0x0370)})
_DELETE.update({c: None for c in range(0x0610, 0x061B)})
_DELETE.update({c: None for c in range(0x064B, 0x0660)})
_DELETE.update({c: None for c in (0x0670, *range(0x06D6, 0x06EE))})
_ARABIC = str.maketrans(
    {
        "\u0623": "\u0627",  # أ -> ا
        "\u0625": "\u0627",  # إ -> ا
        "\u0622": "\u0627",  # آ -> ا
        "\u0671": "\u0627",  # ٱ -> ا
        "\u0624": "\u0648",  # ؤ -> و
        "\u0626": "\u064a",  # ئ -> ي
        "\u0629": "\u0647",  # ة -> ه
        "\u0649": "\u064a",  # ى -> ي
        "\u06cc": "\u064a",  # Persian yeh -> ي
        "\u06a9": "\u0643",  # keheh -> ك
    }
)
_TABLE = {**_DELETE, **_ARABIC}
_ARABIC_ARTICLE = "\u0627\u0644"  # ال
# Proclitics an Arabic word may carry before a name: wa- "and", fa- "so", bi- "in/with",
# li- "for", ka- "like"; li- + al- is written لل.
_ARABIC_PROCLITICS = "\u0648\u0641\u0628\u0644\u0643"

# Latin transliterations of the Arabic article, dropped before a name.
ARTICLES = frozenset({"al", "el", "adh", "ag", "ar", "ash", "ath", "az", "es", "ez", "ul"})
# ...and the ones that are English words too: dropped only when a hyphen joins them to a name.
HYPHEN_ARTICLES = frozenset({"as", "at", "an", "ad", "ed"})
ARTICLE_KEYS = ARTICLES | HYPHEN_ARTICLES


_ARABIC_LETTER = re.compile("[\u0600-\u06ff]").search


def is_arabic(word: str) -> bool:
    return _ARABIC_LETTER(word) is not None


def bare(word: str) -> str:
    """A word without a possessive 's (Haftar's -> Haftar)."""
    if len(word) > 2 and word[-1] in "sS" and word[-2] in _APOSTROPHES:
        return word[:-2]
    return word


def _fold(word: str) -> str:
    key = bare(word).casefold()
    if key.isascii():
        return key.replace("'", "").replace("`", "") if ("'" in key or "`" in key) else key
    key = unicodedata.normalize("NFKD", key).translate(_TABLE)
    if key.startswith(_ARABIC_ARTICLE) and len(key) > 3:
        key = key[2:]
    return key


class _Folded(dict[str, str]):
    """Each word's key, kept for the words met: the same words come back in every text. A plain
    dictionary (emptied when it grows past `FOLDED_KEPT`), as a look-up of one is the cheapest
    Python has, and the tagger looks up every word of every text."""

    def __missing__(self, word: str) -> str:
        if len(self) >= FOLDED_KEPT:
            self.clear()
        key = self[word] = _fold(word)
        return key


FOLDED_KEPT = 200_000
_FOLDED = _Folded()
# The comparison key of one word (a match of `WORD`).
fold_word = _FOLDED.__getitem__
forget_folded = _FOLDED.clear


def arabic_variants(key: str) -> tuple[str, ...]:
    """Other readings of a folded Arabic word that may carry a proclitic: وسرت -> سرت,
    والجيش -> جيش, للجيش -> جيش. The word itself is tried first by the caller."""
    variants: list[str] = []
    if key.startswith("\u0644\u0644") and len(key) > 3:  # لل
        variants.append(key[2:])
    if key[0] in _ARABIC_PROCLITICS and len(key) > 3:
        rest = key[1:]
        if rest.startswith(_ARABIC_ARTICLE) and len(rest) > 3:
            rest = rest[2:]
        variants.append(rest)
    return tuple(variants)


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: where it is, as written, and its key."""

    start: int
    end: int
    text: str
    key: str


def words(text: str) -> list[Word]:
    """The words of `text`; a possessive 's is left out of a word's span (Haftar's -> Haftar)."""
    found = []
    for m in WORD.finditer(text):
        word = bare(m.group())
        found.append(Word(m.start(), m.start() + len(word), word, fold_word(word)))
    return found


def is_article(key: str, following: str) -> bool:
    """True for a transliterated article (by its key) that `following`, the text after it, joins
    to the next word: a hyphen, or for the forms that are not English words, a space too."""
    if key not in ARTICLE_KEYS:
        return False
    after = following[:1]
    if after and after in HYPHENS:
        return True
    return key not in HYPHEN_ARTICLES and after.isspace()


def name_keys(name: str) -> tuple[str, ...]:
    """The keys of a watchlist name's words, articles left out, as the tagger compares them."""
    ws = words(name)
    kept = [
        w.key
        for i, w in enumerate(ws)
        if not (i + 1 < len(ws) and is_article(w.key, name[w.end : ws[i + 1].start]))
    ]
    return tuple(k for k in kept if k)
