"""Alert routing rules: pure decisions from a report's verdict and tags."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.alert import Rule, route
from monitor.alert.notify import ConsoleNotifier
from monitor.assembly import assemble, changes
from monitor.config import load_settings
from monitor.errors import ConfigError
from monitor.model import Event, Report, Status, Verdict
from monitor.pipeline import rules_from_settings
from monitor.tag import Tagger, load_watchlist
from tests.conftest import CONFIG

NEW = Verdict(status=Status.NEW)
DUPLICATE = Verdict(status=Status.DUPLICATE, duplicate_of=1, reason="content")


def _report(text: str) -> Report:
    return Report(
        source="test",
        url=None,
        guid=None,
        title="",
        text=text,
        published=None,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _route(tagger: Tagger, text: str, rules: list[Rule], verdict: Verdict = NEW) -> list[str]:
    report = _report(text)
    return [a.channel for a in route(report, verdict, tagger.read(report), rules)]


def test_the_default_rule_alerts_on_any_watchlist_tag_of_a_report_about_libya(
    tagger: Tagger,
) -> None:
    rules = [Rule(name="watchlist", channel="#all")]
    assert _route(tagger, "Clashes in Sirte.", rules) == ["#all"]
    assert _route(tagger, "The weather was fine.", rules) == []
    # World news naming watchlist actors is not about Libya: the default rule stays silent.
    assert _route(tagger, "France and the United Nations met ISIS envoys in Paris.", rules) == []


def test_a_duplicate_never_alerts(tagger: Tagger) -> None:
    rules = [Rule(name="watchlist", channel="#all")]
    assert _route(tagger, "Clashes in Sirte.", rules, DUPLICATE) == []


def test_a_rule_for_an_organisation_matches_its_leader(tagger: Tagger) -> None:
    rules = [Rule(name="lna", channel="#lna", actors=("lna",))]
    assert _route(tagger, "Khalifa Haftar flew to Cairo.", rules) == ["#lna"]
    assert _route(tagger, "Serraj flew to Rome.", rules) == []


def test_a_rule_for_a_city_matches_its_district(tagger: Tagger) -> None:
    rules = [Rule(name="sirte", channel="#sirte", places=("sirte",))]
    assert _route(tagger, "Fighting in Hay al-Gizah.", rules) == ["#sirte"]


def test_any_and_all(tagger: Tagger) -> None:
    any_rule = Rule(name="a", channel="#a", actors=("isis",), places=("benghazi",))
    all_rule = Rule(name="b", channel="#b", actors=("isis",), places=("benghazi",), match="all")
    assert _route(tagger, "ISIS in Sirte.", [any_rule, all_rule]) == ["#a"]
    assert _route(tagger, "ISIS in Benghazi.", [any_rule, all_rule]) == ["#a", "#b"]


def test_keywords_and_actor_kinds(tagger: Tagger) -> None:
    rules = [
        Rule(name="kw", channel="#kw", keywords=("car bomb",)),
        Rule(name="people", channel="#people", actor_kinds=("person",)),
    ]
    assert _route(tagger, "A car bomb went off near Sirte.", rules) == ["#kw"]
    assert _route(tagger, "Haftar spoke about the carbombing.", rules) == ["#people"]


def test_several_rules_for_one_channel_alert_there_once(tagger: Tagger) -> None:
    rules = [
        Rule(name="isis", channel="#ops", actors=("isis",)),
        Rule(name="sirte", channel="#ops", places=("sirte",)),
    ]
    report = _report("ISIS attacked Sirte.")
    (alert,) = route(report, NEW, tagger.read(report), rules)
    assert (alert.channel, alert.rule) == ("#ops", "isis")


def test_a_muted_rule_sends_nothing_until_its_time(tagger: Tagger) -> None:
    report = _report("ISIS fighters attacked a checkpoint in Sirte.")
    reading = tagger.read(report)
    until = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    rules = [
        Rule(name="muted", channel="#sirte", places=("sirte",), muted_until=until),
        Rule(name="all", channel="#all"),
    ]
    before = route(report, NEW, reading, rules, now=datetime(2026, 11, 22, 7, 59, tzinfo=UTC))
    after = route(report, NEW, reading, rules, now=until)
    assert [i.channel for i in before] == ["#all"]
    assert [i.channel for i in after] == ["#sirte", "#all"]


def test_muted_until_and_the_default_channel_come_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(
        '[slack]\nchannel = "#desk"\n'
        '[[alerts.rules]]\nname = "quiet"\nchannel = "#q"\nmuted_until = 2026-11-22T08:00:00Z\n'
        '[[alerts.rules]]\nname = "naive"\nmuted_until = "2026-11-22T10:00"\n'
        '[[alerts.rules]]\nname = "default"\n',
        encoding="utf-8",
    )
    loaded = load_settings(path, env={})
    watchlist = load_watchlist(CONFIG / "actors.toml", [CONFIG / "places.toml"])
    rules = rules_from_settings(loaded.settings, watchlist, str(path))
    assert [(r.name, r.channel) for r in rules] == [
        ("quiet", "#q"),
        ("naive", "#desk"),
        ("default", "#desk"),
    ]
    assert rules[0].muted_until == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert rules[1].muted_until == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # UTC when unsaid
    path.write_text('[[alerts.rules]]\nname = "x"\nmuted_until = "tomorrow"\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"alerts.rules\[0\].muted_until.*'tomorrow' is not a date"
    ):
        load_settings(path, env={})


# --- what happened ---------------------------------------------------------------------------


def test_a_rule_of_event_types_and_dead_alerts_on_those_events_only(tagger: Tagger) -> None:
    """The event is made here (not read), so that this holds whatever the event stage reads."""
    rules = [Rule(name="deadly battles", channel="#b", event_types=("battle",), min_killed=1)]
    report = _report("Clashes in Sirte killed three LNA soldiers.")
    reading = tagger.read(report)

    def alerts(event: Event | None) -> list[str]:
        return [a.channel for a in route(report, NEW, reading, rules, event=event)]

    assert alerts(Event(type="battle", killed=3)) == ["#b"]
    assert alerts(Event(type="protest", killed=3)) == []
    assert alerts(Event(type="battle", killed=None)) == []  # no number given is not enough
    assert alerts(Event(type="battle", killed=0)) == []
    assert alerts(Event(type=None, killed=3)) == []
    assert alerts(None) == []  # not read for an event
    # Never a duplicate, and never a report not about Libya (unless the rule says so).
    battle = Event(type="battle", killed=3)
    assert route(report, DUPLICATE, reading, rules, event=battle) == []
    abroad = _report("Clashes in Donetsk killed three soldiers.")
    assert route(abroad, NEW, tagger.read(abroad), rules, event=battle) == []


def test_event_criteria_are_required_whatever_the_rule_matches_with(tagger: Tagger) -> None:
    """ "Every battle with deaths in the Oil Crescent": the place is one criterion of `match`,
    the event's criteria are required on top of it."""
    rule = Rule(
        name="oil", channel="#oil", places=("oil_crescent",), actors=("pfg",), match="any",
        event_types=("battle", "explosion_remote_violence"), min_killed=1,
    )  # fmt: skip
    in_crescent = _report("Clashes at Ras Lanuf killed two guards.")
    elsewhere = _report("Clashes in Sabha killed two guards.")
    deadly = Event(type="battle", killed=2)

    def alerts(report: Report, event: Event, r: Rule = rule) -> list[str]:
        return [a.channel for a in route(report, NEW, tagger.read(report), [r], event=event)]

    assert alerts(in_crescent, deadly) == ["#oil"]
    assert alerts(in_crescent, Event(type="explosion_remote_violence", killed=5)) == ["#oil"]
    assert alerts(in_crescent, Event(type="protest", killed=2)) == []
    assert alerts(in_crescent, Event(type="battle")) == []
    assert alerts(elsewhere, deadly) == []  # the rule's own criteria still hold
    # min_killed = 0 asks for a number of dead, whatever it is.
    counted = replace(rule, event_types=(), min_killed=0)
    assert alerts(in_crescent, Event(type="battle", killed=0), counted) == ["#oil"]
    assert alerts(in_crescent, Event(type="battle"), counted) == []


