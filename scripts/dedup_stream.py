"""A deterministic stream of synthetic Libya reports for the dedup and stories benchmark.

Each item is one entry as a feed would give it, with what the generator knows about it:

    original    an outlet's own full report of an event: a lead with the facts (date, places,
                actors, numbers), detail and quote paragraphs, 2 to 4 background paragraphs
                drawn from a shared pool (outlets reuse such text, which makes distinct
                reports partly alike on purpose), about 3 KB in all
    same_event  another outlet's own report of a recent event (0 to 2 days old): the same
                facts in other sentences; `new`, and in the original's story
    syndicated  an original's body under another outlet's byline and footer
    excerpt     an original's first two paragraphs, as an RSS summary
    retitled    an original under a new title (another outlet's footer half the time)
    edited      an original lightly edited: a paragraph dropped, an update line added, a word
                in 80 misspelt, a figure corrected
    resent      the same item served again: same source, guid, URL, title and body

Outlets open with a byline (most) and close with 1 to 3 footer paragraphs they repeat on every
report. Places and actors are watchlist entries written by their main name. Copies refer to
items of the same call to `stream` (the last three days of it mostly). Same arguments, same
items: the generator uses its own `random.Random`, never `hash()` of text.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "config"

DEFAULT_SHARES = {
    "original": 0.55,
    "same_event": 0.12,
    "syndicated": 0.09,
    "excerpt": 0.07,
    "retitled": 0.06,
    "edited": 0.07,
    "resent": 0.04,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    index: int
    source: str
    guid: str
    url: str
    title: str
    body: str
    published: datetime
    kind: str
    copy_of: int | None
    event: int
    places: tuple[str, ...]
    actors: tuple[str, ...]


def watchlist_names(
    config_dir: Path = CONFIG,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(places, actors) as (id, name) pairs: towns, districts, oil sites and bases; armed
    groups, leaders and state bodies. Entries with ambiguous names are left out."""
    places_file = tomllib.loads((config_dir / "places.toml").read_text("utf-8"))
    actors_file = tomllib.loads((config_dir / "actors.toml").read_text("utf-8"))
    places = [
        (p["id"], p["name"])
        for p in places_file["place"]
        if p.get("kind") in ("city", "town", "oil_facility", "airbase", "port", "district")
        and not p.get("ambiguous")
        and not p["name"][0].isdigit()
    ]
    actors = [
        (a["id"], a["name"])
        for a in actors_file["actor"]
        if a.get("kind") in ("armed_group", "person", "state_body")
        and not a.get("ambiguous")
        and len(a["name"]) >= 4
    ]
    return places, actors


PLACES, ACTORS = watchlist_names()

