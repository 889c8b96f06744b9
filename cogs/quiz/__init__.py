"""/quiz: a K-drama quiz generated from the fact store, played with buttons.

`/quiz start` checks the options, builds the questions (`bot.quiz.questions`), records the
game and hands it to a `QuizSession` (`cogs.quiz.session`), which plays it in the channel.
`/quiz stop`, `/quiz leaderboard` and `/quiz stats` read and steer the same state. The
rules of the game live in `bot.quiz.engine`; this module only validates, routes and
renders.

Tests (and demos) can set `bot.quiz_clock` to a `ManualClock`, or `bot.quiz_time_scale`
to make game seconds pass faster; the seconds shown stay the ones the user chose.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.quiz.clock import GameClock, RealClock
from bot.quiz.engine import QuizGame
from bot.quiz.questions import Material, Question, choose, generate, load_material
from bot.quiz.scores import BoardRow, GameRecord, ScoreBook
from cogs.quiz.session import QuizButton, QuizSession, ephemeral, player_name
from cogs.utils import views
from cogs.utils.embeds import Field, build_embed
from cogs.utils.formatting import Limits, join_limited, plural
from cogs.utils.lookup import bot_of, drama_autocomplete, resolve_drama_option
from cogs.utils.views import Reply, answer_pending, defer_thinking, send_reply

if TYPE_CHECKING:
    from bot.client import DramaBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
Channel = discord.abc.Messageable  # in practice a text channel, thread or voice chat

QUESTIONS = (1, 50, 10)  # min, max, default
SECONDS = (10, 60, 20)
BOARD_SIZE = 10
MATERIALS_KEPT = 32  # dramas whose quiz material stays in memory
ANNOUNCE_WAIT = 3.0  # real seconds a session waits for the start reply to be posted
STOP_HINT = "`/quiz stop` ends it (its starter or anyone with Manage Server)."


class OptionError(ValueError):
    """An option the user must change; the message says how."""


def check_options(questions: int, seconds: int, up_to_episode: int | None) -> None:
    """Discord's client enforces the ranges, but other clients and old command
    definitions may not: check again, with a reply that says what is allowed."""
    if not QUESTIONS[0] <= questions <= QUESTIONS[1]:
        raise OptionError(f"`questions` must be between {QUESTIONS[0]} and {QUESTIONS[1]} "
                          f"(you asked for {questions}).")
    if not SECONDS[0] <= seconds <= SECONDS[1]:
        raise OptionError(f"`seconds` must be between {SECONDS[0]} and {SECONDS[1]} "
                          f"(you asked for {seconds}).")
    if up_to_episode is not None and up_to_episode < 1:
        raise OptionError("`up_to_episode` must be 1 or more: the last episode you have "
                          "seen, so nothing after it is asked.")


def episodes_known(material: Material) -> int | None:
    """How many episodes the drama has, as far as the store knows (None: unknown)."""
    drama = material.drama
    count = drama.drama.episode_count
    if count is not None and isinstance(count.value, int):
        return count.value
    return max((e.number for e in drama.episodes), default=None)


def pack_extra(questions: int, seconds: int, up_to_episode: int | None) -> int:
    """The options of a /quiz start in one number, so a did-you-mean button (which
    carries one integer) restarts the same game: EEEEQQSS."""
    return (up_to_episode or 0) * 10_000 + questions * 100 + seconds


def unpack_extra(extra: int | None) -> tuple[int, int, int | None]:
    if extra is None:
        return QUESTIONS[2], SECONDS[2], None
    up_to, rest = divmod(extra, 10_000)
    questions, seconds = divmod(rest, 100)
    return questions, seconds, up_to or None


class QuizCog(commands.Cog, name="Quiz"):
    """The quiz commands and the games running in the bot's channels."""

    quiz = app_commands.Group(name="quiz", description="A K-drama quiz played with buttons",
                              guild_only=True)

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        self.scores = ScoreBook(bot.state)
        self.sessions: dict[int, QuizSession] = {}  # by channel id
        self.games: dict[str, QuizSession] = {}  # by game id
        self._starting: set[int] = set()  # channels with a game being set up
        self._materials: dict[str, Material] = {}

    async def cog_load(self) -> None:
        count = await self.scores.interrupt_running()
        if count:
            log.info("Marked %d quiz game(s) from before the restart as interrupted", count)
        views.register_lookup("quiz", self._start_from_button)

    async def cog_unload(self) -> None:
        """Shutting down: stop every game where it is; scores already recorded stay and
        the games are marked interrupted, so their buttons say the game has ended."""
        views.unregister("quiz")
        running = list(self.games.values())  # sessions leave these maps as they end
        tasks = [s.task for s in running if s.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for session in running:
            with contextlib.suppress(Exception):
                await self.scores.mark_interrupted(session.game_id)
        self.games.clear()
        self.sessions.clear()

    def clock(self) -> GameClock:
        clock: GameClock | None = getattr(self.bot, "quiz_clock", None)
        return clock or RealClock(float(getattr(self.bot, "quiz_time_scale", 1.0)))

    # -- /quiz start ------------------------------------------------------------------------

    @quiz.command(name="start", description="Start a quiz in this channel, answered with buttons")
    @app_commands.describe(
        drama="The drama to be quizzed on (default: the server's default drama)",
        questions="How many questions, 1-50 (default 10)",
        seconds="Seconds to answer each question, 10-60 (default 20)",
        up_to_episode="The last episode you have seen: nothing after it is asked (no spoilers)",
    )
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def start(
        self, interaction: Interaction, drama: str | None = None,
        questions: app_commands.Range[int, 1, 50] = QUESTIONS[2],
        seconds: app_commands.Range[int, 10, 60] = SECONDS[2],
        up_to_episode: app_commands.Range[int, 1, 10_000] | None = None,
    ) -> None:
        reply = await self._start(interaction, drama, questions, seconds, up_to_episode)
        await send_reply(interaction, reply)

    async def _start_from_button(self, interaction: Interaction, slug: str,
                                 extra: int | None) -> Reply:
        """A did-you-mean button of a /quiz start: the same options, the chosen drama."""
        questions, seconds, up_to = unpack_extra(extra)
        return await self._start(interaction, slug, questions, seconds, up_to)

    async def _start(self, interaction: Interaction, drama: str | None, questions: int,
                     seconds: int, up_to: int | None) -> Reply:
        """Everything a start needs, as one reply: an error (ephemeral) or the
        announcement, with the session started behind it. A drama not quizzed lately is
        read from the store first, and that may take longer than Discord waits for a
        first response: then the interaction is deferred ("thinking...") once the checks
        made in memory have passed, and `send_reply` replaces the placeholder with the
        reply (deleting it for an error, which stays private)."""
        channel = interaction.channel
        if interaction.guild_id is None or not isinstance(channel, discord.abc.Messageable):
            return Reply(content="The quiz only works in a server's text channels.",
                         ephemeral=True)
        channel_id = interaction.channel_id or 0
        busy = self._busy_text(channel_id) or _missing_permissions(interaction)
        if busy:
            return Reply(content=busy, ephemeral=True)
        try:
            check_options(questions, seconds, up_to)
        except OptionError as error:
            return Reply(content=str(error), ephemeral=True)
        self._starting.add(channel_id)  # no second start while this one awaits the stores
        try:
            return await self._prepare(interaction, channel, drama, questions, seconds, up_to)
        finally:
            self._starting.discard(channel_id)

    def _busy_text(self, channel_id: int) -> str | None:
        session = self.sessions.get(channel_id)
        if session is not None:
            return (f"A quiz is already running in this channel, started by "
                    f"<@{session.starter_id}>. {STOP_HINT}")
        if channel_id in self._starting:
            return "A quiz is being set up in this channel right now."
        return None

    async def _prepare(self, interaction: Interaction, channel: Channel, drama: str | None,
                       questions: int, seconds: int, up_to: int | None) -> Reply:
        bot = bot_of(interaction)
        resolved = await resolve_drama_option(
            bot, interaction.guild_id, drama, kind="quiz",
            extra=pack_extra(questions, seconds, up_to))
        if resolved.key is None:
            return resolved.reply or Reply(content="I could not find that drama.",
                                           ephemeral=True)
        if resolved.key not in self._materials:
            await defer_thinking(interaction)
        material = await self._material(resolved.key)
        if material is None:
            return Reply(content="That drama is no longer in my records.", ephemeral=True)
        title = str(material.drama.drama.title.value)
        known = episodes_known(material)
        if up_to is not None and known is not None and up_to > known:
            return Reply(content=(f"**{title}** has {plural(known, 'episode')}, so "
                                  f"`up_to_episode` can be at most {known}."), ephemeral=True)
        rng = random.Random()
        pool = generate(material, rng, up_to_episode=up_to)
        recent = await self.scores.recent_questions(interaction.channel_id or 0)
        chosen = choose(pool, questions, rng, recent)
        if not chosen:
            spoiler = f" up to episode {up_to}" if up_to else ""
            return Reply(content=(f"I don't know enough certain facts about **{title}**"
                                  f"{spoiler} to ask questions yet. Try another drama."),
                         ephemeral=True)
        session = await self._open_session(interaction, channel, material, chosen, seconds,
                                           up_to)
        return Reply(content=self._announcement(interaction, session, questions, up_to))

    async def _open_session(self, interaction: Interaction, channel: Channel,
                            material: Material, chosen: list[Question], seconds: int,
                            up_to: int | None) -> QuizSession:
        """Record the game, then start its session (which waits for the announcement)."""
        game_id = secrets.token_hex(6)
        record = GameRecord(game_id, interaction.guild_id or 0, interaction.channel_id or 0,
                            interaction.user.id, material.drama.drama.slug, len(chosen),
                            seconds, up_to, "running", 0)
        await self.scores.start_game(record)
        clock = self.clock()
        game = QuizGame(chosen, seconds=seconds, clock=clock.now)
        session = QuizSession(game_id, game, record, channel, self.scores, clock,
                              str(material.drama.drama.title.value), self._ended)
        self.sessions[record.channel_id] = session
        self.games[game_id] = session
        session.start(after=lambda: _announced(interaction))
        return session

    def _announcement(self, interaction: Interaction, session: QuizSession, asked_for: int,
                      up_to: int | None) -> str:
        count = session.game.total
        parts = [f"🎬 {player_name(interaction.user.display_name, interaction.user.id)} "
                 f"started a quiz on **{session.title}**: {plural(count, 'question')}, "
                 f"{session.record.seconds} s each"]
        if up_to is not None:
            parts.append(f", nothing after episode {up_to}")
        text = "".join(parts) + "."
        if count < asked_for:
            text += f" (I know enough for {count} right now, not {asked_for}.)"
        text += ("\nPress a button to answer: one answer per question, faster right answers "
                 f"score more, and right answers in a row earn a streak bonus. {STOP_HINT}")
        return text

    async def _material(self, slug: str) -> Material | None:
        """The drama and its neighbours, read once and kept for the dramas quizzed most
        lately: the fact store does not change while the bot runs."""
        material = self._materials.pop(slug, None)
        if material is None:
            material = await load_material(self.bot.facts, slug)
            if material is None:
                return None
        self._materials[slug] = material  # most recent last
        while len(self._materials) > MATERIALS_KEPT:
            del self._materials[next(iter(self._materials))]
        return material

    def _ended(self, session: QuizSession) -> None:
        if self.sessions.get(session.channel_id) is session:
            del self.sessions[session.channel_id]
        self.games.pop(session.game_id, None)

    # -- presses ----------------------------------------------------------------------------

    async def press(self, interaction: Interaction, game_id: str, index: int,
                    choice: int) -> None:
        """A quiz button: answered privately, whatever it was."""
        session = self.games.get(game_id)
        if session is not None:
            text = session.press_text(interaction, index, choice)
        else:
            text = await self._ended_text(game_id)
        await ephemeral(interaction, text)

    async def _ended_text(self, game_id: str) -> str:
        record = await self.scores.game(game_id)
        if record is None:
            return "That button is not part of any quiz I know."
        if record.status == "interrupted":
            return ("This quiz ended when the bot restarted. Points scored before that were "
                    "kept; start a new game with `/quiz start`.")
        return "This quiz is over. Start a new game with `/quiz start`."

    # -- /quiz stop -------------------------------------------------------------------------

    @quiz.command(name="stop", description="Stop the quiz running in this channel")
    async def stop(self, interaction: Interaction) -> None:
        channel_id = interaction.channel_id or 0
        session = self.sessions.get(channel_id)
        if session is None:
            await ephemeral(interaction, "No quiz is running in this channel.")
            return
        perms = interaction.permissions
        if interaction.user.id != session.starter_id and not (
                perms.manage_guild or perms.administrator):
            await ephemeral(interaction, (
                f"Only <@{session.starter_id}>, who started this quiz, or someone with the "
                "**Manage Server** permission can stop it."))
            return
        name = player_name(interaction.user.display_name, interaction.user.id)
        session.request_stop(name)
        await send_reply(interaction, Reply(
            content=f"🛑 {name} stopped the quiz. The answer and the final scores follow."))

    # -- /quiz leaderboard and /quiz stats --------------------------------------------------

    @quiz.command(name="leaderboard", description="The best quiz players, here or everywhere")
    @app_commands.describe(scope="This server only, or every server (default: server)",
                           period="All time, or the last seven days (default: all)")
    async def leaderboard(self, interaction: Interaction,
                          scope: Literal["server", "global"] = "server",
                          period: Literal["all", "week"] = "all") -> None:
        guild_id = interaction.guild_id if scope == "server" else None
        rows = await self.scores.leaderboard(guild_id, period, BOARD_SIZE)
        where = "this server" if scope == "server" else "all servers"
        when = "all time" if period == "all" else "the last 7 days"
        lines = [_board_line(rank, row) for rank, row in enumerate(rows, 1)]
        text = join_limited(lines, Limits.DESCRIPTION) if lines else (
            "No scores yet. Start a game with `/quiz start`!")
        await send_reply(interaction, Reply(embed=build_embed(
            title=f"🏆 Quiz leaderboard: {where}, {when}", description=text,
            footer="Points: 100 a right answer, up to 50 for speed, up to 50 for a streak")))

    @quiz.command(name="stats", description="Quiz points, games, right answers, accuracy "
                                            "and best streak of a player in this server")
    @app_commands.describe(member="Whose stats to show (default: yours)")
    async def stats(self, interaction: Interaction, member: discord.User | None = None) -> None:
        user = member or interaction.user
        found = await self.scores.stats(user.id, interaction.guild_id or 0)
        name = player_name(user.display_name, user.id)
        if found is None:
            await send_reply(interaction, Reply(
                content=f"{name} has not answered a quiz question in this server yet.",
                ephemeral=True))
            return
        row = found.row
        fields = [Field("Points", str(row.points), True), Field("Rank", f"#{found.rank}", True),
                  Field("Games", f"{row.games} ({plural(row.wins, 'win')})", True),
                  Field("Right answers", f"{row.correct} of {row.answers}", True),
                  Field("Accuracy", f"{row.accuracy:.0%}", True),
                  Field("Best streak", str(row.best_streak), True)]
        await send_reply(interaction, Reply(embed=build_embed(
            title=f"Quiz stats: {user.display_name}", fields=fields)))


def _missing_permissions(interaction: Interaction) -> str | None:
    """The quiz posts its questions as channel messages (an interaction token would expire
    in a long game), so the bot itself must be able to post embeds here."""
    perms = interaction.app_permissions
    in_thread = isinstance(interaction.channel, discord.Thread)
    can_send = perms.send_messages_in_threads if in_thread else perms.send_messages
    if perms.view_channel and can_send and perms.embed_links:
        return None
    return ("I can't run a quiz in this channel: I need the **View Channel**, **Send "
            "Messages** and **Embed Links** permissions here. Ask a server admin, or try "
            "another channel.")


def _board_line(rank: int, row: BoardRow) -> str:
    return (f"**{rank}.** {player_name(row.name, row.user_id)}: **{row.points}** pts · "
            f"{row.correct}/{row.answers} right · {plural(row.games, 'game')} · "
            f"{plural(row.wins, 'win')}")


async def _announced(interaction: Interaction) -> None:
    """Wait (briefly) until the start reply is posted, so it comes before question 1: a
    deferred start is answered only when its "thinking..." placeholder is replaced."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ANNOUNCE_WAIT
    while answer_pending(interaction) and loop.time() < deadline:
        await asyncio.sleep(0.02)


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog and the quiz's dynamic buttons."""
    await bot.add_cog(QuizCog(bot))
    bot.add_dynamic_items(QuizButton, *views.DYNAMIC_ITEMS)
