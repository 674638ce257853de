"""One poll cycle over many feeds, cold and warm: wall time, CPU time and peak memory.

    python scripts/bench_poll.py [--feeds 1000] [--entries 20] [--seed 1]
                                 [--per-host 16] [--concurrency 16]

A feed server in a process of its own serves `--feeds` RSS 2.0 feeds of `--entries` entries
each, all on 127.0.0.1 (one host), with an ETag and Last-Modified on every answer, the body
gzipped when asked, and 304 Not Modified when a conditional GET's If-None-Match matches. The
entries are synthetic Libya reports from a seeded random generator (same seed, same feeds): a
title and a body of 150 to 400 words (a lead, details, quotes, background) naming towns, oil
sites, armed groups, leaders and figures, in HTML paragraphs, each entry with a guid and link of
its own. About one entry in twelve is another outlet's report syndicated under the feed's own
byline and footer, so duplicates occur. Entries are published over the two days before
2026-11-21 12:00 UTC, and the monitor's clock stands still at that time.

This process then does what the daemon does, with the configuration shipped in config/ and a
file of its own in a temporary folder (a fresh SQLite store there, the generated [[feeds]],
[polling] per_host and concurrency as given): `open_poller`, with a notifier that drops what it
is given, then `Poller.poll` over every feed, twice:
- cold: every entry is new to the empty store, and goes through fetch, parse, normalize, dedup,
  tag, story, store and alert;
- warm: at once, the same poller polls every feed again; nothing changed, so each conditional
  GET comes back 304 and only the feed's state is saved, as in a running daemon's cycle.
For each, the table gives the wall time, the CPU time of this process (user + system of all its
threads; the server's own is not in it, and is given below the table), the peak resident memory
so far (ru_maxrss: after the warm cycle it cannot be lower than after the cold one), the feeds
polled and failed, and the reports stored as new, duplicate (stored, never alerted) or seen (not
stored again). Progress goes to standard error, the table to standard output.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import multiprocessing
import random
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

# Words the dedup benchmark's stream uses too.
from dedup_stream import ROLES, SOURCINGS, TARGETS, WEAPONS  # noqa: E402

# The clock of the monitor side, and the end of the two days the entries are published over.
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SYNDICATED_SHARE = 0.08
MIN_WORDS, MAX_WORDS = 150, 400

# --- the reports ---------------------------------------------------------------------------------

PLACES = (
    "Sirte",
    "Misrata",
    "Benghazi",
    "Tripoli",
    "Derna",
    "Ras Lanuf",
    "Bani Walid",
    "Tobruk",
    "Ajdabiya",
    "Brega",
    "Sebha",
    "Zawiya",
    "Gharyan",
    "Kufra",
    "Ubari",
    "Zintan",
    "Tarhuna",
    "Sabratha",
    "Es Sider",
    "Jufra",
    "Waddan",
    "Murzuq",
    "Ghat",
    "Tajoura",
    "Janzour",
    "al-Bayda",
    "Marj",
    "Zliten",
    "Khoms",
    "Brak al-Shati",
)
GROUPS = (
    "ISIS",
    "LNA",
    "Bunyan al-Marsus",
    "Petroleum Facilities Guard",
    "Special Deterrence Force",
    "444 Brigade",
    "Stability Support Apparatus",
    "Misratan brigades",
    "Benghazi Defence Brigades",
    "Ansar al-Sharia",
    "Derna Mujahideen Shura Council",
    "Third Force",
    "166 Brigade",
    "Wagner Group",
    "Tariq bin Ziyad Brigade",
    "al-Saiqa Special Forces",
    "Subul al-Salam Battalion",
)
AUTHORITIES = (
    "GNA",
    "GNU",
    "Presidential Council",
    "HoR",
    "National Oil Corporation",
    "UNSMIL",
    "Khalifa Haftar",
    "Abdul Hamid Dbeibah",
    "Aguila Saleh",
    "Fayez al-Sarraj",
    "Saddam Haftar",
)
KINDS = {
    "clashes": ("heavy clashes", "fighting between rival armed groups", "an exchange of fire"),
    "airstrike": ("an airstrike", "a series of air raids", "a drone strike"),
    "bombing": ("a car bomb", "a suicide attack", "a roadside bomb"),
    "shelling": ("shelling", "a barrage of Grad rockets", "mortar fire"),
    "ambush": ("an ambush", "an attack by gunmen", "a raid on a checkpoint"),
}
FIRST = (
    "Salem Ahmed Khaled Omar Ali Mahmoud Yousef Ibrahim Faraj Mustafa Hamza Tarek Nouri Walid "
    "Adel Saad Abdelsalam Fathi Jamal Hussein Ramadan Marwan Anwar Bashir Hisham Fouad Naji"
).split()
LAST = (
    "al-Obeidi al-Warfalli al-Zuwai al-Magarief Bensaud al-Hasi el-Mesmari Ghaith al-Fitouri "
    "Bughaighis al-Shaglouf Abuzaid al-Barghathi el-Kikhia al-Ferjani al-Drissi Bukhris "
    "al-Amari al-Senussi Mahjoub el-Houni"
).split()
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "ten", "twelve")

TITLES = (
    "{Kind} in {place}: {killed} dead, {wounded} wounded",
    "{group} blamed for {kind} in {place}",
    "{place}: fears of escalation after {kind}",
    "Tension in {place} after deadly {kind}",
    "{killed} killed in {kind} in {place}",
    "{Kind} reported near {place2}",
    "{authority} condemns {kind} in {place}",
    "{group} and {group2} trade blame after {place} {kind}",
)
NEW_TITLES = (
    "What we know about the {kind} in {place}",
    "Update: {place} {kind}",
    "Libya: {kind} in {place} as {group} digs in",
    "Fears grow after {place} incident",
)
LEADS = (
    "{What} hit {target} in {place} on {weekday}, killing at least {killed} people and "
    "wounding {wounded}, {sourcing} said.",
    "At least {killed} people were killed and {wounded} wounded in {place} on {weekday} when "
    "{what} struck {target}, according to {sourcing}.",
    "Fighters of the {group} and the {group2} fought for hours near {target} in {place} on "
    "{weekday}; {sourcing} put the toll at {killed} dead and {wounded} wounded.",
    "{Sourcing} said {killed} people died and {wounded} were hurt after {what} near {target} on "
    "the outskirts of {place} late on {weekday}.",
)
LEADS_2 = (
    "The {group} said it was behind the attack in a statement posted online.",
    "No group has claimed responsibility, but officials pointed at the {group}.",
    "It was the worst violence in the area since {n} weeks of calm were broken in the spring.",
    "The {authority} called an emergency meeting and promised an inquiry.",
)
DETAILS = (
    "Witnesses described {n} explosions in quick succession shortly after {hour} in the morning.",
    "Ambulances from {place2} were sent to help the overwhelmed hospital in {place}.",
    "The attackers used {weapon} and fled towards the desert in {n} vehicles.",
    "The road between {place} and {place2} was closed to traffic for most of the day.",
    "A curfew was declared from sunset, and schools in {place} stayed shut.",
    "The {group} has controlled checkpoints on the road south of {place} since last year.",
    "Local officials said {big} families had left their homes in the affected districts.",
    "Power cuts of up to {n} hours a day have made conditions in {place} worse.",
    "The {authority} said it would send reinforcements to secure {target}.",
    "Footage shared on social media showed smoke rising over {target}.",
    "Fuel queues stretched for {n} kilometres at stations on the edge of {place}.",
    "Commanders of the {group2} said their positions near {place2} came under fire overnight.",
    "Oil output at fields near {place2} fell by about {big} barrels a day, engineers said.",
    "The Red Crescent said its teams recovered {killed} bodies by the evening.",
    "Some of the wounded were moved to {place2}, where the hospital has more beds.",
    "Prices of bread and cooking gas in {place} rose sharply in the days before the attack.",
    "A local council meeting on security was postponed after the violence.",
    "UN officials urged all sides to protect civilians and allow aid convoys through.",
    "Forces loyal to {authority} took up positions around {target} after the fighting.",
    "Mobile phone networks in {place} were down for {n} hours.",
    "Residents said gunfire could be heard until {hour} in the evening.",
    "Officials said {wounded} people were treated for wounds from {weapon}.",
)
QUOTES = (
    '"We heard the first blast and then the shooting started," said {name}, {role}.',
    '"The hospital is full and we are short of blood," {name}, {role}, told reporters.',
    '"This is a message to everyone who wants peace in {place}," said {name}, {role}.',
    '"Nobody protects us here," said {name}, {role}, whose house was damaged.',
    '"We will not allow the {group} to return to {place}," {name}, {role}, said.',
    '"The roads are closed and food is running out," said {name}, {role}.',
)
BACKGROUND = (
    "Libya has been divided between rival administrations in the east and west since 2014.",
    "The {group} seized parts of {place} during the chaos that followed the 2011 uprising.",
    "Efforts by the UN to organise national elections have repeatedly stalled.",
    "Oil revenue, the country's main source of income, is at the centre of the dispute.",
    "Forces loyal to Khalifa Haftar control much of the east and south of the country.",
    "Armed groups in Tripoli have clashed repeatedly over control of state institutions.",
    "A ceasefire signed in 2020 has largely held despite frequent local clashes.",
    "Migrants crossing the Sahara pass through {place2} on their way to the coast.",
    "Bunyan al-Marsus forces drove ISIS out of Sirte in December 2016 after months of fighting.",
    "The National Oil Corporation has declared force majeure at several terminals in the past.",
)
PREFIXES = (
    "Tripoli Sirte Misrata Benghazi Derna Tobruk Fezzan Cyrenaica Libya Sahara Maghreb Coastal "
    "Desert Mediterranean Nafusa Oil-Crescent Green-Mountain North-Africa Sebha Zawiya"
).split()
SUFFIXES = (
    "Herald Observer Times Wire Post Monitor Voice Update Report News Review Dispatch Chronicle "
    "Bulletin Insight Gazette Today Tribune Journal Digest"
).split()
EDITIONS = ("", " Online", " Daily", " Weekly", " English", " Live")


@dataclass(frozen=True, slots=True)
class Outlet:
    name: str
    domain: str
    reporters: tuple[str, ...]
    byline: bool
    footer: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Story:
    """An outlet's own report: what a syndicated copy takes from it."""

    outlet: Outlet
    title: str
    core: tuple[str, ...]
    slots: dict[str, str]


