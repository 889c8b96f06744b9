"""Settings, read from the environment and an optional `.env` file.

Every setting is checked here, once, so that a typo in `.env` gives one clear line naming
the setting instead of a traceback deep inside discord.py. The token is kept out of
`repr()` so it can never reach a log line by accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.shards import ShardScope, parse_ids
from bot.store.backends import PoolSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Discord tokens are three dot-separated base64url parts; we check the shape only.
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{10,}$")


class ConfigError(Exception):
    """A missing or malformed setting; the message names the setting and what to do."""

    def __init__(self, setting: str, message: str) -> None:
        self.setting = setting
        super().__init__(f"{setting}: {message}")


@dataclass(frozen=True)
class Rate:
    """At most `count` uses per `per` seconds (a cooldown's rate)."""

    count: int
    per: float

    def __str__(self) -> str:
        return f"{self.count}/{self.per:g}"


# Sane defaults: far above what a person does by hand, far below what a script floods.
LOOKUP_RATE = Rate(8, 10.0)  # /drama, /person, /ost, quiz boards: per member
AUTOCOMPLETE_RATE = Rate(25, 5.0)  # suggestions as a member types
QUIZ_START_RATE = Rate(3, 60.0)  # /quiz start, per member
QUIZ_CHANNEL_RATE = Rate(4, 60.0)  # /quiz start, per channel
QUIZ_GAMES_PER_SERVER = 5  # games running at once in one server


@dataclass(frozen=True)
class Settings:
    token: str | None = field(repr=False)
    dev_guild_id: int | None = None
    default_drama: str = "soundtrack1"
    data_dir: Path = REPO_ROOT / "var"
    packs_dir: Path = REPO_ROOT / "data" / "packs"
    log_level: str = "INFO"
    api_base: str | None = None
    gateway_url: str | None = None
    # A URL may carry a password: kept out of repr() like the token.
    database_url: str | None = field(default=None, repr=False)
    pool: PoolSettings = field(default_factory=PoolSettings)
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    # `dramabot pack import`: where to reach the open-data services (a mirror, a proxy or
    # a test server may stand in), and who their operators can contact about our requests.
    wikidata_api_base: str = "https://www.wikidata.org"
    musicbrainz_api_base: str = "https://musicbrainz.org"
    import_contact: str | None = None
    lookup_rate: Rate = LOOKUP_RATE
    autocomplete_rate: Rate = AUTOCOMPLETE_RATE
    quiz_start_rate: Rate = QUIZ_START_RATE
    quiz_channel_rate: Rate = QUIZ_CHANNEL_RATE
    quiz_games_per_server: int = QUIZ_GAMES_PER_SERVER

    @property
    def fact_db(self) -> Path:
        return self.data_dir / "facts.sqlite3"

    @property
    def state_db(self) -> Path:
        return self.data_dir / "state.sqlite3"

    @property
    def state_target(self) -> Path | str:
        """Where the state store lives: PostgreSQL when DATABASE_URL is set, else the
        SQLite file in the data folder."""
        return self.database_url or self.state_db

    @property
    def shard_scope(self) -> ShardScope | None:
        """The shards this process runs; None: all of them, as many as Discord
        recommends (one process, the default)."""
        if self.shard_count is None:
            return None
        return ShardScope(self.shard_ids or tuple(range(self.shard_count)), self.shard_count)


def load_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = None
) -> Settings:
    """Build Settings from `environ` (default: the process environment) over `env_file`
    (default: `.env` in the current folder, if present). Raises ConfigError."""
    values: dict[str, str] = {}
    dotenv_path = env_file if env_file is not None else Path(".env")
    if environ is None:
        if dotenv_path.is_file():
            values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        values.update(os.environ)
    else:
        values.update(environ)
    return _parse(values)


def _parse(values: Mapping[str, str]) -> Settings:
    def get(name: str) -> str | None:
        raw = values.get(name)
        return raw.strip() if raw and raw.strip() else None

    return Settings(
        token=_token(get("DISCORD_TOKEN")),
        dev_guild_id=_snowflake("DEV_GUILD_ID", get("DEV_GUILD_ID")),
        default_drama=_slug("DEFAULT_DRAMA", get("DEFAULT_DRAMA") or "soundtrack1"),
        data_dir=_path(get("DRAMABOT_DATA_DIR"), REPO_ROOT / "var"),
        packs_dir=_path(get("DRAMABOT_PACKS"), REPO_ROOT / "data" / "packs"),
        log_level=_log_level(get("LOG_LEVEL") or "INFO"),
        api_base=_url("DISCORD_API_BASE", get("DISCORD_API_BASE"), ("http", "https")),
        gateway_url=_url("DISCORD_GATEWAY_URL", get("DISCORD_GATEWAY_URL"), ("ws", "wss")),
        database_url=_database_url(get("DATABASE_URL")),
        pool=_pool(get),
        **_shards(get("SHARD_COUNT"), get("SHARD_IDS")),
        wikidata_api_base=_url("WIKIDATA_API_BASE", get("WIKIDATA_API_BASE"),
                               ("http", "https")) or "https://www.wikidata.org",
        musicbrainz_api_base=_url("MUSICBRAINZ_API_BASE", get("MUSICBRAINZ_API_BASE"),
                                  ("http", "https")) or "https://musicbrainz.org",
        import_contact=get("IMPORT_CONTACT"),
        lookup_rate=_rate("LOOKUP_RATE", get("LOOKUP_RATE"), LOOKUP_RATE),
        autocomplete_rate=_rate("AUTOCOMPLETE_RATE", get("AUTOCOMPLETE_RATE"),
                                AUTOCOMPLETE_RATE),
        quiz_start_rate=_rate("QUIZ_START_RATE", get("QUIZ_START_RATE"), QUIZ_START_RATE),
        quiz_channel_rate=_rate("QUIZ_CHANNEL_RATE", get("QUIZ_CHANNEL_RATE"),
                                QUIZ_CHANNEL_RATE),
        quiz_games_per_server=_count("QUIZ_GAMES_PER_SERVER", get("QUIZ_GAMES_PER_SERVER"),
                                     QUIZ_GAMES_PER_SERVER),
    )


