"""The quiz cog: /quiz start, stop, leaderboard and stats, and the games it runs.

`/quiz start` checks the options, builds the questions (`bot.quiz.questions`), records the
game and hands it to a `QuizSession` (`cogs.quiz.session`), which plays it in the channel.
The rules of the game live in `bot.quiz.engine`; this module only validates, routes and
renders.

Tests (and demos) can set `bot.quiz_clock` to a `ManualClock`, or `bot.quiz_time_scale`
to make game seconds pass faster; the seconds shown stay the ones the user chose; and
`bot.quiz_post_budget` to give up on Discord sooner.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from functools import partial
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands

from bot.i18n import N_, _, described, speaking
from bot.quiz.clock import GameClock, RealClock
from bot.quiz.engine import QuizGame
from bot.quiz.questions import Material, Question, choose, generate, load_material
from bot.quiz.reports import HIDDEN, Report, ReportBook
from bot.quiz.scores import BoardRow, GameRecord, ScoreBook
from bot.quiz.writeback import WriteBehind, with_retries
from bot.store.health import is_transient
from bot.store.names import fold
from cogs.quiz.buttons import (
    DismissReportButton,
    HideReportButton,
    StartButton,
    StopButton,
    quiz_cog,
)
from cogs.quiz.forms import AnswerForm, ReportForm
from cogs.quiz.options import FIRST_EPISODE, LAST_EPISODE, QUESTIONS, SECONDS, check_options
from cogs.quiz.session import POST_BUDGET, QuizSession, player_name
from cogs.utils.checks import manage_server_only, manages_server, rate_limited
from cogs.utils.embeds import Field, build_embed
from cogs.utils.errors import Refused, Unanswerable
from cogs.utils.formatting import Limits, counted, join_limited, number, truncate
from cogs.utils.language import public, public_language
from cogs.utils.lookup import DramaOption, drama_or_default
from cogs.utils.replies import Reply, answer_pending, defer_thinking, private, send_reply
from cogs.utils.views import make_view

if TYPE_CHECKING:
    from bot.client import DramaBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["DramaBot"]
Channel = discord.abc.Messageable  # in practice a text channel, thread or voice chat

BOARD_SIZE = 10
MATERIALS_KEPT = 32  # dramas whose quiz material stays in memory
ANNOUNCE_WAIT = 3.0  # real seconds a session waits for the start reply to be posted
OVER_KEPT = 1024  # ended games whose buttons are answered from memory
OVER_TEXT = N_("This quiz is over. Start a new game with `/quiz start`.")
STARTUP_WRITE_BUDGET = 10.0  # seconds the start-up write may wait for a locked store
SHUTDOWN_FLUSH = 5.0  # seconds a shutdown waits for held writes to be saved
CANCEL_ROUNDS = 5  # times a shutdown cancels a game task that goes on
STOP_HINT = N_("`/quiz stop` ends it (its starter or anyone with Manage Server).")
ALL = "*"  # the drama option's value for a quiz across every drama
ALL_LABEL = N_("All dramas")
MIN_FACTS = 3  # a drama with fewer settled facts sits out a quiz across dramas
REPORTS_SHOWN = 5  # reports /quiz reports lists at once (two buttons each)


def episodes_known(material: Material) -> int | None:
    """How many episodes the drama has, as far as the store knows (None: unknown)."""
    drama = material.drama
    count = drama.drama.episode_count
    if count is not None and isinstance(count.value, int):
        return count.value
    return max((e.number for e in drama.episodes), default=None)


def may_stop(interaction: Interaction, session: QuizSession) -> bool:
    """The right to stop a game: its starter, or Manage Server (which Discord also sends
    for administrators). Shared by `/quiz stop` and the Stop button."""
    if interaction.user.id == session.starter_id or interaction.permissions.manage_guild:
        return True
    raise Refused(_("Only {starter}, who started this quiz, or someone with the **Manage "
                    "Server** permission can stop it.").format(starter=f"<@{session.starter_id}>"))


def may_stop_here(interaction: Interaction) -> bool:
    """`/quiz stop`'s check: the right to stop this channel's game, if one runs."""
    session = quiz_cog(interaction).sessions.get(interaction.channel_id or 0)
    return session is None or may_stop(interaction, session)


class QuizDramaOption(DramaOption):
    """A drama, or "all dramas" (`ALL`): a quiz across every drama with enough facts."""

    async def transform(self, interaction: discord.Interaction[DramaBot], value: Any) -> str:
        if fold(str(value)) in ("all", "alldramas", "everydrama", "*"):
            return ALL
        return await super().transform(interaction, value)

    async def autocomplete(  # type: ignore[override]  # as DramaOption's
        self, interaction: discord.Interaction[DramaBot], value: str
    ) -> list[app_commands.Choice[str]]:
        found = await super().autocomplete(interaction, value)
        if fold(_(ALL_LABEL)).startswith(fold(str(value))) or \
                fold(ALL_LABEL).startswith(fold(str(value))):
            found = [app_commands.Choice(name=_(ALL_LABEL), value="all dramas"), *found]
        return found[: Limits.CHOICES]


QuizDrama = app_commands.Transform[str, QuizDramaOption(StartButton.choice, optional=True)]


class QuizCog(commands.Cog, name="Quiz"):
    """The quiz commands and the games running in the bot's channels."""

    quiz = app_commands.Group(name=locale_str("quiz"),
                              description=locale_str("A K-drama quiz played with buttons"),
                              guild_only=True)

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot
        self.scores = ScoreBook(bot.state)
        self.reports = ReportBook(bot.state)
        self.sessions: dict[int, QuizSession] = {}  # by channel id
        self.games: dict[str, QuizSession] = {}  # by game id
        self._starting: set[int] = set()  # channels with a game being set up
        self._materials: dict[str, Material] = {}
        # Every quiz write goes through this queue, so a locked or full store never stops
        # a game or loses an answer (bot.quiz.writeback).
        self.writes = WriteBehind(is_transient)
        self._over: dict[str, None] = {}  # games ended lately: their presses need no store
        self._tasks: set[asyncio.Task[None]] = set()  # every session still running

    async def cog_load(self) -> None:
        try:
            count = await with_retries(self.scores.interrupt_running, is_transient,
                                       STARTUP_WRITE_BUDGET)
        except Exception as error:
            if not is_transient(error):
                raise
            log.warning("Could not mark the games of the previous run as interrupted yet "
                        "(%s); their buttons will say they are over", error)
            return
        if count:
            log.info("Marked %d quiz game(s) from before the restart as interrupted", count)

    async def cog_unload(self) -> None:
        """Shutting down: stop every game where it is; scores already recorded stay and
        the games are marked interrupted, so their buttons say the game has ended."""
        running = list(self.games.values())  # sessions leave these maps as they end
        await _cancel(self._tasks)  # the games, and the ended ones still posting their end
        for session in running:
            self.writes.submit(f"interruption of quiz {session.game_id}",
                               partial(self.scores.mark_interrupted, session.game_id))
        await self.writes.close(SHUTDOWN_FLUSH)
        self.games.clear()
        self.sessions.clear()

    def clock(self) -> GameClock:
        clock: GameClock | None = getattr(self.bot, "quiz_clock", None)
        return clock or RealClock(float(getattr(self.bot, "quiz_time_scale", 1.0)))

    def post_budget(self) -> float:
        """Real seconds a game's post may take, retries included (tests shorten it)."""
        return float(getattr(self.bot, "quiz_post_budget", POST_BUDGET))

    # -- /quiz start ------------------------------------------------------------------------

    @quiz.command(name=locale_str("start"),
                  description=locale_str("Start a quiz in this channel, answered with buttons"))
    @app_commands.rename(drama=locale_str("drama"), questions=locale_str("questions"),
                         seconds=locale_str("seconds"), up_to_episode=locale_str("up_to_episode"),
                         mode=locale_str("mode"))
    @app_commands.describe(
        drama=locale_str("The drama to be quizzed on (default: the server's default drama)"),
        questions=described("How many questions, {low}-{high} (default {default})",
                            low=QUESTIONS.low, high=QUESTIONS.high, default=QUESTIONS.default),
        seconds=described("Seconds to answer each question, {low}-{high} (default {default})",
                          low=SECONDS.low, high=SECONDS.high, default=SECONDS.default),
        up_to_episode=locale_str(
            "The last episode you have seen: nothing after it is asked (no spoilers)"),
        mode=locale_str("Answer with buttons (default), or type the answer (scores more)"),
    )
    @app_commands.choices(mode=[Choice(name=locale_str("buttons"), value="buttons"),
                                Choice(name=locale_str("typed"), value="typed")])
    @rate_limited("quiz_start_rate")
    @rate_limited("quiz_channel_rate", per="channel")
    async def start(
        self, interaction: Interaction,
        drama: QuizDrama | None = None,
        questions: app_commands.Range[int, QUESTIONS.low, QUESTIONS.high] = QUESTIONS.default,
        seconds: app_commands.Range[int, SECONDS.low, SECONDS.high] = SECONDS.default,
        up_to_episode: app_commands.Range[int, FIRST_EPISODE, LAST_EPISODE] | None = None,
        mode: str = "buttons",
    ) -> None:
        slug = await _drama_or_all(interaction, drama)
        reply = await self.start_reply(interaction, slug, questions, seconds, up_to_episode,
                                       mode)
        await send_reply(interaction, reply)

    async def start_reply(self, interaction: Interaction, slug: str, questions: int,
                          seconds: int, up_to: int | None, mode: str = "buttons") -> Reply:
        """Everything a start needs, as one reply: an error (ephemeral) or the
        announcement, with the session started behind it. A drama not quizzed lately is
        read from the store first, and that may take longer than Discord waits for a
        first response: then the interaction is deferred ("thinking...") once the checks
        made in memory have passed, and `send_reply` replaces the placeholder with the
        reply (deleting it for an error, which stays private)."""
        channel = interaction.channel
        if interaction.guild_id is None or not isinstance(channel, discord.abc.Messageable):
            return private(_("The quiz only works in a server's text channels."))
        channel_id = interaction.channel_id or 0
        busy = (self._busy_text(channel_id) or self._server_full_text(interaction.guild_id)
                or _missing_permissions(interaction))
        if busy:
            return private(busy)
        check_options(questions, seconds, up_to)
        self._starting.add(channel_id)  # no second start while this one awaits the stores
        try:
            return await self._prepare(interaction, channel, slug, questions, seconds, up_to,
                                       mode)
        finally:
            self._starting.discard(channel_id)

    def _busy_text(self, channel_id: int) -> str | None:
        session = self.sessions.get(channel_id)
        if session is not None:
            return _("A quiz is already running in this channel, started by {starter}.").format(
                starter=f"<@{session.starter_id}>") + " " + _(STOP_HINT)
        if channel_id in self._starting:
            return _("A quiz is being set up in this channel right now.")
        return None

    async def _prepare(self, interaction: Interaction, channel: Channel, slug: str,
                       questions: int, seconds: int, up_to: int | None, mode: str) -> Reply:
        if slug == ALL and up_to is not None:
            return private(_("`{option}` needs one drama: name it with the `{drama}` option, "
                             "or leave `{option}` out for all dramas.").format(
                                 option=_("up_to_episode"), drama=_("drama")))
        if slug == ALL or slug not in self._materials:
            await defer_thinking(interaction)
        found = await self._pool(slug, up_to, public_language(interaction))
        if isinstance(found, str):
            return private(found)
        title, pool = found
        hidden = await self.reports.hidden_facts(interaction.guild_id or 0)
        pool = [q for q in pool if q.fact not in hidden]
        memory = await self.scores.fact_memory(interaction.channel_id or 0)
        chosen = choose(pool, questions, random.Random(), memory)
        if not chosen:
            text = (_("I don't know enough certain facts about **{title}** up to episode "
                      "{episode} to ask questions yet. Try another drama.") if up_to else
                    _("I don't know enough certain facts about **{title}** to ask questions "
                      "yet. Try another drama."))
            return private(text.format(title=title, episode=up_to))
        with public(interaction):  # the game speaks the server's language
            if slug == ALL:
                title = _(ALL_LABEL)
            session = await self._open_session(interaction, channel, slug, title, chosen,
                                               seconds, up_to, mode)
            return Reply(content=self._announcement(interaction, session, questions, up_to),
                         view=make_view([StopButton(session.game_id)]))

    async def _pool(self, slug: str, up_to: int | None, language: str | None = None
                    ) -> tuple[str, list[Question]] | str:
        """The title and every question of a drama, or of all dramas with enough facts
        mixed, worded in `language` (the game's: the server's); or what to say, in the
        current language, when there are none."""
        if slug != ALL:
            material = await self._material(slug)
            if material is None:
                return _("That drama is no longer in my records.")
            title = str(material.drama.drama.title.value)
            known = episodes_known(material)
            if up_to is not None and known is not None and up_to > known:
                return _("**{title}** has {episodes}, so `{option}` can be at most {known}."
                         ).format(title=title, option=_("up_to_episode"), known=known,
                                  episodes=counted(known, "{count} episode", "{count} episodes"))
            with speaking(language):
                return title, generate(material, random.Random(), up_to_episode=up_to)
        pool: dict[str, Question] = {}
        for ref in await self.bot.facts.dramas():
            material = await self._material(ref.slug)
            with speaking(language):
                made = generate(material, random.Random()) if material else []
            if len({q.fact for q in made}) >= MIN_FACTS:
                pool.update((q.key, q) for q in made if q.key not in pool)
        return ALL_LABEL, list(pool.values())

    async def _open_session(self, interaction: Interaction, channel: Channel, slug: str,
                            title: str, chosen: list[Question], seconds: int,
                            up_to: int | None, mode: str) -> QuizSession:
        """Record the game, then start its session (which waits for the announcement)."""
        game_id = secrets.token_hex(6)
        record = GameRecord(game_id, interaction.guild_id or 0, interaction.channel_id or 0,
                            interaction.user.id, slug, len(chosen), seconds, up_to,
                            "running", 0, mode)
        self.writes.submit(f"start of quiz {game_id}", partial(self.scores.start_game, record))
        clock = self.clock()
        game = QuizGame(chosen, seconds=seconds, clock=clock.now, typed=mode == "typed")
        session = QuizSession(game_id, game, record, channel, self.scores, clock, title,
                              self._ended, writes=self.writes,
                              post_budget=self.post_budget())
        self.sessions[record.channel_id] = session
        self.games[game_id] = session
        session.start(after=lambda: _announced(interaction))
        if session.task is not None:
            self._tasks.add(session.task)
            session.task.add_done_callback(self._tasks.discard)
        return session

    def _server_full_text(self, guild_id: int) -> str | None:
        """The server's limit of games at once, so one member cannot fill every channel."""
        limit = self.bot.settings.quiz_games_per_server
        running = sum(1 for s in self.games.values() if s.record.guild_id == guild_id)
        if running < limit:
            return None
        return _("This server already has {quizzes} running, the most at once. Try again "
                 "when one of them ends.").format(
                     quizzes=counted(running, "{count} quiz", "{count} quizzes"))

    def _announcement(self, interaction: Interaction, session: QuizSession, asked_for: int,
                      up_to: int | None) -> str:
        count = session.game.total
        values = {"name": player_name(interaction.user.display_name, interaction.user.id),
                  "title": session.title, "seconds": session.record.seconds,
                  "questions": counted(count, "{count} question", "{count} questions"),
                  "episode": up_to, "count": count, "asked": asked_for}
        text = "🎬 " + (_("{name} started a quiz on **{title}**: {questions}, {seconds} s "
                          "each, nothing after episode {episode}.") if up_to is not None
                        else _("{name} started a quiz on **{title}**: {questions}, {seconds} "
                               "s each.")).format(**values)
        if count < asked_for:
            text += " " + _("(I know enough for {count} right now, not {asked}.)").format(**values)
        how = (_("Press **Answer** and type it (spelling and Hangul are forgiven; typed "
                 "answers score more)") if session.game.typed else _("Press a button to answer"))
        text += "\n" + _("{how}: one answer per question, faster right answers score more, and "
                         "right answers in a row earn a streak bonus.").format(how=how)
        return text + " " + _(STOP_HINT)

    @commands.Cog.listener()
    async def on_fact_store_changed(self, store: object) -> None:
        """The bot now serves a rebuilt store: new games read their material from it."""
        self._materials.clear()

    async def _material(self, slug: str) -> Material | None:
        """The drama and its neighbours, read once and kept for the dramas quizzed most
        lately: the fact store changes only when the bot switches to a rebuilt one."""
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
        self._over[session.game_id] = None
        while len(self._over) > OVER_KEPT:
            del self._over[next(iter(self._over))]

    # -- presses and stops -----------------------------------------------------------------

    async def press(self, interaction: Interaction, game_id: str, index: int,
                    choice: int) -> str:
        """What a press on an answer button did, to be said privately."""
        session = self.games.get(game_id)
        if session is not None:
            return session.press_text(interaction, index, choice)
        return await self._ended_text(game_id)

    async def _ended_text(self, game_id: str) -> str:
        if game_id in self._over:  # ended in this run, its record perhaps not written yet
            return OVER_TEXT
        record = await self.scores.game(game_id)
        if record is None:
            return _("That button is not part of any quiz I know.")
        if record.status == "interrupted":
            return _("This quiz ended when the bot restarted. Points scored before that were "
                     "kept; start a new game with `/quiz start`.")
        return _(OVER_TEXT)

    # -- typed answers ----------------------------------------------------------------------

    async def typed_form(self, interaction: Interaction, game_id: str, index: int
                         ) -> Reply | None:
        """The Answer button: open the form, or say privately why not."""
        session = self.games.get(game_id)
        if session is None:
            return private(await self._ended_text(game_id))
        refusal = session.typed_refusal(interaction, index)
        if refusal is not None:
            return private(refusal)
        await interaction.response.send_modal(AnswerForm(game_id, index))
        return None

    async def submit_typed(self, interaction: Interaction, game_id: str, index: int,
                           text: str) -> Reply:
        session = self.games.get(game_id)
        if session is None:
            return private(await self._ended_text(game_id))
        return private(session.submit_text(interaction, index, text))

    # -- reports ----------------------------------------------------------------------------

    async def report_form(self, interaction: Interaction, game_id: str, index: int
                          ) -> Reply | None:
        """The Report button of a revealed question: open the form. The question is read
        from the state store, so a week-old or pre-restart question can be reported."""
        asked = await self.scores.asked_question(game_id, index)
        if asked is None or asked.guild_id != interaction.guild_id:
            return private(_("I have no record of that question, so it cannot be "
                             "reported."))
        await interaction.response.send_modal(ReportForm(game_id, index))
        return None

    async def submit_report(self, interaction: Interaction, game_id: str, index: int,
                            reason: str) -> Reply:
        asked = await self.scores.asked_question(game_id, index)
        if asked is None or asked.guild_id != interaction.guild_id:
            return private(_("I have no record of that question, so it cannot be "
                             "reported."))
        await self.reports.add(asked, interaction.user.id, reason)
        return private(_("Thank you: your report is recorded, with the question's sources. "
                         "The server's managers see it in `/quiz reports`."))

    @quiz.command(name=locale_str("reports"), description=locale_str(
        "(Manage Server) Reported quiz questions: hide them here or dismiss the reports"))
    @manage_server_only
    async def list_reports(self, interaction: Interaction) -> None:
        await send_reply(interaction, await self._reports_reply(interaction, None))

    async def resolve_report(self, interaction: Interaction, report_id: str,
                             status: str) -> Reply:
        """A Hide or Dismiss button: the same right as `/quiz reports`; the list is
        redrawn with what became of the report."""
        manages_server(interaction)
        report = await self.reports.resolve(report_id, interaction.guild_id or 0, status,
                                            interaction.user.id)
        if report is None:
            done = _("That report was already handled.")
        elif status == HIDDEN:
            done = _("Hidden: “{prompt}” will not be asked in this server again.").format(
                prompt=truncate(report.prompt, 80))
        else:
            done = _("Dismissed the report on “{prompt}”.").format(
                prompt=truncate(report.prompt, 80))
        return await self._reports_reply(interaction, done)

    async def _reports_reply(self, interaction: Interaction, done: str | None) -> Reply:
        reports = await self.reports.open_reports(interaction.guild_id or 0, REPORTS_SHOWN)
        lines = [_report_line(n, r) for n, r in enumerate(reports, 1)]
        text = join_limited(lines, Limits.DESCRIPTION - 200) if lines else (
            _("No open reports. Players report a question with its **Report** button."))
        rows = [[HideReportButton(r.id, label=_("Hide #{number}").format(number=n)),
                 DismissReportButton(r.id, label=_("Dismiss #{number}").format(number=n))]
                for n, r in enumerate(reports, 1)]
        return Reply(content=done, embed=build_embed(
            title=_("Reported quiz questions"), description=text,
            footer=_("Hide: the question's fact leaves this server's games. "
                     "`dramabot reports export` gives pack authors every report.")),
            view=make_view(*rows), ephemeral=True)

    @quiz.command(name=locale_str("stop"),
                  description=locale_str("Stop the quiz running in this channel"))
    @app_commands.check(may_stop_here)
    async def stop(self, interaction: Interaction) -> None:
        session = self.sessions.get(interaction.channel_id or 0)
        if session is None:
            raise Unanswerable(_("No quiz is running in this channel."))
        await send_reply(interaction, self._stop(interaction, session))

    async def stop_game(self, interaction: Interaction, game_id: str) -> Reply:
        """The Stop button: the same right as `/quiz stop`, for the button's own game."""
        session = self.games.get(game_id)
        if session is None:
            return private(await self._ended_text(game_id))
        may_stop(interaction, session)
        return self._stop(interaction, session)

    def _stop(self, interaction: Interaction, session: QuizSession) -> Reply:
        name = player_name(interaction.user.display_name, interaction.user.id)
        session.request_stop(name)
        with public(interaction):
            return Reply(content="🛑 " + _("{name} stopped the quiz. The answer and the final "
                                          "scores follow.").format(name=name))

    # -- /quiz leaderboard and /quiz stats --------------------------------------------------

    @quiz.command(name=locale_str("leaderboard"),
                  description=locale_str("The best quiz players, here or everywhere"))
    @app_commands.rename(scope=locale_str("scope"), period=locale_str("period"))
    @app_commands.describe(
        scope=locale_str("This server only, or every server (default: server)"),
        period=locale_str("All time, or the last seven days (default: all)"))
    @app_commands.choices(
        scope=[Choice(name=locale_str("server"), value="server"),
               Choice(name=locale_str("global"), value="global")],
        period=[Choice(name=locale_str("all"), value="all"),
                Choice(name=locale_str("week"), value="week")])
    @rate_limited("lookup_rate")
    async def leaderboard(self, interaction: Interaction, scope: str = "server",
                          period: str = "all") -> None:
        guild_id = interaction.guild_id if scope == "server" else None
        rows = await self.scores.leaderboard(guild_id, period, BOARD_SIZE)
        with public(interaction):
            where = _("this server") if scope == "server" else _("all servers")
            when = _("all time") if period == "all" else _("the last 7 days")
            lines = [_board_line(rank, row) for rank, row in enumerate(rows, 1)]
            text = join_limited(lines, Limits.DESCRIPTION) if lines else (
                _("No scores yet. Start a game with `/quiz start`!"))
            embed = build_embed(
                title="🏆 " + _("Quiz leaderboard: {where}, {when}").format(where=where,
                                                                            when=when),
                description=text,
                footer=_("Points: 100 a right answer, up to 50 for speed, up to 50 for a "
                         "streak"))
        await send_reply(interaction, Reply(embed=embed))

    @quiz.command(name=locale_str("stats"), description=locale_str(
        "Quiz points, games, right answers, accuracy and best streak of a player in this "
        "server"))
    @app_commands.rename(member=locale_str("member"))
    @app_commands.describe(member=locale_str("Whose stats to show (default: yours)"))
    @rate_limited("lookup_rate")
    async def stats(self, interaction: Interaction, member: discord.User | None = None) -> None:
        user = member or interaction.user
        found = await self.scores.stats(user.id, interaction.guild_id or 0)
        name = player_name(user.display_name, user.id)
        if found is None:
            raise Unanswerable(_("{name} has not answered a quiz question in this server yet."
                                 ).format(name=name))
        row = found.row
        with public(interaction):
            wins = counted(row.wins, "{count} win", "{count} wins")
            fields = [Field(_("Points"), number(row.points), True),
                      Field(_("Rank"), f"#{found.rank}", True),
                      Field(_("Games"), f"{row.games} ({wins})", True),
                      Field(_("Right answers"), _("{correct} of {asked}").format(
                          correct=row.correct, asked=row.asked), True),
                      Field(_("Accuracy"), f"{row.accuracy:.0%}", True),
                      Field(_("Best streak"), str(row.best_streak), True)]
            embed = build_embed(title=_("Quiz stats: {name}").format(name=user.display_name),
                                fields=fields)
        await send_reply(interaction, Reply(embed=embed))