@dataclass(slots=True)
class Entry:
    guid: str
    link: str
    title: str
    paragraphs: list[str]
    published: datetime


@dataclass(slots=True)
class Generated:
    outlets: list[Outlet]
    feeds: list[list[Entry]]
    syndicated: int = 0
    words: list[int] = field(default_factory=list)


def _outlets(count: int, rng: random.Random) -> list[Outlet]:
    combos = [f"{p.replace('-', ' ')} {s}" for p in PREFIXES for s in SUFFIXES]
    rng.shuffle(combos)
    outlets = []
    for n in range(count):
        edition = EDITIONS[n // len(combos)] if n < len(combos) * len(EDITIONS) else f" {n}"
        name = combos[n % len(combos)] + edition
        domain = name.lower().replace(" ", "") + ".example"
        footer = [
            f"© 2026 {name}. All rights reserved. Republication without permission is prohibited.",
            f"Follow {name} for daily reporting and analysis from across Libya.",
            f"Subscribe to the {name} newsletter to get our stories every morning.",
        ]
        rng.shuffle(footer)
        outlets.append(
            Outlet(
                name=name,
                domain=domain,
                reporters=tuple(
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(2, 5))
                ),
                byline=rng.random() < 0.7,
                footer=tuple(footer[: rng.randint(1, 2)]),
            )
        )
    return outlets


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fill(template: str, slots: dict[str, str], rng: random.Random) -> str:
    values = dict(slots)
    values |= {
        "what": rng.choice(KINDS[slots["kind"]]),
        "target": rng.choice(TARGETS),
        "weapon": rng.choice(WEAPONS),
        "sourcing": rng.choice(SOURCINGS),
        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "role": rng.choice(ROLES),
        "n": rng.choice(NUMBER_WORDS),
        "big": f"{rng.randint(2, 90) * 100:,}",
        "hour": rng.choice(NUMBER_WORDS[3:]),
    }
    values |= {k[:1].upper() + k[1:]: _cap(v) for k, v in list(values.items())}
    return template.format(**values)


