"""The one place where the running parts are built from the configuration.

Every command that stores or sends (`replay`, `poll`, `run`, `check`) starts from `assemble`:
the settings read, the watchlist and its tagger, the alert rules checked against it, and the
notifier the Slack settings call for. A mistake in any of them is a ConfigError (or a
WatchlistError) naming the file and the key, raised before anything is opened or sent. The
service assembles again on SIGHUP and swaps the new parts in between polls (see
`monitor.daemon.service`); `changes` says what the new assembly changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor.alert import Notifier, Rule
from monitor.alert.slack import choose_notifier
from monitor.clock import Clock, utc_now
from monitor.config import LoadedSettings, Settings
from monitor.pipeline import Pipeline, rules_from_settings
from monitor.store import Store
from monitor.tag import Tagger, Watchlist, load_watchlist


@dataclass(frozen=True, kw_only=True, slots=True)
class Assembly:
    """What the configuration describes, read and checked: ready to run."""

    loaded: LoadedSettings
    watchlist: Watchlist
    tagger: Tagger
    rules: tuple[Rule, ...]
    notifier: Notifier

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    def pipeline(self, store: Store, *, inline: bool, clock: Clock = utc_now) -> Pipeline:
        """The pipeline on `store`. With `inline` it sends each group's alerts through the
        notifier once the group is stored (for an immediate notifier); without, they wait in
        the outbox for a dispatcher (or, in a dry run, for nothing)."""
        settings = self.settings
        return Pipeline(
            store=store,
            tagger=self.tagger,
            rules=self.rules,
            notifier=self.notifier if inline else None,
            policy=settings.dedup,
            story_policy=settings.stories,
            clock=clock,
        )


def tagger_of(loaded: LoadedSettings) -> Tagger:
    """The tag stage alone (for commands that only read and tag): the watchlist, and the
    weights and threshold of relevance. Raises WatchlistError naming the file."""
    return _tagger(loaded.settings, watchlist_of(loaded))


def watchlist_of(loaded: LoadedSettings) -> Watchlist:
    """The watchlist the settings name. Raises WatchlistError naming the file."""
    w = loaded.settings.watchlist
    return load_watchlist(Path(w.actors), w.places_files)


def _tagger(settings: Settings, watchlist: Watchlist) -> Tagger:
    return Tagger(watchlist, relevance=settings.relevance)


def assemble(loaded: LoadedSettings, *, notifier: Notifier | None = None) -> Assembly:
    """The parts `loaded` describes; `notifier` in place of the one the Slack settings call
    for (tests). Raises ConfigError or WatchlistError naming the file and the key."""
    settings = loaded.settings
    watchlist = watchlist_of(loaded)
    rules = rules_from_settings(settings, watchlist, str(loaded.user_file))
    if notifier is None:
        notifier = choose_notifier(settings.slack, config_file=str(loaded.user_file))
    return Assembly(
        loaded=loaded,
        watchlist=watchlist,
        tagger=_tagger(settings, watchlist),
        rules=tuple(rules),
        notifier=notifier,
    )


def changes(old: Assembly, new: Assembly) -> list[str]:
    """What `new` changes from `old`, in words for the log: the alert rules, the watchlist's
    entries, and the settings of Slack, relevance, dedup, stories and housekeeping (never a
    credential's value)."""
    said: list[str] = []
    if old.rules != new.rules:
        before = {r.name: r for r in old.rules}
        after = {r.name: r for r in new.rules}
        added = sorted(after.keys() - before.keys())
        removed = sorted(before.keys() - after.keys())
        edited = sorted(n for n in before.keys() & after.keys() if before[n] != after[n])
        said.append(
            "rules: "
            + "; ".join(
                f"{what} {', '.join(names)}"
                for what, names in (("added", added), ("removed", removed), ("changed", edited))
                if names
            )
            if added or removed or edited
            else "rules: reordered"
        )
    before_ids = set(old.watchlist.entities)
    after_ids = set(new.watchlist.entities)
    added_ids = after_ids - before_ids
    removed_ids = before_ids - after_ids
    edited_ids = {
        i for i in before_ids & after_ids if old.watchlist.entities[i] != new.watchlist.entities[i]
    }
    if added_ids or removed_ids or edited_ids:
        said.append(
            f"watchlist: {len(added_ids)} added, {len(removed_ids)} removed, "
            f"{len(edited_ids)} changed"
            + (
                f" ({', '.join(sorted(added_ids)[:5])}{'...' if len(added_ids) > 5 else ''} new)"
                if added_ids
                else ""
            )
        )
    a, b = old.settings, new.settings
    for name, before_settings, after_settings in (
        ("slack", a.slack, b.slack),
        ("relevance", a.relevance, b.relevance),
        ("dedup", a.dedup, b.dedup),
        ("stories", a.stories, b.stories),
        ("housekeeping", a.housekeeping, b.housekeeping),
    ):
        if before_settings != after_settings:
            said.append(f"{name} settings")
    if type(old.notifier) is not type(new.notifier):
        said.append(f"alerts now go to {'the console' if new.notifier.immediate else 'Slack'}")
    return said
