"""Configuration in layers: a command-line flag, then the environment, then the TOML file, then the
defaults shipped with the package. Validated once, at start-up, into typed settings; an error
names the file and the key.

The file is found from `--config`, else `MONITOR_CONFIG`, else `config/monitor.toml` in the
working directory; it holds only the keys it changes. Tables merge key by key; an array (such as
`[[alerts.rules]]`) replaces the default's array whole. Relative paths in a file are relative to
that file's folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from monitor.dedup.decide import DedupPolicy
from monitor.errors import ConfigError
from monitor.net import is_http_url
from monitor.story import StoryPolicy
from monitor.tag.relevance import RelevancePolicy
from monitor.validation import validation_problems

CONFIG_FILE = "monitor.toml"
ENV_CONFIG = "MONITOR_CONFIG"
ENV_DB_URL = "MONITOR_DB_URL"
ENV_DATA_DIR = "MONITOR_DATA_DIR"
# Keys holding paths, resolved against the folder of the file that sets them.
_PATH_KEYS = (
    ("database", "data_dir"),
    ("watchlist", "actors"),
    ("watchlist", "places"),
    ("watchlist", "gazetteer"),
    ("slack", "token_file"),
    ("slack", "webhook_url_file"),
)


_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3}
_SIZE_UNITS |= {"kib": 1024, "mib": 1024**2, "gib": 1024**3}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")


def parse_duration(value: object) -> float:
    """Seconds from a number of seconds or a text such as "90s", "5m", "1h", "1h30m", "250ms"."""
    if isinstance(value, bool):
        raise ValueError('a duration is a number of seconds or a text such as "5m"')
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        parts = _DURATION.findall(text)
        if not text or "".join(n + u for n, u in parts) != text:
            raise ValueError(f'\'{value}\' is not a duration (write "90s", "5m", "1h"...)')
        seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in parts)
    else:
        raise ValueError('a duration is a number of seconds or a text such as "5m"')
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def parse_size(value: object) -> int:
    """Bytes from a number or a text such as "10MB" (10,000,000) or "10MiB" (10,485,760)."""
    if isinstance(value, bool):
        raise ValueError('a size is a number of bytes or a text such as "10MiB"')
    if isinstance(value, int):
        size = value
    elif isinstance(value, str):
        found = _SIZE.fullmatch(value.strip().lower())
        if found is None or found[2] not in _SIZE_UNITS:
            raise ValueError(f'\'{value}\' is not a size (write "500KB", "10MiB"...)')
        size = int(float(found[1]) * _SIZE_UNITS[found[2]])
    else:
        raise ValueError('a size is a number of bytes or a text such as "10MiB"')
    if size <= 0:
        raise ValueError("a size must be more than 0 bytes")
    return size


def _http_url(value: str) -> str:
    if not is_http_url(value):
        raise ValueError(f"'{value}' is not an http or https URL")
    return value


def _http_url_or_empty(value: str) -> str:
    return _http_url(value) if value else value


DATABASE_URL_FORM = "sqlite:////path/to/monitor.db or postgresql+psycopg://user@host/name"


def database_url_problem(url: str) -> str | None:
    """What is wrong with a database URL, or None. Never repeats a password it may hold: an URL
    that does not parse is not quoted at all."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return f"not a database URL (write {DATABASE_URL_FORM})"
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        shown = parsed.render_as_string(hide_password=True)
        return f"'{shown}': no database of kind '{parsed.drivername}' (write {DATABASE_URL_FORM})"
    return None


def _moment(value: object) -> datetime:
    """A TOML date-time or an ISO 8601 text; without a zone it is UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as e:
            raise ValueError(f"'{value}' is not a date and time (write 2026-11-22T08:00Z)") from e
    if not isinstance(value, datetime):
        raise ValueError("a date and time is needed, such as 2026-11-22T08:00:00Z")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Duration = Annotated[float, BeforeValidator(parse_duration)]
Moment = Annotated[datetime, BeforeValidator(_moment)]
Size = Annotated[int, BeforeValidator(parse_size)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
OptionalHttpUrl = Annotated[str, AfterValidator(_http_url_or_empty)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _read_into(policy: type[Any]) -> Callable[[object], object]:
    """How a table of the configuration becomes `policy`, a stage's own settings type (a frozen
    dataclass: its fields' defaults are the defaults, their annotations the bounds). The table is
    checked as every section is, strictly and naming the key at fault, by a section made from
    the dataclass's fields."""
    hints = get_type_hints(policy, include_extras=True)
    keys: dict[str, Any] = {f.name: (hints[f.name], f.default) for f in fields(policy)}
    section = create_model(f"{policy.__name__}Section", __base__=_Section, **keys)

    def read(value: object) -> object:
        if isinstance(value, policy):
            return value
        return policy(**section.model_validate(value).model_dump())

    return read


class DatabaseSettings(_Section):
    url: str = ""
    data_dir: str


class WatchlistSettings(_Section):
    actors: str
    places: str
    gazetteer: str = ""

    @property
    def places_files(self) -> list[Path]:
        return [Path(self.places)] + ([Path(self.gazetteer)] if self.gazetteer else [])


class RuleSettings(_Section):
    name: str = Field(min_length=1)
    channel: str = ""  # empty: [slack] channel
    actors: list[str] = []
    places: list[str] = []
    actor_kinds: list[str] = []
    keywords: list[str] = []
    match: Literal["any", "all"] = "any"
    relevant_only: bool = True
    muted_until: Moment | None = None
    event_types: list[str] = []  # ids of EVENT_TYPES, checked with the watchlist's ids
    min_killed: int | None = Field(default=None, ge=0)


