"""The quiz's buttons, one class per action: answer a question, stop the game, start a
game on a did-you-mean choice. Each carries its whole state in its custom_id and hands
the press to the running `QuizCog`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

import discord

from bot.i18n import N_, _
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
        raise Unanswerable(_("The quiz is not available right now."))
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

    def __init__(self, game_id: str, *, label: str | None = None) -> None:
        super().__init__(f"quiz:stop:{game_id}", label or _("Stop the quiz"),
                         style=discord.ButtonStyle.danger)
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


class QuestionButton(BotButton, template=r"(?!)"):
    """A button about one question of one game, `quiz:<action>:<game id>:<question>`:
    subclasses give the `action`, a `default_label` and an `answer`."""

    action: ClassVar[str]
    default_label: ClassVar[str]
    default_style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init_subclass__(cls, *, action: str, **kwargs: Any) -> None:
        super().__init_subclass__(
            template=rf"quiz:{action}:(?P<game>{GAME}):(?P<question>[0-9]{{1,2}})", **kwargs)
        cls.action = action

    def __init__(self, game_id: str, question: int, *, label: str | None = None,
                 style: discord.ButtonStyle | None = None) -> None:
        super().__init__(f"quiz:{self.action}:{game_id}:{question}",
                         label or _(self.default_label), style=style or self.default_style)
        self.game_id, self.question = game_id, question

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(match["game"], int(match["question"]), label=label_of(item))


class TypedAnswerButton(QuestionButton, action="type"):
    """A typed game's "Answer": opens the answer form, or says privately why not."""

    default_label = N_("Answer")
    default_style = discord.ButtonStyle.primary

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply | None:
        return await quiz_cog(interaction).typed_form(interaction, self.game_id, self.question)


class ReportButton(QuestionButton, action="report"):
    """On every revealed question: opens the form to say what is wrong with it."""

    default_label = N_("Report")

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply | None:
        return await quiz_cog(interaction).report_form(interaction, self.game_id, self.question)


REPORT = r"[0-9a-f]{8}"


class ReportDecisionButton(BotButton, template=r"(?!)"):
    """/quiz reports: decide one report, `quiz:reports:<decision>:<report id>` (Manage
    Server); the list is redrawn in place. Subclasses give the decision and the status
    it leaves the report in."""

    edits_message = True
    status: ClassVar[str]
    default_style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init_subclass__(cls, *, decision: str, status: str, **kwargs: Any) -> None:
        super().__init_subclass__(
            template=rf"quiz:reports:{decision}:(?P<report>{REPORT})", **kwargs)
        cls.decision, cls.status = decision, status

    decision: ClassVar[str]

    def __init__(self, report_id: str, *, label: str) -> None:
        super().__init__(f"quiz:reports:{self.decision}:{report_id}", label,
                         style=self.default_style)
        self.report_id = report_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(match["report"], label=label_of(item))

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        return await quiz_cog(interaction).resolve_report(interaction, self.report_id,
                                                          self.status)


class HideReportButton(ReportDecisionButton, decision="hide", status="hidden"):
    """Hide the reported question's fact in this server."""

    default_style = discord.ButtonStyle.danger


class DismissReportButton(ReportDecisionButton, decision="dismiss", status="dismissed"):
    """Dismiss the report; the question stays."""
