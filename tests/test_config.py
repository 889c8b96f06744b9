"""Settings: defaults, every malformed value named clearly, the token never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import REPO_ROOT, ConfigError, load_settings

TOKEN = "MTA1NjQ3ODk4NzY1NDMyMTAx.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_defaults_need_nothing() -> None:
    settings = load_settings({})
    assert settings.token is None
    assert settings.default_drama == "soundtrack1"
    assert settings.packs_dir == REPO_ROOT / "data" / "packs"
    assert settings.data_dir == REPO_ROOT / "var"
    assert settings.log_level == "INFO"
    assert settings.api_base is None and settings.gateway_url is None
    assert settings.dev_guild_id is None


def test_all_settings_read(tmp_path: Path) -> None:
    settings = load_settings({
        "DISCORD_TOKEN": TOKEN,
        "DEV_GUILD_ID": "123456789012345678",
        "DEFAULT_DRAMA": "soundtrack2",
        "DRAMABOT_DATA_DIR": str(tmp_path),
        "DRAMABOT_PACKS": str(tmp_path / "packs"),
        "LOG_LEVEL": "debug",
        "DISCORD_API_BASE": "http://127.0.0.1:9999/api/v10/",
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9999/gateway",
    })
    assert settings.token == TOKEN
    assert settings.dev_guild_id == 123456789012345678
    assert settings.default_drama == "soundtrack2"
    assert settings.fact_db == tmp_path / "facts.sqlite3"
    assert settings.state_db == tmp_path / "state.sqlite3"
    assert settings.log_level == "DEBUG"
    assert settings.api_base == "http://127.0.0.1:9999/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:9999/gateway"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("DISCORD_TOKEN", "not a token", "does not look like a bot token"),
        ("DEV_GUILD_ID", "my-server", "server id"),
        ("DEV_GUILD_ID", "12", "server id"),
        ("DEFAULT_DRAMA", "Soundtrack #1", "drama slug"),
        ("LOG_LEVEL", "loud", "DEBUG, INFO"),
        ("DISCORD_API_BASE", "discord.com/api", "http://"),
        ("DISCORD_GATEWAY_URL", "http://127.0.0.1/gateway", "ws://"),
    ],
)
def test_malformed_values_name_the_setting(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value})
    assert caught.value.setting == name
    assert str(caught.value).startswith(f"{name}: ")
    assert fragment in str(caught.value)


def test_a_bad_token_is_never_echoed() -> None:
    secret = "almost.a.token with a space"
    with pytest.raises(ConfigError) as caught:
        load_settings({"DISCORD_TOKEN": secret})
    assert secret not in str(caught.value)


def test_token_hidden_from_repr() -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in repr(settings)


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("DEFAULT_DRAMA=vincenzo\nLOG_LEVEL=WARNING\n")
    monkeypatch.delenv("DEFAULT_DRAMA", raising=False)
    monkeypatch.setenv("LOG_LEVEL", "ERROR")  # the real environment wins over .env
    settings = load_settings(env_file=env)
    assert settings.default_drama == "vincenzo"
    assert settings.log_level == "ERROR"


def test_blank_values_mean_default() -> None:
    settings = load_settings({"DISCORD_TOKEN": "", "DEV_GUILD_ID": "  ", "LOG_LEVEL": ""})
    assert settings.token is None and settings.dev_guild_id is None
    assert settings.log_level == "INFO"


def test_flood_rates_are_settings_with_defaults() -> None:
    defaults = load_settings({})
    assert str(defaults.lookup_rate) == "8/10" and str(defaults.quiz_start_rate) == "3/60"
    assert defaults.quiz_games_per_server == 5
    chosen = load_settings({"LOOKUP_RATE": "2 / 7.5", "QUIZ_GAMES_PER_SERVER": "9"})
    assert (chosen.lookup_rate.count, chosen.lookup_rate.per) == (2, 7.5)
    assert chosen.quiz_games_per_server == 9
    for name, bad in (("LOOKUP_RATE", "fast"), ("QUIZ_CHANNEL_RATE", "0/10"),
                      ("AUTOCOMPLETE_RATE", "5/0"), ("QUIZ_GAMES_PER_SERVER", "0")):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: bad})