FIRST = (
    "Salem Ahmed Khaled Omar Ali Mahmoud Yousef Ibrahim Faraj Mustafa Hamza Tarek Nouri Walid "
    "Adel Saad Abdelsalam Fathi Jamal Hussein Ramadan Marwan Anwar Bashir Hisham Fouad Naji"
).split()
LAST = (
    "al-Obeidi al-Warfalli al-Zuwai al-Magarief Bensaud al-Hasi el-Mesmari Ghaith al-Fitouri "
    "Bughaighis al-Tajouri Shaglouf al-Misrati Abuzaid al-Barghathi Swehli el-Kikhia al-Ferjani "
    "al-Drissi Bukhris al-Amari Gheriani Jibril al-Senussi Mahjoub el-Houni"
).split()
ROLES = (
    "a local council member",
    "a spokesman for the municipality",
    "a field commander",
    "a resident",
    "a hospital official",
    "a security official",
    "an oil engineer",
    "a tribal elder",
    "a human rights researcher",
    "a shopkeeper",
    "a nurse",
    "a member of the House of Representatives",
    "a journalist based in the city",
)
TARGETS = (
    "the checkpoint at the eastern gate",
    "a convoy on the coastal road",
    "the main power station",
    "an ammunition depot",
    "the police headquarters",
    "a camp on the edge of town",
    "the road to the airport",
    "a fuel depot near the port",
    "the municipal building",
    "a water pumping station",
    "the central prison",
    "a military hospital",
    "the southern entrance of the town",
    "a barracks near the old stadium",
)
WEAPONS = (
    "mortars",
    "rocket-propelled grenades",
    "heavy machine guns",
    "Grad rockets",
    "anti-aircraft guns mounted on pickups",
    "armed drones",
    "tank fire",
    "sniper fire",
)
EVENT_TYPES = {
    "clash": ("clashes broke out", "fighting erupted", "heavy exchanges of fire were reported"),
    "airstrike": ("warplanes struck", "an air raid hit", "aircraft bombed"),
    "drone strike": ("a drone strike hit", "an armed drone targeted", "a drone attack struck"),
    "car bomb": (
        "a car bomb exploded at",
        "a suicide bomber drove a vehicle into",
        "an explosive-laden car blew up near",
    ),
    "kidnapping": ("gunmen abducted", "armed men seized", "unknown attackers kidnapped"),
    "protest": ("hundreds protested", "demonstrators gathered", "crowds marched"),
    "blockade": ("guards shut down", "protesters blockaded", "armed men closed"),
    "port closure": (
        "authorities closed",
        "operations were halted at",
        "ships were turned back from",
    ),
    "checkpoint incident": (
        "a standoff erupted at",
        "shots were fired at",
        "a dispute escalated at",
    ),
    "shipwreck": (
        "a boat carrying migrants capsized off",
        "the coast guard intercepted a boat off",
        "a rubber dinghy sank near",
    ),
    "meeting": ("delegations met in", "rival leaders held talks in", "officials convened in"),
    "prisoner release": (
        "detainees were freed in",
        "a prisoner exchange took place in",
        "captives were handed over in",
    ),
    "assassination": ("gunmen shot dead", "an attacker killed", "a bomb killed"),
    "power cut": ("a blackout hit", "power was cut across", "electricity failed in"),
    "court ruling": ("a court ruled in", "judges issued a verdict in", "a tribunal decided in"),
}
MONTHS = (
    "January February March April May June July August September October November December"
).split()
NUMBER_WORDS = "two three four five six seven eight nine ten eleven twelve".split()