class AlertSettings(_Section):
    rules: list[RuleSettings] = []


class SlackSettings(_Section):
    channel: str = Field(min_length=1)
    api_url: OptionalHttpUrl = ""
    token_file: str = ""
    webhook_url_file: str = ""
    required: bool = False
    timeout: Duration = Field(gt=0)
    pace: Duration
    retry_max: Duration = Field(gt=0)
    replay_wait: Duration


class PollingSettings(_Section):
    interval: Duration = Field(gt=0)
    jitter: Duration
    timeout: Duration = Field(gt=0)
    max_body: Size
    max_redirects: int = Field(ge=0)
    per_host: int = Field(ge=1)
    concurrency: int = Field(ge=1)
    backoff_max: Duration = Field(gt=0)
    down_after: Duration = Field(gt=0)
    lease: Duration = Field(gt=0)
    health_channel: str = Field(min_length=1)
    about_url: str = ""


class FeedSettings(_Section):
    name: str = Field(min_length=1, max_length=200)
    url: HttpUrl
    interval: Duration | None = Field(default=None, gt=0)
    language: str = ""
    scope: Literal["libya", "general"] = "general"
    enabled: bool = True


class HousekeepingSettings(_Section):
    every: Duration = Field(gt=0)
    keep_days: int = Field(ge=0)


class ServiceSettings(_Section):
    dispatch_every: Duration = Field(gt=0)
    metrics_port: int = Field(ge=0, le=65535)
    metrics_host: str = Field(min_length=1)


class Settings(_Section):
    database: DatabaseSettings
    watchlist: WatchlistSettings
    # These three sections are the stages' own settings types, with their defaults and bounds.
    dedup: Annotated[DedupPolicy, BeforeValidator(_read_into(DedupPolicy))] = DedupPolicy()
    stories: Annotated[StoryPolicy, BeforeValidator(_read_into(StoryPolicy))] = StoryPolicy()
    relevance: Annotated[RelevancePolicy, BeforeValidator(_read_into(RelevancePolicy))] = (
        RelevancePolicy()
    )
    alerts: AlertSettings
    slack: SlackSettings
    polling: PollingSettings
    feeds: list[FeedSettings] = []
    housekeeping: HousekeepingSettings
    service: ServiceSettings

    @model_validator(mode="after")
    def _feed_names_differ(self) -> Settings:
        names: dict[str, int] = {}
        for n, feed in enumerate(self.feeds):
            if feed.name in names:
                raise ValueError(
                    f"feeds[{n}].name: '{feed.name}' is also the name of feeds[{names[feed.name]}]"
                )
            names[feed.name] = n
        return self

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{Path(self.database.data_dir) / 'monitor.db'}"


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadedSettings:
    """Settings with the files they came from, for messages that name a file."""

    settings: Settings
    files: tuple[Path, ...]

    @property
    def user_file(self) -> Path:
        return self.files[-1]


def default_config_dir() -> Path:
    """The shipped defaults: inside the installed package, or `config/` in a source checkout."""
    packaged = resources.files("monitor") / "_config"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "config"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: no such configuration file") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read ({e.strerror or e})") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from e


def _resolve_paths(layer: dict[str, Any], folder: Path) -> dict[str, Any]:
    for section, key in _PATH_KEYS:
        table = layer.get(section)
        if isinstance(table, dict) and isinstance(table.get(key), str) and table[key]:
            path = Path(table[key]).expanduser()
            table[key] = str(path if path.is_absolute() else (folder / path).resolve())
    return layer


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def find_config_file(
    explicit: str | os.PathLike[str] | None, env: Mapping[str, str]
) -> Path | None:
    """The user's file: `explicit`, else $MONITOR_CONFIG, else ./config/monitor.toml if present."""
    if explicit:
        return Path(explicit)
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    local = Path("config") / CONFIG_FILE
    return local if local.is_file() else None


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    *,
    db_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> LoadedSettings:
    """The settings in force. Raises ConfigError naming the file and key at fault."""
    env = os.environ if env is None else env
    defaults_file = default_config_dir() / CONFIG_FILE
    files = [defaults_file]
    raw = _resolve_paths(_read_toml(defaults_file), defaults_file.parent)
    user_file = find_config_file(config_file, env)
    if user_file is not None:
        files.append(user_file)
        raw = _merge(raw, _resolve_paths(_read_toml(user_file), user_file.resolve().parent))
    blame = files[-1]
    url_origin = f"{blame}: database.url"
    if env.get(ENV_DATA_DIR):
        raw = _merge(raw, {"database": {"data_dir": str(Path(env[ENV_DATA_DIR]).expanduser())}})
    if env.get(ENV_DB_URL):
        raw = _merge(raw, {"database": {"url": env[ENV_DB_URL]}})
        url_origin = f"${ENV_DB_URL}"
    if db_url:
        raw = _merge(raw, {"database": {"url": db_url}})
        url_origin = "--db"
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(f"{blame}: " + "; ".join(validation_problems(e))) from e
    problem = database_url_problem(settings.database.url) if settings.database.url else None
    if problem:
        raise ConfigError(f"{url_origin}: {problem}")
    return LoadedSettings(settings=settings, files=tuple(files))