def _event(rng: random.Random, published: datetime) -> dict[str, str]:
    place, place2 = rng.sample(PLACES, 2)
    group, group2 = rng.sample(GROUPS, 2)
    return {
        "kind": rng.choice(tuple(KINDS)),
        "place": place,
        "place2": place2,
        "group": group,
        "group2": group2,
        "authority": rng.choice(AUTHORITIES),
        "killed": str(rng.randint(1, 30)),
        "wounded": str(rng.randint(2, 60)),
        "weekday": WEEKDAYS[(published - timedelta(hours=rng.randint(0, 20))).weekday()],
    }


def _words(paragraphs: list[str] | tuple[str, ...]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def _dress(outlet: Outlet, core: tuple[str, ...], rng: random.Random) -> list[str]:
    byline = [f"By {rng.choice(outlet.reporters)}, {outlet.name}"] if outlet.byline else []
    return byline + list(core) + list(outlet.footer)


def _article(slots: dict[str, str], rng: random.Random) -> tuple[str, ...]:
    """The core paragraphs (no byline, no footer) of a report of 150 to 400 words in all."""
    # A byline, a footer (11 words at least, 30 at most) and a syndication note come on top.
    target = rng.randint(MIN_WORDS - 10, MAX_WORDS - 110)
    lead = _fill(rng.choice(LEADS), slots, rng) + " " + _fill(rng.choice(LEADS_2), slots, rng)
    paragraphs = [lead]
    details = rng.sample(DETAILS, len(DETAILS))
    quotes = rng.sample(QUOTES, 2)
    background = rng.sample(BACKGROUND, 2)
    while _words(paragraphs) < target and details:
        if quotes and rng.random() < 0.25:
            paragraphs.append(_fill(quotes.pop(), slots, rng))
            continue
        if background and len(paragraphs) > 3 and rng.random() < 0.2:
            paragraphs.append(_fill(background.pop(), slots, rng))
            continue
        take = rng.randint(2, 3)
        paragraphs.append(" ".join(_fill(t, slots, rng) for t in details[:take]))
        details = details[take:]
    return tuple(paragraphs)


def generate(feeds: int, entries: int, seed: int) -> Generated:
    """The feeds' entries, newest first in each feed. Same arguments, same entries."""
    rng = random.Random(seed)
    outlets = _outlets(feeds, rng)
    out = Generated(outlets=outlets, feeds=[[] for _ in range(feeds)])
    stories: list[Story] = []
    number = 0
    # Entries are made in published order, a feed at a time round-robin, so that a syndicated
    # copy always comes after its original (in time) from another outlet.
    for _ in range(entries):
        for f, outlet in enumerate(outlets):
            number += 1
            published = NOW - timedelta(days=2) * (1 - number / (feeds * entries + 1))
            published -= timedelta(seconds=rng.randint(0, 60))
            others = [s for s in stories[-2000:] if s.outlet is not outlet]
            if others and rng.random() < SYNDICATED_SHARE:
                story = rng.choice(others)
                core = story.core
                if rng.random() < 0.5:
                    core = core + (f"This article first appeared on {story.outlet.name}.",)
                title = story.title
                if rng.random() < 0.5:
                    title = _fill(rng.choice(NEW_TITLES), story.slots, rng)
                out.syndicated += 1
            else:
                slots = _event(rng, published)
                core = _article(slots, rng)
                title = _fill(rng.choice(TITLES), slots, rng)
                stories.append(Story(outlet=outlet, title=title, core=core, slots=slots))
            paragraphs = _dress(outlet, core, rng)
            out.words.append(_words(paragraphs))
            slug = "-".join(w.strip(":,.") for w in title.lower().split()[:6])
            out.feeds[f].insert(
                0,
                Entry(
                    guid=f"{outlet.domain}/{number}",
                    link=f"https://{outlet.domain}/{published:%Y/%m}/{slug}-{number}",
                    title=title,
                    paragraphs=paragraphs,
                    published=published,
                ),
            )
    return out


def rss(outlet: Outlet, entries: list[Entry]) -> bytes:
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'><channel>"
        f"<title>{escape(outlet.name)}</title><link>https://{outlet.domain}/</link>"
        f"<description>News from Libya by {escape(outlet.name)}</description>"
        "<language>en</language>"
    ]
    for e in entries:
        html = "".join(f"<p>{escape(p)}</p>" for p in e.paragraphs)
        parts.append(
            "<item>"
            f"<title>{escape(e.title)}</title>"
            f"<link>{escape(e.link)}</link>"
            f"<guid isPermaLink='false'>{escape(e.guid)}</guid>"
            f"<pubDate>{format_datetime(e.published, usegmt=True)}</pubDate>"
            f"<description>{escape(html)}</description>"
            "</item>"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


# --- the feed server (a process of its own) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Document:
    body: bytes
    gzipped: bytes
    etag: str
    modified: str


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def _serve(conn: Connection, feeds: int, entries: int, seed: int) -> None:
    """Generate the feeds, serve them until told to stop, and answer "stats" on `conn`."""
    made = generate(feeds, entries, seed)
    documents: dict[str, Document] = {}
    names = []
    for n, (outlet, items) in enumerate(zip(made.outlets, made.feeds, strict=True)):
        body = rss(outlet, items)
        path = f"/feeds/{n:05d}.xml"
        documents[path] = Document(
            body=body,
            gzipped=gzip.compress(body, compresslevel=6),
            etag='"' + hashlib.sha1(body).hexdigest()[:20] + '"',
            modified=format_datetime(max(e.published for e in items), usegmt=True),
        )
        names.append((outlet.name, path))
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            doc = documents.get(self.path)
            if doc is None:
                self._send(404, b"no such feed", {})
            elif self.headers.get("If-None-Match") == doc.etag:
                self._send(304, b"", {"ETag": doc.etag, "Last-Modified": doc.modified})
            else:
                headers = {
                    "Content-Type": "application/rss+xml; charset=utf-8",
                    "ETag": doc.etag,
                    "Last-Modified": doc.modified,
                }
                body = doc.body
                if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body, headers["Content-Encoding"] = doc.gzipped, "gzip"
                self._send(200, body, headers)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            with lock:
                statuses[status] += 1
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    words = sorted(made.words)
    conn.send(
        {
            "port": httpd.server_address[1],
            "feeds": names,
            "entries": len(words),
            "syndicated": made.syndicated,
            "words": (words[0], sum(words) / len(words), words[-1]),
            "bytes": sum(len(d.body) for d in documents.values()),
            "gzipped": sum(len(d.gzipped) for d in documents.values()),
        }
    )
    while (command := conn.recv()) != "stop":
        if command == "stats":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            with lock:
                conn.send({"statuses": dict(statuses), "cpu": usage.ru_utime + usage.ru_stime})
    httpd.shutdown()
    httpd.server_close()


# --- the monitor side ----------------------------------------------------------------------------


class NullNotifier:
    """Takes alerts and notices and drops them."""

    pace_s = 0.0
    can_find = False

    def find(self, alert: object, channel_id: str | None) -> None:
        return None

    def send(self, message: object) -> None:
        return None

    def send_notice(self, channel: str, text: str) -> None:
        return None


@dataclass(slots=True)
class Phase:
    name: str
    wall_s: float
    cpu_s: float
    peak_mb: float
    polled: int = 0
    failed: int = 0
    reports: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    alerts: Counter[str] = field(default_factory=Counter)
    requests: Counter[int] = field(default_factory=Counter)
    server_cpu_s: float = 0.0
    reasons: Counter[str] = field(default_factory=Counter)


def _clock() -> datetime:
    return NOW


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _stats(conn: Connection) -> dict[str, Any]:
    conn.send("stats")
    return conn.recv()


def _config(folder: Path, port: int, feeds: list[tuple[str, str]], args: Any) -> Path:
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "[database]",
        f"data_dir = {quoted(str(folder))}",
        "",
        "[polling]",
        f"per_host = {args.per_host}",
        f"concurrency = {args.concurrency}",
        "",
    ]
    for name, path in feeds:
        lines += ["[[feeds]]", f"name = {quoted(name)}", f'url = "http://127.0.0.1:{port}{path}"']
    file = folder / "monitor.toml"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file