LEAD = (
    "On {date}, {what} {target} in {place}, {outcome}, according to {sourcing}.",
    "{Sourcing} said {what} {target} in {place} on {date}, {outcome}.",
    "{Place} saw {kindname} on {date} when {what} {target}; {outcome}.",
    "At least {killed} people were killed and {wounded} wounded on {date} after {what} "
    "{target} in {place}, {sourcing} said.",
    "{Actor} was blamed after {what} {target} in {place} on {date}, {outcome}.",
)
LEAD_2 = (
    "The incident involved {actor} and {actor2}, {sourcing} added.",
    "Forces loyal to {actor} were deployed to the area, while {actor2} denied any role.",
    "{Actor} said its units had responded, and accused {actor2} of starting it.",
    "Witnesses said fighters of {actor} were seen near {place2} shortly before.",
    "It was the worst such incident in the area since {actor2} moved into {place2}.",
)
DETAIL = (
    "{Name}, {role}, said {weapon} had been used and that {n1} vehicles were destroyed.",
    "Residents reported {weapon} through the night, and {n1} families fled towards {place2}.",
    "Hospital staff in {place} received {wounded} wounded, {n1} of them in serious condition.",
    "The road between {place} and {place2} was closed for {n1} hours while units searched.",
    "Images shared online appeared to show burned-out cars and damaged shopfronts near {target}.",
    "{Actor} later issued a statement saying {n1} of its members had been detained.",
    "Local officials said water and electricity were cut in {n1} neighbourhoods.",
    "A curfew was imposed from {hour} in the evening, the municipality announced.",
    "Schools in {place} were ordered to stay closed for {n1} days.",
    "The UN mission said it was alarmed by the reports and called for restraint.",
    "Traders said fuel prices in {place} had doubled within {n1} days.",
    "The Red Crescent said it had recovered {killed} bodies and was searching for more.",
    "Security sources said {n1} suspects had been arrested in connection with the attack.",
    "Engineers were sent to assess damage to {target}, which serves about {big} people.",
    "{Name}, {role}, described scenes of panic as people ran for cover.",
    "Flights at the nearest airport were suspended for {n1} hours as a precaution.",
    "The attack came {n1} days after {actor2} announced new deployments around {place2}.",
    "Talks between elders of {place} and commanders of {actor2} broke down in the evening.",
    "An armoured column of about {big} fighters was reported moving from {place2}.",
    "Officials estimated losses at {big} barrels a day if the disruption continued.",
)
QUOTE = (
    '"We heard {weapon} for hours and nobody came to help us," said {name}, {role}.',
    '"This is a dangerous escalation that threatens the region," {name}, {role}, told reporters.',
    '"The situation is under control and the perpetrators will be punished," said {name}, {role}.',
    '"People are afraid to leave their homes," {name}, {role}, said by telephone.',
    '"We call on all sides to respect the ceasefire," said {name}, {role}.',
    '"Our forces will not allow anyone to threaten {place}," {name}, {role}, said.',
)
BACKGROUND_SENTENCES = (
    "Libya has been divided between rival administrations in the east and west since 2014.",
    "The Libyan National Army, led by Khalifa Haftar, controls much of the east and south.",
    "Haftar launched an offensive on Tripoli in April 2019 that collapsed the following year.",
    "A ceasefire signed in Geneva in October 2020 has largely held despite sporadic violence.",
    "The oil crescent, home to the country's main export terminals, has changed hands repeatedly.",
    "Oil output has been disrupted many times by blockades staged by armed groups and tribes.",
    "The Islamic State seized Sirte in 2015 and was driven out in December 2016.",
    "Armed groups in the capital have grown powerful by controlling state institutions.",
    "Elections planned for December 2021 were postponed indefinitely amid disputes over the rules.",
    "The United Nations has struggled to broker a lasting political settlement.",
    "Foreign powers including Turkey, Russia, Egypt and the United Arab Emirates back rival sides.",
    "Migrants trying to reach Europe often depart from the western coast.",
    "Rights groups have documented abuses in detention centres across the country.",
    "Electricity shortages and a cash crunch have deepened public anger in recent years.",
    "The southern region of Fezzan has long suffered from neglect and lawlessness.",
    "Tribal alliances shape much of the country's politics and security arrangements.",
    "The central bank has been at the heart of a power struggle between rival factions.",
    "Smuggling of fuel and people provides income for many armed groups.",
    "Misrata's brigades played a leading role in the 2011 uprising and the battle for Sirte.",
    "Benghazi saw three years of fighting between Haftar's forces and Islamist groups until 2017.",
    "Derna was besieged by the Libyan National Army for more than two years.",
    "The coast guard, trained and equipped with European support, intercepts thousands each year.",
    "The National Oil Corporation has repeatedly declared force majeure at ports and fields.",
    "A unity government was installed in Tripoli in March 2021 under a UN-led process.",
)
OUTCOMES = (
    "killing {killed} people and wounding {wounded}",
    "leaving {killed} dead and {wounded} injured",
    "with {killed} people reported killed",
    "wounding {wounded} people, {killed} of them fatally",
)
SOURCINGS = (
    "local officials",
    "medical sources",
    "a security source",
    "witnesses",
    "the interior ministry",
    "residents",
    "a military spokesman",
)
TITLES = (
    "{Kindname} in {place} leaves {killed} dead",
    "{Actor} blamed for {kindname} in {place}",
    "{Place}: {kindname} raises fears of escalation",
    "Tension in {place} after {kindname}",
    "{killed} killed as {kindname} hits {place}",
    "{Kindname} reported near {place2}",
)
NEW_TITLES = (
    "What we know about the {kindname} in {place}",
    "Update: {place} {kindname}",
    "Fears grow after {place} incident",
    "Libya: {kindname} in {place}",
)


def _outlets(rng: random.Random) -> list[dict[str, object]]:
    names = (
        "Tripoli Herald, Libya Observer Daily, Benghazi Times, Sahara Wire, Cyrenaica Post, "
        "Mediterranean Monitor, Fezzan Voice, Libya Update, North Africa Report, Misrata News, "
        "Oil Crescent Review, Maghreb Dispatch, Libyan Affairs Blog, Coastal Chronicle, "
        "Desert Bulletin, Libya Insight, Sirte Gazette, Tobruk Today, Al-Wasat English, "
        "Tripoli Post, Libya Security Monitor, Green Mountain News, Nafusa Mountains Journal, "
        "Gulf of Sidra Tribune, Libya Newswire"
    ).split(", ")
    outlets = []
    for number, name in enumerate(names):
        domain = name.lower().replace(" ", "").replace("-", "") + ".example"
        reporters = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(2, 5))]
        footer = [
            f"© 2026 {name}. All rights reserved. Republication without permission is prohibited.",
            f"About {name}: independent reporting on Libya since {2005 + number % 15}. "
            f"Subscribe to our newsletter for daily updates and analysis.",
            "Popular posts from this blog: the oil blockade explained; who controls Tripoli; "
            "a guide to the armed groups of the west.",
            f"Share this article on social media and follow {name} for breaking news.",
        ]
        rng.shuffle(footer)
        outlets.append(
            {
                "name": name,
                "domain": domain,
                "reporters": reporters,
                "byline": rng.random() < 0.7,
                "footer": footer[: rng.randint(1, 3)],
            }
        )
    return outlets


