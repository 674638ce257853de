"""The rules of talking to other servers, written once (`monitor.net`), and the Slack notifier
reading a Retry-After given as a date, as the feed fetcher does."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from monitor.alert.slack import SlackNotifier
from monitor.errors import DeliveryError
from monitor.net import RETRY_AFTER_MAX_S, backoff_s, header, is_http_url, retry_after_s
from tests.fakeslack import TOKEN, FakeSlack
from tests.test_slack import _message

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        (format_datetime(NOW - timedelta(seconds=90), usegmt=True), 0.0),
        ("999999999", RETRY_AFTER_MAX_S),
    ],
)
def test_retry_after_reads_seconds_and_dates(value: str | None, seconds: float | None) -> None:
    assert retry_after_s(value, NOW) == seconds


def test_a_header_is_found_in_any_case_and_the_first_of_a_list() -> None:
    assert header({"Retry-After": "5"}, "retry-after") == "5"
    assert header({"retry-after": ["7", "8"]}, "Retry-After") == "7"
    assert header(None, "retry-after") is None and header({}, "x") is None


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff_s(n, 1.0, 10.0) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert backoff_s(10_000, 300.0, 3600.0) == 3600.0


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://libyaherald.com/feed", True),
        ("HTTP://Example.org", True),
        ("ftp://example.org", False),
        ("http://", False),
        ("http://[::1", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_an_http_url_has_the_scheme_and_a_host(value: str, ok: bool) -> None:
    assert is_http_url(value) is ok


def test_slack_reads_a_retry_after_given_as_a_date(fake_slack: FakeSlack) -> None:
    later = datetime.now(UTC) + timedelta(seconds=60)
    fake_slack.failures = deque(["429:" + format_datetime(later, usegmt=True)])
    notifier = SlackNotifier(TOKEN, api_url=fake_slack.api_url, pace_s=0)
    with pytest.raises(DeliveryError) as caught:
        notifier.send(_message())
    assert caught.value.retry_after_s is not None
    assert 30 <= caught.value.retry_after_s <= 61, caught.value
