"""`dramabot pack import`, end to end without a network: the real aiohttp client against
a local server (tests/import_server.py) serving hand-made, fictional fixtures in
Wikidata's and MusicBrainz's real shapes; then `db check`, and the real bot answering
from the imported pack through the offline Discord."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from bot.importers.http import PoliteClient, retry_after
from bot.importers.wikidata import Wikidata
from bot.offline import OfflineDiscord
from bot.packs.loader import check_packs, format_errors, load_pack
from tests.import_server import FixtureServer
from tests.support import PACKS_DIR, run_dramabot
from tests.test_quiz_commands import Quiz, run_bot

DRAMA, SEQUEL = "Q990001", "Q990002"
ITEM = "wikidata-q990001-r2100000001"
MAIN_RELEASE = "musicbrainz-release-3d2e6f10-1111-4aaa-8bbb-000000000011"
LATIN_RELEASE = "musicbrainz-release-3d2e6f10-1111-4aaa-8bbb-000000000012"


@pytest.fixture
async def server() -> AsyncIterator[FixtureServer]:
    fixture = FixtureServer()
    await fixture.start()
    yield fixture
    await fixture.stop()


@pytest.fixture
def packs(tmp_path: Path, server: FixtureServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled packs, and the settings that point the importer at the server."""
    folder = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, folder)
    monkeypatch.setenv("WIKIDATA_API_BASE", server.base)
    monkeypatch.setenv("MUSICBRAINZ_API_BASE", server.base)
    monkeypatch.setenv("IMPORT_CONTACT", "dramabot-tests@example.org")
    monkeypatch.setenv("DRAMABOT_PACKS", str(folder))
    return folder


async def dramabot_cli(*argv: str) -> int:
    """The CLI as an operator runs it (it runs its own event loop, so in a thread)."""
    return await asyncio.to_thread(main, ["pack", "import", *argv])


