"""Which story a new report joins: a score of what its signature shares with each stored
original of nearby days, the best at `StoryPolicy.threshold` or above. Pure.

Two outlets tell one event in other words and at other lengths (a one-line summary, a wire
lead, an Arabic report), so no one fact must be shared; each shared fact adds to the score, and
what says they are two events takes from it:

- a specific place in common (a district counts as its city): `place`. With no place in common
  where both name one, they are two events, whatever else they share;
- the same event type: `same_type`; different types (a protest and an airstrike in one town
  on one day): `other_type`, or `other_violence` for two kinds of violence (one outlet's clash
  is another's attack); the same for the sub-type (a car bomb
  and an airstrike);
- actors in common: `actor` each, at most `actors_max`; both naming actors and none in common
  (LNA airstrikes and a Misratan ambush): `other_actors`;
- the same date written or read in both: `date`; different dates and none in common: two
  events (a fortnight apart in one town);
- numbers in common (a toll, a count of vehicles): `number` each, at most `numbers_max`;
  both giving a toll and not the same one: `other_toll` (not two events for certain: a toll
  is raised as the day goes on);
- the lead's content words in common, each weighed by its rarity (`monitor.story.rarity`),
  as a share of the smaller lead's weight so a one-line summary inside a long lead counts in
  full: `words` times that share;
- each day between their events beyond the first: `day_apart` (the day each happened where its
  lead says, else the day it was published: an event dated two months back is not the event of
  today's report);

(`Weights` holds these.)

Of the originals at or above the threshold, the highest score wins, the earliest story on a
tie; below it the report opens a story of its own. `Joined.reason` says which and why. The
weights and the threshold were chosen on the labelled pairs of `tests/data/real/retellings.jsonl`
and the dedup benchmark's stream (`scripts/eval_stories.py` prints both); config/monitor.toml
gives the figures.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.story.rarity import weight
from monitor.story.signature import (
    DEFAULT_STORY_POLICY,
    Facts,
    Signature,
    StoryCandidate,
    StoryPolicy,
)

# The types of violence: one act is told as a clash by one outlet and an attack by another.
VIOLENT = frozenset({"battle", "explosion_remote_violence", "violence_against_civilians", "riot"})


# Types whose sub-types may tell one event two ways.
COMPATIBLE_SUBTYPES = frozenset({"battle", "strategic_development"})


@dataclass(frozen=True, kw_only=True, slots=True)
class Weights:
    """What each fact shared, or told apart, adds to a story decision's score (see the module
    docstring); `scripts/tune_stories.py` shows how they were chosen."""

    place: float = 1.0
    same_type: float = 1.0
    other_type: float = -2.0
    other_violence: float = -0.5
    same_subtype: float = 0.5
    other_subtype: float = -1.0
    actor: float = 0.5
    actors_max: float = 2.0
    other_actors: float = -2.0
    date: float = 0.0
    number: float = 1.0
    numbers_max: float = 2.0
    other_toll: float = -2.0
    words: float = 3.0
    day_apart: float = -0.25
    margin: float = 0.5  # how far the best story must score above another to be told from it
    crowd: float = 0.3  # the threshold rises by this times the log of the reports weighed


WEIGHTS = Weights()


@dataclass(frozen=True, kw_only=True, slots=True)
class Joined:
    """The story decision: `story_id` None when the report opens a story; `report_id` the
    original it was found like; `score` and `reason` in words."""

    story_id: int | None
    report_id: int | None
    score: float | None
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Shared:
    """What two signatures share, and what tells them apart (see the module docstring)."""

    places: frozenset[str]
    types: tuple[frozenset[str], frozenset[str]]  # (ours, theirs), either may be empty
    subtypes: tuple[frozenset[str], frozenset[str]]
    actors: frozenset[str]
    actors_weight: float  # the actors in common, each weighed by its local rarity
    other_actors: bool  # both name actors, none in common
    dates: frozenset[str]
    numbers: frozenset[str]
    numbers_weight: float
    tolls: tuple[frozenset[str], frozenset[str]]  # (ours, theirs)
    words: frozenset[str]
    words_share: float
    apart: int  # days between their event times

    @property
    def same_type(self) -> bool | None:
        ours, theirs = self.types
        return bool(ours & theirs) if ours and theirs else None

    @property
    def same_subtype(self) -> bool | None:
        """Whether the sub-types agree, where both give one and their type is one whose
        sub-types exclude each other (an airstrike is no car bomb; a clash may well be the
        taking of a town)."""
        ours, theirs = self.subtypes
        if not (ours and theirs) or self.types[0] & self.types[1] <= COMPATIBLE_SUBTYPES:
            return None
        return bool(ours & theirs)

    @property
    def other_toll(self) -> bool:
        """Both give a toll, and not near the same: a toll raised by one or two, or by a
        fifth, as the day goes on is the same event's."""
        ours, theirs = self.tolls
        if not (ours and theirs) or ours & theirs:
            return False
        a, b = int(min(ours)), int(min(theirs))
        return abs(a - b) > max(2, 0.2 * max(a, b))

    def score(self, w: Weights = WEIGHTS) -> float:
        score = w.place if self.places else 0.0
        same_type = self.same_type
        if same_type is not None:
            if same_type:
                score += w.same_type
            elif all(t & VIOLENT for t in self.types):
                score += w.other_violence  # two kinds of violence: often one act told two ways
            else:
                score += w.other_type
        same_subtype = self.same_subtype
        if same_subtype is not None:
            score += w.same_subtype if same_subtype else w.other_subtype
        score += min(w.actors_max, w.actor * self.actors_weight)
        score += w.other_actors if self.other_actors else 0.0
        score += w.date if self.dates else 0.0
        score += min(w.numbers_max, w.number * self.numbers_weight)
        score += w.other_toll if self.other_toll else 0.0
        score += w.words * self.words_share
        return score + w.day_apart * max(0, self.apart - 1)  # a retelling comes a day after

    def explain(self) -> str:
        """In words: "place sirte; both battle; lead words 0.62 (nawfaliya, ...)"."""
        parts = []
        if self.places:
            parts.append("place " + ", ".join(sorted(self.places)))
        ours, theirs = self.types
        if self.same_type is not None:
            parts.append(
                f"both {min(ours)}" if self.same_type else f"{min(ours)} against {min(theirs)}"
            )
        if self.same_subtype is not None:
            ours, theirs = self.subtypes
            parts.append(
                f"both {min(ours)}" if self.same_subtype else f"{min(ours)} against {min(theirs)}"
            )
        if self.actors:
            parts.append("actors " + ", ".join(sorted(self.actors)))
        if self.other_actors:
            parts.append("other actors")
        if self.dates:
            parts.append("date " + ", ".join(sorted(self.dates)))
        if self.numbers:
            parts.append("numbers " + ", ".join(sorted(self.numbers)))
        if self.other_toll:
            parts.append(f"{min(self.tolls[0])} killed against {min(self.tolls[1])}")
        if self.words:
            rarest = sorted(self.words, key=lambda w: (-weight(w), w))[:4]
            parts.append(f"lead words {self.words_share:.2f} ({', '.join(rarest)})")
        if self.apart:
            parts.append(f"{self.apart} day{'s' if self.apart != 1 else ''} apart")
        return "; ".join(parts)


