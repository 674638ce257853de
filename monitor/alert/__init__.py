"""Alert: which reports alert where (rules), what an alert says (message), and its delivery
through a Notifier from the outbox (dispatch)."""

from monitor.alert.dispatch import Delivery, Dispatcher, deliver_pending
from monitor.alert.message import AlertMessage, build_message
from monitor.alert.notify import ConsoleNotifier, Notifier
from monitor.alert.rules import Rule, route, rule_matches

__all__ = [
    "AlertMessage",
    "ConsoleNotifier",
    "Delivery",
    "Dispatcher",
    "Notifier",
    "Rule",
    "build_message",
    "deliver_pending",
    "route",
    "rule_matches",
]
