"""Slack delivery through slack-sdk: a bot token (`chat.postMessage` to each alert's channel, with
threads) or an incoming webhook (one channel). Both turn every failure into a DeliveryError that
says whether trying again can help; neither ever puts the token or the webhook URL in a message.

slack-sdk's own retries are switched off: the dispatcher retries, in order and paced, for as long
as it takes (`monitor.alert.dispatch`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from monitor.alert.blockkit import escape, message_payload
from monitor.alert.message import AlertMessage
from monitor.alert.notify import ConsoleNotifier, Delivered, Notifier
from monitor.clock import utc_now
from monitor.config import SlackSettings
from monitor.errors import ConfigError, DeliveryError
from monitor.model import StoredAlert
from monitor.net import header, is_http_url, retry_after_s

ENV_TOKEN = "SLACK_BOT_TOKEN"
ENV_WEBHOOK = "SLACK_WEBHOOK_URL"
ENV_API_URL = "SLACK_API_URL"
DEFAULT_API_URL = "https://slack.com/api/"
# Every alert carries its id in the message's metadata, so that it can be found again.
METADATA_EVENT = "monitor_alert"
# Errors that trying again cannot heal: the alert is marked failed with the reason.
PERMANENT = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "ekm_access_denied",
        "invalid_arguments",
        "invalid_auth",
        "invalid_blocks",
        "invalid_blocks_format",
        "is_archived",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "no_text",
        "not_allowed_token_type",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "team_access_not_granted",
        "token_expired",
        "token_revoked",
        # incoming webhooks
        "action_prohibited",
        "channel_is_archived",
        "invalid_payload",
        "invalid_token",
        "no_service",
        "no_service_id",
        "no_team",
        "team_disabled",
        "user_not_found",
    }
)


def _failure(
    what: str, status: int, error: str, headers: Mapping[str, Any] | None
) -> DeliveryError:
    """A Slack answer that is not ok, as a DeliveryError."""
    error = (error or "").strip().splitlines()[0][:200] if error else ""
    if status == 429 or error == "ratelimited":
        wait = retry_after_s(header(headers, "retry-after"), utc_now())
        return DeliveryError(
            f"{what}: rate limited (429{f', Retry-After {wait:g} s' if wait is not None else ''})",
            retry_after_s=wait,
        )
    if status >= 500:
        return DeliveryError(f"{what}: Slack answered {status}{f' ({error})' if error else ''}")
    if error in PERMANENT:
        return DeliveryError(f"{what}: {error}", permanent=True)
    if status >= 400 and error:
        return DeliveryError(f"{what}: {error} (HTTP {status})", permanent=True)
    return DeliveryError(f"{what}: {error or f'HTTP {status}'}")


def _api_failure(what: str, error: SlackApiError) -> DeliveryError:
    """A Web API call Slack answered with an error, as a DeliveryError."""
    r = error.response
    return _failure(what, r.status_code, str(r.get("error") or ""), r.headers)


class SlackNotifier(Notifier):
    """Posts with a bot token. `send` returns the message's `ts`; `find` looks a message up."""

    can_find = True

    def __init__(
        self, token: str, *, api_url: str = "", timeout_s: float = 10.0, pace_s: float = 1.0
    ) -> None:
        base = api_url or DEFAULT_API_URL
        self.api_url = base if base.endswith("/") else base + "/"
        self.pace_s = pace_s
        self._client = WebClient(
            token=token, base_url=self.api_url, timeout=max(1, round(timeout_s)), retry_handlers=[]
        )

    def _post(self, what: str, **arguments: Any) -> Delivered:
        try:
            response = self._client.chat_postMessage(
                unfurl_links=False, unfurl_media=False, **arguments
            )
        except SlackApiError as e:
            raise _api_failure(what, e) from None
        except (SlackClientError, OSError) as e:
            # A request that went out and got no answer may have been posted; one that never
            # connected was not.
            sent = isinstance(e, TimeoutError) and not isinstance(e, URLError)
            raise DeliveryError(
                f"{what}: Slack {'did not answer' if sent else 'unreachable'} "
                f"({type(e).__name__}: {e})",
                maybe_delivered=sent,
            ) from None
        ts, channel_id = response.get("ts"), response.get("channel")
        return Delivered(ts=str(ts) if ts else None, channel_id=str(channel_id or "") or None)

    def send(self, message: AlertMessage) -> Delivered | None:
        return self._post(
            f"alert {message.alert_id} to {message.channel}",
            channel=message.channel,
            metadata={
                "event_type": METADATA_EVENT,
                "event_payload": {"alert_id": message.alert_id, "report_id": message.report_id},
            },
            **message_payload(message),
        )

    def find(self, alert: StoredAlert, channel_id: str | None) -> Delivered | None:
        """The message of `alert` if Slack holds it: looked up by the alert's id in the
        metadata of the messages posted in its channel (or thread) since it was handed over.
        None when it is not there, or when the channel's id is not known (it is then sent
        again). Needs the `channels:history` scope (`groups:history` for private channels)."""
        if channel_id is None or alert.claimed_at is None:
            return None
        oldest = f"{alert.claimed_at.timestamp() - 60:.6f}"
        try:
            if alert.thread_ts:
                response = self._client.conversations_replies(
                    channel=channel_id, ts=alert.thread_ts, oldest=oldest,
                    include_all_metadata=True, limit=200,
                )  # fmt: skip
            else:
                response = self._client.conversations_history(
                    channel=channel_id, oldest=oldest, include_all_metadata=True, limit=200
                )
        except SlackApiError as e:
            raise _api_failure(f"looking up alert {alert.id} in {alert.channel}", e) from None
        except (SlackClientError, OSError) as e:
            raise DeliveryError(f"looking up alert {alert.id}: Slack unreachable ({e})") from None
        for posted in response.get("messages") or []:
            metadata = posted.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("alert_id") == alert.id:
                return Delivered(ts=str(posted.get("ts")), channel_id=channel_id)
        return None

    def send_notice(self, channel: str, text: str) -> None:
        self._post(f"notice to {channel}", channel=channel, text=escape(text))

    def check(self) -> str:
        """Whether Slack accepts the token (`auth.test`): who it posts as, or DeliveryError."""
        try:
            response = self._client.auth_test()
        except SlackApiError as e:
            raise _api_failure("auth.test", e) from None
        except (SlackClientError, OSError) as e:
            raise DeliveryError(f"auth.test: Slack unreachable ({type(e).__name__}: {e})") from None
        return f"posts as {response.get('user') or '?'} in {response.get('team') or '?'}"