class Local:
    """How rare each fact is among the candidates of one decision, as inverse document
    frequency: a fact that one candidate holds weighs 1, one that all of them hold 0. An actor,
    a number or a word that every report of the day in that town shares (the UN that called for
    restraint, the "two hours" of a template) says nothing of which of them is the same event.
    With fewer than `MIN` candidates every fact weighs 1."""

    MIN = 3

    __slots__ = ("_df", "_log_n", "words")

    def __init__(self, candidates: Sequence[StoryCandidate], ours: Facts | None = None) -> None:
        """`ours`: the facts of the report deciding (only theirs are counted)."""
        self._df: Counter[str] = Counter()
        self._log_n = math.log(len(candidates)) if len(candidates) >= self.MIN else 0.0
        if self._log_n and ours is not None:
            telling = ours.telling
            for candidate in candidates:
                self._df.update(telling & candidate.read.telling)
        # Each of our words' weight: its rarity in English times its rarity here.
        self.words: dict[str, float] = (
            {w: weight(w) * self("w:" + w) for w in ours.words} if ours is not None else {}
        )

    def __call__(self, fact: str) -> float:
        if not self._log_n:
            return 1.0
        return max(0.0, 1.0 - math.log(max(1, self._df[fact])) / self._log_n)


_EVERY = Local(())


