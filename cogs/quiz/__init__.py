"""/quiz: a K-drama quiz generated from the fact store, played with buttons.

The cog is `cogs.quiz.cog`, one game is `cogs.quiz.session`, its buttons are
`cogs.quiz.buttons`, its forms `cogs.quiz.forms`; the rules of the game are `bot.quiz`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.quiz.buttons import (
    AnswerButton,
    DismissReportButton,
    HideReportButton,
    ReportButton,
    StartButton,
    StopButton,
    TypedAnswerButton,
)
from cogs.quiz.cog import QuizCog

if TYPE_CHECKING:
    from bot.client import DramaBot


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog and the quiz's buttons."""
    await bot.add_cog(QuizCog(bot))
    bot.add_dynamic_items(AnswerButton, StopButton, StartButton, TypedAnswerButton,
                          ReportButton, HideReportButton, DismissReportButton)
