"""The loader parses TOML with toml-rs (in its TOML 1.0 mode) or tomli (tomllib's own
parser, compiled) when installed: it must accept exactly what Python 3.11's tomllib
accepts, read it into the same values of the same types, and report errors in its words."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.packs import loader
from bot.packs.loader import pack_paths

ROOT = Path(__file__).resolve().parent.parent

# TOML 1.1 only (tomli 2.4 and later read it; 3.11's tomllib does not), then TOML 1.0
# mistakes both refuse.
REFUSED = ['a = {x = 1,\n y = 2}', 'a = "\\e"', "t = 12:30", "a = {x = 1,}",
           'a = "\\x41"', "dt = 1979-05-27T07:32", "a = 1\na = 2", "a = 01",
           "\ufeffa = 1"]  # toml-rs skips a byte order mark, which tomllib refuses


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


# Every kind of value a TOML 1.0 file can hold, and the corners where parsers differ:
# offsets and Z (tomllib's timezone objects), fractions of a second past microseconds,
# integers beyond 64 bits, signed zeros and NaN, nested and dotted tables.
VALUES = """\
s = "tab\\there \\u00e9 \\U0001F600"
lit = 'C:\\no\\escape'
ml = \"\"\"
one \\
  two\"\"\"
i = [0, -0, +7, 1_000, 0x7fffffffffffffff, 0o755, 0b1010, -9223372036854775808]
big = 99999999999999999999
f = [0.1, -0.0, 1e400, -inf, 5e-324, 6.02e23, 1_000.000_1]
n = nan
b = [true, false]
d = 2022-03-23
ldt = [1979-05-27T07:32:00, 1979-05-27 07:32:00.1234567]
odt = [1979-05-27T07:32:00Z, 1979-05-27t07:32:00z, 1979-05-27T00:32:00.999999-07:00,
       1979-05-27T07:32:00+05:30, 1979-05-27T07:32:00-00:00]
t = [07:32:00, 00:32:00.5]
mixed = [1, "x", { y = [2, { z = 2000-01-01 }] }, [[]]]
a.b.c = 1
a.b.d = { e = "f" }

[table."quoted key".sub]
x = 1

[[aot]]
n = 1
[aot.inner]
k = "v"
[[aot]]
n = 2
[[aot.nested]]
m = 3
"""


def typed(value: Any) -> Any:
    """A value with the types of everything in it spelt out, NaN comparable, and each
    datetime's offset and timezone class, so `==` misses nothing a parser may change."""
    if isinstance(value, dict):
        return ("table", type(value), [(type(k), k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("array", type(value), [typed(v) for v in value])
    if isinstance(value, float):
        return (float, "nan" if math.isnan(value) else value, math.copysign(1, value))
    if isinstance(value, dt.datetime | dt.time):
        return (type(value), value.isoformat(), type(value.tzinfo), value.utcoffset())
    return (type(value), value)


def test_every_kind_of_value_is_read_as_tomllib_reads_it() -> None:
    assert typed(loader._fast_loads(VALUES)) == typed(tomllib.loads(VALUES))


def test_the_bundled_packs_are_read_as_tomllib_reads_them() -> None:
    paths, errors = pack_paths(ROOT / "data" / "packs")
    assert paths and not errors
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert typed(loader._fast_loads(text)) == typed(tomllib.loads(text)), path.name


def test_synthetic_packs_are_read_as_tomllib_reads_them(tmp_path: Path) -> None:
    from benchmarks import synth

    synth.write_packs(tmp_path, dramas=60)
    for path in sorted(tmp_path.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        assert typed(loader._fast_loads(text)) == typed(tomllib.loads(text)), path.name


@pytest.mark.parametrize("parser", ["toml-rs", "tomli"])
def test_each_fast_parser_reads_as_tomllib(parser: str, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    if parser == "tomli":  # where toml-rs has no wheel
        monkeypatch.setattr(loader, "_toml_rs", None)
    elif loader._toml_rs is None:
        pytest.skip("toml-rs is not installed")
    assert typed(loader._fast_loads(VALUES)) == typed(tomllib.loads(VALUES))


class PanicException(BaseException):
    """What pyo3 raises when Rust code panics (a BaseException, not an Exception)."""


def test_a_panic_in_the_fast_parser_leaves_the_file_to_tomllib(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Panicking:
        @staticmethod
        def loads(text: str, toml_version: str) -> Any:
            raise PanicException("index out of bounds")
    monkeypatch.setattr(loader, "_toml_rs", Panicking)
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(VALUES)
    bad.write_text("a = 01")
    assert typed(loader._read_toml(good)[0]) == typed(tomllib.loads(VALUES))
    data, errors = loader._read_toml(bad)
    assert data is None and errors[0].message.startswith("TOML syntax error: ")


def test_stopping_while_parsing_still_stops(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM stops a build with SystemExit (bot.store.build): not a parser failure."""
    class Stopped:
        @staticmethod
        def loads(text: str, toml_version: str) -> Any:
            raise SystemExit(143)
    monkeypatch.setattr(loader, "_toml_rs", Stopped)
    path = tmp_path / "pack.toml"
    path.write_text("a = 1")
    with pytest.raises(SystemExit):
        loader._read_toml(path)
