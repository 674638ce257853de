"""Event: what happened in a report, as conflict datasets code it. Pure.

    tag -> Reading -> event -> Event -> story

`read_event(report, reading)` reads the title and the lead, where news puts what happened, to
whom, where, when and how many, one sentence at a time in the order a reader meets them:

- **type and sub-type** (ACLED's, `monitor.event.kinds`): from the first sentence whose words
  name an event: the title, then the lead's sentences. A title that names only a decision or a
  statement ("strategic development: other") gives way to a lead sentence that names violence.
  A battle in which a town is taken is `government_regains_territory` when the state's forces
  (an actor of kind `state_force` or `government`) take it, else
  `non_state_actor_overtakes_territory`.
- **killed, injured, kidnapped, arrested** (`monitor.event.counts`): for each, the first number
  the title or the lead gives; none where none is given.
- **date** (`monitor.event.dates`): the first day named in the sentence of the event (or, when
  that is the title, in the lead's first sentence), resolved against the published date; a
  report without one has a date only where the text gives the year.
- **actors and targets**: the watchlist actors of the sentence of the event: those before its
  words (or after "by") acted, those after were acted on; "clashes between A and B" makes
  both sides actors.

Every part comes with the `Cue` that said it, so a reader can see why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.event.counts import Count, counts
from monitor.event.dates import days
from monitor.event.kinds import SHIPWRECKED, Found, kind_of
from monitor.event.needles import Needles
from monitor.model import Cue, Event, Reading, Report, TagKind

# The lead: the text's first words after the title, where news tells what happened.
LEAD_WORDS = 70
LEAD_CHARS = 2000  # more than the lead's words take, so the rest of a long text is not cut
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+(?=[\"'“‘(]?[A-Z\u0600-\u06ff])|\n+")
_TAKEN = re.compile(
    r"\b(?:seiz|captur|retak|recaptur|overr[au]n|liberat|took|taken|take|takes|wrest|gain|regain"
    r"|drove|driven|expel|ousted|oust|fell)",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\bbetween\b|\bbetween\s*$|بين", re.IGNORECASE)
_BY = re.compile(r"\b(?:by|from)\s+(?:\S+\s+){0,2}$", re.IGNORECASE)
_STATE_KINDS = frozenset({"state_force", "government", "armed_forces", "foreign_force"})


# What a sentence holds that is not its event, blanked before it is read (offsets are kept):
# a topic label before a colon at its start ("2011 Libyan civil war:", "Libya:"); a relative
# clause between commas (", who was kidnapped by militants,"); and what follows "following",
# "in retaliation for" (the cause, told as background).
_TOPIC = re.compile(r"^\s*(?:[\w'.-]+\s+){0,5}?[\w'.-]+\s*:(?!\d)")
_RELATIVE = re.compile(r",\s*(?:who|which|whose|whom)\s[^,;]{1,100}(?=,)")
_CAUSE = re.compile(
    r"\b(?:following|in\s+retaliation|in\s+response\s+to|in\s+revenge\s+for"
    r"|(?:a\s+day|days|weeks|hours)\s+after)\b.*",
    re.DOTALL | re.IGNORECASE,
)


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _read_part(text: str) -> str:
    """`text` with what is not its event blanked (see above)."""
    text = _TOPIC.sub(_blank, text, count=1)
    return _CAUSE.sub(_blank, _RELATIVE.sub(_blank, text))


# One person named by the watchlist, and what was done to them: "Gaddafi is killed",
# "the capture of Moussa Ibrahim", "Ali Zeidan is kidnapped".
_PERSON_AFTER = re.compile(
    r"\s*,?\s*(?:is|was|has\s+been|had\s+been)\s+(?:reportedly\s+|also\s+|later\s+)?"
    r"(?:(?P<killed>killed|shot\s+dead|assassinated|executed|beheaded)"
    r"|(?P<kidnapped>kidnapped|abducted)|(?P<arrested>arrested|captured|detained))\b",
    re.IGNORECASE,
)
_PERSON_BEFORE = re.compile(
    r"\b(?:(?P<killed>killed|kills|kill|shot\s+dead|shoots\s+dead|assassinated|assassinates"
    r"|killing\s+of|assassination\s+of|execution\s+of)|(?P<kidnapped>kidnapped|kidnaps|abducted"
    r"|abducts|kidnapping\s+of|abduction\s+of)|(?P<arrested>arrested|arrests|captured|captures"
    r"|detained|detains|capture\s+of|arrest\s+of|detention\s+of))"
    r"\s+(?:[\w'-]+\s+){0,5}$",
    re.IGNORECASE,
)


# One person by name, on the watchlist or not, and what was done to them: "Salah Al-Maskhout,
# is reportedly killed", "shoots dead Dutch photographer Jeroen Oerlemans", "to have killed
# Wisam al Zubaidi". A name is two or more capitalised words; right after the verb it must
# not look like a people's name in the plural ("killed Egyptian Copts").
_NAME = r"[A-Z][\w'-]+(?:\s+(?:al|el|bin|ibn|abu|ben|de|van|von)\b)?(?:\s+[A-Z][\w'-]+)+"
_NAMED_AFTER = re.compile(
    rf"(?<![\w-])(?P<name>{_NAME})\s*,?\s+(?:is|was|has\s+been|had\s+been)\s+"
    r"(?:reportedly\s+|also\s+|later\s+)?(?:(?P<killed>killed|shot\s+dead|assassinated|executed)"
    r"|(?P<kidnapped>kidnapped|abducted)|(?P<arrested>arrested|captured|detained))\b"
)
_NAMED_BEFORE = re.compile(
    r"\b(?:(?P<killed>killed|kills|shot\s+dead|shoots\s+dead|assassinated|assassinates)"
    r"|(?P<kidnapped>kidnapped|kidnaps|abducted|abducts)|(?P<arrested>arrested|arrests|captured"
    rf"|captures|detained|detains))\s+(?P<role>(?:[A-Z][a-z]+\s+)?(?:[a-z]+\s+){{1,5}})?"
    rf"(?P<name>{_NAME})(?=\s*[.,;]|\s+(?:in|on|at|near|who|after)\b)"
)
_MAY_BE_DONE = Needles(
    r"killed|kills|kill|shot|shoots|assassinat|executed|beheaded|kidnap|abduct|arrest|captur"
    r"|detain|detention|killing|execution"
)
_PARTICLE = re.compile(r"\s(?:al|el|bin|ibn|abu|ben|de|van|von)\s")


_DENIED = re.compile(r"\b(?:den(?:y|ies|ied)|dismiss(?:es|ed))\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Sentence:
    field: str
    start: int  # where it starts in its field
    text: str  # as read: what is not its event blanked


def _sentences(report: Report) -> list[_Sentence]:
    """The title, then the lead's sentences (the text's first `LEAD_WORDS` words). A text that
    starts with the title is read after it; one that starts with a title cut short ("…") is
    read whole in its place, as the title is only its beginning."""
    title = report.title.strip()
    text = report.text
    found = []
    start = 0
    repeated = title.removesuffix("…").rstrip()
    if title and not (title.endswith("…") and repeated and text.startswith(repeated)):
        found.append(_Sentence("title", 0, _read_part(report.title)))
        if repeated and text.startswith(repeated):
            start = len(repeated)
    words = 0
    for piece in _SENTENCE_END.split(text[start : start + LEAD_CHARS]):
        if words >= LEAD_WORDS:
            break
        at = text.find(piece, start)
        start = at + len(piece)
        if piece.strip():
            found.append(_Sentence("text", at, _read_part(piece)))
            words += len(piece.split())
    return found


def _type(sentences: list[_Sentence]) -> tuple[Found, _Sentence] | None:
    first: tuple[Found, _Sentence] | None = None
    for sentence in sentences:
        found = kind_of(sentence.text)
        if found is SHIPWRECKED:
            return first
        if found is None:
            continue
        if first is None:
            first = (found, sentence)
            if found.type != "strategic_development" or found.subtype != "other":
                return first
        elif found.type != "strategic_development":
            return found, sentence
    return first


def _sides(
    reading: Reading, sentence: _Sentence, cue_at: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Who acted and who was acted on, in the sentence of the event (see the module
    docstring)."""
    end = sentence.start + len(sentence.text)
    actors: list[str] = []
    targets: list[str] = []
    cue = sentence.start + cue_at
    field_text = sentence.text
    for tag in reading.tags:
        if tag.kind is not TagKind.ACTOR or tag.field != sentence.field:
            continue
        if not sentence.start <= tag.start < end:
            continue
        before = field_text[: tag.start - sentence.start]
        if tag.start < cue or _BY.search(before) or _BETWEEN.search(before[cue_at - 1 :]):
            side = actors
        else:
            side = targets
        if tag.entity_id not in actors and tag.entity_id not in targets:
            side.append(tag.entity_id)
    return tuple(actors), tuple(targets)


