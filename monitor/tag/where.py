"""Where it happened: the one place a report's action took place, for an analyst and a map.

A report names many places: where it happened, but also the capital whose government spoke,
the home towns of the forces involved, the background. Reporters put where it happened in the
title and the lead, after a preposition of place ("in", "at", "near", "on the outskirts of",
"20 km east of"), and name it again further down. So each Libyan place mentioned is weighed:

- by where it stands: the title (`TITLE`), the lead (`LEAD`: the first `LEAD_WORDS` words),
  further down (`BODY`);
- up when a preposition of place comes before it (`AT`; half that further down);
- down when it is only a point of reference ("100 km east of Sirte": farther than
  `NEAR_KM`, `REFERENCE`) or a bound ("between Sirte and Misrata", `BETWEEN`);
- down when it names a force or a body rather than a place ("Misrata brigades", "the
  Tobruk-based parliament": `ORIGIN_OF`), when it is the seat of a government or of officials
  ("the government in Tripoli", `SEAT`), or when it comes after "from" (`FROM`: where forces
  or people came from);
- up a little for each further mention of the same place (`AGAIN`, at most `AGAIN_MAX`);
- down when it is too wide to place an event (the country, a region: `BROAD`) or when a
  place inside it is named too ("Hay al-Gizah, in Sirte": `CONTAINS`), so that the most
  specific wins.

The place of the best mention is where it happened, if its weight is above `MIN_WEIGHT`;
otherwise the report does not say (None). `Place.reason` says why, in words.

Pure: a function of the report, its tags and the Libyan ids.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence

from monitor.model import Place, Report, Tag, TagKind
from monitor.tag.layout import lead_end, title_repeated

TITLE = 3.0
LEAD = 2.0
BODY = 0.5
LEAD_WORDS = 60
BODY_MENTIONS = 3  # further down, each place's first few mentions are weighed
AT = 2.0
NEAR_KM = 30.0
REFERENCE = -1.0
BETWEEN = -2.0
ORIGIN_OF = -2.5
SEAT = -1.0
FROM = -1.0
AGAIN = 0.15
AGAIN_MAX = 0.6
BROAD = {"country": -3.0, "region": -2.0}
CONTAINS = -1.0
MIN_WEIGHT = 0.5

_ADJECTIVES = (
    r"(?:(?:libyan|eastern|western|southern|northern|central|coastal|besieged|embattled|key|"
    r"strategic|oil|desert|mediterranean|port|capital|former|restive|remote|border|nearby|"
    r"north|south|east|west|\w+ern)\s+)*"
)
_PLACE_NOUNS = (
    r"(?:(?:city|town|village|port|area|district|region|neighbou?rhood|suburbs?|outskirts|"
    r"oasis|capital|stronghold|terminal|base|airport|field|coast|shores?|waters|desert|"
    r"mountains?|road|highway|prison|hotel|camp|centre|center|beach|compound|entrance|"
    r"edge|heart|gates?|vicinity|checkpoint|port)\s+(?:of\s+)?)?"
)
# "100 km east of", "85 miles west of": a distance, and how far.
_DISTANCE = re.compile(
    r"\b(\d[\d,.]*)\s*(km|kilometres|kilometers|miles?)\s+(?:\w+\s+){0,2}?"
    r"(?:(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of|from|outside)\s+"
    r"(?:the\s+)?" + _ADJECTIVES + _PLACE_NOUNS + r"(?:al-|el-)?$",
    re.IGNORECASE,
)
# "between Sirte and the city of Misrata": both are bounds, neither is where.
_BETWEEN = re.compile(
    r"\bbetween\s+(?:\S+\s+){0,3}$|\bbetween\s+[^.;]{0,60}\band\s+(?:the\s+)?(?:\w+\s+of\s+)?$",
    re.IGNORECASE,
)
# A preposition of place before a mention, with what may stand between ("in the eastern city
# of", "20 km south of", "on the outskirts of").
_AT = re.compile(
    r"(?:\b(?:in|at|near|outside|inside|around|into|across|off|over|on|toward|towards|within|"
    r"entered|reached|captured|seized|stormed|besieged|shelled|bombed|struck|attacked|hit|"
    r"took|retook)"
    r"|\b(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of"
    r"|\b(?:km|kilometres|kilometers|miles)\s+(?:\w+\s+)?(?:from|of)"
    r"|\bcoast\s+of|\boutskirts\s+of)\s+"
    r"(?:(?:the|a|an)\s+)?" + _ADJECTIVES + _PLACE_NOUNS + r"(?:(?:the|a)\s+)?"
    r"(?:\w+(?:'s|\u2019s)\s+)?(?:al-|el-|as-|ash-|az-|ad-)?$",
    re.IGNORECASE,
)
_FROM = re.compile(r"\bfrom\s+(?:the\s+)?" + _ADJECTIVES + _PLACE_NOUNS + r"$", re.IGNORECASE)
_SEAT = re.compile(
    r"\b(?:government|authorities|authority|parliament|administration|officials?|ministry|"
    r"cabinet|council|court|embassy|headquarters|hq|leaders?|president|minister|spokesm[ae]n|"
    r"office|rulers?|congress|house|bank|corporation|company)\s+(?:based\s+)?(?:in|of)\s+"
    r"(?:the\s+)?" + _ADJECTIVES + r"(?:capital,?\s+)?$",
    re.IGNORECASE,
)
# After a mention: it names a force or a body, or the place people come from.
_ORIGIN_OF = re.compile(
    r"(?:[-\u2010\u2011](?:based|born|led|backed|aligned|allied)\b"
    r"|\s+(?:brigades?|battalions?|forces|fighters|militias?|militiamen|troops|units?|"
    r"revolutionaries|military\s+council|council|municipality|municipal|mayor|natives?|"
    r"tribes?|tribesmen|residents\s+of|armed\s+groups?|government|parliament|"
    r"house\s+of\s+representatives|university|petroleum|oil\s+company|airlines?|"
    r"bank|court|prison\s+authorit)\b)",
    re.IGNORECASE,
)


def _sentence_before(text: str, start: int) -> str:
    # Every cue ends within this many characters before the name ("20 km south of the eastern
    # city of "), and a regular expression anchored at the end costs as much as it reads.
    before = text[max(0, start - 60) : start]
    cut = max(before.rfind(". "), before.rfind("\n"), before.rfind("; "))
    return before[cut + 1 :] if cut >= 0 else before


def locate(report: Report, tags: Sequence[Tag], libyan: Collection[str]) -> Place | None:
    """Where the action `report` tells of happened, judged from its Libyan place `tags`; None
    when it does not say."""
    repeated = title_repeated(report)
    places = [
        t
        for t in tags
        if t.kind is TagKind.PLACE
        and t.entity_id in libyan
        and (t.field == "title" or t.end > repeated)  # a repeated title counts once
    ]
    if not places:
        return None
    lead_ends = lead_end(report.text, LEAD_WORDS)
    counts = Counter(t.entity_id for t in places)
    holding = {parent for t in places for parent in t.parents}  # places with a place inside
    best: tuple[float, Tag, list[str]] | None = None
    further: Counter[str] = Counter()
    for tag in places:
        at = AT
        if tag.field == "title":
            weight, whys, field_text = TITLE, ["in the title"], report.title
        elif tag.start < lead_ends:
            weight, whys, field_text = LEAD, ["in the lead"], report.text
        elif best is not None and best[0] >= BODY + AT / 2 + AGAIN_MAX:
            break  # no mention further down could weigh more than the best so far
        elif further[tag.entity_id] >= BODY_MENTIONS:
            continue
        else:
            further[tag.entity_id] += 1
            weight, whys, field_text, at = BODY, ["further down"], report.text, AT / 2
        before = _sentence_before(field_text, tag.start)
        lowered = before.lower()  # each pattern is looked for only if its key word is there
        if ("km" in lowered or "kilomet" in lowered or "mile" in lowered) and (
            distance := _DISTANCE.search(before)
        ):
            km = float(distance.group(1).replace(",", "")) * (
                1.609 if distance.group(2).startswith("mile") else 1.0
            )
            if km > NEAR_KM:
                weight += REFERENCE
                whys.append(f'a point of reference ("{distance.group().strip()}")')
            else:
                weight += at
                whys.append(f'after "{distance.group().strip()}"')
        elif "between" in lowered and _BETWEEN.search(before):
            weight += BETWEEN
            whys.append("a bound of an area")
        elif _SEAT.search(before):
            weight += SEAT
            whys.append("the seat of those who spoke")
        elif cue := _AT.search(before):
            weight += at
            whys.append(f'after "{cue.group().strip()}"')
        elif "from" in lowered and _FROM.search(before):
            weight += FROM
            whys.append('after "from"')
        if _ORIGIN_OF.match(field_text, tag.end, tag.end + 40):
            weight += ORIGIN_OF
            whys.append("naming a force or body")
        count = counts[tag.entity_id]
        if count > 1:
            weight += min(AGAIN * (count - 1), AGAIN_MAX)
        weight += BROAD.get(tag.entity_kind or "", 0.0)
        if tag.entity_id in holding:
            weight += CONTAINS
        if best is None or weight > best[0]:  # the first of the best, in order of position
            best = (weight, tag, whys)
    assert best is not None
    weight, tag, whys = best
    if weight <= MIN_WEIGHT:
        return None
    if counts[tag.entity_id] > 1:
        whys.append(f"named {counts[tag.entity_id]} times")
    return Place(
        id=tag.entity_id,
        name=tag.name,
        kind=tag.entity_kind,
        lat=tag.lat,
        lon=tag.lon,
        parents=tag.parents,
        text=tag.text,
        field=tag.field,
        start=tag.start,
        reason=", ".join(whys),
    )