OUTLETS = _outlets(random.Random(7))
BACKGROUND = [" ".join(random.Random(i).sample(BACKGROUND_SENTENCES, 3)) for i in range(60)]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Event:
    id: int
    kind: str
    date: datetime
    places: tuple[tuple[str, str], ...]
    actors: tuple[tuple[str, str], ...]
    killed: int
    wounded: int
    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Story:
    """An original as later copies need it."""

    item: Item
    outlet: dict[str, object]
    core: tuple[str, ...]
    event: _Event


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fill(template: str, rng: random.Random, event: _Event) -> str:
    place, place2 = event.places[0][1], event.places[-1][1]
    actor, actor2 = event.actors[0][1], event.actors[-1][1]
    values = {
        "date": f"{event.date.day} {MONTHS[event.date.month - 1]}",
        "what": rng.choice(EVENT_TYPES[event.kind]),
        "target": event.target,
        "place": place,
        "place2": place2 if place2 != place else rng.choice(PLACES)[1],
        "actor": actor,
        "actor2": actor2,
        "killed": event.killed,
        "wounded": event.wounded,
        "kindname": event.kind,
        "outcome": rng.choice(OUTCOMES).format(killed=event.killed, wounded=event.wounded),
        "sourcing": rng.choice(SOURCINGS),
        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "role": rng.choice(ROLES),
        "weapon": rng.choice(WEAPONS),
        "n1": rng.choice(NUMBER_WORDS),
        "big": f"{rng.randint(2, 90) * 100:,}",
        "hour": rng.choice(NUMBER_WORDS[4:]),
    }
    values.update({k.capitalize(): _cap(str(v)) for k, v in list(values.items())})
    return template.format(**values)


def _article(rng: random.Random, event: _Event) -> tuple[str, tuple[str, ...]]:
    """A title and the core paragraphs (no byline, no footer) of one outlet's report."""
    lead = _fill(rng.choice(LEAD), rng, event) + " " + _fill(rng.choice(LEAD_2), rng, event)
    details = rng.sample(DETAIL, rng.randint(12, 20))
    paragraphs = [lead]
    while details:
        take = rng.randint(2, 3)
        paragraphs.append(" ".join(_fill(t, rng, event) for t in details[:take]))
        details = details[take:]
    for quote in rng.sample(QUOTE, rng.randint(1, 2)):
        paragraphs.insert(rng.randint(2, len(paragraphs)), _fill(quote, rng, event))
    for _ in range(rng.randint(2, 4)):
        paragraphs.append(rng.choice(BACKGROUND))
    return _fill(rng.choice(TITLES), rng, event), tuple(paragraphs)


def _body(outlet: dict[str, object], core: tuple[str, ...], rng: random.Random) -> str:
    parts = []
    if outlet["byline"]:
        parts.append(f"By {rng.choice(outlet['reporters'])}, {outlet['name']}")  # type: ignore[arg-type]
    parts.extend(core)
    parts.extend(outlet["footer"])  # type: ignore[arg-type]
    return "\n\n".join(parts)


def _misspell(text: str, rng: random.Random, every: int = 80) -> str:
    words = text.split(" ")
    for i in range(rng.randrange(every), len(words), every):
        w = words[i]
        if len(w) >= 5 and w.isalpha():
            words[i] = w[0] + w[2] + w[1] + w[3:]
    return " ".join(words)


