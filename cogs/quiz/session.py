"""One quiz game on Discord: the session posts each question with four buttons, waits for
the deadline on the game clock, reveals the answer by editing the message, records the
scores, and posts the final scoreboard. It turns engine state into embeds and buttons and
knows no rule of the game itself (that is `bot.quiz.engine`).

Answers are `AnswerButton`s whose custom_id is `quiz:<game id>:<question>:<choice>`, so a
press is routed by its id alone (no view kept in memory); a press counts only on the
game's own message, in its own channel and server, so a stale or forged button, or one of
a game from before a restart, is answered without scoring.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import aiohttp
import discord
from discord.utils import escape_markdown, escape_mentions

from bot.i18n import N_, _
from bot.quiz.clock import GameClock
from bot.quiz.engine import (
    AskedQuestion,
    Award,
    EndReason,
    Outcome,
    PlayerScore,
    QuestionResult,
    QuizGame,
)
from bot.quiz.scores import GameRecord, ScoreBook
from bot.quiz.writeback import WriteBehind, backoff
from bot.store.health import is_transient
from cogs.quiz.buttons import AnswerButton, ReportButton, TypedAnswerButton
from cogs.utils.embeds import Field, build_embed
from cogs.utils.formatting import Limits, counted, join_limited, number, truncate
from cogs.utils.views import dynamic_view

if TYPE_CHECKING:
    from bot.client import DramaBot

log = logging.getLogger(__name__)

T = TypeVar("T")

REVEAL_PAUSE = 5.0  # game seconds between a reveal and the next question
RIGHT, WRONG, FAST = "✅", "❌", "⚡"


def player_name(name: str | None, user_id: int) -> str:
    """A name safe to show: markdown and mentions escaped; a mention (that pings nobody:
    the bot's allowed_mentions are none) when no name is known."""
    if not name:
        return f"<@{user_id}>"
    return escape_mentions(escape_markdown(truncate(name, 40)))


# --- the buttons --------------------------------------------------------------------------

def question_view(game_id: str, asked: AskedQuestion,
                  result: QuestionResult | None = None, *,
                  typed: bool = False) -> discord.ui.View:
    """Four buttons, or in a typed game one "Answer" button that opens a form. After the
    reveal the right choice is green and the rest grey (still pressable, so a late press
    is told the question is over), and a "Report" button follows on its own row."""
    view = dynamic_view()
    if typed:
        view.add_item(TypedAnswerButton(game_id, asked.index, style=(
            discord.ButtonStyle.secondary if result else discord.ButtonStyle.primary)))
    else:
        for choice, label in enumerate(asked.choices):
            style = discord.ButtonStyle.primary
            if result is not None:
                style = (discord.ButtonStyle.success if choice == asked.correct
                         else discord.ButtonStyle.secondary)
            view.add_item(AnswerButton(game_id, asked.index, choice, label=label, style=style))
    if result is not None:
        report = ReportButton(game_id, asked.index)
        report.row = 1
        view.add_item(report)
    return view


# --- the embeds ---------------------------------------------------------------------------

def question_embed(asked: AskedQuestion, total: int, seconds: int, title: str,
                   ends_at: float, *, typed: bool = False) -> discord.Embed:
    """The question as the embed's title (titles show no markdown, so nothing needs
    escaping), with a live countdown: Discord renders <t:…:R> as "in 12 seconds"."""
    how = (_("press **Answer** and type it: any spelling or Hangul that is clearly the "
             "answer counts") if typed else _("one answer each"))
    return build_embed(
        title=asked.question.prompt,
        description=_("Question {number} of {total} · ⏱️ time's up {when} ({seconds} s)"
                      ).format(number=asked.index + 1, total=total,
                               when=f"<t:{int(ends_at)}:R>", seconds=seconds),
        footer=f"{title} · {how} · " + _("faster right answers score more"))


def reveal_embed(result: QuestionResult, total: int, title: str,
                 names: dict[int, str], *, stopped: bool = False,
                 typed: bool = False) -> discord.Embed:
    """The answer (and, for typed answers, every form accepted), its sources, who was
    right (with their points in plain words) and who was fastest. A question nobody
    answered says so once; a stopped one says stopped, not time's up."""
    asked = result.asked
    ending = _("stopped") if stopped else _("time's up")
    lines = [_("Question {number} of {total}").format(number=asked.index + 1, total=total)
             + f" · {ending}",
             f"\n{RIGHT} " + _("Answer: {answer}").format(
                 answer=f"**{escape_markdown(asked.answer)}**")]
    also = [n for n in asked.question.right_names if n != asked.answer]
    if also and typed:
        lines.append(_("Also accepted: {names}").format(names=escape_markdown(", ".join(also))))
    fields = []
    if result.idle:
        lines.append(_("Nobody answered."))
    else:
        if result.fastest is not None:
            lines.append(f"{FAST} " + _("Fastest: {name}").format(
                name=player_name(names.get(result.fastest), result.fastest)))
            fields.append(Field(_("Right"), _award_lines(result, names)))
        else:
            lines.append(_("Nobody got it right."))
        wrong = _wrong_line(result, names)
        if wrong:
            fields.append(Field(_("Wrong"), wrong))
    sources = ", ".join(asked.question.sources) or _("the pack's sources")
    return build_embed(
        title=asked.question.prompt, description="\n".join(lines), fields=fields,
        footer=truncate(_("Source: {sources}").format(sources=sources) + f" · {title}",
                        Limits.FOOTER))


def award_text(award: Award) -> str:
    """Points in plain words: "+153: 100 right, 43 speed, 10 streak"."""
    parts = [_("{points} right").format(points=award.base)]
    if award.typed:
        parts.append(_("{points} typed").format(points=award.typed))
    parts.append(_("{points} speed").format(points=award.speed))
    if award.streak_bonus:
        parts.append(_("{points} streak").format(points=award.streak_bonus))
    return f"**+{award.total}**: {', '.join(parts)}"


def _award_lines(result: QuestionResult, names: dict[int, str]) -> str:
    items = [f"{player_name(names.get(a.user_id), a.user_id)} {award_text(a)}"
             for a in result.awards]
    return join_limited(items, Limits.FIELD_VALUE) or _("nobody")


def _wrong_line(result: QuestionResult, names: dict[int, str]) -> str:
    wrong = [player_name(names.get(a.user_id), a.user_id)
             + (f" ({escape_markdown(truncate(a.text, 40))})" if a.text else "")
             for a in result.answers if not a.correct]
    return join_limited(wrong, Limits.FIELD_VALUE, sep=", ")


def end_text(reason: EndReason, asked: int, stopped_by: str | None = None) -> str:
    """How the game ended and how many questions it asked, as one sentence."""
    count = counted(asked, "{count} question", "{count} questions")
    if reason is EndReason.FINISHED:
        return (_("All {questions} asked.").format(questions=count) if asked != 1
                else _("That was the only question."))
    if reason is EndReason.STOPPED:
        if stopped_by:
            text = (_("Stopped by {name} after {questions}.") if asked
                    else _("Stopped by {name} before the first question."))
        else:
            text = (_("The game was stopped after {questions}.") if asked
                    else _("The game was stopped before the first question."))
        return text.format(name=stopped_by, questions=count)
    return _("Nobody answered three questions in a row, so the game ended by itself after "
             "{questions}.").format(questions=count)


def final_embed(game: QuizGame, title: str, names: dict[int, str],
                stopped_by: str | None) -> discord.Embed:
    """The final scoreboard: rank, points, right answers, best streak; winners named."""
    reason = game.end_reason or EndReason.FINISHED
    asked = len(game.results)
    lines = [end_text(reason, asked, stopped_by)]
    table = game.standings()
    if table:
        lines.append("")
        lines += [_score_line(rank, p, asked, names) for rank, p in enumerate(table, 1)]
    else:
        lines.append(_("Nobody answered anything this time."))
    winners = game.winners()
    fields = []
    if winners:
        who = ", ".join(player_name(names.get(u), u) for u in winners)
        fields.append(Field("🏆 " + (_("Winners") if len(winners) > 1 else _("Winner")), who))
    return build_embed(title=_("Quiz over: {title}").format(title=title),
                       description=join_limited(lines, Limits.DESCRIPTION - 100),
                       fields=fields, footer=_("/quiz leaderboard shows the server's best"))


def _score_line(rank: int, player: PlayerScore, asked: int, names: dict[int, str]) -> str:
    """A player's line; right answers are counted over every question asked, so a
    question sat out counts against accuracy."""
    return f"**{rank}.** {player_name(names.get(player.user_id), player.user_id)}: " + _(
        "**{points}** pts · {correct}/{asked} right · best streak {streak}").format(
            points=number(player.points), correct=player.correct, asked=asked,
            streak=player.best_streak)


# --- the session --------------------------------------------------------------------------

POST_BUDGET = 30.0  # real seconds a question or a reveal may take to post, retries included
FINAL_BUDGETS = 10  # the final message may take ten budgets: the channel must learn the end
FLUSH_WAIT = 1.0  # real seconds the final message waits for the scores to be written
COUNTDOWN_SLACK = 1.0  # a question posted this much later than planned gets its countdown fixed
# Marked here, translated where the final message is written (in the server's language).
CANNOT_POST = N_("I could not post the next question here (Discord kept refusing), so the "
                 "quiz ends early. Points scored so far are kept.")
BROKEN = N_("Something went wrong on my side, so the quiz ends early. Points scored so far "
            "are kept, and the problem has been logged.")
UNSAVED = N_("The scores are not saved yet (my database is busy); they will be as soon as "
             "it is back.")


class CannotGoOn(Exception):
    """The game cannot continue; `text` tells the channel why."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def retryable(error: BaseException) -> bool:
    """A post worth trying again: Discord asked the bot to wait (429) or failed itself
    (5xx), or the connection broke. A refusal (403, 404, a bad body) will not change."""
    if isinstance(error, discord.RateLimited | discord.DiscordServerError):
        return True
    if isinstance(error, discord.HTTPException):
        return error.status == 429 or error.status >= 500
    return isinstance(error, aiohttp.ClientError | TimeoutError | OSError)


@dataclass
class QuizSession:
    """A game being played in one channel. `run()` is its only task; presses and stops
    come in through `press_text()` and `request_stop()` on the same event loop, so the
    engine is never used by two things at once.

    The game is played from memory: what each closed question changed goes to `writes`
    (a write-behind queue that retries until the store takes it), so a locked or full
    store never delays a reveal or loses an answer."""

    game_id: str
    game: QuizGame
    record: GameRecord
    channel: discord.abc.Messageable
    scores: ScoreBook
    clock: GameClock
    title: str
    on_end: Callable[[QuizSession], None]  # may be called twice: it must be idempotent
    names: dict[int, str] = field(default_factory=dict)
    message_ids: dict[int, int] = field(default_factory=dict)  # question index -> message
    stopped_by: str | None = None
    task: asyncio.Task[None] | None = None
    writes: WriteBehind = field(default_factory=lambda: WriteBehind(is_transient))
    post_budget: float = POST_BUDGET
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _recorded: set[int] = field(default_factory=set)

    @property
    def channel_id(self) -> int:
        return self.record.channel_id

    @property
    def starter_id(self) -> int:
        return self.record.starter_id

    def start(self, after: Callable[[], Awaitable[None]] | None = None) -> None:
        """Play in a task of its own; `after` is awaited first (the start announcement)."""
        self.task = asyncio.create_task(self.run(after), name=f"quiz-{self.game_id}")

    def request_stop(self, by: str) -> None:
        self.stopped_by = by
        self._stop.set()

    async def run(self, after: Callable[[], Awaitable[None]] | None = None) -> None:
        """Ask, wait, reveal, record; until the engine says the game is over, or the game
        cannot go on, which the final message then says."""
        trouble: str | None = None
        try:
            if after is not None:
                await after()
            while not self.game.finished and not self._stop.is_set():
                await self._play_one()
                if not self.game.finished:
                    await self._wait(self.clock.now() + REVEAL_PAUSE)
        except asyncio.CancelledError:
            self.on_end(self)
            raise  # the cog is unloading: it marks the game interrupted
        except CannotGoOn as error:
            trouble = error.text
        except Exception:
            log.exception("Quiz %s failed; ending it", self.game_id)
            trouble = BROKEN
        try:
            self._end_now()
            await self._finish(trouble)
        except Exception:
            log.exception("Quiz %s failed while ending", self.game_id)
        finally:
            self.on_end(self)

    async def _play_one(self) -> None:
        asked = self.game.ask()
        message = await self._post_question(asked)
        self.message_ids[asked.index] = message.id
        await self._wait(self.game.current.deadline if self.game.current else 0.0)
        result = self.game.close()  # a stop still reveals and scores the open question
        if self._stop.is_set():
            self.game.stop()
        self._record(result)  # queued: the reveal never waits for the store
        await self._reveal(message, asked, result)

    async def _post_question(self, asked: AskedQuestion) -> discord.Message:
        """Post the question, retrying within POST_BUDGET, then start its time: players
        get every second of it however long the post took. A countdown that the delay made
        wrong is fixed by an edit."""
        planned = time.time() + self.record.seconds * _scale(self.clock)

        def embed(ends_at: float) -> discord.Embed:
            return question_embed(asked, self.game.total, self.record.seconds, self.title,
                                  ends_at, typed=self.game.typed)

        view = question_view(self.game_id, asked, typed=self.game.typed)
        try:
            message = await self._post(
                "question", lambda: self.channel.send(embed=embed(planned), view=view),
                self.post_budget)
        except Exception as error:
            log.warning("Quiz %s: question %d could not be posted (%s); ending the game",
                        self.game_id, asked.index + 1, _one_line(error))
            raise CannotGoOn(CANNOT_POST) from error
        self.game.start_timer()
        ends_at = time.time() + self.record.seconds * _scale(self.clock)
        if ends_at - planned > COUNTDOWN_SLACK:
            with contextlib.suppress(Exception):  # only the countdown's text is at stake
                await self._post("countdown", lambda: message.edit(embed=embed(ends_at)),
                                 self.post_budget / 3)
        return message

    async def _reveal(self, message: discord.Message, asked: AskedQuestion,
                      result: QuestionResult) -> None:
        """Edit the question into its answer; the game goes on if Discord will not."""
        embed = reveal_embed(result, self.game.total, self.title, self.names,
                             stopped=self._stop.is_set(), typed=self.game.typed)
        view = question_view(self.game_id, asked, result, typed=self.game.typed)
        try:
            await self._post("reveal", lambda: message.edit(embed=embed, view=view),
                             self.post_budget)
        except discord.NotFound:
            pass  # a moderator deleted the question
        except Exception as error:
            log.warning("Quiz %s: the answer to question %d could not be shown (%s)",
                        self.game_id, asked.index + 1, _one_line(error))

    async def _post(self, what: str, send: Callable[[], Awaitable[T]], budget: float) -> T:
        """`send()`, retried with backoff while Discord asks to wait or fails, for up to
        `budget` seconds (discord.py itself already waits out each 429 a few times)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget
        attempt = 0
        while True:
            try:
                return await asyncio.wait_for(send(), max(deadline - loop.time(), 0.1))
            except Exception as error:
                delay = backoff(attempt, first=min(0.5, budget / 20), most=min(5.0, budget / 10))
                if not retryable(error) or loop.time() + delay >= deadline:
                    raise
                if attempt == 0:
                    log.warning("Quiz %s: posting the %s failed (%s); retrying for up to "
                                "%.0f s", self.game_id, what, _one_line(error), budget)
            await asyncio.sleep(delay)
            attempt += 1

    def _record(self, result: QuestionResult) -> None:
        """Queue what a closed question changed (once), with the totals as they are now."""
        index = result.asked.index
        if index in self._recorded:
            return
        self._recorded.add(index)
        totals = {user: dataclasses.replace(p) for user, p in self.game.scores.items()}
        names = dict(self.names)
        self.writes.submit(
            f"question {index + 1} of quiz {self.game_id}",
            lambda: self.scores.record_question(self.game_id, self.record.guild_id,
                                                self.channel_id, result, totals, names))

    def _end_now(self) -> None:
        """End the game where it is: an open question is closed, scored and recorded,
        or withdrawn if it was never posted."""
        current = self.game.current
        if current is not None and current.index not in self.message_ids:
            self.game.withdraw()
        result = self.game.stop() if not self.game.finished else None
        if result is not None:
            self._record(result)

    async def _wait(self, until: float) -> None:
        """Sleep on the game clock until `until`, or until a stop is requested."""
        sleeper = asyncio.ensure_future(self.clock.sleep_until(until))
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopper):
                task.cancel()

    async def _finish(self, trouble: str | None = None) -> None:
        """Mark the game ended and post the final scoreboard, with why it ended early and
        whether the scores are still waiting for the store."""
        reason = self.game.end_reason or EndReason.STOPPED
        winners = self.game.winners()
        self.writes.submit(f"end of quiz {self.game_id}",
                           lambda: self.scores.finish_game(self.game_id, reason, winners))
        notes = [_(trouble)] if trouble else []
        if not await self.writes.flush(FLUSH_WAIT):
            notes.append(_(UNSAVED))
        embed = final_embed(self.game, self.title, self.names, self.stopped_by)
        content = "\n".join(notes) or None
        self.on_end(self)  # the channel is free once the game is over, not once it is said
        try:
            await self._post("final scores", lambda: self.channel.send(content=content,
                                                                        embed=embed),
                             self.post_budget * FINAL_BUDGETS)
        except Exception as error:
            if not (retryable(error) or isinstance(error, discord.HTTPException)):
                raise
            log.warning("Quiz %s: the final scores could not be posted (%s)", self.game_id,
                        _one_line(error))

    # -- presses ----------------------------------------------------------------------------

    def press_text(self, interaction: discord.Interaction[DramaBot], index: int,
                   choice: int) -> str:
        """Record a press and say privately what became of it."""
        refused = self._on_message(interaction, index)
        if refused is not None:
            return refused
        outcome = self.game.answer(interaction.user.id, index, choice)
        if outcome is Outcome.ACCEPTED:
            self.names[interaction.user.id] = interaction.user.display_name
            label = self.game.current.choices[choice] if self.game.current else "?"
            return _("Your answer: {answer}. Wait for the reveal!").format(
                answer=f"**{escape_markdown(label)}**")
        return _(PRESS_TEXT[outcome])

    def _on_message(self, interaction: discord.Interaction[DramaBot], index: int) -> str | None:
        """None when the interaction comes from this game's message for question `index`
        in its own channel and server; else what to say."""
        message = interaction.message
        elsewhere = (interaction.guild_id != self.record.guild_id
                     or interaction.channel_id != self.channel_id)
        if elsewhere or message is None or self.message_ids.get(index) != message.id:
            if index in self.message_ids and index < len(self.game.results):
                return _("That question is over.")
            return _("That button is not part of this quiz.")
        return None

    def typed_refusal(self, interaction: discord.Interaction[DramaBot], index: int
                      ) -> str | None:
        """Why the Answer button may not open its form now (None: it may)."""
        refusal = self._on_message(interaction, index)
        if refusal is not None:
            return refusal
        outcome = self.game.would_take(interaction.user.id, index)
        return None if outcome is Outcome.ACCEPTED else _(PRESS_TEXT[outcome])

    def submit_text(self, interaction: discord.Interaction[DramaBot], index: int,
                    text: str) -> str:
        """Record a typed answer (the form was opened from this game's message, so the
        deadline is the only thing left to check) and say privately what became of it."""
        outcome = self.game.answer_text(interaction.user.id, index, text)
        if outcome is Outcome.ACCEPTED:
            self.names[interaction.user.id] = interaction.user.display_name
            return _("Your answer: {answer}. Wait for the reveal!").format(
                answer=f"**{escape_markdown(truncate(text.strip(), 100))}**")
        return _(PRESS_TEXT[outcome])


PRESS_TEXT = {
    Outcome.ALREADY_ANSWERED: N_("You already answered this question: one answer per "
                                 "question."),
    Outcome.LATE: N_("Too late: time is up for this question."),
    Outcome.QUESTION_OVER: N_("That question is over."),
    Outcome.GAME_OVER: N_("This quiz is over."),
    Outcome.INVALID: N_("That button is not part of this quiz."),
}


def _one_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return text or type(error).__name__


def _scale(clock: GameClock) -> float:
    """Real seconds per game second (the countdown shown is real time)."""
    return float(getattr(clock, "scale", 1.0))

