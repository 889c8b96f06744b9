"""The ranges of /quiz start's options, each written once: a range feeds the option's
`app_commands.Range`, its description and the check made again when the game starts
(Discord's client enforces the Range, but other clients and old command definitions may
not)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _
from cogs.utils.errors import Unanswerable


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int
    default: int

    def check(self, option: str, value: int) -> None:
        if not self.low <= value <= self.high:
            raise Unanswerable(_("`{option}` must be between {low} and {high} (you asked "
                                 "for {value}).").format(option=_(option), low=self.low,
                                                         high=self.high, value=value))


QUESTIONS = Bounds(1, 50, 10)
SECONDS = Bounds(10, 60, 20)
FIRST_EPISODE, LAST_EPISODE = 1, 10_000


def check_options(questions: int, seconds: int, up_to_episode: int | None) -> None:
    QUESTIONS.check("questions", questions)
    SECONDS.check("seconds", seconds)
    if up_to_episode is not None and up_to_episode < FIRST_EPISODE:
        raise Unanswerable(_("`{option}` must be {low} or more: the last episode you have "
                             "seen, so nothing after it is asked.").format(
                                 option=_("up_to_episode"), low=FIRST_EPISODE))
