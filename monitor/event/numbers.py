"""Numbers as news writes them: "24", "1,200", "four", "twenty-one", "a dozen", "two hundred",
"٣", "ثلاثة". Pure.

`NUMBER` is a pattern for one number in English words or digits (with "at least", "more than"
and the like before it, which say nothing of the count the text gives); `value` reads a match
of it. Words that give no number ("dozens", "hundreds", "several", "many") are not numbers:
a count is given only when the text gives one.
"""

from __future__ import annotations

import re

_UNITS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "dozen": 12,
    "a dozen": 12,
    "half a dozen": 6,
    "a couple of": 2,
    "a pair of": 2,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
# Arabic: the digits, and the number words news uses for counts (masculine and feminine).
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
ARABIC_WORDS = {
    "واحد": 1,
    "اثنين": 2,
    "اثنان": 2,
    "ثلاثة": 3,
    "ثلاث": 3,
    "أربعة": 4,
    "اربعة": 4,
    "أربع": 4,
    "خمسة": 5,
    "خمس": 5,
    "ستة": 6,
    "ست": 6,
    "سبعة": 7,
    "سبع": 7,
    "ثمانية": 8,
    "ثماني": 8,
    "تسعة": 9,
    "تسع": 9,
    "عشرة": 10,
    "عشر": 10,
    "عشرات": None,  # "tens of": no number
}

_WORDS = sorted((w for w in _UNITS if " " not in w and w not in ("a", "an")), key=len)[::-1]
_TEN = "|".join(_TENS)
_UNIT = "|".join(_WORDS)
_SCALE = r"(?:\s+(?:hundred|thousand))"
# One number: digits, or words ("twenty-one", "two hundred", "a dozen").
NUMBER = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+"
    rf"|(?:{_TEN})(?:[\s-](?:{_UNIT}))?{_SCALE}?"
    rf"|(?:half\s+a\s+dozen|a\s+dozen|a\s+couple\s+of|a\s+pair\s+of|{_UNIT}){_SCALE}?"
    r"|(?:a|one)\s+hundred)"
)
# What may stand before a number and change nothing of it.
ABOUT = (
    r"(?:(?:at\s+least|more\s+than|over|some|about|around|nearly|almost|up\s+to|as\s+many\s+as"
    r"|an\s+estimated|approximately|roughly|a\s+total\s+of|another|a\s+further|the)\s+)?"
)
_NUMBER = re.compile(NUMBER, re.IGNORECASE)


def value(text: str) -> int | None:
    """The number a match of `NUMBER` says."""
    words = re.sub(r"[\s-]+", " ", text.strip().lower())
    if words.replace(",", "").isdigit():
        return int(words.replace(",", ""))
    if words in _UNITS:
        return _UNITS[words]
    scale = 1
    if words.endswith(" hundred"):
        scale, words = 100, words.removesuffix(" hundred")
    elif words.endswith(" thousand"):
        scale, words = 1000, words.removesuffix(" thousand")
    if words in _UNITS:
        return _UNITS[words] * scale
    tens, _, unit = words.partition(" ")
    if tens in _TENS and (not unit or unit in _UNITS):
        return (_TENS[tens] + (_UNITS[unit] if unit else 0)) * scale
    return None


def arabic_value(word: str) -> int | None:
    """The number an Arabic word or Arabic-Indic numeral says, or None."""
    digits = word.translate(_ARABIC_DIGITS)
    if digits.isdigit():
        return int(digits)
    for prefix in ("", "و"):  # وثلاثة: "and three"
        if word.startswith(prefix) and word[len(prefix) :] in ARABIC_WORDS:
            return ARABIC_WORDS[word[len(prefix) :]]
    return None


def is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text.strip()) is not None
