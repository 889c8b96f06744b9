"""/drama and /person end to end: typed into the offline Discord, answered by the real bot.

Every test runs through the `dramabot` fixture, which fails the test on any Discord rule
the bot breaks (embed limits, custom_id rules, the 3-second deadline, pings)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import REPO_ROOT
from bot.i18n import current
from bot.offline import OfflineDiscord, Reply
from bot.store.facts import FactStore
from cogs.utils.lookup import KNOWN_SHOWN
from tests.support import run_dramabot
from tests.test_quiz_commands import until

PACKS_DIR = REPO_ROOT / "data" / "packs"
SECTIONS = ["Overview", "Cast", "Episodes", "OST", "Trivia", "Sources"]
BAD_NAMES = ["x" * 5000, "😀🎵", "**bold** _it_ `code` ~~s~~", "@everyone", "<@&1>",
             "'; DROP TABLE dramas; --", "Robert'); DELETE FROM people;--"]


def fields(reply: Reply) -> dict[str, str]:
    return {f["name"]: f["value"] for f in reply.embed.get("fields") or []}


def labels(reply: Reply) -> list[str | None]:
    return [b.label for b in reply.buttons]


def assert_friendly(reply: Reply) -> None:
    """An ephemeral, readable answer that pings no one."""
    assert reply.ephemeral, reply.text
    assert reply.content.strip(), reply.text
    assert "Traceback" not in reply.content
    assert "@everyone" not in reply.content
    assert reply.body["data"]["allowed_mentions"] == {"parse": []}


# --- /drama -----------------------------------------------------------------------------


async def test_drama_overview(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama name:Soundtrack #1", user="fan1")
    assert not reply.ephemeral
    embed = reply.embed
    assert embed["title"] == "Soundtrack #1 (사운드트랙 #1)"
    assert "lyricist" in embed["description"]  # the synopsis
    shown = fields(reply)
    for name in ("Korean title", "Former titles", "Platform", "Genre", "Aired", "Episodes",
                 "Director", "Writer", "Production", "Main cast", "OST"):
        assert name in shown, name
    assert shown["Platform"] == "Disney+"
    assert "Why Did You Come To My House?" in shown["Former titles"]
    assert shown["Genre"] == "music romance drama (one source: Kpopmap)"  # seed 001's outlet
    assert shown["Aired"].startswith("2022-03-23 (4 pm KST) to 2022-04-13")
    assert shown["Episodes"] == "4"
    assert shown["Director"] == "Kim Hee-won"
    assert shown["Writer"] == \
        "Ahn Sae-bom; also reported as Chae Yoon (Pinkvilla), Chae Woon (OtakuKart)"
    assert "XANADU Entertainment" in shown["Production"]
    assert "Park Hyung-sik as Han Sun-woo" in shown["Main cast"]
    assert shown["OST"].startswith("7 tracks on record")
    # seed 000 names no outlet, headline or date: it is cited by its subject
    assert embed["footer"]["text"].startswith(
        "Sources: article on NCT's Doyoung and his OST for Soundtrack #1")
    assert "000_fe22804c1aad097d" not in embed["footer"]["text"]
    assert labels(reply) == [*SECTIONS, "Soundtrack #2"]  # and a button to its sequel
    assert reply.buttons[0].disabled  # the section on show


async def test_contested_heroine_name_shows_both_readings(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama name:soundtrack1", user="fan1")
    cast = fields(reply)["Main cast"]
    assert re.search(r"Han So-hee as Lee Eun-soo; also reported as Seo Eun-soo \(.*article on "
                     r"what is known of Soundtrack #1, 17 February 2022.*NME.*\)", cast), cast


async def test_section_buttons_switch_the_message(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama name:soundtrack1", user="fan1")
    cast = await reply.click("Cast", user="fan2")  # anyone in the channel may browse
    assert cast.kind == "update" and cast.message_id == reply.message_id
    text = cast.embed["description"]
    assert "**Han So-hee** (한소희) as Lee Eun-soo · 이은수 — lyricist · lead; also reported " \
           "as Seo Eun-soo" in text
    # no source gives this role's billing, so none is shown
    assert "Kang Woo-il · 강우일 — composer and producer (one source: wowtv)" in text
    assert "special appearance" in text
    assert [b.label for b in cast.buttons if b.disabled] == ["Cast"]

    episodes = await cast.click("Episodes", user="fan1")
    assert "**Episode 1** — 2022-03-23 (4 pm KST) — 인형의 꿈" in episodes.embed["description"]
    assert "**Episode 4**" in episodes.embed["description"]

    ost = await episodes.click("OST", user="fan3")
    assert "**6.** unknown — Standing Egg — unknown" in ost.embed["description"]
    assert "**7.** Just A Little Bit More" in ost.embed["description"]

    sources = await ost.click("Sources", user="fan1")
    described = sources.embed["description"]
    assert "**Kpopmap** (article) · “Top 3 Reasons Why You Should Tune In" in described
    assert "**article on what is known of Soundtrack #1, 17 February 2022** (article)" \
        in described
    assert ".txt" not in described  # never a seed's file name
    assert "**NME** (outlet)" in sources.embed["description"]

    back = await sources.click("Overview", user="fan2")
    assert "Main cast" in fields(back)
    assert back.embed["title"] == reply.embed["title"]


async def test_cast_buttons_open_person_pages(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama name:soundtrack1", user="fan1")
    cast = await reply.click("Cast", user="fan1")
    person = await cast.click("Han So-hee", user="fan2")
    assert person.kind == "message" and not person.ephemeral
    assert person.embed["title"] == "Han So-hee (한소희)"


async def test_ost_section_button_runs_ost_list(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama name:soundtrack1", user="fan1")
    ost = await reply.click("OST", user="fan1")
    full = await ost.click("Full track list", user="fan1")
    assert full.kind == "message"
    assert full.embed["description"].startswith("**OST** (7 tracks on record)")


async def test_drama_found_by_former_title_alias_and_korean(dramabot: OfflineDiscord) -> None:
    for name in ("Why Did You Come To My House", "why did you come to my house?",
                 "soundtrack 1", "사운드트랙 #1", "사운드트랙#1"):
        reply = await dramabot.invoke(f'/drama name:"{name}"', user="fan1")
        assert reply.embed["title"] == "Soundtrack #1 (사운드트랙 #1)", name


async def test_drama_did_you_mean_buttons_run_the_lookup(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama name:soundtrack", user="fan1")
    assert_friendly(reply)
    assert "Did you mean" in reply.content
    assert 1 <= len(reply.buttons) <= 3
    assert set(labels(reply)) == {"Soundtrack #1", "Soundtrack #2"}
    picked = await reply.click("Soundtrack #2", user="fan1")
    assert picked.kind == "message" and not picked.ephemeral
    assert picked.embed["title"].startswith("Soundtrack #2")
    assert labels(picked) == [*(s for s in SECTIONS if s != "OST"),  # no OST on record
                              "Soundtrack #1"]  # the drama it is the sequel of


async def test_drama_no_match_says_what_the_bot_knows(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama name:zzzqqqxx", user="fan1")
    assert_friendly(reply)
    assert "I don't know a drama called “zzzqqqxx”" in reply.content
    assert "Some dramas I know: Cafe Midnight" in reply.content
    assert "Soundtrack #1" in reply.content and re.search(r"and \d+ more\.", reply.content)
    assert "`name` option" in reply.content  # how to browse


async def test_drama_bad_input_gets_a_friendly_private_answer(dramabot: OfflineDiscord) -> None:
    empty = await dramabot.invoke("/drama name:", user="fan1")
    assert_friendly(empty)
    assert "type a name" in empty.content
    for name in BAD_NAMES:
        reply = await dramabot.invoke(f'/drama name:"{name}"', user="fan1")
        assert_friendly(reply)
    long = await dramabot.invoke(f"/drama name:{'x' * 5000}", user="fan1")
    assert "5,000 characters" in long.content


async def test_everyone_is_escaped_never_pinged(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama name:@everyone look", user="fan1")
    assert "@\u200beveryone" in reply.content
    assert reply.body["data"]["allowed_mentions"] == {"parse": []}
    markdown = await dramabot.invoke("/drama name:**loud**", user="fan1")
    assert "\\*\\*loud\\*\\*" in markdown.content
    assert not dramabot.violations


async def test_drama_autocomplete(dramabot: OfflineDiscord) -> None:
    choices = await dramabot.autocomplete("/drama name:why did", user="fan1")
    assert choices and choices[0]["value"] == "soundtrack1"
    assert "Why Did You Come To My House" in choices[0]["name"]
    browse = await dramabot.autocomplete("/drama name:", user="fan1")
    assert 10 <= len(browse) <= 25
    korean = await dramabot.autocomplete("/drama name:사운드", user="fan1")
    assert any(c["value"] == "soundtrack1" for c in korean)
    for text in ("x" * 5000, "😀", "@everyone", "'; DROP TABLE dramas; --"):
        await dramabot.autocomplete(f'/drama name:"{text}"', user="fan1")  # answered
    assert not dramabot.violations


async def test_the_top_suggestion_is_read_ahead_in_the_servers_language(
        dramabot: OfflineDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fan reading English in a Korean server types a title: while the suggestions are
    shown, the top one's overview is read and rendered in Korean, so picking it is
    answered without reading or rendering again."""
    reads: list[str] = []
    renders: list[tuple[str, str]] = []
    info_cog = sys.modules["cogs.info"]  # as the bot loaded it (load_extension runs it anew)
    read_drama, render = FactStore._read_drama, info_cog._drama_reply

    async def counted_read(store: FactStore, slug: str) -> Any:
        reads.append(slug)
        return await read_drama(store, slug)

    def counted_render(info: Any, section: str, extras: Any) -> Any:
        renders.append((info.drama.slug, current()))
        return render(info, section, extras)

    monkeypatch.setattr(FactStore, "_read_drama", counted_read)
    monkeypatch.setattr(info_cog, "_drama_reply", counted_render)
    await dramabot.invoke("/settings language language:ko", user="admin")
    choices = await dramabot.autocomplete("/drama name:why did you come", user="fan1")
    assert choices[0]["value"] == "soundtrack1"
    await until(lambda: renders == [("soundtrack1", "ko")])
    assert reads == ["soundtrack1"]
    picked = await dramabot.invoke(f"/drama name:{choices[0]['value']}", user="fan1")
    assert not picked.ephemeral and "사운드트랙 #1" in picked.text, picked.text
    assert reads == ["soundtrack1"] and renders == [("soundtrack1", "ko")]
    # Asked again: read ahead once more, which keeps it (a second read); then no work.
    for fan in ("fan2", "fan3"):
        await dramabot.autocomplete("/drama name:why did you come", user=fan)
        await until(lambda: len(renders) == 2)
        await dramabot.invoke("/drama name:soundtrack1", user=fan)
    assert reads == ["soundtrack1"] * 2 and renders == [("soundtrack1", "ko")] * 2


