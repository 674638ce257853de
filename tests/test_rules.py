"""Alert routing rules: pure decisions from a report's verdict and tags."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.alert import Rule, route
from monitor.model import Report, Status, Verdict
from monitor.tag import Tagger

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
    return [a.channel for a in route(report, verdict, tagger.tag(report), rules)]


def test_the_default_rule_alerts_on_any_watchlist_tag(tagger: Tagger) -> None:
    rules = [Rule(name="watchlist", channel="#all")]
    assert _route(tagger, "Clashes in Sirte.", rules) == ["#all"]
    assert _route(tagger, "The weather was fine.", rules) == []


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
    (alert,) = route(report, NEW, tagger.tag(report), rules)
    assert (alert.channel, alert.rule) == ("#ops", "isis")
