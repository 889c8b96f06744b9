"""The offline Discord and its harness, driven by the real discord.py client.

A minimal bot defined here has one command per behaviour (an embed, a view of buttons,
autocomplete, defer then follow-up, a modal, a channel post...) and deliberately bad
ones, each breaking one of Discord's rules, which the fake must catch.
"""

from __future__ import annotations

import asyncio
import copy
import io
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.offline import (
    CommandNotAvailable,
    NoResponse,
    OfflineDiscord,
    RejectedResponse,
    RulesBroken,
    SpecMissingWarning,
    UsageError,
    World,
    render_message,
    rules,
)
from bot.offline.invocation import tokenize
from bot.offline.spec import load_spec, spec_path

DRAMAS = ["Soundtrack #1", "Soundtrack #2", "Nevertheless", "My Name", "Vincenzo",
          "Happiness", "Little Women", "Yumi's Cells"]


class InfoView(discord.ui.View):
    """Overview/Cast switch the embed in place (callback type 7); Sources answers with
    a new ephemeral message (type 4)."""

    @discord.ui.button(label="Overview", custom_id="info:overview")
    async def overview(self, interaction: discord.Interaction, _: discord.ui.Button[Any]
                       ) -> None:
        await interaction.response.edit_message(embed=discord.Embed(title="Overview"))

    @discord.ui.button(label="Cast", custom_id="info:cast")
    async def cast(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        embed = discord.Embed(title="Cast").add_field(name="Lead", value="Han So-hee")
        await interaction.response.edit_message(embed=embed)

    @discord.ui.button(label="Sources", custom_id="info:sources", disabled=False)
    async def sources(self, interaction: discord.Interaction, _: discord.ui.Button[Any]
                      ) -> None:
        await interaction.response.send_message(f"asked by {interaction.user.name}",
                                                ephemeral=True)

    @discord.ui.button(label="Closed", custom_id="info:closed", disabled=True)
    async def closed(self, interaction: discord.Interaction, _: discord.ui.Button[Any]
                     ) -> None:
        raise AssertionError("a disabled button cannot be clicked")


class RevealView(discord.ui.View):
    """A quiz-like question posted in the channel; Reveal edits that channel message."""

    @discord.ui.button(label="Reveal", custom_id="quiz:reveal")
    async def reveal(self, interaction: discord.Interaction, _: discord.ui.Button[Any]
                     ) -> None:
        await interaction.response.defer()
        assert interaction.message is not None
        await interaction.message.edit(content="Answer: Soundtrack #1", view=None)


class SixInARow(discord.ui.View):
    """discord.py refuses six buttons in one row, so this view writes its rows itself -
    the kind of hand-made payload the fake must catch."""

    def to_components(self) -> list[dict[str, Any]]:
        buttons = [{"type": 2, "style": 1, "label": f"B{i}", "custom_id": f"b{i}"}
                   for i in range(6)]
        return [{"type": 1, "components": buttons}]


class Feedback(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(label="Your thoughts",
                                                               custom_id="thoughts")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}")


ost = app_commands.Group(name="ost", description="soundtracks")


@ost.command(description="one track")
async def track(interaction: discord.Interaction, number: int, drama: str = "Soundtrack #1",
                live: bool = False) -> None:
    await interaction.response.send_message(f"track {number} of {drama} live={live}")


class MiniBot(commands.Bot):
    """The smallest bot that exercises every kind of answer."""

    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned,
                         intents=discord.Intents.default(), guild_ready_timeout=0.05,
                         allowed_mentions=discord.AllowedMentions.none())
        self.stored: list[discord.Interaction] = []
        self.seen: list[discord.Message] = []

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)

    async def setup_hook(self) -> None:
        self.tree.add_command(ost)
        for command in _COMMANDS:
            self.tree.add_command(command)
        await self.tree.sync()

    async def close(self) -> None:
        for view in self.persistent_views:
            view.stop()
        await super().close()


@app_commands.command(description="a drama's card")
async def info(interaction: discord.Interaction, drama: str) -> None:
    embed = discord.Embed(title=drama, description="A Disney+ drama")
    embed.add_field(name="Episodes", value="4").set_footer(text="Sources: press")
    await interaction.response.send_message(embed=embed, view=InfoView(timeout=None))