class WebhookNotifier(Notifier):
    """Posts to an incoming webhook: one channel, no threads (Slack gives no `ts` back)."""

    def __init__(self, url: str, *, timeout_s: float = 10.0, pace_s: float = 1.0) -> None:
        self.pace_s = pace_s
        self._client = WebhookClient(url, timeout=max(1, round(timeout_s)), retry_handlers=[])

    def _send(self, what: str, **arguments: Any) -> None:
        try:
            response = self._client.send(**arguments)
        except (SlackClientError, OSError) as e:
            # The error's text may hold the webhook's URL, a secret: only its kind is said.
            raise DeliveryError(f"{what}: webhook unreachable ({type(e).__name__})") from None
        if response.status_code != 200 or (response.body or "").strip() != "ok":
            raise _failure(what, response.status_code, response.body or "", response.headers)

    def send(self, message: AlertMessage) -> Delivered | None:
        payload = message_payload(message)
        payload.pop("thread_ts", None)
        self._send(f"alert {message.alert_id} to the webhook", **payload)
        return None

    def send_notice(self, channel: str, text: str) -> None:
        self._send("notice to the webhook", text=escape(text))

    def check(self) -> str:
        return "incoming webhook set (it cannot be checked without posting)"


@dataclass(frozen=True, kw_only=True, slots=True)
class SlackCredentials:
    token: str | None = None
    webhook_url: str | None = None
    api_url: str = ""


def _secret(
    env: Mapping[str, str], name: str, file: str, key: str, config_file: str, *, url: bool
) -> str | None:
    """A credential from the environment variable `name`, else from the file `[slack] key`
    names. Raises ConfigError when the file cannot be read or what was found cannot be a token
    (or a URL); the message names where it came from and never the value."""
    if env.get(name):
        value, origin = env[name].strip(), f"${name}"
    elif file:
        origin = f"{config_file}: slack.{key}: {file}" if config_file else f"slack.{key}: {file}"
        try:
            value = Path(file).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(f"{origin} cannot be read ({e.strerror or e})") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{origin} is not UTF-8 text") from None
        if not value:
            raise ConfigError(f"{origin} is empty")
    else:
        return None
    # A second word or line would go into an HTTP header or URL, and the error the HTTP library
    # raises about it quotes the whole value.
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ConfigError(f"{origin} holds more than one word; it must be the credential alone")
    if url and not is_http_url(value):
        raise ConfigError(f"{origin} does not hold an http or https URL")
    return value


def slack_credentials(
    settings: SlackSettings, env: Mapping[str, str] | None = None, *, config_file: str = ""
) -> SlackCredentials:
    """The credentials in force: $SLACK_BOT_TOKEN, else the token file; $SLACK_WEBHOOK_URL, else
    the webhook file; $SLACK_API_URL, else `api_url`. Raises ConfigError naming the variable, or
    `config_file` and the key, when one is unusable."""
    env = os.environ if env is None else env
    api_url = env.get(ENV_API_URL) or settings.api_url
    if env.get(ENV_API_URL) and not is_http_url(api_url):
        raise ConfigError(f"${ENV_API_URL}: '{api_url}' is not an http or https URL")
    return SlackCredentials(
        token=_secret(env, ENV_TOKEN, settings.token_file, "token_file", config_file, url=False),
        webhook_url=_secret(
            env, ENV_WEBHOOK, settings.webhook_url_file, "webhook_url_file", config_file, url=True
        ),
        api_url=api_url,
    )


def slack_notifier(
    settings: SlackSettings, env: Mapping[str, str] | None = None, *, config_file: str = ""
) -> SlackNotifier | WebhookNotifier | None:
    """The Slack notifier the settings and environment call for: a bot token first, else a
    webhook; None without credentials (alerts then go to the console). Raises ConfigError (see
    `slack_credentials`), and when `required` is set and no credential is."""
    found = slack_credentials(settings, env, config_file=config_file)
    if found.token:
        return SlackNotifier(
            found.token, api_url=found.api_url, timeout_s=settings.timeout, pace_s=settings.pace
        )
    if found.webhook_url:
        return WebhookNotifier(found.webhook_url, timeout_s=settings.timeout, pace_s=settings.pace)
    if settings.required:
        where = f"{config_file}: " if config_file else ""
        raise ConfigError(
            f"{where}slack.required: no Slack credential is set (${ENV_TOKEN} or"
            f" ${ENV_WEBHOOK}, or slack.token_file or slack.webhook_url_file)"
        )
    return None


def choose_notifier(
    settings: SlackSettings, env: Mapping[str, str] | None = None, *, config_file: str = ""
) -> SlackNotifier | WebhookNotifier | ConsoleNotifier:
    """Slack when credentials are set, else the console."""
    return slack_notifier(settings, env, config_file=config_file) or ConsoleNotifier()