def _missing_permissions(interaction: Interaction) -> str | None:
    """The quiz posts its questions as channel messages (an interaction token would expire
    in a long game), so the bot itself must be able to post embeds here."""
    perms = interaction.app_permissions
    in_thread = isinstance(interaction.channel, discord.Thread)
    can_send = perms.send_messages_in_threads if in_thread else perms.send_messages
    if perms.view_channel and can_send and perms.embed_links:
        return None
    return _("I can't run a quiz in this channel: I need the **View Channel**, **Send "
             "Messages** and **Embed Links** permissions here. Ask a server admin, or try "
             "another channel.")


def _board_line(rank: int, row: BoardRow) -> str:
    return f"**{rank}.** {player_name(row.name, row.user_id)}: " + _(
        "**{points}** pts · {correct}/{asked} right · {games} · {wins}").format(
            points=number(row.points), correct=row.correct, asked=row.asked,
            games=counted(row.games, "{count} game", "{count} games"),
            wins=counted(row.wins, "{count} win", "{count} wins"))


def _report_line(number: int, report: Report) -> str:
    sources = ", ".join(report.sources) or _("no source")
    return _("**#{number}** “{prompt}” (answer: {answer}; sources: {sources})").format(
        number=number, prompt=truncate(report.prompt, 150),
        answer=truncate(report.answer, 60), sources=truncate(sources, 80)) + (
        f"\n> {truncate(report.reason, 200)} · <@{report.reporter_id}>")


async def _drama_or_all(interaction: Interaction, slug: str | None) -> str:
    """The drama option of /quiz start: blank means the server's default drama and, with
    no default anywhere, all dramas."""
    try:
        return await drama_or_default(interaction, slug)
    except Unanswerable:
        return ALL


async def _cancel(tasks: set[asyncio.Task[None]]) -> None:
    """Cancel `tasks` and wait for them, cancelling again any that go on: Python 3.11's
    asyncio.wait_for can lose a cancellation that arrives as its inner call completes,
    and a game on a manual clock would then wait for ever."""
    for _round in range(CANCEL_ROUNDS):
        pending = [task for task in tasks if not task.done()]
        if not pending:
            return
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=1.0)
    log.error("%d quiz task(s) would not stop", sum(1 for t in tasks if not t.done()))


async def _announced(interaction: Interaction) -> None:
    """Wait (briefly) until the start reply is posted, so it comes before question 1: a
    deferred start is answered only when its "thinking..." placeholder is replaced."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ANNOUNCE_WAIT
    while answer_pending(interaction) and loop.time() < deadline:
        await asyncio.sleep(0.02)