@app_commands.command(description="find a drama")
async def drama(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message(f"you chose {name}")


@drama.autocomplete("name")
async def drama_names(interaction: discord.Interaction, current: str
                      ) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=d, value=d) for d in DRAMAS if current.lower() in d.lower()]


@app_commands.command(description="defers, then follows up")
async def later(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await asyncio.sleep(0.05)
    await interaction.followup.send(embed=discord.Embed(title="Done"))


@app_commands.command(description="posts a question in the channel")
async def question(interaction: discord.Interaction) -> None:
    assert isinstance(interaction.channel, discord.TextChannel)
    await interaction.channel.send("Which drama?", view=RevealView(timeout=None))
    await interaction.response.send_message("Question posted", ephemeral=True)


@app_commands.command(description="opens a form")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(Feedback())


@app_commands.command(description="server settings")
@app_commands.default_permissions(manage_guild=True)
async def settings(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(
        f"manage={interaction.permissions.manage_guild}", ephemeral=True)


@app_commands.command(description="who is that")
async def whois(interaction: discord.Interaction, member: discord.Member) -> None:
    await interaction.response.send_message(f"{member.name} in {interaction.guild}")


@app_commands.command(description="channel and role options")
async def where(interaction: discord.Interaction, channel: discord.TextChannel,
                role: discord.Role) -> None:
    await interaction.response.send_message(f"#{channel.name} @{role.name}")


@app_commands.command(description="keeps the interaction for later")
async def keep(interaction: discord.Interaction) -> None:
    await interaction.response.defer()
    client = interaction.client
    assert isinstance(client, MiniBot)
    client.stored.append(interaction)


@app_commands.command(description="edits its answer, follows up, deletes the follow-up")
async def edits(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("v1")
    await interaction.edit_original_response(content="v2")
    extra = await interaction.followup.send("extra", wait=True)
    await extra.edit(content="extra, edited")
    assert (await interaction.original_response()).content == "v2"
    await interaction.followup.send("gone", wait=True)
    await (await interaction.followup.send("to delete", wait=True)).delete()


@app_commands.command(description="answers with a file")
async def notes(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(
        "see file", file=discord.File(io.BytesIO(b"OST notes"), filename="notes.txt"))


class Picker(discord.ui.View):
    @discord.ui.select(custom_id="pick", options=[discord.SelectOption(label="Alpha", value="a"),
                                                  discord.SelectOption(label="Beta", value="b")])
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]
                   ) -> None:
        await interaction.response.edit_message(content=f"picked {select.values}", view=None)


@app_commands.command(description="a select menu")
async def choose(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("choose", view=Picker())


@app_commands.command(description="too long a title")
async def bad_title(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(embed=discord.Embed(title="x" * 300))


@app_commands.command(description="six buttons in a row")
async def six_buttons(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pick", view=SixInARow())


@app_commands.command(description="two buttons, one custom_id")
async def dupes(interaction: discord.Interaction) -> None:
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="A", custom_id="same"))
    view.add_item(discord.ui.Button(label="B", custom_id="same"))
    await interaction.response.send_message("dupes", view=view)


@app_commands.command(description="26 suggestions")
async def many(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message(name)


@many.autocomplete("name")
async def many_names(interaction: discord.Interaction, current: str
                     ) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f"n{i}", value=f"v{i}") for i in range(26)]


@app_commands.command(description="answers after the deadline")
async def slow(interaction: discord.Interaction) -> None:
    await asyncio.sleep(3.2)
    await interaction.response.send_message("too late")


@app_commands.command(description="never answers")
async def mute(interaction: discord.Interaction) -> None:
    return None


@app_commands.command(description="acknowledges twice")
async def double(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("once")
    # A second responder for the same interaction: discord.py cannot see the mistake.
    await discord.InteractionResponse(interaction).send_message("twice")


@app_commands.command(description="follows up before acknowledging")
async def eager(interaction: discord.Interaction) -> None:
    try:
        await interaction.followup.send("too early")
    finally:
        await interaction.response.send_message("now")


@app_commands.command(description="pings the member it names")
async def shout(interaction: discord.Interaction, member: discord.Member) -> None:
    await interaction.response.send_message(
        f"{member.mention} wins!", allowed_mentions=discord.AllowedMentions(users=True))


@app_commands.command(description="defers in public, then tries to answer privately")
async def leak(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("for your eyes only", ephemeral=True)


@app_commands.command(description="defers in public, deletes that, answers privately")
async def hush(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.delete_original_response()
    await interaction.followup.send("for your eyes only", ephemeral=True)


@app_commands.command(description="defers, deletes the thinking message, says nothing")
async def vanish(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.delete_original_response()


_COMMANDS: list[app_commands.Command[Any, ..., Any]] = [
    info, drama, later, question, feedback, settings, whois, where, keep, edits, notes, choose,
    bad_title,
    six_buttons,
    dupes, many, slow, mute, double, eager, shout, leak, hush, vanish]


@pytest.fixture
async def mini(offline_discord: OfflineDiscord) -> AsyncIterator[OfflineDiscord]:
    bot = MiniBot()
    with offline_discord.patch_discord_py():
        async with offline_discord.running(bot):
            offline_discord.bot = bot  # type: ignore[attr-defined]
            yield offline_discord


def _bot(discord_: OfflineDiscord) -> MiniBot:
    bot = discord_.bot  # type: ignore[attr-defined]
    assert isinstance(bot, MiniBot)
    return bot


# ---- the round trip --------------------------------------------------------------------


async def test_embed_round_trip(mini: OfflineDiscord) -> None:
    reply = await mini.invoke('/info drama:"Soundtrack #1"', user="fan1", channel="general")
    assert reply.kind == "message"
    assert reply.embed["title"] == "Soundtrack #1"
    assert reply.embed["fields"] == [{"name": "Episodes", "value": "4", "inline": True}]
    assert not reply.ephemeral
    assert [b.label for b in reply.buttons] == ["Overview", "Cast", "Sources", "Closed"]
    assert reply.buttons[3].disabled
    assert "== Soundtrack #1 ==" in reply.text
    assert "[2] Cast" in reply.text and "[4] Closed (disabled)" in reply.text
    assert [m.message_id for m in mini.messages("general")] == [reply.message_id]


async def test_buttons_update_in_place_or_answer_anew(mini: OfflineDiscord) -> None:
    reply = await mini.invoke("/info Vincenzo")
    cast = await reply.click("Cast", user="fan2")
    assert cast.kind == "update" and cast.message_id == reply.message_id
    assert cast.embed["title"] == "Cast"
    assert mini.channel_message(channel="general",
                                message_id=reply.message_id).embed["title"] == "Cast"
    overview = await cast.click(1)  # by number, as the console does
    assert overview.embed["title"] == "Overview"
    sources = await reply.click("info:sources", user="fan3")  # by custom_id
    assert sources.kind == "message" and sources.ephemeral
    assert sources.content == "asked by fan3"
    assert "(only you can see this)" in sources.text
    with pytest.raises(UsageError, match="disabled"):
        await reply.click("Closed")
    with pytest.raises(UsageError, match="only its recipient"):
        await sources.click(1, user="fan1")


async def test_autocomplete_returns_the_bots_choices(mini: OfflineDiscord) -> None:
    choices = await mini.autocomplete("/drama name:sound", user="fan1")
    assert choices == [{"name": "Soundtrack #1", "value": "Soundtrack #1"},
                       {"name": "Soundtrack #2", "value": "Soundtrack #2"}]
    assert len(await mini.autocomplete("/drama")) == len(DRAMAS)


async def test_defer_then_follow_up_fills_the_original(mini: OfflineDiscord) -> None:
    reply = await mini.invoke("/later")
    assert reply.kind == "message" and reply.embed["title"] == "Done"
    assert reply.interaction is not None
    assert reply.message_id == reply.interaction.response_message_id
    assert "thinking" not in reply.text


async def test_a_follow_up_cannot_make_a_public_deferral_private(mini: OfflineDiscord
                                                                 ) -> None:
    """The first follow-up after a deferral fills the "thinking..." original, which keeps
    the deferral's visibility: asking for ephemeral there changes nothing."""
    reply = await mini.invoke("/leak", channel="quiz")
    assert reply.content == "for your eyes only" and not reply.ephemeral
    assert reply.interaction is not None
    assert reply.message_id == reply.interaction.response_message_id
    assert [m.content for m in mini.messages("quiz")] == ["for your eyes only"]


async def test_deleting_the_deferral_lets_a_follow_up_be_private(mini: OfflineDiscord
                                                                 ) -> None:
    reply = await mini.invoke("/hush", channel="quiz")
    assert reply.content == "for your eyes only" and reply.ephemeral
    assert reply.interaction is not None
    original = reply.interaction.response_message_id
    assert original is not None and reply.message_id != original
    assert mini.server.messages.get(original) is None  # the public "thinking..." is gone
    assert mini.messages("quiz") == []  # nobody else sees anything
    assert [m.message_id for m in reply.messages()] == [reply.message_id]


async def test_deleting_the_deferral_and_saying_nothing_is_no_answer(mini: OfflineDiscord
                                                                    ) -> None:
    with pytest.raises(NoResponse, match=r"deleted the 'thinking\.\.\.' original"):
        await mini.invoke("/vanish", followup_timeout=0.1)


async def test_channel_message_edited_later(mini: OfflineDiscord) -> None:
    reply = await mini.invoke("/question", channel="quiz")
    assert reply.ephemeral and reply.content == "Question posted"
    [posted] = mini.messages("quiz")
    assert posted.content == "Which drama?"
    update = await posted.click("Reveal", user="fan2")
    assert update.kind == "update" and update.content == "Answer: Soundtrack #1"
    latest = mini.channel_message(channel="quiz", message_id=posted.message_id)
    assert latest.content == "Answer: Soundtrack #1" and latest.buttons == []


async def test_modal_submit(mini: OfflineDiscord) -> None:
    form = await mini.invoke("/feedback", user="fan2")
    assert form.kind == "modal" and form.modal["title"] == "Feedback"
    answer = await form.submit_modal({"Your thoughts": "great OST"})
    assert answer.content == "thanks: great OST"


async def test_member_permissions_and_hidden_commands(mini: OfflineDiscord) -> None:
    reply = await mini.invoke("/settings", user="admin")
    assert reply.content == "manage=True"
    with pytest.raises(CommandNotAvailable, match="Manage Server"):
        await mini.invoke("/settings", user="fan1")


async def test_user_option_is_resolved(mini: OfflineDiscord) -> None:
    reply = await mini.invoke("/whois @fan2", user="fan1")
    assert reply.content == "fan2 in Drama Club"
    other = await mini.invoke("/whois fan1", user="fan2", guild="Drama Lounge")
    assert other.content == "fan1 in Drama Lounge"
    where = await mini.invoke("/where #quiz-2 role:@Admin")
    assert where.content == "#quiz-2 @Admin"


async def test_edits_follow_ups_and_deletes_are_tracked(mini: OfflineDiscord) -> None:
    reply = await mini.invoke("/edits")
    assert reply.content == "v1"
    assert (await reply.wait_for_edit()).content == "v2"
    for _ in range(50):  # the bot keeps working after its first answer
        if len(reply.messages()) == 3:
            break
        await asyncio.sleep(0.01)
    assert [m.content for m in reply.messages()] == ["v2", "extra, edited", "gone"]
    assert [m.content for m in mini.messages()] == ["v2", "extra, edited", "gone"]


async def test_files_are_uploaded_as_multipart(mini: OfflineDiscord) -> None:
    reply = await mini.invoke("/notes")
    assert reply.raw is not None
    [attachment] = reply.raw["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("notes.txt", 9)
    assert reply.text == "see file\n[file: notes.txt]"


async def test_select_menu(mini: OfflineDiscord) -> None:
    reply = await mini.invoke("/choose")
    with pytest.raises(UsageError, match="not an option"):
        await reply.select("pick", ["Gamma"])
    picked = await reply.select("pick", ["Beta"])  # by label or value
    assert picked.kind == "update" and picked.content == "picked ['b']"
    with pytest.raises(UsageError, match="no string select menu"):
        await reply.select("pick", ["a"])  # the bot removed the menu


async def test_direct_messages(mini: OfflineDiscord) -> None:
    reply = await mini.invoke("/info Happiness", user="fan3", dm=True)
    assert reply.embed["title"] == "Happiness"
    with pytest.raises(UsageError, match="not a member"):
        await mini.invoke("/info Happiness", user="fan3", guild="Drama Lounge")


async def test_chat_messages_reach_the_bot_as_discord_sends_them(mini: OfflineDiscord
                                                                 ) -> None:
    bot = _bot(mini)
    await mini.say("my answer is 2", user="fan1", channel="quiz")
    await mini.say(f"{bot.user.mention if bot.user else ''} hello", user="fan2")
    for _ in range(50):
        if len(bot.seen) == 2:
            break
        await asyncio.sleep(0.01)
    # Without the message-content intent Discord blanks the text unless the bot is named.
    assert [m.content for m in bot.seen] == ["", f"<@{mini.bot_user.id}> hello"]
    assert bot.seen[0].author.name == "fan1"
    assert getattr(bot.seen[0].channel, "name", None) == "quiz"


async def test_guild_sync_and_guild_commands(mini: OfflineDiscord) -> None:
    bot = _bot(mini)
    club = discord.Object(id=mini.guild().id)
    bot.tree.copy_global_to(guild=club)
    synced = await bot.tree.sync(guild=club)
    fetched = await bot.tree.fetch_commands(guild=club)
    assert {c.id for c in synced} == {c.id for c in fetched}
    assert {c["name"] for c in mini.commands(scope="guild")} == {c.name for c in synced}
    parsed = mini.parse("/info Vincenzo")
    assert parsed.data["guild_id"] == str(club.id)  # the guild copy wins, as on Discord
    assert (await mini.invoke("/info Vincenzo")).embed["title"] == "Vincenzo"
    assert bot.latency < 1  # heartbeats are acknowledged


# ---- parsing against the synced commands -------------------------------------------------


async def test_command_sync_is_recorded_and_drives_parsing(mini: OfflineDiscord) -> None:
    [sync] = mini.syncs
    assert sync.guild_id is None and {"ost", "info", "drama"} <= set(sync.names)
    names = {c["name"] for c in mini.commands()}
    assert names == set(sync.names)
    parsed = mini.parse('/ost track 7 "Soundtrack #2" live:yes')
    assert parsed.names == ("ost", "track")
    assert parsed.data["options"] == [{"name": "track", "type": 1, "options": [
        {"name": "number", "type": 4, "value": 7},
        {"name": "drama", "type": 3, "value": "Soundtrack #2"},
        {"name": "live", "type": 5, "value": True}]}]
    reply = await mini.invoke("/ost track drama:Nevertheless number:3")
    assert reply.content == "track 3 of Nevertheless live=False"
    reply = await mini.invoke("/ost track number:2 drama:My Name live:true")
    assert reply.content == "track 2 of My Name live=True"
    assert mini.parse("/ost track 1 drama: Little Women").data["options"][0]["options"][1] == {
        "name": "drama", "type": 3, "value": "Little Women"}


async def test_usage_errors_are_immediate(mini: OfflineDiscord) -> None:
    started = time.monotonic()
    with pytest.raises(UsageError, match="unknown command /nope"):
        await mini.invoke("/nope")
    with pytest.raises(UsageError, match="not a valid integer"):
        await mini.invoke("/ost track seven")
    with pytest.raises(UsageError, match="missing required option 'number'"):
        await mini.invoke("/ost track")
    with pytest.raises(UsageError, match="choose one of: track"):
        await mini.invoke("/ost album")
    with pytest.raises(UsageError, match="no user"):
        await mini.invoke("/whois nobody")
    assert time.monotonic() - started < 0.5


def test_tokenize_keeps_apostrophes_and_groups_quotes() -> None:
    assert tokenize('/drama name:"han so-hee" Yumi\'s Cells') == [
        "/drama", "name:han so-hee", "Yumi's", "Cells"]
    with pytest.raises(UsageError, match="unclosed"):
        tokenize('/drama "open')


# ---- each rule is caught -----------------------------------------------------------------


async def test_embed_title_over_256_is_rejected(mini: OfflineDiscord) -> None:
    async with mini.expect_violation("embed.title") as caught:
        reply = await mini.invoke("/bad_title")
    assert reply.rejected
    assert str(caught.violations[0]).startswith(
        "embeds[0].title: 300 characters, limit 256 (embed title)")
    with pytest.raises(RejectedResponse, match="embed title"):
        _ = reply.content


async def test_six_buttons_in_a_row(mini: OfflineDiscord) -> None:
    async with mini.expect_violation("components.buttons") as caught:
        await mini.invoke("/six_buttons")
    assert caught.violations[0].path == "components[0].components"


async def test_duplicate_custom_ids(mini: OfflineDiscord) -> None:
    async with mini.expect_violation("custom_id.unique") as caught:
        await mini.invoke("/dupes")
    assert "components[0].components[1].custom_id" in str(caught.violations[0])


async def test_26_autocomplete_choices(mini: OfflineDiscord) -> None:
    async with mini.expect_violation("autocomplete.choices"):
        choices = await mini.autocomplete("/many name:n")
    assert choices == []  # Discord shows nothing when it refuses the answer


async def test_double_acknowledgement(mini: OfflineDiscord) -> None:
    async with mini.expect_violation("interaction.acknowledged") as caught:
        reply = await mini.invoke("/double")
    assert reply.content == "once"
    assert "40060" in caught.violations[0].detail


async def test_follow_up_before_acknowledging(mini: OfflineDiscord) -> None:
    async with mini.expect_violation("interaction.not_acknowledged"):
        reply = await mini.invoke("/eager")
    assert reply.content == "now"


async def test_pinging_a_member_breaks_the_project_rule(mini: OfflineDiscord) -> None:
    async with mini.expect_violation("mentions.users"):
        reply = await mini.invoke("/shout fan2")
    assert reply.raw is not None and reply.raw["mentions"][0]["username"] == "fan2"
    assert reply.pings is not None and reply.pings.parse == ("users",)
    quiet = await mini.invoke("/whois fan2")  # the bot's default: mention, never ping
    assert quiet.pings is not None and quiet.pings.parse == () and quiet.pings.users == ()


async def test_answer_after_three_seconds_is_unknown_interaction(mini: OfflineDiscord
                                                                 ) -> None:
    async with mini.expect_violation("interaction.deadline") as caught:
        reply = await mini.invoke("/slow")
    assert reply.rejected
    assert "limit 3 s" in caught.violations[0].detail


async def test_no_answer_fails_fast_and_clearly() -> None:
    async with OfflineDiscord(deadline=0.2) as fake:
        bot = MiniBot()
        with fake.patch_discord_py():
            async with fake.running(bot):
                with pytest.raises(NoResponse, match=r"no response within 0\.2 s"):
                    await fake.invoke("/mute")


async def test_expired_token(mini: OfflineDiscord) -> None:
    with pytest.raises(NoResponse, match="thinking"):  # deferred, nothing follows (yet)
        await mini.invoke("/keep", followup_timeout=0.05)
    [kept] = _bot(mini).stored
    mini.advance_clock(15 * 60 + 1)
    async with mini.expect_violation("interaction.token_expired"):
        with pytest.raises(discord.HTTPException) as raised:
            await kept.followup.send("a quarter of an hour later")
    assert raised.value.code == 50027


async def test_unexpected_violations_fail_at_stop_expected_ones_do_not() -> None:
    fake = OfflineDiscord()
    await fake.start()
    async with aiohttp.ClientSession() as session:
        with fake.expect_violation("offline.unsupported"):
            async with session.get(fake.api_base + "/voice/regions") as response:
                assert response.status == 404
        fake.check()  # expected: fine
        async with session.get(fake.api_base + "/stickers") as response:
            assert (await response.json())["code"] == 0
    with pytest.raises(RulesBroken, match=r"(?s)1 Discord rule violation.*GET /api/v10/stickers"):
        await fake.stop()


# ---- the gateway ---------------------------------------------------------------------------


async def test_resume_after_dropped_connection_replays_missed_events(mini: OfflineDiscord
                                                                     ) -> None:
    gateway = mini.server.gateway
    await mini.drop_gateway(wait=False)
    assert not gateway.connected
    reply = await mini.invoke("/info Happiness")  # sent while the bot is away
    assert reply.embed["title"] == "Happiness"
    assert (gateway.identifies, gateway.resumes) == (1, 1)
    assert gateway.replayed >= 1
    await mini.drop_gateway()  # and again, waiting for the RESUME
    assert gateway.resumes == 2


async def test_rest_answers_with_exact_json_content_type(mini: OfflineDiscord) -> None:
    headers = {"Authorization": f"Bot {mini.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(mini.api_base + "/users/@me", headers=headers) as response:
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["id"] == str(mini.bot_user.id)
        async with session.get(mini.api_base + "/users/@me") as response:
            assert response.status == 401


async def test_a_bot_that_fails_to_start_fails_fast() -> None:
    class Broken(MiniBot):
        async def setup_hook(self) -> None:
            raise RuntimeError("boom")

    async with OfflineDiscord() as fake:
        with fake.patch_discord_py(), pytest.raises(RuntimeError, match="boom"):
            async with fake.running(Broken(), timeout=5):
                pass


def test_missing_spec_is_said_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_OPENAPI_SPEC", "/nonexistent/openapi.json")
    with pytest.warns(SpecMissingWarning, match="NOT FOUND"):
        fake = OfflineDiscord()
    assert fake.spec is None
    assert "not validated" in OfflineDiscord.spec_status()


# ---- rules and rendering without a bot -------------------------------------------------------


def test_limits_the_spec_cannot_express() -> None:
    embeds = [{"title": "t" * 256, "description": "d" * 4096} for _ in range(2)]
    found = rules.check_message({"embeds": embeds}, creating=True)
    assert [v.rule for v in found] == ["embeds.total"]
    rows = [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": f"{r}"}]}
            for r in range(6)]
    assert [v.rule for v in rules.check_message({"components": rows}, creating=True)] == [
        "components.rows"]
    assert [v.rule for v in rules.check_message({}, creating=True)] == ["message.empty"]
    assert rules.check_message({}, creating=False) == []


def test_pings_follow_allowed_mentions() -> None:
    assert rules.pings({"content": "@everyone hi"}).everyone
    assert not rules.pings({"content": "@everyone hi", "allowed_mentions": {"parse": []}}
                           ).everyone
    assert rules.pings({"content": "<@&5>", "allowed_mentions": {"roles": ["5"]}}).roles == (
        "5",)


def test_spec_validation_names_the_field() -> None:
    spec = load_spec(spec_path())
    if spec is None:
        pytest.skip("OpenAPI spec not available")
    body = {"type": 4, "data": {"components": [{"type": 1, "components": [
        {"type": 2, "style": 9, "label": "x", "custom_id": "x"}]}]}}
    found = rules.schema_violations(
        spec, "POST", "/interactions/{interaction_id}/{interaction_token}/callback", body,
        strip=("data",))
    assert found and found[0].path == "components[0].components[0].style"


def test_render_message() -> None:
    message = {
        "content": "Hello",
        "flags": 64,
        "embeds": [{"title": "Soundtrack #1", "description": "A drama",
                    "fields": [{"name": "Cast", "value": "Han So-hee\nPark Hyung-sik"}],
                    "footer": {"text": "Sources: 2"}}],
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "Overview", "custom_id": "o"},
            {"type": 2, "style": 2, "label": "Cast", "custom_id": "c", "disabled": True}]}],
    }
    assert render_message(message) == "\n".join([
        "Hello", "", "== Soundtrack #1 ==", "A drama", "Cast:", "  Han So-hee",
        "  Park Hyung-sik", "-- Sources: 2", "", "[1] Overview  [2] Cast (disabled)",
        "(only you can see this)"])


def test_default_world() -> None:
    world = World.default()
    club = world.guilds["Drama Club"]
    assert [c.name for c in club.channels.values()] == ["general", "quiz", "quiz-2"]
    admin = club.members[world.users["admin"].id]
    fan = club.members[world.users["fan1"].id]
    general = club.channel_named("general")
    assert general is not None
    assert club.permissions_in(admin, general) & (1 << 5)
    assert not club.permissions_in(fan, general) & (1 << 5)


# ---- application command rules ----------------------------------------------------------

GOOD_COMMAND: dict[str, Any] = {
    "name": "drama", "type": 1, "description": "Everything about a drama",
    "name_localizations": {"ko": "드라마"}, "description_localizations": {"ko": "드라마 정보"},
    "options": [{"name": "name", "type": 3, "description": "A title", "required": True,
                 "name_localizations": {"ko": "이름"},
                 "description_localizations": {"ko": "제목"}}]}


def _with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    command = copy.deepcopy(GOOD_COMMAND)
    change(command)
    return command


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change at a dotted path ("options.0.name_localizations.ko")."""
    def change(command: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = command
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
    return change


@pytest.mark.parametrize(("change", "rule", "where"), [
    (_set("name_localizations.ko", "드라마 정보"), "command.name", "name_localizations.ko"),
    (_set("name_localizations.ko", "Drama"), "command.name", "name_localizations.ko"),
    (_set("name_localizations.ko", "가" * 33), "command.name", "name_localizations.ko"),
    (_set("name_localizations.kr", "드라마"), "command.locale", "name_localizations.kr"),
    (_set("description_localizations.ko", "가" * 101), "command.description",
     "description_localizations.ko"),
    (_set("description_localizations.ko", ""), "command.description",
     "description_localizations.ko"),
    (_set("options.0.name_localizations.ko", "이 름"), "command.name",
     "options[0].name_localizations.ko"),
    (lambda c: c["options"].append({**c["options"][0], "name": "title"}), "command.duplicate",
     "options[1].name"),  # "이름" twice in Korean
    (lambda c: c["options"].insert(0, {"name": "page", "type": 4, "description": "Which"}),
     "command.options", "options[1].required"),
    (_set("options.0.choices", [{"name": "A", "value": "a",
                                 "name_localizations": {"ko": "가" * 101}}]),
     "command.choice", "options[0].choices[0].name_localizations.ko"),
    (_set("options.0.description_localizations.ko", "가" * 100),
     None, None),  # within every limit: accepted
])
async def test_command_localisations_follow_discords_rules(
        mini: OfflineDiscord, change: Callable[[dict[str, Any]], None], rule: str | None,
        where: str | None) -> None:
    """The offline Discord refuses a sync Discord would refuse (50035, the field named),
    localisations included; what Discord accepts passes."""
    url = f"{mini.api_base}/applications/{mini.bot_user.id}/commands"
    headers = {"Authorization": f"Bot {mini.token}"}
    command = _with(change)
    async with aiohttp.ClientSession() as session:
        if rule is None:
            async with session.put(url, json=[command], headers=headers) as response:
                assert response.status == 200, await response.text()
            return
        with mini.expect_violation(rule):
            async with session.put(url, json=[command], headers=headers) as response:
                assert response.status == 400
                body = await response.json()
    assert body["code"] == 50035
    node = body["errors"]["0"]  # Discord's nesting: one key per step of the field's path
    for key in re.findall(r"[^.\[\]]+", where or ""):
        node = node[key]
    assert node["_errors"], body


def test_the_bots_commands_pass_the_command_rules() -> None:
    """The same rules the sync is vetted with, run on a hand-made command table that
    breaks none of them, and on one too long in one locale only."""
    assert rules.check_commands([GOOD_COMMAND]) == []
    long = _with(_set("options.0.choices", [
        {"name": f"c{i}", "value": "v" * 100, "name_localizations": {"ko": "가" * 100}}
        for i in range(25)]))
    found = rules.check_commands([long])
    assert [v.rule for v in found] == ["command.total"] and "in ko" in found[0].detail