def test_event_criteria_come_from_the_config_and_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(
        '[[alerts.rules]]\nname = "battles"\nchannel = "#b"\n'
        'event_types = ["battle", "riot"]\nmin_killed = 1\n'
        '[[alerts.rules]]\nname = "default"\n',
        encoding="utf-8",
    )
    watchlist = load_watchlist(CONFIG / "actors.toml", [CONFIG / "places.toml"])
    loaded = load_settings(path, env={})
    battles, default = assemble(loaded, notifier=ConsoleNotifier()).rules
    assert (battles.event_types, battles.min_killed) == (("battle", "riot"), 1)
    assert (default.event_types, default.min_killed) == ((), None)
    # A reload that edits them is a change of the rule.
    path.write_text(path.read_text("utf-8").replace("min_killed = 1", "min_killed = 5"), "utf-8")
    edited = assemble(load_settings(path, env={}), notifier=ConsoleNotifier())
    assert edited.rules[0].min_killed == 5
    assert changes(assemble(loaded, notifier=ConsoleNotifier()), edited) == [
        "rules: changed battles"
    ]

    path.write_text(
        '[[alerts.rules]]\nname = "x"\nevent_types = ["battle", "batle"]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        rules_from_settings(load_settings(path, env={}).settings, watchlist, str(path))
    assert str(caught.value).startswith(
        f"{path}: alerts.rules[0].event_types: unknown event type 'batle' (the types are battle, "
    )
    path.write_text('[[alerts.rules]]\nname = "x"\nmin_killed = -1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts.rules\[0\].min_killed: .*greater than or"):
        load_settings(path, env={})
    path.write_text('[[alerts.rules]]\nname = "x"\nmin_killed = "3"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts.rules\[0\].min_killed"):
        load_settings(path, env={})
