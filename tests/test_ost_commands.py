"""/ost track, /ost list and /ost search end to end through the offline Discord."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.offline import OfflineDiscord, Reply
from bot.store.state import StateStore

BAD_TEXT = ["x" * 5000, "😀🎵", "**bold** _it_ `code`", "@everyone", "'; DROP TABLE tracks; --"]


def fields(reply: Reply) -> dict[str, str]:
    return {f["name"]: f["value"] for f in reply.embed.get("fields") or []}


def assert_friendly(reply: Reply) -> None:
    """An ephemeral, readable answer that pings no one."""
    assert reply.ephemeral, reply.text
    assert reply.content.strip(), reply.text
    assert "@everyone" not in reply.content
    assert reply.body["data"]["allowed_mentions"] == {"parse": []}


# --- /ost track ---------------------------------------------------------------------------


async def test_track_card(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/ost track 7", user="fan1")  # default drama: Soundtrack #1
    assert not reply.ephemeral
    assert reply.embed["title"] == "Soundtrack #1 (사운드트랙 #1)"
    shown = fields(reply)
    assert shown["Number"] == "7"
    assert shown["Title"] == "Just A Little Bit More; also reported as A Little More (WowKeren)"
    assert shown["Korean title"] == "아주 조금만 더"
    assert shown["Artist"] == "Doyoung"
    assert shown["Release date"] == "2022-02-22"
    assert "(one source: article on NCT's Doyoung and his OST for Soundtrack #1)" in \
        shown["Notes"]
    assert reply.embed["footer"]["text"].startswith("Sources: ")
    assert "WowKeren" in reply.embed["footer"]["text"]
    in_dm = await dramabot.invoke("/ost track 7", user="fan1", dm=True)  # no server default
    assert fields(in_dm)["Artist"] == "Doyoung"


async def test_track_6_title_is_unknown(dramabot: OfflineDiscord) -> None:
    shown = fields(await dramabot.invoke("/ost track 6 drama:soundtrack1", user="fan1"))
    assert shown["Title"] == "unknown"
    assert shown["Korean title"] == "unknown"
    assert shown["Release date"] == "unknown"
    assert shown["Artist"] == "Standing Egg"


async def test_single_source_date_is_marked(dramabot: OfflineDiscord) -> None:
    shown = fields(await dramabot.invoke("/ost track 1", user="fan1"))
    assert shown["Release date"] == "2021-12-30 (one source: Pinkvilla)"


async def test_track_out_of_range_names_the_known_tracks(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/ost track 12", user="fan1")
    assert_friendly(reply)
    assert reply.content == (  # only what the sources say: no number beyond 7 is known
        "Soundtrack #1's OST has tracks 1-7 on record, and no track 12.\n"
        "Also on the OST, with no track number on record: Lee Hi (Korea Herald, Kpopmap); "
        "Monday Kiz (one source: Korea Herald).")
    listing = await reply.click("Show the track list", user="fan1")
    assert listing.embed["description"].startswith("**OST** (7 tracks on record)")


@pytest.mark.parametrize("number", ["0", "-1", str(2**63), str(-(2**63))])
async def test_track_number_bad_values(dramabot: OfflineDiscord, number: str) -> None:
    reply = await dramabot.invoke(f"/ost track {number}", user="fan1")
    assert_friendly(reply)
    assert "tracks 1-7 on record" in reply.content
    if int(number) >= 1:
        assert f"and no track {number}." in reply.content
    else:
        assert reply.content.startswith("Track numbers start at 1.")


async def test_track_drama_option_forgiving_and_bad(dramabot: OfflineDiscord) -> None:
    hangul = await dramabot.invoke('/ost track 3 drama:"사운드트랙 #1"', user="fan1")
    assert fields(hangul)["Artist"] == "Davichi"
    former = await dramabot.invoke('/ost track 3 drama:"Why Did You Come To My House"',
                                   user="fan1")
    assert fields(former)["Number"] == "3"
    blank = await dramabot.invoke("/ost track 2 drama:", user="fan1")  # blank = default
    assert fields(blank)["Title"] == "Want to Be Happy"
    for text in BAD_TEXT:
        assert_friendly(await dramabot.invoke(f'/ost track 1 drama:"{text}"', user="fan1"))


async def test_track_did_you_mean_runs_the_same_track(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/ost track 7 drama:soundtrack", user="fan1")
    assert_friendly(reply)
    assert "Did you mean" in reply.content and len(reply.buttons) <= 3
    assert all(b.custom_id and b.custom_id.endswith(":7") for b in reply.buttons)
    track = await reply.click("Soundtrack #1", user="fan1")
    assert not track.ephemeral and fields(track)["Artist"] == "Doyoung"
    other = await reply.click("Soundtrack #2", user="fan1")
    assert_friendly(other)
    assert other.content == "I have no OST tracks on record for Soundtrack #2 yet."


async def test_drama_without_ost_says_so(dramabot: OfflineDiscord) -> None:
    for command in ("/ost track 1 drama:vincenzo", "/ost list drama:vincenzo"):
        reply = await dramabot.invoke(command, user="fan1")
        assert_friendly(reply)
        assert reply.content == "I have no OST tracks on record for Vincenzo yet."


async def test_unknown_drama_lists_what_is_known(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/ost track 1 drama:zzzqqqxx", user="fan1")
    assert_friendly(reply)
    assert "I don't know a drama called" in reply.content
    assert "`drama` option" in reply.content


async def test_track_button_opens_the_list(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/ost track 4", user="fan1")
    listing = await reply.click("Full track list", user="fan2")
    assert listing.kind == "message" and "**4.** My Love" in listing.embed["description"]


# --- /ost list ----------------------------------------------------------------------------


async def test_list_in_order_with_artists_and_dates(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/ost list", user="fan1")
    assert not reply.ephemeral
    lines = reply.embed["description"].splitlines()
    assert lines[0] == "**OST** (7 tracks on record)"
    assert [line.split(".**")[0] for line in lines[1:8]] == [f"**{n}" for n in range(1, 8)]
    assert lines[-1].startswith("Also on the OST, with no track number on record: Lee Hi")
    assert "— Kyuhyun — 2021-12-30 (one source: Pinkvilla)" in lines[1]
    assert lines[6] == "**6.** unknown — Standing Egg — unknown"
    assert reply.buttons == []  # fits one page


async def test_list_paginates_with_buttons(dramabot: OfflineDiscord,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # The module the bot loaded as its extension (discord.py registers it in sys.modules).
    monkeypatch.setattr(sys.modules["cogs.ost"], "TRACKS_PER_PAGE", 3)
    first = await dramabot.invoke("/ost list drama:soundtrack1", user="fan1")
    assert [b.label for b in first.buttons] == ["◀ Previous", "Page 1 of 3", "Next ▶"]
    assert [b.disabled for b in first.buttons] == [True, True, False]
    assert "**3.**" in first.embed["description"]
    assert "**4.**" not in first.embed["description"]

    second = await first.click("Next ▶", user="fan2")
    assert second.kind == "update" and second.message_id == first.message_id
    assert "**4.** My Love" in second.embed["description"]
    assert second.buttons[1].label == "Page 2 of 3"

    third = await second.click("Next ▶", user="fan1")
    assert "**7.** Just A Little Bit More" in third.embed["description"]
    assert [b.disabled for b in third.buttons] == [False, True, True]
    back = await third.click("◀ Previous", user="fan1")
    assert back.buttons[1].label == "Page 2 of 3"
    assert len({b.custom_id for b in back.buttons}) == 3  # unique custom_ids


async def test_list_bad_input(dramabot: OfflineDiscord) -> None:
    for text in BAD_TEXT:
        assert_friendly(await dramabot.invoke(f'/ost list drama:"{text}"', user="fan1"))


# --- /ost search --------------------------------------------------------------------------


async def test_search_by_artist_title_and_korean(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/ost search query:doyoung", user="fan1")
    assert not reply.ephemeral
    assert "Soundtrack #1 · **7.** Just A Little Bit More" in reply.embed["description"]
    assert "doyoung" in reply.embed["title"]
    card = await reply.click("#7 Just A Little Bit More · Soundtrack #1", user="fan2")
    assert fields(card)["Number"] == "7"
    by_title = await dramabot.invoke("/ost search query:love beyond", user="fan1")
    assert "**1.** Love Beyond Words" in by_title.embed["description"]
    korean = await dramabot.invoke("/ost search query:행복해지고", user="fan1")
    assert "**2.** Want to Be Happy" in korean.embed["description"]


async def test_search_bad_input(dramabot: OfflineDiscord) -> None:
    empty = await dramabot.invoke("/ost search query:", user="fan1")
    assert_friendly(empty)
    assert "song title" in empty.content
    for text in BAD_TEXT:
        assert_friendly(await dramabot.invoke(f'/ost search query:"{text}"', user="fan1"))
    pinged = await dramabot.invoke("/ost search query:@everyone", user="fan1")
    assert "@\u200beveryone" in pinged.content


async def test_ost_autocomplete(dramabot: OfflineDiscord) -> None:
    choices = await dramabot.autocomplete("/ost track number:1 drama:sound", user="fan1")
    assert {c["value"] for c in choices} >= {"soundtrack1", "soundtrack2"}
    listing = await dramabot.autocomplete("/ost list drama:", user="fan1")
    assert listing


async def test_a_track_shows_its_trivia(dramabot: OfflineDiscord) -> None:
    third = fields(await dramabot.invoke("/ost track 3", user="fan1"))
    assert third["Trivia"].startswith("Davichi's track reached No. 1 on the Bugs real-time "
                                      "chart on its release day. (xportsnews, TenAsia)")
    seventh = fields(await dramabot.invoke("/ost track 7", user="fan1"))
    assert "re-record" in seventh["Trivia"]
    assert "Trivia" not in fields(await dramabot.invoke("/ost track 1", user="fan1"))


# --- the track card, rendered once (cogs/ost.py TRACK_REPLIES) ------------------------------


async def test_cached_track_card_follows_the_server_language(dramabot: OfflineDiscord) -> None:
    first = await dramabot.invoke("/ost track 7", user="fan1")
    again = await dramabot.invoke("/ost track 7", user="fan2")  # the card rendered before
    assert again.embed == first.embed and again.components == first.components
    assert "Number" in fields(again)
    chosen = await dramabot.invoke("/settings language language:ko", user="admin")
    assert chosen.content.startswith("이제 이 서버의 공개 메시지는 **한국어**")
    korean = await dramabot.invoke("/ost track 7", user="fan1")
    assert korean.embed["title"] == "사운드트랙 #1 (Soundtrack #1)"
    assert "번호" in fields(korean) and "Number" not in fields(korean)
    assert korean.buttons[0].label != first.buttons[0].label
    elsewhere = await dramabot.invoke("/ost track 7", user="fan1", guild="Drama Lounge")
    assert elsewhere.embed == first.embed  # another server, still English
    pressed = await korean.click(1, user="fan2")  # the cached card's button still works
    assert not pressed.ephemeral and pressed.embed["title"].startswith("사운드트랙 #1")


async def test_default_drama_change_is_seen_by_the_next_track(dramabot: OfflineDiscord) -> None:
    before = await dramabot.invoke("/ost track 1", user="fan1")  # default read and cached
    assert before.embed["title"].startswith("Soundtrack #1")
    await dramabot.invoke('/settings default-drama drama:"Soundtrack #2"', user="admin")
    after = await dramabot.invoke("/ost track 1", user="fan1")
    assert "Soundtrack #2" in after.content
    await dramabot.invoke("/settings default-drama drama:soundtrack1", user="admin")
    back = await dramabot.invoke("/ost track 1", user="fan1")
    assert back.embed == before.embed


async def test_a_change_made_by_another_process_on_postgres_is_seen(
        offline_discord: OfflineDiscord, data_dir: Path,
        new_state_target: Callable[[str], str | Path]) -> None:
    """Two shard processes share one PostgreSQL store; each keeps the settings in memory.
    A change committed elsewhere (here: a store opened apart from the bot's, as another
    process would) reaches the bot by NOTIFY, and its next /ost track follows it."""
    from tests.support import run_dramabot

    database = str(new_state_target("postgres"))
    async with run_dramabot(offline_discord, data_dir, env={"DATABASE_URL": database}) as bot:
        before = await offline_discord.invoke("/ost track 1", user="fan1")
        assert before.embed["title"].startswith("Soundtrack #1")  # and now in its cache
        guild = offline_discord.guild().id
        assert await bot.state.get_default_drama(guild) is None
        other = await StateStore.open(database)
        try:
            await other.set_default_drama(guild, "soundtrack2")
            for _ in range(200):  # the notice arrives within milliseconds
                if await bot.state.get_default_drama(guild) == "soundtrack2":
                    break
                await asyncio.sleep(0.01)
            after = await offline_discord.invoke("/ost track 1", user="fan1")
            assert "Soundtrack #2" in after.content
            await other.set_default_drama(guild, None)
            for _ in range(200):
                if await bot.state.get_default_drama(guild) is None:
                    break
                await asyncio.sleep(0.01)
            back = await offline_discord.invoke("/ost track 1", user="fan1")
            assert back.embed == before.embed
        finally:
            await other.close()