async def test_a_suggested_person_is_read_ahead(dramabot: OfflineDiscord,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    read_person = FactStore._read_person

    async def counted_read(store: FactStore, person_id: str) -> Any:
        reads.append(person_id)
        return await read_person(store, person_id)

    monkeypatch.setattr(FactStore, "_read_person", counted_read)
    choices = await dramabot.autocomplete("/person name:han so-hee", user="fan1")
    assert choices[0]["value"] == "han-so-hee"
    await until(lambda: reads == ["han-so-hee"])
    picked = await dramabot.invoke("/person name:han-so-hee", user="fan1")
    assert "Han So-hee" in picked.text and reads == ["han-so-hee"]


async def test_the_first_choice_of_a_did_you_mean_is_read_ahead(
        dramabot: OfflineDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that fits several dramas is answered with buttons; the first is read and
    rendered once that answer is sent, so pressing it reads nothing. A later choice is
    read when pressed, as before."""
    reads: list[str] = []
    renders: list[str] = []
    info_cog = sys.modules["cogs.info"]
    read_drama, render = FactStore._read_drama, info_cog._drama_reply

    async def counted_read(store: FactStore, slug: str) -> Any:
        reads.append(slug)
        return await read_drama(store, slug)

    def counted_render(info: Any, section: str, extras: Any) -> Any:
        renders.append(info.drama.slug)
        return render(info, section, extras)

    monkeypatch.setattr(FactStore, "_read_drama", counted_read)
    monkeypatch.setattr(info_cog, "_drama_reply", counted_render)
    reply = await dramabot.invoke("/drama name:soundtrack", user="fan1")
    assert "Did you mean" in reply.content and labels(reply)[0] == "Soundtrack #1"
    await until(lambda: renders == ["soundtrack1"])
    assert reads == ["soundtrack1"]
    first = await reply.click("Soundtrack #1", user="fan1")
    assert first.embed["title"] == "Soundtrack #1 (사운드트랙 #1)"
    assert reads == ["soundtrack1"] and renders == ["soundtrack1"]
    second = await reply.click("Soundtrack #2", user="fan1")
    assert second.embed["title"].startswith("Soundtrack #2")
    assert reads == ["soundtrack1", "soundtrack2"]


# --- /person ----------------------------------------------------------------------------


async def test_person_page(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/person name:Han So-hee", user="fan1")
    assert not reply.ephemeral
    assert reply.embed["title"] == "Han So-hee (한소희)"
    shown = fields(reply)
    assert shown["Hangul"] == "한소희"
    assert "Han SoHwee" in shown["Also written"]
    assert "actress (" in shown["Occupations"]
    assert re.search(r"\*\*Soundtrack #1\*\* — Lee Eun-soo \(.+\); also reported as "
                     r"Seo Eun-soo \(.*NME.*\) · lead", shown["Roles"])
    assert reply.embed["footer"]["text"].startswith("Sources:")
    drama = await reply.click("Soundtrack #1", user="fan2")
    assert drama.embed["title"] == "Soundtrack #1 (사운드트랙 #1)"


async def test_person_found_from_any_romanisation_or_hangul(dramabot: OfflineDiscord) -> None:
    for name in ("han sohee", "한소희", "HAN SO HEE", "Han SoHwee"):
        reply = await dramabot.invoke(f'/person name:"{name}"', user="fan1")
        assert reply.embed["title"] == "Han So-hee (한소희)", name


async def test_person_ost_tracks_and_crew_credits(dramabot: OfflineDiscord) -> None:
    singer = await dramabot.invoke("/person name:doyoung", user="fan1")
    assert "**Soundtrack #1** track 7: Just A Little Bit More" in fields(singer)["OST tracks"]
    writer = await dramabot.invoke("/person name:Ahn Sae-bom", user="fan1")
    credits = fields(writer)["Credits"]
    assert "writer (" in credits and "Chae Yoon (Pinkvilla)" in credits


async def test_person_did_you_mean_buttons_run_the_lookup(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/person name:park", user="fan1")
    assert_friendly(reply)
    assert "Did you mean" in reply.content and len(reply.buttons) >= 1
    assert "Park Min-jung" in reply.content  # a partial name lists everyone it fits
    first = reply.buttons[0].label
    assert first is not None
    person = await reply.click(first, user="fan1")
    assert person.embed["title"].startswith(first)


async def test_person_bad_input(dramabot: OfflineDiscord) -> None:
    assert_friendly(await dramabot.invoke("/person name:", user="fan1"))
    for name in BAD_NAMES:
        assert_friendly(await dramabot.invoke(f'/person name:"{name}"', user="fan1"))
    nobody = await dramabot.invoke("/person name:zzzqqqxx", user="fan1")
    assert "I don't know anyone called" in nobody.content
    assert "Some people I know" in nobody.content


async def test_only_a_miss_reads_what_the_bot_knows(dramabot: OfflineDiscord,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Choices and did-you-mean read no list; a miss reads eight names and a count, never
    every drama or person (0.5 s and more at 100,000 dramas)."""
    limits: list[tuple[str, int | None]] = []
    for method in ("dramas", "people"):
        real = getattr(FactStore, method)

        async def listed(self: FactStore, limit: int | None = None, *args: Any,
                         _real: Any = real, _method: str = method) -> Any:
            limits.append((_method, limit))
            return await _real(self, limit, *args)
        monkeypatch.setattr(FactStore, method, listed)
    assert "Did you mean" in (await dramabot.invoke("/drama name:soundtrack")).content
    assert "Did you mean" in (await dramabot.invoke("/person name:park")).content
    assert limits == []
    drama = await dramabot.invoke("/drama name:zzzqqqxx", user="fan1")
    person = await dramabot.invoke("/person name:zzzqqqxx", user="fan1")
    assert limits == [("dramas", KNOWN_SHOWN), ("people", KNOWN_SHOWN)]
    dramas = len([p for p in PACKS_DIR.glob("*.toml") if not p.name.startswith(("_", "."))])
    eight = r"(?:[^,]+, ){7}[^,]+"  # KNOWN_SHOWN names
    assert re.search(rf"Some dramas I know: Cafe Midnight{eight} and {dramas - 8} more\.",
                     drama.content)
    assert re.search(rf"Some people I know: {eight} and \d+ more\.", person.content)


async def test_person_autocomplete(dramabot: OfflineDiscord) -> None:
    choices = await dramabot.autocomplete("/person name:han so", user="fan1")
    assert any(c["value"] == "han-so-hee" for c in choices)
    hangul = await dramabot.autocomplete("/person name:한소", user="fan1")
    assert any(c["value"] == "han-so-hee" for c in hangul)


# --- buttons across a restart -------------------------------------------------------------


async def test_buttons_survive_a_restart_and_stale_ones_say_so(
        offline_discord: OfflineDiscord, tmp_path: Path, built_fact_store: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(built_fact_store, data_dir / "facts.sqlite3")
    async with run_dramabot(offline_discord, data_dir, PACKS_DIR):
        first = await offline_discord.invoke("/drama name:soundtrack1", user="fan1")
        second = await offline_discord.invoke('/drama name:"Soundtrack #2"', user="fan1")
        person = await offline_discord.invoke("/person name:han sohee", user="fan1")

    async with run_dramabot(offline_discord, data_dir, PACKS_DIR):  # a new bot process
        cast = await first.click("Cast", user="fan2")
        assert "Han So-hee" in cast.embed["description"]
        drama = await person.click("Soundtrack #1", user="fan2")
        assert drama.embed["title"] == "Soundtrack #1 (사운드트랙 #1)"

    fewer = tmp_path / "packs"
    fewer.mkdir()
    for pack in PACKS_DIR.glob("*.toml"):
        if pack.name != "soundtrack2.toml":
            shutil.copy(pack, fewer / pack.name)
    async with run_dramabot(offline_discord, data_dir, fewer):  # the pack was removed
        gone = await second.click("Cast", user="fan2")
        assert_friendly(gone)
        assert "no longer in my records" in gone.content
        assert second.latest().embed["title"].startswith("Soundtrack #2")  # left alone


# --- limits, whatever the data holds --------------------------------------------------------


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _fact(value: str, k: int = 0, also: bool = True) -> str:
    """A contested, noted fact citing long-named sources."""
    other = (f", also = [{{ value = {_q(value + ' (other)')}, sources = "
             f"[\"src-{(k + 1) % 40}\", \"src-{(k + 2) % 40}\"] }}]") if also else ""
    return (f"{{ value = {_q(value)}, sources = [\"src-{k % 40}\", \"src-{(k + 3) % 40}\"], "
            f"note = {_q('note ' * 10)}{other} }}")


def big_pack() -> str:
    """One drama with far more of everything than any embed can hold: 40 long-named
    sources, a 6000-character synopsis, 120 episodes, 80 lead actors, 150 tracks with three
    singers each, 60 trivia facts, people with 40 aliases and 30 facts, every fact
    contested."""
    lines = ["format = 1"]
    for n in range(40):
        lines += [f"[sources.src-{n}]", f"name = {_q(f'Outlet with a long citation name {n}')}",
                  'kind = "outlet"', f"title = {_q('Headline ' * 30)}",
                  f"url = {_q('https://example.com/' + 'a' * 200)}"]
    lines += [
        "[drama]", 'slug = "epic"', f"title = {_fact('Epic ' * 70)}",
        f"korean_title = {_fact('서사 ' * 100)}", 'aliases = ["epic drama"]',
        "former_titles = [" + ", ".join(_fact(f"Former {n} " * 8, n) for n in range(10)) + "]",
        f"platform = {_fact('Platform ' * 50)}",
        "genres = [" + ", ".join(_fact(f"genre {n} " * 5, n) for n in range(30)) + "]",
        'premiere = { value = 2020-01-01, sources = ["src-1"] }',
        'episode_count = { value = 120, sources = ["src-1", "src-2"] }',
        f"synopsis = {_fact('A story. ' * 600)}",
        "production_companies = [" + ", ".join(_fact(f"Company {n} " * 6, n)
                                               for n in range(60)) + "]"]
    for n in range(1, 121):
        lines += ["[[episodes]]", f"number = {n}", f"title = {_fact(f'Episode {n} ' * 6, n)}",
                  f'air_date = {{ value = 2020-01-01, sources = ["src-{n % 40}"] }}']
    for n in range(80):
        lines += ["[[cast]]", f'person = "actor-{n}"', f"character = {_fact(f'Role {n} ' * 8, n)}",
                  f"character_hangul = {_fact('인물 ' * 20, n, False)}",
                  f"description = {_fact('who they are ' * 10, n, False)}", 'billing = "lead"',
                  f'sources = ["src-{n % 40}", "src-{(n + 1) % 40}"]']
    lines += ["[[credits]]", 'person = "actor-0"', 'job = "director"', 'sources = ["src-1"]',
              "also = [" + ", ".join(f'{{ value = {_q("Someone " * 10 + str(n))}, '
                                     f'sources = ["src-{n}"] }}' for n in range(20)) + "]"]
    for n in range(1, 151):
        singers = ", ".join(f'{{ person = "actor-{(n + k) % 80}", sources = ["src-{k}"], '
                            f"note = {_q('note ' * 8)} }}" for k in range(3))
        lines += ["[[ost]]", f"number = {n}", f"title = {_fact(f'Song {n} ' * 12, n)}",
                  f"korean_title = {_fact('노래 ' * 30, n)}", f"artists = [{singers}]",
                  f'release_date = {{ value = 2020-02-02, sources = ["src-{n % 40}"] }}',
                  "notes = [" + ", ".join(_fact(f"Note {k} " * 20, k) for k in range(5)) + "]"]
    for n in range(60):
        lines += ["[[trivia]]", f'topic = "{("plot", "ost", "release")[n % 3]}"',
                  f"value = {_q(f'Trivia {n} ' * 40)}", f'sources = ["src-{n % 40}"]']
    for n in range(80):
        lines += [
            f"[people.actor-{n}]", f"name = {_q(f'Actor Number {n} ' * 5 + str(n))}",
            f"hangul = {_q('배우 ' * 10 + str(n))}", f'sources = ["src-{n % 40}"]',
            "aliases = [" + ", ".join(_q(f"Alias {n} {k} " * 3) for k in range(40)) + "]",
            "groups = [" + ", ".join(_fact(f"Group {k} " * 5, k) for k in range(30)) + "]",
            "occupations = [" + ", ".join(_fact(f"job {k} " * 5, k) for k in range(30)) + "]",
            "facts = [" + ", ".join(_fact(f"Fact {k} " * 30, k) for k in range(30)) + "]"]
    return "\n".join(lines) + "\n"


async def test_every_reply_fits_discord_limits_with_huge_data(
        offline_discord: OfflineDiscord, tmp_path: Path) -> None:
    """The offline Discord rejects any over-limit embed, label, custom_id or row count
    (and the fixture fails the test on it): so every command must cut or paginate."""
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, packs)
    (packs / "epic.toml").write_text(big_pack())
    data_dir = tmp_path / "data"
    discord = offline_discord
    async with run_dramabot(discord, data_dir, packs):
        drama = await discord.invoke("/drama name:epic drama", user="fan1")
        assert "more" in str(drama.embed)  # cut with "...and N more"
        for section in SECTIONS[1:] + SECTIONS[:1]:
            drama = await drama.click(section, user="fan1")
            assert not drama.rejected, section
        person = await (await drama.click("Cast", user="fan1")).click(1 + len(SECTIONS))
        assert person.embed["title"].startswith("Actor Number 0")
        listing = await discord.invoke("/ost list drama:epic", user="fan1")
        pages = int(str(listing.buttons[1].label).rsplit(" ", 1)[-1])  # "Page 1 of N"
        assert pages >= 15  # 150 tracks, at most 10 a page
        while not listing.buttons[2].disabled:
            listing = await listing.click("Next ▶", user="fan2")
        assert "**150.**" in listing.embed["description"]
        for command in ("/ost track 150 drama:epic", "/ost track 151 drama:epic",
                        "/ost search query:song", f'/person name:"{"Actor Number 1 " * 5}1"',
                        "/drama name:epik dramma"):
            reply = await discord.invoke(command, user="fan1")
            assert not reply.rejected, command
        choices = await discord.autocomplete("/drama name:epic", user="fan1")
        assert all(len(c["name"]) <= 100 for c in choices)
    assert not discord.violations


# --- the command reference ----------------------------------------------------------------


def _names(command: dict[str, Any], prefix: str = "") -> list[tuple[str, list[str]]]:
    """(qualified name, option names) of every leaf command."""
    name = f"{prefix} {command['name']}".strip()
    options = command.get("options") or []
    subs = [o for o in options if o.get("type") in (1, 2)]
    if subs:
        return [n for sub in subs for n in _names(sub, name)]
    return [(name, [o["name"] for o in options])]


async def test_command_reference_matches_synced_commands(dramabot: OfflineDiscord) -> None:
    """docs/commands.md documents every synced info/OST/settings command and option, and
    every synced command and option carries a description."""
    doc = (REPO_ROOT / "docs" / "commands.md").read_text()
    ours = [c for c in dramabot.commands(scope="global")
            if c["name"] in ("drama", "person", "ost", "settings")]
    assert {c["name"] for c in ours} == {"drama", "person", "ost", "settings"}
    leaves = [leaf for c in ours for leaf in _names(c)]
    assert {n for n, _ in leaves} == {"drama", "person", "ost track", "ost list",
                                      "ost search", "settings default-drama",
                                      "settings language"}
    for name, options in leaves:
        section = doc.split(f"## `/{name}`", 1)
        assert len(section) == 2, f"docs/commands.md has no section for /{name}"
        body = section[1].split("\n## ", 1)[0]
        for option in options:
            assert f"| `{option}` |" in body, f"/{name} option {option} is not documented"

    def described(node: dict[str, Any]) -> None:
        assert node.get("description"), node["name"]
        for child in node.get("options") or []:
            described(child)

    for command in ours:
        described(command)


# ---- forged and stale button ids ---------------------------------------------------------

FORGED_LOOKUPS = {  # custom_id -> what the private answer says
    "lookup:drama:no-such-drama": "That drama is no longer in my records",
    "lookup:person:no-such-person": "That person is no longer in my records",
    "lookup:track:no-such-drama:7": "That drama is no longer in my records",
    "lookup:ostlist:no-such-drama": "That drama is no longer in my records",
    "lookup:drama:Not A Slug": "This button has expired",
    "drama:x:soundtrack1:cast": "This button has expired",
    "ost:p:soundtrack1:9999999:n": "This button has expired",  # more digits than a page has
    "": "This button has expired",
}


@pytest.mark.parametrize("custom_id", list(FORGED_LOOKUPS))
async def test_forged_lookup_buttons_get_a_private_answer(dramabot: OfflineDiscord,
                                                         custom_id: str) -> None:
    message = await dramabot.invoke("/drama soundtrack1", user="fan1")
    reply = await dramabot.forge_click(message.message_id, custom_id, user="fan2")
    assert_friendly(reply)
    assert reply.content.startswith(FORGED_LOOKUPS[custom_id]), reply.text
    assert message.latest().embed == message.embed  # the message itself is untouched


async def test_a_forged_section_or_page_still_answers_sensibly(dramabot: OfflineDiscord
                                                              ) -> None:
    message = await dramabot.invoke("/drama soundtrack1", user="fan1")
    unknown = await dramabot.forge_click(message.message_id, "drama:s:soundtrack1:nonsense",
                                         user="fan2")
    assert unknown.embed["title"] == message.embed["title"]  # falls back to the overview
    far = await dramabot.forge_click(message.message_id, "ost:p:soundtrack1:999:n",
                                     user="fan2")
    assert "OST" in far.embed["description"]  # the last page, not an error


# ---- what fans see: nothing empty, every collected fact shown, disputes readable -----------

async def test_a_sparse_drama_shows_what_is_known_and_names_the_rest(dramabot: OfflineDiscord
                                                                   ) -> None:
    reply = await dramabot.invoke("/drama vincenzoo", user="fan1")
    shown = fields(reply)
    assert "unknown" not in json.dumps(reply.embed).lower()
    assert shown["Director"] == "Kim Hee-won" and shown["Aired"] == "2021"
    missing = shown["Not on record"].split(", ")
    assert {"platform", "main cast", "ost"} <= set(missing)
    assert "Platform" not in shown
    assert "Cast" not in labels(reply) and "OST" not in labels(reply)  # nothing to open
    assert "Sources" in labels(reply)


async def test_trivia_has_its_own_section_with_sources(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama soundtrack1", user="fan1")
    trivia = await reply.click("Trivia", user="fan1")
    text = trivia.embed["description"]
    assert "Bugs real-time chart" in text and "Doyoung asked for an additional recording" in text
    assert re.search(r"Bugs real-time chart on its release day\. \(.*xportsnews", text)
    assert "**OST** ·" in text and "**Release** ·" in text
    assert [b.label for b in trivia.buttons if b.disabled] == ["Trivia"]


async def test_a_person_page_lists_no_empty_fields(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/person han sohee", user="fan1")
    text = json.dumps(reply.embed)
    assert "none on record" not in text and "unknown" not in text.lower()
    assert "Groups" not in fields(reply)  # she is in no group, so no field says so
    assert fields(reply)["Hangul"] == "한소희"


async def test_disputes_read_accepted_first_each_source_once(dramabot: OfflineDiscord
                                                            ) -> None:
    reply = await dramabot.invoke("/drama soundtrack1", user="fan1")
    main_cast = fields(reply)["Main cast"]
    line = next(x for x in main_cast.splitlines() if x.startswith("Han So-hee"))
    assert line.startswith("Han So-hee as Lee Eun-soo; also reported as Seo Eun-soo (")
    assert line.count("Pinkvilla") == 1  # the note is under Notes, not beside the sources
    assert "Seo Eun-soo — " in fields(reply)["Notes"]
    track = await dramabot.invoke("/ost track 7", user="fan1")
    listing = await dramabot.invoke("/ost list", user="fan1")
    lines = listing.embed["description"].splitlines()
    assert lines[7].startswith("**7.** Just A Little Bit More · 아주 조금만 더; also reported as "
                               "A Little More (WowKeren)")
    assert lines[4].startswith("**4.** My Love (마이 러브) — Kim Jong-kook")  # said once
    assert fields(track)["Title"].startswith("Just A Little Bit More")


async def test_relations_are_shown_from_both_sides(dramabot: OfflineDiscord) -> None:
    first = await dramabot.invoke("/drama soundtrack1", user="fan1")
    assert fields(first)["Followed by"].startswith("Soundtrack #2")
    second = await first.click("Soundtrack #2", user="fan1")
    assert second.embed["title"].startswith("Soundtrack #2")
    assert fields(second)["Sequel of"].startswith("Soundtrack #1")
    back = await second.click("Soundtrack #1", user="fan1")
    assert back.embed["title"].startswith("Soundtrack #1")


async def test_announced_singers_without_a_track_are_shown(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/drama soundtrack1", user="fan1")
    ost = await reply.click("OST", user="fan1")
    assert "no track number on record: Lee Hi (Korea Herald, Kpopmap); Monday Kiz" in \
        ost.embed["description"]
    yumi = await dramabot.invoke("/drama yumi's cells", user="fan1")
    assert "Doyoung" in fields(yumi)["OST"]  # no numbered track, but a singer on record
    assert "OST" in labels(yumi)


async def test_a_person_page_names_each_source_of_a_dispute_once(dramabot: OfflineDiscord
                                                                ) -> None:
    reply = await dramabot.invoke("/person han sohee", user="fan1")
    role = next(x for x in fields(reply)["Roles"].splitlines()
                if x.startswith("**Soundtrack #1**"))
    assert "also reported as Seo Eun-soo (" in role and role.count("Pinkvilla") == 1
    assert fields(reply)["Notes"].startswith("• Seo Eun-soo — ")
    assert "**The World of the Married** — role not on record" in fields(reply)["Roles"]


# --- pages of choices ------------------------------------------------------------------------


@pytest.fixture
def two_choices_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of two, so the bundled names ("park": four people) make several pages."""
    monkeypatch.setattr("cogs.utils.lookup.CHOICES_PER_PAGE", 2)


def choice_labels(reply: Reply) -> list[str | None]:
    return [b.label for b in reply.buttons if not (b.custom_id or "").startswith("choices:")]


@pytest.mark.usefixtures("two_choices_a_page")
async def test_a_partial_name_lists_every_match_a_page_at_a_time(
        dramabot: OfflineDiscord) -> None:
    first = await dramabot.invoke("/person name:park", user="fan1")
    assert first.ephemeral and "“park” fits 4 people" in first.content
    assert choice_labels(first) == ["Park Bo-ram", "Park Hoon"]
    assert "Park Min-jung" not in first.content  # the next page's
    assert labels(first)[2:] == ["◀ Previous", "Page 1 of 2", "Next ▶"]
    assert [b.disabled for b in first.buttons[2:]] == [True, True, False]

    second = await first.click("Next ▶", user="fan1")
    assert second.message_id == first.message_id and second.ephemeral  # turned in place
    assert choice_labels(second) == ["Park Hyung-sik", "Park Min-jung"]
    assert "• Park Min-jung" in second.content and "Park Hoon" not in second.content
    assert "Page 2 of 2" in labels(second)
    person = await second.click("Park Min-jung", user="fan1")
    assert person.embed["title"].startswith("Park Min-jung")

    back = await second.click("◀ Previous", user="fan1")
    assert choice_labels(back) == ["Park Bo-ram", "Park Hoon"]


@pytest.mark.usefixtures("two_choices_a_page")
async def test_later_pages_keep_the_commands_other_options(dramabot: OfflineDiscord) -> None:
    """A choice on page two runs the same command as one on page one: /ost track's
    number, /quiz start's questions stay with it."""
    track = await dramabot.invoke("/ost track 2 drama:the", user="fan1")
    assert "“the” fits 3 dramas" in track.content
    later = await track.click("Next ▶", user="fan1")
    (only,) = [b for b in later.buttons if not (b.custom_id or "").startswith("choices:")]
    assert only.custom_id is not None and only.custom_id.startswith("lookup:track:")
    assert only.custom_id.endswith(":2")
    quiz = await dramabot.invoke("/quiz start drama:the questions:3", user="admin")
    later = await quiz.click("Next ▶", user="admin")
    (start,) = [b for b in later.buttons if not (b.custom_id or "").startswith("choices:")]
    assert start.custom_id is not None and start.custom_id.startswith("quiz:start:")
    assert ":3:" in start.custom_id


async def test_a_forged_page_press_is_answered(dramabot: OfflineDiscord) -> None:
    """A page button whose message has no choice to copy (forged, or the choices gone)
    says the button expired, privately."""
    drama = await dramabot.invoke("/drama soundtrack1", user="fan1")
    for query in ("park", "nobody-at-all"):
        reply = await dramabot.forge_click(drama.message_id, f"choices:p:1:n:{query}",
                                           user="fan1")
        assert_friendly(reply)
        assert "expired" in reply.content
