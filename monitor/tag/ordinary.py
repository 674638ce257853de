"""Ordinary words: those a variant or a misspelling must never be read from.

"Sultan", "Guardian" or "Meanwhile" at the start of a sentence is capitalised like a name, and
one or two letters from some village's name; a word this common is that word. The list is every
word that English text uses at least once in three million words (a Zipf frequency of 2.5 or
more: "militiamen", "Javelin" and "Attila" are in it, the Libyan places that are not on the
watchlist are not), and every word of German, French, Italian, Spanish, Portuguese and Dutch
used once in 300,000 (Zipf 3.5: "Zeiten" is not Zliten, nor "Schluss" Suluq, in a German
podcast's notes). They come from wordfreq's word lists, measured on large bodies of each
language for exactly this; better than any list the project would keep. Libyan names that the
world's news uses that often (Benghazi, Tripoli, Gaddafi) are on the watchlist as written, so
they still tag.
"""

from __future__ import annotations

from functools import cache

import wordfreq

# Zipf frequency (log10 of uses per billion words) from which a word is ordinary.
MIN_ZIPF = {"en": 2.5, "de": 3.5, "fr": 3.5, "it": 3.5, "es": 3.5, "pt": 3.5, "nl": 3.5}


@cache
def ordinary_words() -> frozenset[str]:
    """The casefolded ordinary words of every language of `MIN_ZIPF` (about 120,000)."""
    return frozenset().union(*(common_words(language, z) for language, z in MIN_ZIPF.items()))


@cache
def common_words(language: str, min_zipf: float) -> frozenset[str]:
    """The casefolded words of `language` of Zipf frequency `min_zipf` or more."""
    # The "small" lists hold the words of Zipf 3 or more, the "large" ones (of a few languages)
    # rarer words too. A list holds the words in bins of one centibel: bin i has frequency
    # 10**(-i / 100), and a Zipf frequency z is a frequency of 10**(z - 9).
    size = "small" if min_zipf >= 3.0 else "large"
    last_bin = round((9 - min_zipf) * 100)
    bins = wordfreq.get_frequency_list(language, size)[: last_bin + 1]
    found = frozenset(word for words in bins for word in words)
    # wordfreq keeps every list it read (tens of megabytes each): only the words taken are kept.
    wordfreq.get_frequency_list.cache_clear()
    return found
