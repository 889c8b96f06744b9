"""The quiz's buttons, one class per action: answer a question, stop the game, start a
game on a did-you-mean choice. Each carries its whole state in its custom_id and hands
the press to the running `QuizCog`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Self, cast

import discord

from cogs.quiz.options import QUESTIONS, SECONDS
from cogs.utils.checks import run_checks
from cogs.utils.errors import Unanswerable
from cogs.utils.replies import Reply, private
from cogs.utils.views import KEY, BotButton, label_of

if TYPE_CHECKING:
    from bot.client import DramaBot
    from cogs.quiz.cog import QuizCog

GAME = r"[0-9a-f]{6,32}"


def quiz_cog(interaction: discord.Interaction[DramaBot]) -> QuizCog:
    cog = interaction.client.get_cog("Quiz")
    if cog is None:
        raise Unanswerable("The quiz is not available right now.")
    return cast("QuizCog", cog)


class AnswerButton(
    BotButton,
    template=rf"quiz:(?P<game>{GAME}):(?P<question>[0-9]{{1,2}}):(?P<choice>[0-9])",
):
    """One choice of one question of one game; answered privately, whatever it was."""

    def __init__(self, game_id: str, question: int, choice: int, *, label: str,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(f"quiz:{game_id}:{question}:{choice}", label, style=style)
        self.game_id, self.question, self.choice = game_id, question, choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(match["game"], int(match["question"]), int(match["choice"]),
                   label=label_of(item))

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        text = await quiz_cog(interaction).press(interaction, self.game_id, self.question,
                                                 self.choice)
        return private(text)


class StopButton(BotButton, template=rf"quiz:stop:(?P<game>{GAME})"):
    """Stops its game; the same right as `/quiz stop` (the starter, or Manage Server)."""

    def __init__(self, game_id: str, *, label: str = "Stop the quiz") -> None:
        super().__init__(f"quiz:stop:{game_id}", label, style=discord.ButtonStyle.danger)
        self.game_id = game_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(match["game"], label=label_of(item))

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        return await quiz_cog(interaction).stop_game(interaction, self.game_id)


class StartButton(
    BotButton,
    template=(rf"quiz:start:(?P<slug>{KEY}):(?P<questions>[0-9]{{1,2}}):"
              r"(?P<seconds>[0-9]{1,2})(?::(?P<up_to>[0-9]{1,5}))?"),
):
    """A did-you-mean choice of /quiz start: the same game, on the chosen drama."""

    def __init__(self, slug: str, questions: int, seconds: int, up_to: int | None, *,
                 label: str) -> None:
        custom_id = f"quiz:start:{slug}:{questions}:{seconds}"
        if up_to is not None:
            custom_id += f":{up_to}"
        super().__init__(custom_id, label, style=discord.ButtonStyle.primary)
        self.slug, self.questions, self.seconds, self.up_to = slug, questions, seconds, up_to

    @classmethod
    def choice(cls, interaction: discord.Interaction[DramaBot], slug: str, label: str) -> Self:
        options = interaction.namespace
        return cls(slug, options.questions or QUESTIONS.default,
                   options.seconds or SECONDS.default, options.up_to_episode, label=label)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        up_to = int(match["up_to"]) if match["up_to"] else None
        return cls(match["slug"], int(match["questions"]), int(match["seconds"]), up_to,
                   label=label_of(item))

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        cog = quiz_cog(interaction)
        await run_checks(cog.start, interaction)  # the command's cooldowns count here too
        return await cog.start_reply(
            interaction, self.slug, self.questions, self.seconds, self.up_to)
