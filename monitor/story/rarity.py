"""How rare a word is in English news and writing at large: what makes two leads' shared words
say that they tell the same event ("Nawfaliya", "checkpoint", "car" and "bomb" do; "said" and
"people" do not), as TF-IDF weighs words by the documents that hold them. Pure once loaded.

The weight of a word is `RARE_ZIPF` less its Zipf frequency in wordfreq's English list (a
word met once in a million words has Zipf 3), and nothing for a word at `COMMON_ZIPF` or above;
a word not in the list (most names of places and people) weighs the most. Only the words of
Zipf 3 or more are kept in memory (about 30,000); a word is stemmed the way `stem` does before
it is looked up, so "clashes" and "clashed" weigh as "clash".
"""

from __future__ import annotations

import re
from functools import cache

RARE_ZIPF = 7.0
COMMON_ZIPF = 5.5
_KEPT_ZIPF = 3.0
_WORD = re.compile(r"[^\W\d_]{3,}")
_SUFFIXES = ("ings", "ing", "ed", "es", "s")


def stem(word: str) -> str:
    """A word without its common English endings: "clashes", "clashed", "clashing" -> "clash"."""
    word = word.lower().removesuffix("'s").removesuffix("\u2019s")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@cache
def _zipf() -> dict[str, float]:
    """The Zipf frequency of each stem of the words of Zipf 3 or more (a stem takes the
    frequency of its most frequent word)."""
    import wordfreq  # loaded on the first story decision, not by every command

    bins = wordfreq.get_frequency_list("en", "small")[: round((9 - _KEPT_ZIPF) * 100) + 1]
    found: dict[str, float] = {}
    for index, words in enumerate(bins):
        zipf = 9 - index / 100
        for word in words:
            found.setdefault(stem(word), zipf)
    wordfreq.get_frequency_list.cache_clear()
    return found


@cache
def weight(word_stem: str) -> float:
    """How much sharing this stem says (see the module docstring)."""
    zipf = _zipf().get(word_stem, 0.0)
    return 0.0 if zipf >= COMMON_ZIPF else RARE_ZIPF - max(zipf, _KEPT_ZIPF - 0.5)


def content_stems(text: str) -> set[str]:
    """The stems of the words of `text` that weigh something."""
    return {s for w in _WORD.findall(text) if weight(s := stem(w)) > 0}
