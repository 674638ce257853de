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
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.errors import ConfigError
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
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


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


class DedupSettings(_Section):
    near_threshold: float = Field(gt=0.0, le=1.0)
    min_words: int = Field(ge=1)
    sampling: int = Field(ge=1)
    head: int = Field(ge=0)
    min_shared: float = Field(gt=0.0, le=1.0)
    max_compared: int = Field(ge=1)
    key_postings: int = Field(ge=1)
    window_days: int = Field(ge=1)
    boilerplate_recent: int = Field(ge=1)
    boilerplate_reports: int = Field(ge=1)
    boilerplate_share: float = Field(ge=0.0, le=1.0)


class StorySettings(_Section):
    days: int = Field(ge=0)
    min_shared: int = Field(ge=1)
    min_overlap: float = Field(gt=0.0, le=1.0)
    lead_words: int = Field(ge=1)
    max_candidates: int = Field(ge=1)


class RuleSettings(_Section):
    name: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    actors: list[str] = []
    places: list[str] = []
    actor_kinds: list[str] = []
    keywords: list[str] = []
    match: Literal["any", "all"] = "any"


class AlertSettings(_Section):
    rules: list[RuleSettings] = []


class Settings(_Section):
    database: DatabaseSettings
    watchlist: WatchlistSettings
    dedup: DedupSettings
    stories: StorySettings
    alerts: AlertSettings

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
    if env.get(ENV_DATA_DIR):
        raw = _merge(raw, {"database": {"data_dir": str(Path(env[ENV_DATA_DIR]).expanduser())}})
    if env.get(ENV_DB_URL):
        raw = _merge(raw, {"database": {"url": env[ENV_DB_URL]}})
    if db_url:
        raw = _merge(raw, {"database": {"url": db_url}})
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(f"{blame}: " + "; ".join(validation_problems(e))) from e
    return LoadedSettings(settings=settings, files=tuple(files))