async def test_import_writes_a_pack_that_passes_check(packs: Path, server: FixtureServer,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    assert await dramabot_cli("wikidata", DRAMA, "--ost", "musicbrainz") == 0
    out = capsys.readouterr().out
    assert check_packs(packs) == [], format_errors(check_packs(packs))
    assert "3 cast member(s), 2 crew credit(s)" in out
    assert "1 of 3 cast member(s) with no role on record" in out
    assert "soundtrack named by the Wikidata item (P406, P436)" in out  # asked nothing
    assert not server.calls("/ws/2/release-group")  # no search: the item named its OST
    text = (packs / "moonlit-recipe.toml").read_text(encoding="utf-8")
    assert text.startswith("#  Draft imported from Wikidata Q990001 (revision 2100000001)")


async def test_what_is_mapped_and_how_it_is_sourced(packs: Path) -> None:
    assert await dramabot_cli("wikidata", DRAMA, "--ost", "musicbrainz") == 0
    pack = load_pack(packs / "moonlit-recipe.toml")
    drama, sources = pack.drama, pack.sources
    # the item at the revision read, linked on the public site whatever the API base
    item = sources[ITEM]
    assert item.url == "https://www.wikidata.org/w/index.php?title=Q990001&oldid=2100000001"
    assert (item.label, item.licence, item.kind) == ("Wikidata", "CC0 1.0", "database")
    assert (drama.title.value, drama.korean_title and drama.korean_title.value) == (
        "Moonlit Recipe", "달빛 레시피")
    assert "Moonlight Recipe" in drama.aliases
    # P854 is a source of its own; P143 ("imported from Wikipedia") adds none
    assert drama.premiere is not None and drama.premiere.value == dt.date(2023, 3, 4)
    (web,) = [s for s in drama.premiere.sources if s != ITEM]
    assert sources[web].url == "https://news.example.org/moonlit-recipe-premiere"
    assert drama.finale is not None and drama.finale.sources == (ITEM,)
    assert drama.finale.single_source
    # the preferred statement wins; the deprecated one is skipped
    assert drama.episode_count is not None and drama.episode_count.value == 16
    assert not drama.episode_count.also
    assert [g.value for g in drama.genres] == ["romantic comedy", "cooking drama"]
    assert drama.platform is not None and drama.platform.value == "Channel Nine"  # P449
    assert [p.value for p in drama.other_platforms] == ["StreamBox"]  # P750
    assert drama.country is not None and drama.country.value == "South Korea"
    assert [f.value for f in drama.followed_by] == ["Moonlit Recipe 2"]
    # cast in billing order (P1545), roles from P453 (an item) and P4633 (a name)
    cast = [(c.person, c.character.value if c.character else None) for c in pack.cast]
    assert cast == [("kang-ji-woo", "Yoon Da-on"), ("lee-seo-yeon", "Han Bom"),
                    ("choi-woo-jin", None)]
    assert pack.cast[0].character_hangul is not None
    assert pack.cast[0].character_hangul.value == "윤다온"
    assert {(c.person, c.job) for c in pack.credits} == {
        ("seo-min-jae", "director"), ("park-ha-neul", "writer")}
    kang = pack.people["kang-ji-woo"]
    assert (kang.hangul, kang.aliases) == ("강지우", ("Kang Jiwoo",))
    assert [g.value for g in kang.groups] == ["Starlight Nine"]
    assert [o.value for o in kang.occupations] == ["actor", "singer"]
    assert "yoon-da-on" not in pack.people  # a character is not a person


async def test_the_ost_from_musicbrainz_with_its_latin_titles(packs: Path) -> None:
    assert await dramabot_cli("wikidata", DRAMA, "--ost", "musicbrainz") == 0
    pack = load_pack(packs / "moonlit-recipe.toml")
    tracks = {t.number: t for t in pack.ost}
    assert sorted(tracks) == [1, 2, 3]
    first = tracks[1]
    assert first.title is not None and first.title.value == "Under the Moonlight"
    assert first.title.sources == (LATIN_RELEASE,)  # the pseudo-release
    assert first.korean_title is not None and first.korean_title.value == "달빛 아래"
    assert first.korean_title.sources == (MAIN_RELEASE,)
    assert first.release_date is not None and first.release_date.value == dt.date(2023, 3, 10)
    # the MusicBrainz artist id on the Wikidata person (P434) joins the two
    assert [a.person for a in tracks[2].artists] == ["kang-ji-woo", "han-gyeol"]
    assert pack.people["starlight-nine"].kind == "group"
    assert pack.sources[MAIN_RELEASE].url == \
        "https://musicbrainz.org/release/3d2e6f10-1111-4aaa-8bbb-000000000011"


async def test_a_drama_without_roles_and_with_a_year_only_date(
        packs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await dramabot_cli("wikidata", SEQUEL, "--ost", "musicbrainz") == 0
    out = capsys.readouterr().out
    pack = load_pack(packs / "moonlit-recipe-2.toml")
    assert pack.drama.premiere is None  # a year is not a day
    assert pack.drama.year is not None and pack.drama.year.value == 2025
    assert [c.character for c in pack.cast] == [None, None]
    assert [f.value for f in pack.drama.sequel_of] == ["Moonlit Recipe"]
    assert "2 of 2 cast member(s) with no role on record" in out
    assert "no OST found on MusicBrainz for 'Moonlit Recipe 2'" in out
    assert check_packs(packs) == []


async def test_a_title_lists_the_candidates(packs: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert await dramabot_cli("wikidata", "moonlit", "recipe") == 0
    out = capsys.readouterr().out
    assert "1. Moonlit Recipe · 달빛 레시피 · 2023 · Channel Nine  [Q990001]" in out
    assert "2. Moonlit Recipe 2 · 2025  [Q990002]" in out
    assert not (packs / "moonlit-recipe.toml").exists()  # nothing chosen, nothing written


async def test_polite_requests(packs: Path, server: FixtureServer) -> None:
    assert await dramabot_cli("wikidata", SEQUEL, "--ost", "musicbrainz",
                              "9f1c3e52-7a6b-4c1d-8e2f-000000000001") == 0
    assert all("dramabot-tests@example.org" in c.user_agent for c in server.log)
    assert all(c.user_agent.startswith("dramabot/") for c in server.log)
    api = server.calls("/w/api.php")
    assert all(len(c.params["ids"].split("|")) <= 50 for c in api if "ids" in c.params)
    assert {c.params.get("action") for c in api} == {"wbgetentities"}


async def test_at_most_fifty_ids_a_call(server: FixtureServer) -> None:
    ids = [f"Q{n}" for n in range(1, 121)] + ["Q990001"]
    async with aiohttp.ClientSession() as session:
        wikidata = Wikidata(PoliteClient(session, "Wikidata"), server.base)
        found = await wikidata.entities(ids)
    assert list(found) == ["Q990001"]  # the missing ones are left out, not invented
    assert [len(c.params["ids"].split("|")) for c in server.calls("/w/api.php")] == [50, 50, 21]


async def test_musicbrainz_one_request_a_second(server: FixtureServer) -> None:
    from bot.importers.musicbrainz import MIN_INTERVAL, MusicBrainz

    async with aiohttp.ClientSession() as session:
        music = MusicBrainz(PoliteClient(session, "MusicBrainz", min_interval=MIN_INTERVAL),
                            server.base)
        groups = await music.soundtracks("Moonlit Recipe")
        await music.releases(groups[0].id)
    assert [g.title for g in groups] == ["달빛 레시피 OST"]  # the Live album is no soundtrack
    first, second = server.log
    assert second.at - first.at >= 0.99


async def test_a_429_is_retried_after_retry_after(packs: Path, server: FixtureServer) -> None:
    server.fail["/w/api.php"] = [(429, {"Retry-After": "1"})]
    started = time.monotonic()
    assert await dramabot_cli("wikidata", SEQUEL) == 0
    assert time.monotonic() - started >= 1.0
    statuses = [c.status for c in server.calls("/w/api.php")]
    assert statuses[:2] == [429, 200]
    assert (packs / "moonlit-recipe-2.toml").exists()


def test_retry_after_forms() -> None:
    assert retry_after("3") == 3.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after("soon") is None and retry_after(None) is None


async def test_a_404_is_one_clear_line(packs: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    missing = "00000000-0000-4000-8000-000000000404"
    assert await dramabot_cli("wikidata", SEQUEL, "--ost", "musicbrainz", missing) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"dramabot: import failed: MusicBrainz has no release group {missing}"
    assert not (packs / "moonlit-recipe-2.toml").exists()
    assert await dramabot_cli("wikidata", "Q990999") == 1
    assert capsys.readouterr().err.strip() == \
        "dramabot: import failed: Wikidata has no item Q990999"


async def test_no_network_is_one_clear_line(packs: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("WIKIDATA_API_BASE", f"http://127.0.0.1:{port}")
    assert await dramabot_cli("wikidata", DRAMA) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"dramabot: import failed: cannot reach Wikidata at "
                          f"http://127.0.0.1:{port}/w/api.php (")
    assert err.endswith("; check the network connection") and "\n" not in err


async def test_a_contact_is_required(packs: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("IMPORT_CONTACT")
    assert await dramabot_cli("wikidata", DRAMA) == 1
    assert "IMPORT_CONTACT is not set" in capsys.readouterr().err


async def test_an_existing_pack_is_never_overwritten(packs: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    assert await dramabot_cli("wikidata", DRAMA) == 0
    before = (packs / "moonlit-recipe.toml").read_text(encoding="utf-8")
    assert await dramabot_cli("wikidata", DRAMA) == 1
    assert "already exists: add --merge" in capsys.readouterr().err
    assert (packs / "moonlit-recipe.toml").read_text(encoding="utf-8") == before


HAND_WRITTEN = """\
# Moonlit Recipe, written by hand. This comment must survive a merge.
format = 1

[sources.fan-mag]
kind = "outlet"
outlet = "Fan Magazine"

[drama]
slug = "moonlit-recipe"
title = { value = "Moonlit Recipe", sources = ["fan-mag"] }
premiere = { value = 2023-03-05, sources = ["fan-mag"], note = "as the magazine reports it" }

[[cast]]
person = "kang-ji-woo"
character = { value = "Yoon Da-eun", sources = ["fan-mag"] }
billing = "lead"
sources = ["fan-mag"]

[[ost]]
number = 1
title = { value = "Your Recipe", sources = ["fan-mag"] }
artists = [{ person = "kang-ji-woo", sources = ["fan-mag"] }]

[[trivia]]
value = "The cast cooked every dish on screen themselves."
sources = ["fan-mag"]

[people.kang-ji-woo]
name = "Kang Ji-woo"
sources = ["fan-mag"]
"""


async def test_merge_adds_and_never_overwrites(packs: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = packs / "moonlit-recipe.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    assert await dramabot_cli("wikidata", DRAMA, "--ost", "musicbrainz", "--merge",
                              "--diff") == 0
    diff = capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN  # a dry run writes nothing
    assert "+[sources.wikidata-q990001-r2100000001]" in diff
    assert "Dry run:" in diff

    assert await dramabot_cli("wikidata", DRAMA, "--ost", "musicbrainz", "--merge") == 0
    assert check_packs(packs) == [], format_errors(check_packs(packs))
    text = path.read_text(encoding="utf-8")
    assert "This comment must survive a merge." in text
    pack = load_pack(path)
    premiere = pack.drama.premiere
    assert premiere is not None and premiere.value == dt.date(2023, 3, 5)  # hand-written kept
    assert premiere.primary.note == "as the magazine reports it"
    assert [r.value for r in premiere.also] == [dt.date(2023, 3, 4)]
    assert ITEM in premiere.also[0].sources
    assert ITEM in pack.drama.title.sources and "fan-mag" in pack.drama.title.sources
    kang = next(c for c in pack.cast if c.person == "kang-ji-woo")
    assert kang.character is not None and kang.character.value == "Yoon Da-eun"
    assert [r.value for r in kang.character.also] == ["Yoon Da-on"]
    assert kang.billing == "lead"
    assert {c.person for c in pack.cast} == {"kang-ji-woo", "lee-seo-yeon", "choi-woo-jin"}
    assert [t.fact.value for t in pack.trivia] == [
        "The cast cooked every dish on screen themselves."]
    # "Your Recipe" is track 1 by hand and track 2 on the release: matched by title
    tracks = {t.number: t for t in pack.ost}
    assert tracks[1].title is not None and tracks[1].title.value == "Your Recipe"
    assert MAIN_RELEASE in [s for a in tracks[1].artists for s in a.sources]
    assert tracks[1].korean_title is not None and tracks[1].korean_title.value == "너의 레시피"
    unnumbered = pack.drama.ost_unnumbered  # MusicBrainz's track 1, whose number is taken
    assert [u.korean_title.value for u in unnumbered if u.korean_title] == ["달빛 아래"]
    assert sorted(tracks) == [1, 3]
    kang_record = pack.people["kang-ji-woo"]
    assert kang_record.name == "Kang Ji-woo" and kang_record.hangul == "강지우"  # was unknown
    assert kang_record.sources[0] == "fan-mag"


async def test_the_bot_answers_from_an_imported_pack(
        packs: Path, offline_discord: OfflineDiscord, tmp_path: Path) -> None:
    assert await dramabot_cli("wikidata", DRAMA, "--ost", "musicbrainz") == 0
    data_dir = tmp_path / "data"
    async with run_dramabot(offline_discord, data_dir, packs):
        drama = await offline_discord.invoke("/drama name:moonlit recipe", user="fan1")
        assert drama.embed["title"] == "Moonlit Recipe (달빛 레시피)"
        cast = await drama.click("Cast", user="fan1")
        text = cast.embed["description"]
        assert "**Kang Ji-woo** (강지우) as Yoon Da-on · 윤다온" in text
        assert "**Choi Woo-jin** (최우진) (role not on record)" in text
        person = await offline_discord.invoke("/person name:kang jiwoo", user="fan1")
        shown = json.dumps(person.embed, ensure_ascii=False)
        assert "Kang Ji-woo (강지우)" in shown and "Starlight Nine" in shown
        track = await offline_discord.invoke("/ost track 2 drama:moonlit recipe", user="fan1")
        fields = {f["name"]: f["value"] for f in track.embed["fields"]}
        assert fields["Title"].startswith("Your Recipe")
        assert fields["Korean title"].startswith("너의 레시피")
        assert fields["Artist"].startswith("Kang Ji-woo")


async def test_a_quiz_from_an_imported_pack(packs: Path, offline_discord: OfflineDiscord,
                                            tmp_path: Path) -> None:
    assert await dramabot_cli("wikidata", DRAMA, "--ost", "musicbrainz") == 0
    async with run_bot(offline_discord, tmp_path / "data", packs) as (bot, clock):
        quiz = Quiz(offline_discord, bot, clock)
        await quiz.start("/quiz start drama:moonlit recipe questions:1 seconds:20",
                         slug="moonlit-recipe")
        question = await quiz.question()
        assert question.embed["title"] in quiz.answers  # asked from the imported facts
        answer = quiz.answers[question.embed["title"]]
        private = await quiz.press(question, quiz.right(question), "fan1", at=1.0)
        assert answer in private
        revealed = await quiz.time_up(question)
        assert f"Answer: **{answer}**" in revealed.embed["description"]
        right = next(f["value"] for f in revealed.embed["fields"] if f["name"] == "Right")
        assert right.startswith("Fan1 **+")  # scored
        assert "Wikidata" in revealed.embed["footer"]["text"]  # cited as the pack cites it