def _persons(reading: Reading, sentence: _Sentence) -> list[Count]:
    """One killed, kidnapped or arrested for each person the sentence says it was done to
    ("Gaddafi is killed", "the capture of Moussa Ibrahim", "Ali Zeidan is kidnapped")."""
    found: list[Count] = []
    if not _MAY_BE_DONE.may_match(sentence.text.lower()):
        return found
    for match in _NAMED_AFTER.finditer(sentence.text):
        found.append(Count(match.lastgroup or "", 1, match.group(), match.start()))
    for match in _NAMED_BEFORE.finditer(sentence.text):
        name = match.group("name")
        if match.group("role") or _PARTICLE.search(name) or not name.endswith("s"):
            kind = next(k for k in ("killed", "kidnapped", "arrested") if match.group(k))
            found.append(Count(kind, 1, match.group(), match.start()))
    end = sentence.start + len(sentence.text)
    for tag in reading.tags:
        if tag.entity_kind != "person" or tag.field != sentence.field:
            continue
        if not sentence.start <= tag.start < end:
            continue
        at, upto = tag.start - sentence.start, tag.end - sentence.start
        after = _PERSON_AFTER.match(sentence.text, upto)
        before = _PERSON_BEFORE.search(sentence.text, max(0, at - 80), at)
        for said in (after, before):
            if said is not None and said.lastgroup:
                found.append(Count(said.lastgroup, 1, said.group().strip(), said.start()))
                break
    return found


