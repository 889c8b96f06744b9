"""The loader parses TOML with tomli (tomllib's own parser, compiled) when installed: it
must accept exactly what Python 3.11's tomllib accepts, and report errors in its words."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.packs import loader

# TOML 1.1 only (tomli 2.4 and later read it; 3.11's tomllib does not), then TOML 1.0
# mistakes both refuse.
REFUSED = ['a = {x = 1,\n y = 2}', 'a = "\\e"', "t = 12:30", "a = {x = 1,}",
           'a = "\\x41"', "dt = 1979-05-27T07:32", "a = 1\na = 2", "a = 01"]


@pytest.mark.parametrize("text", REFUSED)
def test_what_tomllib_refuses_is_refused_in_its_words(text: str, tmp_path: Path) -> None:
    path = tmp_path / "pack.toml"
    path.write_text(text)
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(text)
    data, errors = loader._read_toml(path)
    assert data is None
    assert [e.message for e in errors] == [f"TOML syntax error: {caught.value}"]


def test_what_tomllib_reads_is_read_alike(tmp_path: Path) -> None:
    text = 'a = [1, "x"]\nk = 1_000\nd = 2022-03-23\n[t]\nx = { y = "z" }\n'
    path = tmp_path / "pack.toml"
    path.write_text(text)
    assert loader._read_toml(path) == (tomllib.loads(text), [])
