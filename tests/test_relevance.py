"""Relevance (is a report about Libya?) and where it happened: pure functions of a report and its
tags, tested through `Tagger.read`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.alert import Rule, route
from monitor.model import Reading, Report, Scope, Status, Verdict
from monitor.tag import RelevancePolicy, Tagger


def _report(title: str, text: str = "") -> Report:
    return Report(
        source="test",
        url=None,
        guid=None,
        title=title,
        text=text,
        published=None,
        fetched_at=datetime(2026, 11, 21, tzinfo=UTC),
    )


def _read(tagger: Tagger, title: str, text: str = "", scope: Scope = "general") -> Reading:
    return tagger.read(_report(title, text), scope)


# -- relevance ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("France beat Italy 2-1 in Paris", "The United States and the UN welcomed the result."),
        ("ISIS claims attack in Syria", "The Islamic State group said its fighters struck Raqqa."),
        ("NATO summit in Brussels", "The EU and Turkey discussed migration with Russia."),
        ("New phone launched", "Apple unveiled the device in California on Tuesday."),
    ],
)
def test_world_news_naming_foreign_actors_is_not_about_libya(
    tagger: Tagger, title: str, text: str
) -> None:
    relevance = _read(tagger, title, text).relevance
    assert not relevance.relevant
    assert relevance.score == 0.0
    assert [e for e in relevance.evidence if e.weight > 0] == []


def test_a_passing_mention_deep_in_the_text_is_not_enough(tagger: Tagger) -> None:
    paragraphs = [
        f"Paragraph {n} about the Premier League season and its fixtures." for n in range(8)
    ]
    paragraphs.append("The club once signed a striker who had played in Libya.")
    relevance = _read(tagger, "Arsenal win again", "\n\n".join(paragraphs)).relevance
    assert not relevance.relevant
    assert [(e.kind, e.text, e.where) for e in relevance.evidence] == [("word", "Libya", "body")]
    assert 0 < relevance.score < 0.5


def test_libya_in_the_title_or_libyan_places_in_the_lead_are_enough(tagger: Tagger) -> None:
    assert _read(tagger, "Libya: talks resume").relevance.relevant
    lead = _read(tagger, "", "Clashes broke out in Sirte and Misrata on Monday.").relevance
    assert lead.relevant
    assert {(e.id, e.where) for e in lead.evidence} == {("sirte", "lead"), ("misrata", "lead")}


def test_evidence_says_what_counted_where_and_how_much(tagger: Tagger) -> None:
    relevance = _read(tagger, "Haftar's forces advance on Tripoli", "The LNA said.").relevance
    assert relevance.relevant
    kinds = {(e.kind, e.id, e.field, e.where) for e in relevance.evidence}
    assert ("actor", "khalifa_haftar", "title", "title") in kinds
    assert ("place", "tripoli", "title", "title") in kinds
    assert all(e.weight > 0 for e in relevance.evidence)
    assert relevance.reason.startswith("score")


def test_foreign_actors_are_no_evidence_but_libyan_branches_are(tagger: Tagger) -> None:
    assert not _read(tagger, "Islamic State attacks", "ISIS struck again.").relevance.relevant
    wilayat = _read(tagger, "Wilayat Barqa claims attack", "").relevance
    assert wilayat.relevant


def test_a_libya_source_is_about_libya_unless_it_clearly_is_not(tagger: Tagger) -> None:
    assert _read(
        tagger, "Weather warning issued", "Heavy rain expected.", "libya"
    ).relevance.relevant
    elsewhere = _read(tagger, "France and Italy sign a deal", "In Rome.", "libya").relevance
    assert not elsewhere.relevant
    assert elsewhere.scope == "libya"
    assert not _read(tagger, "Weather warning issued", "Heavy rain expected.").relevance.relevant


def test_repeated_mentions_count_less_each_time(tagger: Tagger) -> None:
    once = _read(tagger, "", "Sirte.").relevance.score
    thrice = _read(tagger, "", "Sirte. Sirte. Sirte.").relevance.score
    assert once < thrice < 1 - (1 - once) ** 3


def test_the_threshold_and_weights_come_from_the_policy(tagger: Tagger) -> None:
    strict = Tagger(tagger.watchlist, RelevancePolicy(threshold=0.9))
    assert _read(tagger, "Clashes in Sirte").relevance.relevant
    assert not _read(strict, "Clashes in Sirte").relevance.relevant


# -- where it happened -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        (
            "Car bomb kills four near Ajdabiya",
            "The government in Tripoli condemned it.",
            "ajdabiya",
        ),
        (
            "",
            "Misratan brigades fought ISIS in Hay al-Gizah, in Sirte, on Sunday.",
            "hay_al_gizah",
        ),
        ("Fighters from Zintan clash with militias in Gharyan", "", "gharyan"),
        ("Migrants drown off the coast of Libya", "", "libya"),
        ("The Tobruk-based parliament met in Benghazi", "", "benghazi"),
        ("Haftar's LNA says talks must go on", "Its spokesman spoke to reporters.", None),
    ],
)
def test_where_it_happened(tagger: Tagger, title: str, text: str, expected: str | None) -> None:
    place = _read(tagger, title, text).place
    assert (place.id if place else None) == expected


def test_the_place_says_why(tagger: Tagger) -> None:
    place = _read(tagger, "Car bomb kills four near Ajdabiya").place
    assert place is not None
    assert (place.text, place.field, place.kind) == ("Ajdabiya", "title", "city")
    assert place.lat is not None and "libya" in place.parents
    assert 'after "near"' in place.reason and "in the title" in place.reason


# -- alerts --------------------------------------------------------------------------------------


def test_rules_alert_only_on_reports_about_libya_unless_they_say_otherwise(tagger: Tagger) -> None:
    new = Verdict(status=Status.NEW)
    report = _report("ISIS claims attack in Syria", "The Islamic State said.")
    reading = tagger.read(report)
    default = Rule(name="watchlist", channel="#libya")
    anywhere = Rule(name="isis", channel="#isis", actors=("isis",), relevant_only=False)
    assert [a.channel for a in route(report, new, reading, [default, anywhere])] == ["#isis"]
    libya = _report("ISIS claims attack in Sirte")
    routed = route(libya, new, tagger.read(libya), [default, anywhere])
    assert [a.channel for a in routed] == ["#libya", "#isis"]