def read_event(report: Report, reading: Reading) -> Event:
    """The event `report` tells of (see the module docstring)."""
    sentences = _sentences(report)
    cues: list[Cue] = []
    typed = _type(sentences)
    type_: str | None = None
    subtype: str | None = None
    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    if typed is not None:
        found, sentence = typed
        type_, subtype = found.type, found.subtype
        actors, targets = _sides(reading, sentence, found.start)
        if type_ == "battle" and (subtype is None or _TAKEN.match(found.text)):
            subtype = "armed_clash"
            if _TAKEN.match(found.text):
                kinds = {
                    t.entity_kind for t in reading.tags if t.entity_id in actors and t.entity_kind
                }
                state = not kinds.isdisjoint(_STATE_KINDS)
                subtype = (
                    "government_regains_territory"
                    if state
                    else "non_state_actor_overtakes_territory"
                )
        cues.append(
            Cue(
                what="type",
                value=type_,
                text=found.text,
                field=sentence.field,
                start=sentence.start + found.start,
            )
        )
    given: dict[str, int] = {}
    for sentence in sentences:
        if _DENIED.search(sentence.text):
            continue  # a toll one side claims and the other denies is no toll the text gives
        for count in (*counts(sentence.text), *_persons(reading, sentence)):
            if count.kind not in given:
                given[count.kind] = count.n
                cues.append(
                    Cue(
                        what=count.kind,
                        value=str(count.n),
                        text=count.text,
                        field=sentence.field,
                        start=sentence.start + count.start,
                    )
                )
    published = (report.published or report.fetched_at).date()
    when = None
    # The day: in the sentence of the event, or when that is the title, in the lead's first.
    told = [] if typed is None else [typed[1]]
    if told and told[0].field == "title":
        told += [s for s in sentences if s.field == "text"][:1]
    for sentence in told:
        said = days(sentence.text, published)
        if report.published is None:
            # No day to count from: "on 22 September" of a report of no date may be any year's.
            said = [s for s in said if s.dated]
        if said:
            when = said[0]
            cues.append(
                Cue(
                    what="date",
                    value=when.day.isoformat(),
                    text=when.text,
                    field=sentence.field,
                    start=sentence.start + when.start,
                )
            )
            break
    return Event(
        type=type_,
        subtype=subtype,
        killed=given.get("killed"),
        injured=given.get("injured"),
        kidnapped=given.get("kidnapped"),
        arrested=given.get("arrested"),
        date=when.day if when else None,
        actors=actors,
        targets=targets,
        cues=tuple(cues),
    )


__all__ = ["read_event"]