def _cycle(poller: Any, names: list[str], label: str, conn: Connection) -> Phase:
    before = _stats(conn)
    started = time.perf_counter()  # set again just before the poll
    done = 0

    def progress(_result: object) -> None:
        nonlocal done
        done += 1
        if done % 100 == 0 or done == len(names):
            elapsed = time.perf_counter() - started
            print(f"  {label}: {done:,}/{len(names):,} feeds, {elapsed:.1f} s", file=sys.stderr)

    poller.on_polled = progress
    cpu = _cpu()
    started = time.perf_counter()
    results = poller.poll(names)
    wall = time.perf_counter() - started
    cpu = _cpu() - cpu
    poller.on_polled = lambda result: None
    after = _stats(conn)
    phase = Phase(name=label, wall_s=wall, cpu_s=cpu, peak_mb=_peak_mb())
    phase.polled = len(results)
    for r in results:
        phase.failed += not r.ok
        phase.reports.update(r.counts)
        phase.outcomes[r.outcome] += 1
        phase.alerts.update(r.alerts)
        if r.reason:
            phase.reasons[r.reason] += 1
    phase.requests = Counter(after["statuses"]) - Counter(before["statuses"])
    phase.server_cpu_s = after["cpu"] - before["cpu"]
    return phase


def _table(phases: list[Phase], args: Any, served: dict[str, Any]) -> str:
    lo, mean, hi = served["words"]
    out = [
        f"One poll cycle of {args.feeds:,} feeds x {args.entries} entries on one host "
        f"(127.0.0.1), per_host = {args.per_host}, concurrency = {args.concurrency}, "
        f"seed {args.seed}; SQLite store; {served['entries']:,} entries of {lo} to {hi} words "
        f"(mean {mean:.0f}), {served['syndicated']:,} of them syndicated copies; "
        f"{served['bytes'] / 1e6:.1f} MB of feeds ({served['gzipped'] / 1e6:.1f} MB gzipped).",
        "",
        "| cycle | wall s | CPU s | peak MB | feeds polled | feeds failed | new | duplicate "
        "| seen | outcome |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for p in phases:
        outcome = ", ".join(f"{n:,} {k}" for k, n in sorted(p.outcomes.items())) or "-"
        polled = f"{p.polled:,}" if p.polled or p.name != "start-up" else "-"
        failed = f"{p.failed:,}" if p.polled else "-"
        counts = [f"{p.reports[k]:,}" if p.polled else "-" for k in ("new", "duplicate", "seen")]
        out.append(
            f"| {p.name} | {p.wall_s:.2f} | {p.cpu_s:.2f} | {p.peak_mb:.0f} | {polled} "
            f"| {failed} | {' | '.join(counts)} | {outcome} |"
        )
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=20, help="entries per feed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-host", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    # The server first, in a fresh interpreter: none of its CPU or memory is this process's.
    ctx = multiprocessing.get_context("spawn")
    conn, child_conn = ctx.Pipe()
    server = ctx.Process(
        target=_serve, args=(child_conn, args.feeds, args.entries, args.seed), daemon=True
    )
    print(f"generating {args.feeds:,} feeds x {args.entries} entries...", file=sys.stderr)
    started = time.perf_counter()
    server.start()
    served = conn.recv()
    lo, mean, hi = served["words"]
    print(
        f"  served on port {served['port']} after {time.perf_counter() - started:.1f} s: "
        f"{served['entries']:,} entries ({served['syndicated']:,} syndicated), "
        f"{lo}-{hi} words (mean {mean:.0f})",
        file=sys.stderr,
    )

    sys.path.insert(0, str(ROOT))
    from monitor.assembly import assemble
    from monitor.config import load_settings
    from monitor.daemon.service import open_poller

    phases: list[Phase] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench_poll-") as tmp:
            folder = Path(tmp)
            file = _config(folder, served["port"], served["feeds"], args)
            names = [name for name, _ in served["feeds"]]
            print("opening the poller (watchlist, tagger, store)...", file=sys.stderr)
            cpu, started = _cpu(), time.perf_counter()
            loaded = load_settings(file, env={})
            with open_poller(
                assemble(loaded, notifier=NullNotifier()),
                clock=_clock,
                rng=random.Random(args.seed),
            ) as poller:
                phases.append(
                    Phase(
                        name="start-up",
                        wall_s=time.perf_counter() - started,
                        cpu_s=_cpu() - cpu,
                        peak_mb=_peak_mb(),
                    )
                )
                for label in ("cold", "warm"):
                    print(f"{label} cycle...", file=sys.stderr)
                    phases.append(_cycle(poller, names, label, conn))
            db_mb = sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 1e6
    finally:
        conn.send("stop")
        server.join(timeout=10)

    print(_table(phases, args, served))
    print()
    for p in phases[1:]:
        requests = ", ".join(f"{n:,} x {s}" for s, n in sorted(p.requests.items()))
        alerts = ", ".join(f"{n:,} {k}" for k, n in sorted(p.alerts.items())) or "none"
        print(
            f"{p.name}: server answered {requests} (its CPU {p.server_cpu_s:.2f} s, not counted "
            f"above); alerts: {alerts}; CPU/wall {p.cpu_s / p.wall_s:.2f}; "
            f"{p.polled / p.wall_s:.0f} feeds/s"
            + (f"; {p.reports.total() / p.cpu_s:.0f} reports per CPU second" if p.reports else "")
        )
        for reason, n in p.reasons.most_common(5):
            print(f"  {n:,} failed: {reason}")
    print(f"store after both cycles: {db_mb:.1f} MB")
    cold, warm = phases[1], phases[2]
    print(
        f"warm cycle: {warm.wall_s:.2f} s wall ({'under' if warm.wall_s < 10 else 'NOT under'} "
        f"10 s), {warm.cpu_s:.2f} s CPU = {warm.cpu_s / cold.cpu_s:.1%} of the cold cycle's"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
