"""The benchmark's synthetic packs must be packs the bot accepts: a benchmark over data the
loader rejects would measure an error path. No timing here; that is `make bench`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from benchmarks.synth import write_packs
from bot.packs.loader import check_packs, load_packs


def test_synthetic_packs_pass_the_pack_loader(tmp_path: Path) -> None:
    manifest = write_packs(tmp_path, 20)

    assert check_packs(tmp_path) == []
    packs = load_packs(tmp_path)
    assert len(packs.packs) == 20
    assert manifest.people == len(packs.people)
    assert sum(len(p.ost) for p in packs.packs) == manifest.tracks


def test_manifest_names_exist_in_the_packs(tmp_path: Path) -> None:
    manifest = write_packs(tmp_path, 20)

    pack = tomllib.loads((tmp_path / f"{manifest.drama_slug}.toml").read_text())
    assert pack["drama"]["title"]["value"] == manifest.drama_title
    people = pack["people"]
    assert manifest.person_name in {p["name"] for p in people.values()}
    assert manifest.person_query in {manifest.person_name, *people}
    assert manifest.track_number in {t["number"] for t in pack["ost"]}
    assert manifest.autocomplete_text in manifest.drama_title.lower()


def test_output_is_deterministic(tmp_path: Path) -> None:
    first = write_packs(tmp_path / "a", 20)
    second = write_packs(tmp_path / "b", 20)

    assert first == second
    for path in (tmp_path / "a").glob("*.toml"):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()
