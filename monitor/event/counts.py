"""How many were killed, injured, kidnapped and arrested, where the text gives a number. Pure.

News gives a toll in a handful of shapes, and each is a pattern here:

- the number, the people, the verb: "four people were killed", "24 have died", "eight others
  injured", "four dead", "two soldiers and six militants were killed" (8: the numbers of one
  subject are added up);
- the verb, then the number: "killing four", "left four dead", "wounding eight", "gunmen killed
  three soldiers and a policeman";
- the toll: "the death toll rose to 24", "a toll of 12";
- one person: "a soldier was killed", "Haftar's spokesman was kidnapped" (1);
- Arabic: مقتل ثلاثة (the killing of three), أربعة قتلى (four dead), وإصابة ثمانية (and eight
  injured), ثمانية جرحى, اختطاف, اعتقال.

Words that give no number ("dozens", "scores", "many") give no count: a count is never
invented. "Missing" is not killed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from monitor.event.needles import Needles
from monitor.event.numbers import ABOUT, NUMBER, arabic_value, value

# The verbs and words of each count, as they follow the people counted ("were killed") or come
# before them ("killing"); the active forms ("killed three soldiers") are the same words.
_AFTER = {
    "killed": r"killed|dead|died|die|dies|slain|perished|drowned|drown|drowns|executed|massacred"
    r"|shot\s+dead|beheaded|lost\s+their\s+lives|bodies|deaths|fatalities",
    "injured": r"injured|wounded|hurt|injuries",
    "kidnapped": r"kidnapped|abducted|taken\s+hostage|held\s+hostage",
    "arrested": r"arrested|detained|rounded\s+up|taken\s+into\s+custody|captured",
}
_BEFORE = {
    "killed": r"killing|killed|kills|kill|left|leaving|claimed\s+the\s+lives\s+of|executed"
    r"|executing|massacred|beheaded|beheading\s+of|killing\s+of|deaths\s+of|execution\s+of"
    r"|bodies\s+of|corpses\s+of|remains\s+of|shot\s+dead|shoots\s+dead|shoot\s+and\s+kill",
    "injured": r"injuring|injured|injures|wounding|wounded|wounds",
    "kidnapped": r"kidnapping|kidnapped|kidnaps|abducting|abducted|abducts",
    "arrested": r"arresting|arrested|arrests|detaining|detained|detains|rounded\s+up",
}
# "left four dead and eight injured": after "left", the word after the number says the count.
_LEFT_WORDS = {"dead": "killed", "killed": "killed", "injured": "injured", "wounded": "injured"}

_N = rf"{ABOUT}(?P<n>{NUMBER})"
_COUNT_WORDS = "|".join(
    sorted({w for verbs in _AFTER.values() for w in verbs.split("|") if "\\" not in w})
)
# The words that name the people counted ("people", "LNA soldiers"): no verb of a count.
_PEOPLE = rf"(?:\s+(?!(?:and|were|was|have|had|are|in|on|at|near|{_COUNT_WORDS})\b)[a-z'-]+){{0,6}}"
# One subject: "two soldiers and six militants", "four people".
_MORE = rf"(?:(?:\s*,\s*|\s+and\s+)(?:{ABOUT}{NUMBER}|an?){_PEOPLE})*"
# "three soldiers and a policeman": one more.
_AND_ONE = re.compile(r"(?:,|\band)\s+an?\s+(?=[a-z])", re.IGNORECASE)
_AUX = (
    r"(?:\s+(?:were|was|have|has|had|are|is|been|being|reportedly|also|later|all|others?"
    r"|feared|believed|thought|said|reported|confirmed|to|now))*"
)

_SUBJECT_FIRST = {
    kind: re.compile(
        rf"(?<![\w,.])(?P<all>{_N}{_PEOPLE}{_MORE}){_AUX}\s+(?P<verb>{verbs})\b", re.IGNORECASE
    )
    for kind, verbs in _AFTER.items()
}
_VERB_FIRST = {
    kind: re.compile(
        rf"\b(?P<verb>{verbs})\s+(?P<all>{_N}{_PEOPLE}{_MORE})(?![\w,])", re.IGNORECASE
    )
    for kind, verbs in _BEFORE.items()
}
_TOLL = re.compile(
    rf"\b(?:death\s+)?toll\b(?:\s+[\w'-]+){{0,16}}?\s+(?:has\s+|had\s+)?(?:rose|rises|risen"
    rf"|climbed|climbs|reached|reaches|stands|stood|of|at|now|to|is|surpasses|surpassed|passes"
    rf"|passed|exceeds|exceeded|tops|topped)(?:\s+(?:at|to))?\s+{_N}",
    re.IGNORECASE,
)
# "claims at least 23 lives"
_LIVES = re.compile(rf"\bclaim(?:s|ed|ing)?\s+{_N}\s+lives\b", re.IGNORECASE)
_ONE = {
    kind: re.compile(
        rf"\b(?:[Aa]n?|[Oo]ne)\s+[a-z'-]+(?:\s+[a-z'-]+)?\s+(?:was|has\s+been)\s+(?:{verbs})\b"
    )
    for kind, verbs in _AFTER.items()
}
# "shoot and kill a U.S. teacher", "kidnapped a doctor": one.
_VERB_ONE = {
    kind: re.compile(rf"\b(?:{verbs})\s+(?:an?|one)\s+(?=[A-Za-z])(?!few\b|number\b|total\b)")
    for kind, verbs in _BEFORE.items()
}
_NUMBERS_IN = re.compile(rf"{ABOUT}({NUMBER})", re.IGNORECASE)
_JOINED = re.compile(r"(?:,|\band)\s*$")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
# Units that make a number no count of people: "100 km", "50 tonnes".
_UNITS = re.compile(
    r"\s*(?:km|kilometres?|kilometers?|miles?|metres?|meters?|tonnes?|tons?|barrels?|bpd|%|"
    r"percent|per\s+cent|years?|months?|weeks?|days?|hours?|minutes?|dollars|euros|billion|"
    r"million|vehicles?|cars?|trucks?|boats?|rockets?|missiles?|shells?|mortars?|bombs?)\b",
    re.IGNORECASE,
)

_ARABIC = {
    "killed": (
        r"مقتل|ومقتل|مصرع|ومصرع|قتل|وقتل|وفاة|ووفاة|استشهاد|واستشهاد",
        r"قتلى|قتيلا|قتيل|شهداء|شهيدا|قتلوا",
    ),
    "injured": (r"إصابة|وإصابة|اصابة|واصابة|جرح|وجرح", r"جرحى|جريحا|مصابين|مصابا|جريح"),
    "kidnapped": (r"اختطاف|واختطاف|خطف|وخطف", r"مخطوفين|رهائن"),
    "arrested": (r"اعتقال|واعتقال|توقيف|وتوقيف|القبض\s+على", r"معتقلين|موقوفين"),
}
_ARABIC_ABOUT = r"(?:(?:نحو|حوالي|قرابة|أكثر\s+من|اكثر\s+من|ما\s+لا\s+يقل\s+عن|أقل\s+من)\s+)?"
_ARABIC_NUMBER = r"(?P<n>[0-9٠-٩]+|[\u0621-\u064a]+)"
_ARABIC_BEFORE = {
    kind: re.compile(rf"(?:^|\s)(?:{before})\s+{_ARABIC_ABOUT}{_ARABIC_NUMBER}")
    for kind, (before, _) in _ARABIC.items()
}
_ARABIC_AFTER = {
    kind: re.compile(
        rf"{_ARABIC_NUMBER}\s+(?:أشخاص\s+|شخصا\s+|مدنيين\s+|جنود\s+)?(?:{after})(?:\s|$|[.,،])"
    )
    for kind, (_, after) in _ARABIC.items()
}
# The dual: قتيلين (two dead), جريحين (two wounded).
_ARABIC_DUAL = {"killed": re.compile(r"قتيلين"), "injured": re.compile(r"جريحين")}


@dataclass(frozen=True, slots=True)
class Count:
    """A count the text gives: `kind` (killed, injured, kidnapped, arrested), the number, and
    the words that gave it, at `start` in the text read."""

    kind: str
    n: int
    text: str
    start: int


def _people(phrase: str) -> int | None:
    """The sum of the numbers of one subject ("two soldiers and six militants": 8), or None if
    one of them is no count of people (a year, a distance)."""
    numbers: list[int] = []
    for match in _NUMBERS_IN.finditer(phrase):
        if numbers and not _JOINED.search(phrase, 0, match.start()):
            continue  # a number among the people's words ("over the past three days")
        n = value(match.group(1))
        if n is None or _YEAR.fullmatch(match.group(1)) or _UNITS.match(phrase, match.end()):
            if not numbers:
                return None
            continue
        numbers.append(n)
    numbers += [1] * len(_AND_ONE.findall(phrase))
    if len(numbers) >= 3 and sum(numbers[1:]) == numbers[0]:
        return numbers[0]  # "two sailors, one Greek and one Romanian": one count told twice
    return sum(numbers) or None


# Whether a text may give a count of a kind at all: most sentences give none (`Needles`).
_MAY = {
    kind: Needles(
        f"{_AFTER[kind]}|{_BEFORE[kind]}|{_ARABIC[kind][0]}|{_ARABIC[kind][1]}"
        + (f"|{_ARABIC_DUAL[kind].pattern}" if kind in _ARABIC_DUAL else "")
    )
    for kind in _AFTER
}


def counts(text: str) -> Iterator[Count]:
    """Every count `text` gives, in order of position (one text: a title, or a sentence)."""
    found: list[Count] = []
    lowered = text.lower()
    kinds = [kind for kind in _AFTER if _MAY[kind].may_match(lowered)]
    for kind in kinds:
        for match in _SUBJECT_FIRST[kind].finditer(text):
            n = _people(match.group("all"))
            if n is not None:
                found.append(Count(kind, n, match.group(), match.start()))
        for match in _VERB_FIRST[kind].finditer(text):
            verb = match.group("verb").lower()
            counted: str | None = kind
            if verb in ("left", "leaving"):
                # "left four dead and eight injured": the word after the number says which
                after = text[match.end() : match.end() + 12].split()
                counted = _LEFT_WORDS.get(after[0].lower().strip(".,")) if after else None
                if counted is None:
                    continue
            n = _people(match.group("all"))
            if n is not None and counted is not None:
                found.append(Count(counted, n, match.group(), match.start()))
        for match in _ONE[kind].finditer(text):
            found.append(Count(kind, 1, match.group(), match.start()))
        for match in _VERB_ONE[kind].finditer(text):
            if match.group().split()[0].lower() not in ("left", "leaving"):
                found.append(Count(kind, 1, match.group().strip(), match.start()))
    for match in _LIVES.finditer(text) if "lives" in lowered else ():
        n = _people(match.group("n"))
        if n is not None:
            found.append(Count("killed", n, match.group(), match.start()))
    for match in _TOLL.finditer(text) if "toll" in lowered else ():
        n = _people(match.group("n"))
        if n is not None:
            found.append(Count("killed", n, match.group(), match.start()))
    for kind in kinds:
        for pattern in (_ARABIC_BEFORE[kind], _ARABIC_AFTER[kind]):
            for match in pattern.finditer(text):
                n = arabic_value(match.group("n"))
                if n is not None:
                    found.append(Count(kind, n, match.group().strip(), match.start("n")))
        dual = _ARABIC_DUAL.get(kind)
        if dual is not None:
            for match in dual.finditer(text):
                found.append(Count(kind, 2, match.group(), match.start()))
    found.sort(key=lambda c: (c.start, -len(c.text)))
    return iter(found)