def _database_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    scheme, sep, rest = raw.partition("://")
    if not sep or scheme.lower() not in ("postgresql", "postgres") or not rest:
        # Never echo the value: it may hold a password.
        raise ConfigError("DATABASE_URL", "must be a PostgreSQL URL such as "
                          "postgresql://user:password@host:5432/dramabot (unset: SQLite)")
    return raw


def _number(name: str, raw: str | None, default: float, low: float, *,
            whole: bool = False) -> float:
    if raw is None:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = low - 1
    if value < low:
        kind = "a whole number" if whole else "a number of seconds"
        raise ConfigError(name, f"must be {kind} of at least {low:g}, got {raw!r}")
    return value


def _pool(get: Callable[[str], str | None]) -> PoolSettings:
    low = int(_number("DATABASE_POOL_MIN", get("DATABASE_POOL_MIN"), 1, 0, whole=True))
    high = int(_number("DATABASE_POOL_MAX", get("DATABASE_POOL_MAX"), 10, 1, whole=True))
    if low > high:
        raise ConfigError("DATABASE_POOL_MIN", f"must not exceed DATABASE_POOL_MAX ({high}), "
                          f"got {low}")
    return PoolSettings(
        min_size=low, max_size=high,
        connect_timeout=_number("DATABASE_CONNECT_TIMEOUT", get("DATABASE_CONNECT_TIMEOUT"),
                                10.0, 0.1),
        query_timeout=_number("DATABASE_QUERY_TIMEOUT", get("DATABASE_QUERY_TIMEOUT"),
                              30.0, 0.1))


def _shards(count_raw: str | None, ids_raw: str | None) -> dict[str, Any]:
    if count_raw is None:
        if ids_raw is not None:
            raise ConfigError("SHARD_IDS", "needs SHARD_COUNT, the total number of shards "
                              "across every process (e.g. SHARD_COUNT=8, SHARD_IDS=0-3)")
        return {}
    count = int(_number("SHARD_COUNT", count_raw, 1, 1, whole=True))
    if ids_raw is None:
        return {"shard_count": count}
    try:
        ids = parse_ids(ids_raw, count)
    except ValueError as error:
        raise ConfigError("SHARD_IDS", f"{error}, got {ids_raw!r}") from None
    return {"shard_count": count, "shard_ids": ids}


def _token(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _TOKEN.match(raw):
        # Never echo the value: it may be a real token with a stray character.
        raise ConfigError(
            "DISCORD_TOKEN",
            "does not look like a bot token (three parts separated by dots); copy it again "
            "from the Developer Portal, Bot page, Reset Token",
        )
    return raw


def _snowflake(name: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or not 15 <= len(raw) <= 21:
        raise ConfigError(name, f"must be a server id (a number of 15-21 digits), got {raw!r}")
    return int(raw)


def _slug(name: str, raw: str) -> str:
    if not _SLUG.match(raw):
        raise ConfigError(name, f"must be a drama slug such as 'soundtrack1', got {raw!r}")
    return raw


def _path(raw: str | None, default: Path) -> Path:
    if raw is None:
        return default
    path = Path(raw).expanduser()
    return path if path.is_absolute() else (Path.cwd() / path)


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return level


_RATE = re.compile(r"^(\d{1,6})\s*/\s*(\d{1,6}(?:\.\d+)?)$")


def _rate(name: str, raw: str | None, default: Rate) -> Rate:
    if raw is None:
        return default
    m = _RATE.match(raw)
    if not m or int(m.group(1)) < 1 or float(m.group(2)) <= 0:
        raise ConfigError(name, f"must be uses/seconds such as '{default}' ({default.count} "
                                f"per {default.per:g} s), got {raw!r}")
    return Rate(int(m.group(1)), float(m.group(2)))


def _count(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise ConfigError(name, f"must be a whole number from 1 to 10000, got {raw!r}")
    return int(raw)


def _url(name: str, raw: str | None, schemes: tuple[str, ...]) -> str | None:
    if raw is None:
        return None
    scheme, sep, rest = raw.partition("://")
    if not sep or scheme.lower() not in schemes or not rest or " " in raw:
        wanted = " or ".join(f"{s}://" for s in schemes)
        raise ConfigError(name, f"must be a URL starting with {wanted}, got {raw!r}")
    return raw.rstrip("/")


def shared_dir() -> Path:
    """The shared/ folder beside the repository (DRAMABOT_SHARED_DIR overrides it)."""
    override = os.environ.get("DRAMABOT_SHARED_DIR")
    return Path(override) if override else REPO_ROOT.parent / "shared"
