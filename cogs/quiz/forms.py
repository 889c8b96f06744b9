"""The quiz's forms (`discord.ui.Modal`): a typed game's answer, and a question report.
Each hands the submission to the running `QuizCog`, which answers privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.i18n import _
from bot.quiz.matching import MAX_TYPED
from bot.quiz.reports import REASON_MAX
from cogs.quiz.buttons import quiz_cog
from cogs.utils.replies import Reply
from cogs.utils.views import BotModal

if TYPE_CHECKING:
    from bot.client import DramaBot


class AnswerForm(BotModal):
    """One text field; matched forgivingly when submitted (`bot.quiz.matching`). Built
    per press, in the presser's language."""

    def __init__(self, game_id: str, question: int) -> None:
        super().__init__(title=_("Your answer"),
                         custom_id=f"quiz:answer-form:{game_id}:{question}")
        self.text: discord.ui.TextInput[AnswerForm] = discord.ui.TextInput(
            label=_("Your answer"), custom_id="answer", max_length=MAX_TYPED,
            placeholder=_("Spelling, spacing and Hangul are forgiven"))
        self.add_item(self.text)
        self.game_id, self.question = game_id, question

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        return await quiz_cog(interaction).submit_typed(
            interaction, self.game_id, self.question, self.text.value)


class ReportForm(BotModal):
    """What is wrong with a question, in the player's words."""

    def __init__(self, game_id: str, question: int) -> None:
        super().__init__(title=_("Report this question"),
                         custom_id=f"quiz:report-form:{game_id}:{question}")
        self.reason: discord.ui.TextInput[ReportForm] = discord.ui.TextInput(
            label=_("What is wrong?"), custom_id="reason", style=discord.TextStyle.paragraph,
            min_length=3, max_length=REASON_MAX,
            placeholder=_("A wrong answer, an unfair choice, a source that says otherwise..."))
        self.add_item(self.reason)
        self.game_id, self.question = game_id, question

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        return await quiz_cog(interaction).submit_report(
            interaction, self.game_id, self.question, self.reason.value)