def compare(sig: Signature, candidate: StoryCandidate, local: Local = _EVERY) -> Shared | None:
    """What `sig` and `candidate` share, each shared fact weighed by its rarity among the
    decision's candidates (`local`); None when something says they are two events (no common
    place where both name one, or different dates)."""
    if sig.places and candidate.places and not (sig.places & candidate.places):
        return None
    ours, theirs = sig.read, candidate.read
    if ours.dates and theirs.dates and not (ours.dates & theirs.dates):
        return None
    words = ours.words & theirs.words
    smaller = min(ours.words_weight, theirs.words_weight)
    if words and smaller:
        weights = local.words
        share = min(1.0, sum(weights[w] if w in weights else weight(w) for w in words) / smaller)
    else:
        share = 0.0
    numbers = ours.numbers & theirs.numbers
    apart = abs(ours.day - theirs.day) if ours.day is not None and theirs.day is not None else 0
    actors = ours.actors & theirs.actors
    return Shared(
        places=sig.places & candidate.places,
        types=(ours.types, theirs.types),
        subtypes=(ours.subtypes, theirs.subtypes),
        actors=actors,
        actors_weight=sum(local("a:" + a) for a in actors),
        other_actors=bool(ours.actors and theirs.actors and not actors),
        dates=ours.dates & theirs.dates,
        numbers=numbers,
        numbers_weight=sum(local("n:" + n) for n in numbers),
        tolls=(ours.killed, theirs.killed),
        words=words,
        words_share=share,
        apart=apart,
    )


def pick(
    scored: Iterable[tuple[float, int]], threshold: float, margin: float
) -> tuple[tuple[float, int] | None, tuple[float, int] | None]:
    """Of (score, story) pairs, the story to join and its runner-up story: the best story at
    `threshold` or above, unless another story scores within `margin` of it (then none: the
    facts do not tell which event it is). Each story counts once, at its best score."""
    best_of: dict[int, float] = {}
    for score, story in scored:
        if score > best_of.get(story, -math.inf):
            best_of[story] = score
    ranked = sorted(
        ((score, story) for story, score in best_of.items()), key=lambda r: (-r[0], r[1])
    )
    best = ranked[0] if ranked else None
    runner = ranked[1] if len(ranked) > 1 else None
    if best is None or best[0] < threshold:
        return None, runner
    if runner is not None and runner[0] >= threshold and best[0] - runner[0] < margin:
        return None, runner
    return best, runner


def choose(
    sig: Signature,
    candidates: Iterable[StoryCandidate],
    policy: StoryPolicy = DEFAULT_STORY_POLICY,
    weights: Weights = WEIGHTS,
) -> Joined:
    """The story `sig` joins, or none (see the module docstring)."""
    candidates = list(candidates)
    local = Local(candidates, sig.read)
    compared: list[tuple[float, StoryCandidate, Shared]] = []
    for candidate in candidates:
        shared = compare(sig, candidate, local)
        if shared is not None:
            compared.append((shared.score(weights), candidate, shared))
    if not compared:
        return Joined(
            story_id=None,
            report_id=None,
            score=None,
            reason="opened a story: no report of nearby days about the same place or actors",
        )
    bar = policy.threshold + weights.crowd * math.log(len(compared))
    joined, runner = pick(((c[0], c[1].story_id) for c in compared), bar, weights.margin)
    likest = max(compared, key=lambda c: (c[0], -c[1].story_id))
    score, candidate, shared = likest
    if joined is not None:
        return Joined(
            story_id=candidate.story_id,
            report_id=candidate.report_id,
            score=round(score, 2),
            reason=f"joined story {candidate.story_id} like report {candidate.report_id}: score"
            f" {score:.2f} >= {bar:.2f} ({shared.explain()})",
        )
    if score >= bar and runner is not None:
        return Joined(
            story_id=None,
            report_id=candidate.report_id,
            score=round(score, 2),
            reason=f"opened a story: stories {candidate.story_id} and {runner[1]} score alike"
            f" ({score:.2f} and {runner[0]:.2f}, within {weights.margin:g}), so which event it"
            " is cannot be told",
        )
    return Joined(
        story_id=None,
        report_id=candidate.report_id,
        score=round(score, 2),
        reason=f"opened a story: the likest of {len(compared)} report(s) of nearby days, report "
        f"{candidate.report_id}, scores {score:.2f} < {bar:.2f} ({shared.explain()})",
    )
