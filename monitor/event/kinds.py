"""What kind of event a sentence tells of, in ACLED's terms (codebook 2023). Pure.

Each type is recognised by the words news uses for it; where a sentence holds the words of
several types, the more specific act wins, in this order (`CUES`, first wins):

1. **Explosion/remote violence**: one-sided violence by remote means, whoever is hit: air or
   drone strikes, shelling, artillery, rockets, missiles, mortars; car bombs, IEDs, landmines
   (`remote_explosive_landmine_ied`), a suicide bomber (`suicide_bomb`), grenades. "A car bomb
   killed four" is an explosion, not violence against civilians: ACLED codes the means first.
2. **Violence against civilians**: armed actors deliberately harming unarmed people:
   kidnapping and abduction (`abduction_forced_disappearance`), executions, massacres, killings
   of civilians, migrants, journalists, activists (`attack`).
3. **Battle**: two armed, organised sides: clashes, fighting, offensives, assaults, an attack on
   a checkpoint or a base (armed on armed: `armed_clash`), a town taken by force
   (`government_regains_territory` when the state's forces retake it,
   `non_state_actor_overtakes_territory` otherwise: see `monitor.event`).
4. **Riot**: a demonstration turned violent, a mob (`violent_demonstration`, `mob_violence`).
5. **Protest**: a demonstration, march, sit-in, strike (`peaceful_protest`; with
   `protest_with_intervention` when security forces disperse it).
6. **Strategic development**: not violent, and important: arrests by authorities (`arrests`),
   agreements and ceasefires (`agreement`), a town handed over without a fight
   (`non_violent_transfer_of_territory`), weapons seized or defused (`disrupted_weapons_use`),
   a base opened (`headquarters_or_base_established`), looting and burning of property
   (`looting_property_destruction`), a group's change of allegiance or leader
   (`change_to_group_activity`), and other decisions of note (`other`: a state recognising a
   government, elections held, a leader appointed, sanctions imposed).

Talks, statements, condemnations and analysis are no event (None): a report of what someone
said is coded only when what was said is itself an act (an agreement signed, a government
recognised).

A killing word ("killed", "dead") with no other cue makes violence against civilians when the
dead are civilians, and a battle when they are fighters; a toll alone decides nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.event.needles import Needles


@dataclass(frozen=True, slots=True)
class Cue:
    type: str
    subtype: str | None
    pattern: re.Pattern[str]


def _cue(type_: str, subtype: str | None, words: str) -> Cue:
    return Cue(type_, subtype, re.compile(rf"\b(?:{words})\b", re.IGNORECASE))


_EXPLOSION = "explosion_remote_violence"
_CIVILIANS = "violence_against_civilians"
_STRATEGIC = "strategic_development"

# First wins where a sentence holds several (see the module docstring).
CUES: tuple[Cue, ...] = (
    _cue(
        _EXPLOSION,
        "suicide_bomb",
        r"suicide\s+(?:car\s+)?(?:bomb\w*|attack\w*|blast|truck)|suicide\s+bomber"
        r"|self-detonat\w*|blew\s+(?:himself|themselves)\s+up|انتحاري\w*",
    ),
    _cue(
        _EXPLOSION,
        "air_drone_strike",
        r"air\s*strikes?|airstrikes?|air\s+raids?|air\s+attacks?|drone\s+strikes?"
        r"|drone\s+attacks?|bomb(?:ed|ing|ings|s)?\s+(?:by|from)\s+(?:warplanes|jets|aircraft"
        r"|drones)|warplanes?|fighter\s+jets?|jets\s+(?:bombed|struck|hit|pound\w*)"
        r"|aerial\s+(?:bombardment|attack|strike)s?|bombing\s+(?:raids?|campaign|runs?)"
        r"|struck\s+from\s+the\s+air|(?:stealth|b-\d+|heavy)\s+bombers"
        r"|bombers\s+(?:strike|struck|hit|pound\w*)"
        r"|غارات?\s+جوي\w*|غارة|طيران|طائرات?\s+مسيرة|قصف\s+جوي",
    ),
    _cue(
        _EXPLOSION,
        "remote_explosive_landmine_ied",
        r"car\s+bomb\w*|bomb-laden|bomb\s+attacks?|bombs?\s+(?:exploded|went\s+off|blast)"
        r"|explosives?-(?:laden|packed)|packed\s+with\s+explosives|roadside\s+bombs?"
        r"|improvised\s+explosives?|ieds?|landmines?|land\s+mines?|mines?\s+(?:blast|explosion)"
        r"|explosions?|blasts?|exploded|detonated"
        r"|سيارة\s+مفخخة|مفخخة|تفجير\w*|انفجار\w*|عبوة\s+ناسفة|لغم",
    ),
    _cue(
        _EXPLOSION,
        "shelling_artillery_missile_attack",
        r"shell(?:ed|ing|s)|artillery|rockets?|missiles?|mortars?|grad|katyusha"
        r"|bombard(?:ed|ment|ing)|قذائف|قصف\w*|صواريخ",
    ),
    _cue(_EXPLOSION, "grenade", r"grenades?"),
    _cue(_EXPLOSION, None, r"bomb(?:s|ed|ing|ings)?|pound(?:s|ed|ing)"),
    # A release ends a kidnapping: a decision of note, not violence ("hostages are freed").
    _cue(
        _STRATEGIC,
        "other",
        r"(?:freed|released|releases|frees|release\s+of|freeing)"
        r"(?!\s+(?:an?|the|its)\s+(?:\w+\s+)?(?:video|statement|report|footage|photos?|images?))",
    ),
    _cue(
        _CIVILIANS,
        "abduction_forced_disappearance",
        r"kidnap\w*|abduct\w*|taken\s+hostage|held\s+hostage"
        r"|forced(?:ly)?\s+disappear\w*|disappeared|اختطاف|خطف|مخطوف\w*",
    ),
    _cue(_CIVILIANS, "sexual_violence", r"raped|rapes|sexual\s+(?:violence|assault|abuse)"),
    _cue(
        _CIVILIANS,
        "attack",
        r"massacre[ds]?|execut(?:ed|ion|ions|es)|beheaded|beheading|assassinat\w*|shot\s+dead"
        r"|shoots?\s+dead|gunned\s+down|murder(?:ed|s)?|(?:civilians|migrants|residents"
        r"|protesters|demonstrators|journalists?|activists?|workers|worshippers|children|women)"
        r"\s+(?:were\s+|have\s+been\s+)?(?:killed|attacked|shot|targeted)"
        r"|(?:killed|attacked|shot|targeted)\s+(?:\w+\s+){0,2}(?:civilians|migrants|residents"
        r"|protesters|demonstrators|journalists?|activists?|workers|worshippers|children|women)"
        r"|اغتيال\w*|إعدام\w*|مجزرة",
    ),
    _cue(
        "riot",
        "violent_demonstration",
        r"riot\w*|violent\s+protests?|(?:protesters|demonstrators|demonstrations?|crowds?)"
        r"\s+(?:\w+\s+)?(?:storm\w*|torch\w*|set\s+fire|attack\w*|clash\w*|ransack\w*|burn\w*)"
        r"|set\s+fire\s+to|torched|ransacked|lynch\w*|شغب",
    ),
    _cue(
        "battle",
        None,
        r"clash(?:es|ed)?|fighting|fight(?:s)?|fought|battles?|battling|offensives?|assaults?"
        r"|attack(?:s|ed|ing)?|counter-?attack\w*|firefights?|gun\s*battles?|skirmish\w*"
        r"|ambush(?:ed|es)?|storm(?:s|ed|ing)?|advance[ds]?|advancing|besieg\w*"
        r"|push(?:ed|es|ing)?\s+(?:into|on|against|toward|towards)"
        r"|crossfire|exchange\s+of\s+fire|gunfights?|being\s+(?:captured|taken|overrun)"
        r"|siege|revolt\w*|uprising|victory|gains|forced\s+(?:out\s+)?from"
        r"|(?:seiz|captur|retak|recaptur|overr[au]n|liberat|regain|gain)\w*\s+(?:[\w'-]+\s+){0,5}?"
        r"(?:towns?|city|cities|village|district|areas?|airport|bases?|airbase|ports?|terminals?"
        r"|oil|fields?|neighbou?rhoods?|camps?|control|strongholds?|bastion|positions|territory"
        r"|headquarters|barracks|compound|checkpoints?)"
        r"|(?:took|taken|take|takes|seized|seizes|wrest\w*|gain\w*|regain\w*|lost|lose)\s+control"
        r"|regain\w*|(?:drove|driven|drive|expel\w*|ousted|oust|pushed)\s+(?:\w+\s+){0,3}?out"
        r"|liberated|liberation\s+of|fall\s+of|fell\s+to|killed\s+in\s+(?:clashes|fighting|battle)"
        r"|اشتباكات|معارك|معركة|هجوم|اقتحام|سيطر\w*|تقدم",
    ),
    _cue(
        "protest",
        "peaceful_protest",
        r"protest(?:s|ed|ers|ing)?|demonstrat(?:ion|ions|ors|ed|e)|rall(?:y|ies|ied)"
        r"|march(?:ed|es)?|sit-ins?|strikers?|went\s+on\s+strike|general\s+strike"
        r"|took\s+to\s+the\s+streets|تظاهر\w*|مظاهر\w*|احتجاج\w*|وقفة\s+احتجاجية|اعتصام",
    ),
    _cue(
        _STRATEGIC,
        "arrests",
        r"arrest(?:ed|s|ing)?|detain(?:ed|s|ing)?|detention|custody|rounded\s+up|extradit\w*"
        r"|اعتقال|القبض|توقيف",
    ),
    _cue(
        _STRATEGIC,
        "agreement",
        r"ceasefire|cease-fire|truce|agreements?|accords?|deal|signed|sign|agree[sd]?"
        r"|peace\s+(?:plan|deal|talks\s+end)|prisoner\s+(?:swap|exchange)"
        r"|اتفاق\w*|هدنة|وقف\s+إطلاق",
    ),
    _cue(
        _STRATEGIC,
        "non_violent_transfer_of_territory",
        r"handed\s+over|hand\s+over|withdr[ae]w\w*|pull(?:ed|s)?\s+out|retreat\w*"
        r"|evacuat\w*\s+(?:their|its)\s+(?:positions|headquarters)"
        r"|control(?:s|led)?\s+(?:the\s+)?(?:\w+\s+)?(?:town|city|village|area)s?\b"
        r"|انسحاب|انسحب\w*|تسليم",
    ),
    _cue(
        _STRATEGIC,
        "disrupted_weapons_use",
        r"defus\w*|seized\s+(?:\w+\s+){0,3}?(?:weapons|arms|explosives|ammunition)"
        r"|weapons\s+cache|arms\s+(?:cache|shipment)|intercepted",
    ),
    _cue(
        _STRATEGIC,
        "looting_property_destruction",
        r"loot\w*|plunder\w*|demolish\w*|destroyed\s+(?:\w+\s+){0,3}?(?:shrines?|homes|houses"
        r"|property)|نهب",
    ),
    _cue(
        _STRATEGIC,
        "headquarters_or_base_established",
        r"(?:set\s+up|established|opened|build|built|establish|move|moves|moved)\s+"
        r"(?:\w+\s+){0,3}?(?:bases?|headquarters|training\s+camps?|base\s+camps?|checkpoints)",
    ),
    _cue(
        _STRATEGIC,
        "change_to_group_activity",
        r"defect\w*|pledged?\s+(?:allegiance|loyalty)|switched\s+sides|dissolv\w*|disband\w*"
        r"|merged|joined\s+forces|new\s+(?:leader|commander)|recruit\w*|mobiliz\w*|mobilis\w*"
        r"|deploy\w*|reinforcements|join(?:s|ed)?\s+(?:the\s+)?(?:\w+\s+)?(?:coalition|alliance"
        r"|campaign|operations?)|أعلن\w*\s+الولاء",
    ),
    _cue(
        _STRATEGIC,
        "other",
        r"recogni[sz](?:es|ed|ing|e)|elect(?:ed|ion|ions|s)?|vote[ds]?|voting|appoint\w*"
        r"|named\s+(?:as\s+)?(?:the\s+)?new|sworn\s+in|resign\w*|sanction\w*|embargo|froze"
        r"|freez\w*|expelled\s+(?:the\s+)?(?:ambassador|diplomats?)"
        r"|closed\s+(?:its|the)\s+embassy|imposes?|imposed|declared|declares|shut\s+down"
        r"|suspend\w*|blockade\w*|escape[sd]?|jailbreak|prison\s+break|restrict\w*|bans?|banned"
        r"|اعتراف|انتخاب\w*|تعيين|استقال\w*|عقوبات",
    ),
)

# A killing word with no other cue: battle when fighters died, violence against civilians when
# civilians did (the words that say which), else the killing of people is violence against
# civilians (ACLED codes a one-sided killing by armed actors so).
KILLING = re.compile(
    r"\b(?:killed|killing|kills|dead|died|deaths?|slain)\b|مقتل|قتل|قتلى|مصرع", re.IGNORECASE
)
FIGHTERS = re.compile(
    r"\b(?:soldiers?|troops|fighters|militants|militiamen|gunmen|rebels|jihadists|forces|loyalists|"
    r"guards?|officers?|servicemen|commanders?|members)\b|جنود|مقاتل\w*|مسلح\w*|عناصر",
    re.IGNORECASE,
)

VICTIMS = re.compile(
    r"\b(?:people|civilians|persons|residents|protesters|demonstrators|migrants|children|women"
    r"|men|workers|teachers?|doctors?|journalists?|students?|worshippers|villagers|prisoners)\b"
    r"|مدنيين|أشخاص",
    re.IGNORECASE,
)
# What a sentence's subject says or feels before any act of its own: a reaction, a threat, a
# plan, a trial, a finding. Its words come before the act's ("Obama condemns the attack that
# killed four", "Tunisia is prepared to extradite"); such a sentence tells of no event.
REACTION = re.compile(
    r"\b(?:condemn\w*|criticiz\w*|criticis\w*|pledg\w*|urg(?:es|ed)|warn(?:s|ed)|offer(?:s|ed)"
    r"|welcom\w*|threaten\w*|calls?\s+(?:on|for)|prepared\s+to|arrives?\s+in|scheduled\s+to"
    r"|goes\s+on\s+trial|on\s+trial|trial\s+of|ultimatum|deadline|negotiat\w*|mourning"
    r"|autopsy|asylum|considering|(?:would|could|may)\s+(?!have\b)\w+"
    r"|says\s+(?:he|she|it|they)\s+(?:is|are|will|would))\b",
    re.IGNORECASE,
)


# A shipwreck or a drowning is no event of ACLED's, though people die in it.
SHIPWRECK = re.compile(
    r"\b(?:capsi[sz]\w*|shipwrecks?|sank|sinks?|sinking|sunk|drown\w*|boat\s+(?:disaster|tragedy)"
    r"|rescue[sd]?|washed\s+ashore|migrants?\s+(?:\w+\s+)?(?:dead|died|drowned))\b"
    r"|غرق",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Found:
    type: str
    subtype: str | None
    text: str
    start: int


_SHIPWRECK_NEEDLES = Needles(SHIPWRECK)


# How much a type outweighs others in one sentence: the means first (an explosion), then the
# violence, then what is not violent. Within one weight the words a sentence gives first win.
_WEIGHT = {
    _EXPLOSION: 0,
    _CIVILIANS: 1,
    "riot": 1,
    "battle": 1,
    "protest": 2,
    _STRATEGIC: 2,
}
_NEEDLES = tuple(
    (cue, Needles(cue.pattern)) for cue in sorted(CUES, key=lambda cue: _WEIGHT[cue.type])
)
# What `kind_of` gives for a shipwreck: no event, and none to look for further on.
SHIPWRECKED = Found("", None, "", 0)


def kind_of(sentence: str) -> Found | None:
    """The event type a sentence's words say (see the module docstring); None if none, and
    `SHIPWRECKED` for a shipwreck."""
    lowered = sentence.lower()
    wreck = _SHIPWRECK_NEEDLES.may_match(lowered) and SHIPWRECK.search(sentence) is not None
    best: tuple[int, int, Found] | None = None
    for cue, needles in _NEEDLES:
        weight = _WEIGHT[cue.type]
        if best is not None and weight > best[0]:
            break
        if not needles.may_match(lowered):
            continue
        match = cue.pattern.search(sentence)
        if match is None:
            continue
        if best is None or (weight, match.start()) < best[:2]:
            best = (
                weight,
                match.start(),
                Found(cue.type, cue.subtype, match.group(), match.start()),
            )
    if wreck and (best is None or best[0] > 0):
        return SHIPWRECKED
    if best is not None:
        if REACTION.search(sentence, 0, best[1]) is not None:
            return None  # a reaction, a plan, a trial: no event told here
        return best[2]
    killing = KILLING.search(sentence)
    if killing is None or REACTION.search(sentence, 0, killing.start()) is not None:
        return None
    # The dead: the words after an active "killed" ("forces killed 84 people"), else before it
    # ("two soldiers were killed").
    after = sentence[killing.end() : killing.end() + 40]
    before = sentence[max(0, killing.start() - 40) : killing.start()]
    if VICTIMS.search(after):
        fighters = False
    elif FIGHTERS.search(after):
        fighters = True
    else:
        fighters = FIGHTERS.search(before) is not None
    if fighters:
        return Found("battle", "armed_clash", killing.group(), killing.start())
    return Found(_CIVILIANS, "attack", killing.group(), killing.start())
