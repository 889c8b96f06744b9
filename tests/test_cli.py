"""The `dramabot` command as an operator meets it: exit codes and plain messages."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import REPO_ROOT
from bot.logs import RedactSecrets, setup_logging
from bot.packs import loader
from bot.packs.model import PackError

PACKS_DIR = REPO_ROOT / "data" / "packs"

TOKEN = "MTA1NjQ3ODk4NzY1NDMyMTAx.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789AB"


def run_cli(*args: str, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("DISCORD_", "DRAMABOT_", "DEV_GUILD", "DEFAULT_DRAMA"))}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=environ,
        cwd=cwd or REPO_ROOT, stdin=subprocess.DEVNULL, timeout=60, check=False,
    )


def test_run_without_token_explains_and_exits_2(tmp_path: Path) -> None:
    result = run_cli("run", "--console-fallback", cwd=tmp_path)
    assert result.returncode == 2
    assert "no DISCORD_TOKEN" in result.stderr
    assert "Developer" not in result.stdout  # help goes to stderr
    assert "discord.com/developers/applications" in result.stderr
    assert "dramabot console" in result.stderr


def test_config_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_cli("run", env={"LOG_LEVEL": "shouty"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "dramabot: configuration error: LOG_LEVEL: must be one of DEBUG, INFO, WARNING, "
        "ERROR, CRITICAL, got 'shouty'"
    ]


def test_db_check_passes_on_the_bundled_packs(tmp_path: Path) -> None:
    result = run_cli("db", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_db_check_names_file_and_key(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "broken.toml").write_text('format = 1\n[drama]\nslug = "broken"\n')
    result = run_cli("db", "check", env={"DRAMABOT_PACKS": str(packs)}, cwd=tmp_path)
    assert result.returncode == 1
    assert "broken.toml" in result.stderr
    assert "drama.title" in result.stderr


def test_db_build_writes_the_fact_store(tmp_path: Path) -> None:
    result = run_cli("db", "build", env={"DRAMABOT_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "facts.sqlite3").is_file()


def test_db_build_names_file_and_key_and_builds_nothing(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "broken.toml").write_text('format = 1\n[drama]\nslug = "broken"\n')
    data = tmp_path / "data"
    result = run_cli("db", "build", env={"DRAMABOT_PACKS": str(packs),
                                         "DRAMABOT_DATA_DIR": str(data)}, cwd=tmp_path)
    assert result.returncode == 1
    assert "broken.toml: drama.title: the required key 'title' is missing" in result.stderr
    assert f"1 error(s) in {packs}" in result.stderr
    assert result.stdout == ""
    assert not (data / "facts.sqlite3").exists()


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root_logger")
def test_token_redacted_from_logs(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG", [TOKEN])
    logger = logging.getLogger("dramabot.test")
    logger.debug("connecting with %s", TOKEN)
    try:
        raise RuntimeError(f"bad header Authorization: Bot {TOKEN}")
    except RuntimeError:
        logger.exception("request failed")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert "[redacted]" in err
    assert "connecting with [redacted]" in err


def test_redaction_leaves_other_records_alone() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    assert RedactSecrets([TOKEN]).filter(record)
    assert record.getMessage() == "hello world"


@pytest.mark.usefixtures("restore_root_logger")
def test_db_build_parses_each_pack_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    read: list[str] = []
    real = loader._read_toml

    def counting(path: Path, content: bytes | None = None) -> tuple[Any, list[PackError]]:
        read.append(path.name)
        return real(path, content)
    monkeypatch.setattr(loader, "_read_toml", counting)
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("DRAMABOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAMABOT_PACKS", str(PACKS_DIR))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert main(["db", "build"]) == 0
    assert capsys.readouterr().out == f"Fact store built: {tmp_path / 'facts.sqlite3'}\n"
    assert sorted(read) == sorted(p.name for p in PACKS_DIR.glob("*.toml"))