def stream(
    count: int,
    *,
    seed: int = 0,
    start: datetime,
    days: float,
    shares: Mapping[str, float] | None = None,
    first_index: int = 0,
) -> Iterator[Item]:
    """`count` items published between `start` and `start + days`, in published order.
    `first_index` numbers the first item, so that a second call continues a stream with ids
    (items, events) of its own."""
    shares = dict(shares or DEFAULT_SHARES)
    kinds, weights = zip(*shares.items(), strict=True)
    rng = random.Random(seed * 1_000_003 + first_index)
    step = timedelta(days=days) / max(count, 1)
    stories: list[_Story] = []
    next_event = first_index
    for offset in range(count):
        index = first_index + offset
        now = start + step * offset + step * rng.random() * 0.9
        kind = rng.choices(kinds, weights)[0]
        recent = [s for s in stories[-400:] if now - s.item.published <= timedelta(days=3)]
        if kind != "original" and not stories:
            kind = "original"
        if kind == "original":
            event = _Event(
                id=next_event,
                kind=rng.choice(tuple(EVENT_TYPES)),
                date=now - timedelta(hours=rng.randint(0, 20)),
                places=tuple(rng.sample(PLACES, rng.choice((1, 1, 2)))),
                actors=tuple(rng.sample(ACTORS, rng.choice((1, 2, 2, 3)))),
                killed=rng.randint(0, 30),
                wounded=rng.randint(2, 60),
                target=rng.choice(TARGETS),
            )
            next_event += 1
            outlet = rng.choice(OUTLETS)
            title, core = _article(rng, event)
            yield_item = _new_item(
                index, outlet, title, _body(outlet, core, rng), now, kind, None, event
            )
            stories.append(_Story(item=yield_item, outlet=outlet, core=core, event=event))
            yield yield_item
            continue
        pool = recent if recent and rng.random() < 0.8 else stories
        story = rng.choice(pool)
        event = story.event
        others = [o for o in OUTLETS if o is not story.outlet]
        if kind == "same_event":
            outlet = rng.choice(others)
            event_now = replace(event, wounded=event.wounded + rng.choice((0, 0, 1)))
            title, core = _article(rng, event_now)
            item = _new_item(index, outlet, title, _body(outlet, core, rng), now, kind, None, event)
            stories.append(_Story(item=item, outlet=outlet, core=core, event=event))
            yield item
            continue
        original = story.item
        if kind == "resent":
            yield replace(original, index=index, published=now, kind=kind, copy_of=original.index)
            continue
        if kind == "syndicated":
            outlet = rng.choice(others)
            core = story.core
            if rng.random() < 0.5:
                core = core + (f"This article first appeared on {story.outlet['name']}.",)
            body, title = _body(outlet, core, rng), original.title
        elif kind == "excerpt":
            outlet = story.outlet if rng.random() < 0.5 else rng.choice(others)
            body, title = "\n\n".join(story.core[:2]), original.title
        elif kind == "retitled":
            outlet = story.outlet if rng.random() < 0.5 else rng.choice(others)
            body = _body(outlet, story.core, rng)
            title = _fill(rng.choice(NEW_TITLES), rng, event)
        else:  # edited
            outlet = story.outlet if rng.random() < 0.5 else rng.choice(others)
            core = list(story.core)
            if len(core) > 4 and rng.random() < 0.6:
                del core[rng.randrange(2, len(core))]
            if rng.random() < 0.6:
                core.insert(
                    1, f"Updated at {rng.randint(8, 22)}:00 with new figures from officials."
                )
            text = _misspell("\n\n".join(core), rng)
            if rng.random() < 0.4:
                text = text.replace(f" {event.wounded} ", f" {event.wounded + 1} ", 1)
            body, title = _body(outlet, tuple(text.split("\n\n")), rng), original.title
        yield _new_item(index, outlet, title, body, now, kind, original.index, event)


def _new_item(
    index: int,
    outlet: dict[str, object],
    title: str,
    body: str,
    now: datetime,
    kind: str,
    copy_of: int | None,
    event: _Event,
) -> Item:
    slug = "-".join(title.lower().split()[:6]).replace(":", "").replace(",", "")
    return Item(
        index=index,
        source=str(outlet["name"]),
        guid=f"{outlet['domain']}/{index}",
        url=f"https://{outlet['domain']}/{now:%Y/%m}/{slug}-{index}",
        title=title,
        body=body,
        published=now,
        kind=kind,
        copy_of=copy_of,
        event=event.id,
        places=tuple(p for p, _ in event.places),
        actors=tuple(a for a, _ in event.actors),
    )
