"""The quiz end to end: the real bot against the offline Discord, INTERACTION_CREATE in,
callbacks and channel messages out.

The bot is started the way conftest's `dramabot` fixture starts it (load_settings,
create_bot, serve), but here the test keeps the bot object: it gives the quiz a
`ManualClock` (so a whole game plays instantly, with exact speed bonuses), and the restart
test stops and starts a second bot on the same data folder.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import re
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.client import DramaBot
from bot.config import REPO_ROOT
from bot.i18n import speaking
from bot.offline import OfflineDiscord, Reply, UsageError
from bot.offline.world import SEND_MESSAGES, Overwrite
from bot.quiz.clock import ManualClock
from bot.quiz.engine import EndReason
from bot.quiz.questions import Question, generate, load_material
from cogs.quiz.cog import _announced
from cogs.quiz.session import REVEAL_PAUSE, end_text
from cogs.utils.replies import EXPIRED as EXPIRED_BUTTON
from cogs.utils.replies import THINKING
from tests.support import run_dramabot
from tests.test_quiz_questions import ALPHA, other_pack

PACKS_DIR = REPO_ROOT / "data" / "packs"
SECONDS = 20
OVER = "That question is over."
LATE = "Too late: time is up for this question."


# -- starting the bot ----------------------------------------------------------------------

@asynccontextmanager
async def run_bot(discord: OfflineDiscord, data_dir: Path, packs: Path = PACKS_DIR
                  ) -> AsyncIterator[tuple[DramaBot, ManualClock]]:
    """One bot process's life, as conftest's `dramabot` runs it, with a manual quiz clock."""
    clock = ManualClock()
    async with run_dramabot(discord, data_dir, packs, quiz_clock=clock) as bot:
        yield bot, clock


@pytest.fixture
async def quizbot(offline_discord: OfflineDiscord, data_dir: Path
                  ) -> AsyncIterator[Quiz]:
    async with run_bot(offline_discord, data_dir) as (bot, clock):
        yield Quiz(offline_discord, bot, clock)


# -- playing -------------------------------------------------------------------------------

async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until `predicate` holds (the bot works in its own tasks)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.005)


def is_revealed(reply: Reply) -> bool:
    return bool(reply.embeds) and "Answer: **" in reply.embed.get("description", "")


def is_question(reply: Reply) -> bool:
    return bool(reply.embeds) and bool(reply.buttons) and not is_revealed(reply)


def is_final(reply: Reply) -> bool:
    return bool(reply.embeds) and reply.embed.get("title", "").startswith("Quiz over")


@dataclass
class Quiz:
    """Drives the bot's quiz like players would, and knows every right answer (read
    from the same fact store, by question prompt)."""

    discord: OfflineDiscord
    bot: DramaBot
    clock: ManualClock
    seen: set[int] = field(default_factory=set)
    answers: dict[str, str] = field(default_factory=dict)
    learned: dict[str, Question] = field(default_factory=dict)  # by prompt
    elapsed: dict[int, float] = field(default_factory=dict)  # per question message
    language: str | None = None  # the server's, which the prompts are worded in

    async def learn(self, slug: str) -> None:
        material = await load_material(self.bot.facts, slug, seed=0)
        assert material is not None
        with speaking(self.language):
            for up_to in (None, *range(1, 20)):
                for q in generate(material, random.Random(0), up_to_episode=up_to):
                    self.answers[q.prompt] = q.answer
                    self.learned.setdefault(q.prompt, q)

    def fact(self, question: Reply) -> str:
        """The fact a posted question asks (its prompt names one)."""
        return self.learned[question.embed["title"]].fact

    async def start(self, text: str, *, user: str = "fan1", channel: str = "quiz",
                    slug: str = "soundtrack1") -> Reply:
        await self.learn(slug)
        reply = await self.discord.invoke(text, user=user, channel=channel)
        assert not reply.ephemeral, reply.text
        return reply

    async def next_message(self, channel: str, predicate: Callable[[Reply], bool]) -> Reply:
        """The bot's next not yet seen message in `channel` that matches."""
        found: list[Reply] = []

        def arrived() -> bool:
            for message in self.discord.messages(channel):
                if message.message_id not in self.seen and predicate(message):
                    self.seen.add(message.message_id)
                    found.append(message)
                    return True
            return False

        await until(arrived)
        return found[0]

    async def question(self, channel: str = "quiz") -> Reply:
        """The next question, once the bot is waiting for its deadline."""
        reply = await self.next_message(channel, is_question)
        await until(lambda: self.clock.sleepers > 0)
        self.elapsed[reply.message_id] = 0.0
        return reply

    def right(self, question: Reply) -> int:
        answer = self.answers[question.embed["title"]]
        return next(b.number for b in question.buttons if b.label == answer)

    def wrong(self, question: Reply) -> int:
        return next(b.number for b in question.buttons if b.number != self.right(question))

    async def press(self, question: Reply, button: int, user: str, *, at: float | None = None
                    ) -> str:
        """Press at `at` seconds into the question (the clock moves there first); returns
        the private answer's text."""
        if at is not None:
            self.advance(question, at)
        reply = await self.discord.click(question.message_id, button, user=user)
        assert reply.ephemeral, reply.text
        return reply.content

    def advance(self, question: Reply, at: float) -> None:
        now = self.elapsed[question.message_id]
        assert at >= now
        self.clock.advance(at - now)
        self.elapsed[question.message_id] = at

    async def time_up(self, question: Reply) -> Reply:
        """Let the question's time run out; returns the revealed message."""
        self.advance(question, max(SECONDS + 0.01, self.elapsed[question.message_id]))
        await until(lambda: is_revealed(question.latest()))
        return question.latest()

    async def pause(self) -> None:
        """Let the pause after a reveal pass."""
        await until(lambda: self.clock.sleepers > 0)
        self.clock.advance(REVEAL_PAUSE)

    async def final(self, channel: str = "quiz") -> Reply:
        return await self.next_message(channel, is_final)


def answer_body(reply: Reply) -> dict[str, Any]:
    """The payload that answered: the callback's message, or, after a deferral, the edit
    or follow-up that replaced the "thinking..." placeholder."""
    assert reply.interaction is not None
    kind, body = reply.interaction.bodies[-1]
    return dict(body["data"] if kind == "callback" else body)


def steps(reply: Reply) -> list[str]:
    """What the bot sent for the interaction, in order: "callback 4" (a message), "callback
    5" (deferred: "thinking..."), "edit", "followup"."""
    assert reply.interaction is not None
    return [f"callback {body['type']}" if kind == "callback" else kind
            for kind, body in reply.interaction.bodies]


def original_deleted(reply: Reply) -> bool:
    """The interaction's original response (the "thinking..." placeholder) is gone."""
    assert reply.interaction is not None
    original = reply.interaction.response_message_id
    assert original is not None
    return reply.discord.server.messages.get(original) is None


def board_lines(reply: Reply) -> list[str]:
    return [line for line in reply.embed["description"].splitlines() if line.startswith("**")]


def field_value(reply: Reply, name: str) -> str:
    return next(f["value"] for f in reply.embed["fields"] if f["name"].endswith(name))


# -- a whole game --------------------------------------------------------------------------

async def test_whole_game_with_three_players_and_an_admin(quizbot: Quiz) -> None:
    quiz = quizbot
    start = await quiz.start(f"/quiz start questions:3 seconds:{SECONDS}")
    assert "Soundtrack #1" in start.content and "3 questions" in start.content
    assert answer_body(start)["allowed_mentions"] == {"parse": []}

    # Question 1: fan1 right at 2 s (100 + 45), admin right at 4 s (100 + 40), fan2 wrong
    # then presses again, fan3 too late.
    q1 = await quiz.question()
    assert q1.embed["description"].startswith("Question 1 of 3")
    assert re.search(r"<t:\d+:R> \(20 s\)", q1.embed["description"])
    assert len(q1.buttons) == 4
    assert (await quiz.press(q1, quiz.right(q1), "fan1", at=2)).startswith("Your answer")
    assert (await quiz.press(q1, quiz.wrong(q1), "fan2", at=3)).startswith("Your answer")
    assert "already answered" in await quiz.press(q1, quiz.right(q1), "fan2")
    assert (await quiz.press(q1, quiz.right(q1), "admin", at=4)).startswith("Your answer")
    revealed = await quiz.time_up(q1)
    assert await quiz.press(q1, quiz.right(q1), "fan3") in (LATE, OVER)
    text = revealed.embed["description"]
    assert quiz.answers[q1.embed["title"]] in text and "Fastest: Fan1" in text
    assert field_value(revealed, "Right").splitlines() == [
        "Fan1 **+145**: 100 right, 45 speed", "Admin **+140**: 100 right, 40 speed"]
    assert field_value(revealed, "Wrong") == "Fan2"
    assert revealed.embed["footer"]["text"].startswith("Source: ")
    await quiz.pause()

    # Question 2: fan1 right at 2 s (streak 2: 100 + 45 + 10), fan2 right at 10 s
    # (100 + 25), admin wrong.
    q2 = await quiz.question()
    await quiz.press(q2, quiz.right(q2), "fan1", at=2)
    await quiz.press(q2, quiz.right(q2), "fan2", at=10)
    await quiz.press(q2, quiz.wrong(q2), "admin", at=10)
    revealed = await quiz.time_up(q2)
    assert field_value(revealed, "Right").splitlines() == [
        "Fan1 **+155**: 100 right, 45 speed, 10 streak", "Fan2 **+125**: 100 right, 25 speed"]
    assert await quiz.press(q1, 1, "fan3") == OVER  # an old question's button
    await quiz.pause()

    # Question 3: fan3 right at once (100 + 50), fan1 wrong.
    q3 = await quiz.question()
    await quiz.press(q3, quiz.right(q3), "fan3", at=0)
    await quiz.press(q3, quiz.wrong(q3), "fan1", at=1)
    await quiz.time_up(q3)

    final = await quiz.final()
    assert final.embed["description"].startswith("All 3 questions asked.\n")
    assert board_lines(final) == [
        "**1.** Fan1: **300** pts · 2/3 right · best streak 2",
        "**2.** Fan3: **150** pts · 1/3 right · best streak 1",  # over the questions asked
        "**3.** Admin: **140** pts · 1/3 right · best streak 1",
        "**4.** Fan2: **125** pts · 1/3 right · best streak 1",
    ]
    assert field_value(final, "Winner") == "Fan1"
    assert "This quiz is over" in await quiz.press(q3, 1, "fan2")

    board = await quiz.discord.invoke("/quiz leaderboard", user="fan2", channel="general")
    assert [line.split(":")[0] for line in board.embed["description"].splitlines()] == [
        "**1.** Fan1", "**2.** Fan3", "**3.** Admin", "**4.** Fan2"]
    assert "**300** pts · 2/3 right · 1 game · 1 win" in board.embed["description"]
    assert board.body["data"]["allowed_mentions"] == {"parse": []}
    stats = await quiz.discord.invoke("/quiz stats member:fan1", user="fan2", channel="general")
    values = {f["name"]: f["value"] for f in stats.embed["fields"]}
    assert values == {"Points": "300", "Rank": "#1", "Games": "1 (1 win)",
                      "Right answers": "2 of 3", "Accuracy": "67%", "Best streak": "2"}
    mine = await quiz.discord.invoke("/quiz stats", user="fan2", channel="general")
    assert {f["name"]: f["value"] for f in mine.embed["fields"]}["Points"] == "125"
    nobody = await quiz.discord.invoke("/quiz stats member:owner", user="fan2")
    assert nobody.ephemeral and "has not answered" in nobody.content


async def test_the_next_game_asks_other_questions(quizbot: Quiz) -> None:
    prompts: list[set[str]] = []
    for _ in range(2):
        await quizbot.start("/quiz start questions:3")
        asked = set()
        for index in range(3):
            question = await quizbot.question()
            asked.add(question.embed["title"])
            await quizbot.press(question, quizbot.right(question), "fan1")
            await quizbot.time_up(question)
            if index < 2:
                await quizbot.pause()
        await quizbot.final()
        prompts.append(asked)
    assert len(prompts[0]) == 3 and not prompts[0] & prompts[1]


# -- several channels, one game each -------------------------------------------------------

async def test_two_games_in_two_channels_at_once(quizbot: Quiz) -> None:
    quiz = quizbot
    await quiz.start("/quiz start questions:1", user="fan1", channel="quiz")
    await quiz.start("/quiz start questions:1", user="fan2", channel="quiz-2")
    busy = await quiz.discord.invoke("/quiz start", user="fan3", channel="quiz")
    assert busy.ephemeral
    assert "already running" in busy.content and "/quiz stop" in busy.content
    assert re.search(r"started by <@\d+>", busy.content)
    assert busy.body["data"]["allowed_mentions"] == {"parse": []}
    first = await quiz.next_message("quiz", is_question)
    second = await quiz.next_message("quiz-2", is_question)
    quiz.elapsed[first.message_id] = quiz.elapsed[second.message_id] = 0.0
    await quiz.press(first, quiz.right(first), "fan1")
    await quiz.press(second, quiz.right(second), "fan3")
    await quiz.press(second, quiz.wrong(second), "fan1")
    quiz.clock.advance(SECONDS + 1)
    await until(lambda: is_revealed(first.latest()) and is_revealed(second.latest()))
    assert field_value(first.latest(), "Right").startswith("Fan1 **+150**")
    assert field_value(second.latest(), "Right").startswith("Fan3 **+150**")
    assert field_value(second.latest(), "Wrong") == "Fan1"
    finals = [await quiz.final("quiz"), await quiz.final("quiz-2")]
    assert [board_lines(f)[0].split(":")[0] for f in finals] == ["**1.** Fan1", "**1.** Fan3"]


async def test_games_in_two_servers_have_separate_boards(quizbot: Quiz) -> None:
    quiz = quizbot
    await quiz.start("/quiz start questions:1", user="fan1")
    question = await quiz.question()
    await quiz.press(question, quiz.right(question), "fan1")
    await quiz.time_up(question)
    final = await quiz.final()
    assert final.embed["description"].startswith("That was the only question.\n")
    lounge = await quiz.discord.invoke("/quiz leaderboard", user="fan2",
                                       guild="Drama Lounge")
    assert "No scores yet" in lounge.embed["description"]
    everywhere = await quiz.discord.invoke("/quiz leaderboard scope:global period:week",
                                           user="fan2", guild="Drama Lounge")
    assert "Fan1: **150** pts" in everywhere.embed["description"]
    assert "all servers, the last 7 days" in everywhere.embed["title"]


# -- stopping ------------------------------------------------------------------------------

def test_end_text_says_how_and_how_many_once() -> None:
    assert end_text(EndReason.FINISHED, 10) == "All 10 questions asked."
    assert end_text(EndReason.FINISHED, 1) == "That was the only question."
    assert end_text(EndReason.STOPPED, 2, "Admin") == "Stopped by Admin after 2 questions."
    assert end_text(EndReason.STOPPED, 1) == "The game was stopped after 1 question."
    assert end_text(EndReason.STOPPED, 0, "Fan3") == "Stopped by Fan3 before the first question."
    assert end_text(EndReason.IDLE, 5) == (
        "Nobody answered three questions in a row, so the game ended by itself after "
        "5 questions.")

async def test_stop_needs_the_starter_or_manage_server(quizbot: Quiz) -> None:
    quiz = quizbot
    nothing = await quiz.discord.invoke("/quiz stop", user="fan1", channel="quiz")
    assert nothing.ephemeral and "No quiz is running" in nothing.content
    await quiz.start("/quiz start questions:5", user="fan1")
    question = await quiz.question()
    await quiz.press(question, quiz.right(question), "fan2", at=1)
    refused = await quiz.discord.invoke("/quiz stop", user="fan2", channel="quiz")
    assert refused.ephemeral and "Manage Server" in refused.content
    assert "who started this quiz" in refused.content
    stopped = await quiz.discord.invoke("/quiz stop", user="admin", channel="quiz")
    assert not stopped.ephemeral and "Admin stopped the quiz" in stopped.content
    await until(lambda: is_revealed(question.latest()))  # the open question still counts
    assert field_value(question.latest(), "Right").startswith("Fan2 **+148**")
    final = await quiz.final()
    assert final.embed["description"].startswith("Stopped by Admin after 1 question.\n")
    assert board_lines(final) == ["**1.** Fan2: **148** pts · 1/1 right · best streak 1"]
    assert question.latest().embed["description"].startswith("Question 1 of 5 · stopped\n")
    # The starter may stop their own game, between two questions too.
    await quiz.start("/quiz start questions:5", user="fan3")
    question = await quiz.question()
    await quiz.time_up(question)
    await quiz.discord.invoke("/quiz stop", user="fan3", channel="quiz")
    final = await quiz.final()
    assert "Stopped by Fan3" in final.embed["description"]
    assert "Nobody answered anything" in final.embed["description"]


async def test_three_unanswered_questions_end_the_game(quizbot: Quiz) -> None:
    quiz = quizbot
    await quiz.start("/quiz start questions:10")
    for index in range(3):
        question = await quiz.question()
        revealed = await quiz.time_up(question)
        assert "Nobody answered." in revealed.embed["description"]
        assert not revealed.embed.get("fields")  # said once: no "Right: nobody" beside it
        if index < 2:
            await quiz.pause()
    final = await quiz.final()
    assert "Nobody answered three questions in a row" in final.embed["description"]
    assert "ended by itself after 3 questions." in final.embed["description"]
    questions = [m for m in quiz.discord.messages("quiz") if m.embeds and m.buttons]
    assert len(questions) == 3
    again = await quiz.start("/quiz start questions:1")  # the channel is free again
    assert "started a quiz" in again.content


# -- answering within Discord's 3 seconds --------------------------------------------------

async def test_a_first_start_defers_then_the_announcement_fills_the_placeholder(
        quizbot: Quiz) -> None:
    start = await quizbot.start("/quiz start questions:1")
    assert steps(start) == ["callback 5", "edit"]  # "thinking..." while reading the store
    assert start.interaction is not None
    assert start.message_id == start.interaction.response_message_id
    assert "started a quiz on **Soundtrack #1**" in start.content and not start.ephemeral
    assert "thinking" not in start.text
    question = await quizbot.question()
    assert start.raw is not None and question.raw is not None
    filled = dt.datetime.fromisoformat(start.raw["edited_timestamp"])
    assert filled <= dt.datetime.fromisoformat(question.raw["timestamp"])
    assert [m.message_id for m in quizbot.discord.messages("quiz")] == [
        start.message_id, question.message_id]


async def test_question_one_waits_until_the_placeholder_is_replaced() -> None:
    """A deferred interaction is done at once; the session must wait for the answer."""
    interaction = SimpleNamespace(response=SimpleNamespace(is_done=lambda: True),
                                  extras={THINKING: True})
    waiting = asyncio.create_task(_announced(cast(Any, interaction)))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    interaction.extras.clear()  # what send_reply does once the announcement is posted
    await asyncio.wait_for(waiting, 1.0)


async def test_an_error_after_deferring_stays_private(quizbot: Quiz) -> None:
    refused = await quizbot.discord.invoke("/quiz start up_to_episode:5", user="fan2",
                                           channel="quiz")
    assert refused.ephemeral and "4 episodes" in refused.content
    assert steps(refused) == ["callback 5", "followup"]
    assert original_deleted(refused)  # the public "thinking..." is gone
    assert quizbot.discord.messages("quiz") == []  # others saw nothing


async def test_a_drama_read_lately_is_answered_at_once(quizbot: Quiz) -> None:
    first = await quizbot.start("/quiz start questions:1")
    assert steps(first) == ["callback 5", "edit"]
    await quizbot.time_up(await quizbot.question())
    await quizbot.final()
    refused = await quizbot.discord.invoke("/quiz start up_to_episode:5", channel="quiz")
    assert refused.ephemeral and "4 episodes" in refused.content
    assert steps(refused) == ["callback 4"]
    again = await quizbot.start("/quiz start questions:1")
    assert steps(again) == ["callback 4"] and "started a quiz" in again.content
    await quizbot.question()  # the session still waits for the announcement, then asks


async def test_a_failure_after_deferring_stays_private(
        quizbot: Quiz, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the store went away")

    cog = quizbot.bot.get_cog("Quiz")
    assert cog is not None  # patch the module the extension loader made, not the test's
    monkeypatch.setattr(sys.modules[type(cog).__module__], "load_material", broken)
    typed = await quizbot.discord.invoke("/quiz start", channel="quiz")
    assert typed.ephemeral and "Something went wrong" in typed.content
    assert steps(typed) == ["callback 5", "followup"] and original_deleted(typed)
    choices = await quizbot.discord.invoke("/quiz start drama:soundtrak", channel="quiz")
    clicked = await choices.click("Soundtrack #2", user="fan1")
    assert clicked.ephemeral and "Something went wrong" in clicked.content
    assert steps(clicked) == ["callback 5", "followup"] and original_deleted(clicked)
    assert quizbot.discord.messages("quiz") == []
    monkeypatch.undo()
    assert "started a quiz" in (await quizbot.start("/quiz start questions:1")).content


# -- spoilers ------------------------------------------------------------------------------

@pytest.fixture
def synthetic_packs(tmp_path: Path) -> Path:
    folder = tmp_path / "packs"
    folder.mkdir()
    (folder / "alpha.toml").write_text(ALPHA, encoding="utf-8")
    for index, name in enumerate(("beta", "gamma", "delta"), 1):
        (folder / f"{name}.toml").write_text(other_pack(name, index), encoding="utf-8")
    return folder


async def test_up_to_episode_asks_and_shows_nothing_later(
        offline_discord: OfflineDiscord, tmp_path: Path, synthetic_packs: Path) -> None:
    (tmp_path / "fresh").mkdir()
    async with run_bot(offline_discord, tmp_path / "fresh", synthetic_packs) as (bot, clock):
        quiz = Quiz(offline_discord, bot, clock)
        too_far = await offline_discord.invoke("/quiz start drama:alpha up_to_episode:13",
                                               channel="quiz")
        assert too_far.ephemeral and "12 episodes" in too_far.content
        start = await quiz.start("/quiz start drama:alpha questions:50 up_to_episode:4",
                                 slug="alpha")
        match = re.search(r"(\d+) questions", start.content)
        assert match and "nothing after episode 4" in start.content
        count = int(match.group(1))
        shown: list[str] = []
        for index in range(count):
            question = await quiz.question()
            await quiz.press(question, quiz.right(question), "fan1")
            shown.append(question.text + (await quiz.time_up(question)).text)
            if index < count - 1:
                await quiz.pause()
        shown.append((await quiz.final()).text)
        everything = "\n".join(shown)
        assert len(shown) >= 10
        for spoiler in ("secret agent", "The Twist", "betrays"):
            assert spoiler not in everything
        assert "The Beginning" in everything  # episode 1 is fine


# -- restarts ------------------------------------------------------------------------------

async def test_restart_mid_game_keeps_the_scores(offline_discord: OfflineDiscord,
                                                 data_dir: Path) -> None:
    async with run_bot(offline_discord, data_dir) as (bot, clock):
        quiz = Quiz(offline_discord, bot, clock)
        await quiz.start("/quiz start questions:5", user="fan1")
        q1 = await quiz.question()
        await quiz.press(q1, quiz.right(q1), "fan1", at=0)
        await quiz.press(q1, quiz.right(q1), "fan2", at=10)
        await quiz.time_up(q1)
        await quiz.pause()
        q2 = await quiz.question()
        await quiz.press(q2, quiz.right(q2), "fan1", at=1)  # lost: the question never closes
    # A clean shutdown marks the game interrupted; a crash would leave it 'running', which
    # the next start-up must handle: make it look like one.
    with sqlite3.connect(data_dir / "state.sqlite3") as db:
        assert db.execute("SELECT status, asked FROM quiz_games").fetchall() == [
            ("interrupted", 1)]
        db.execute("UPDATE quiz_games SET status = 'running'")
    async with run_bot(offline_discord, data_dir) as (bot, clock):
        quiz = Quiz(offline_discord, bot, clock)
        ended = await offline_discord.click(q2.message_id, 1, user="fan2")
        assert ended.ephemeral and "ended when the bot restarted" in ended.content
        ended = await offline_discord.click(q1.message_id, 1, user="fan3")
        assert "ended when the bot restarted" in ended.content
        stats = await offline_discord.invoke("/quiz stats member:fan1", user="fan1")
        values = {f["name"]: f["value"] for f in stats.embed["fields"]}
        assert values["Points"] == "150" and values["Right answers"] == "1 of 1"
        assert values["Games"] == "1 (0 wins)"
        board = await offline_discord.invoke("/quiz leaderboard", user="fan1")
        assert "Fan2: **125** pts" in board.embed["description"]
        again = await quiz.start("/quiz start questions:1", user="fan2")
        assert "started a quiz" in again.content
    with sqlite3.connect(data_dir / "state.sqlite3") as db:
        assert db.execute("SELECT status FROM quiz_games ORDER BY started_at").fetchall() == [
            ("interrupted",), ("interrupted",)]


# -- bad input and bad buttons -------------------------------------------------------------

async def test_out_of_range_options_are_refused(quizbot: Quiz) -> None:
    discord = quizbot.discord
    for text in ("/quiz start questions:0", "/quiz start questions:51",
                 "/quiz start seconds:5", "/quiz start up_to_episode:0"):
        with pytest.raises(UsageError, match=r"minimum|maximum"):
            await discord.invoke(text, channel="quiz")  # Discord's client refuses them
    # A client that sends them anyway gets the bot's own explanation.
    for option, value, expected in (("questions", 0, "between 1 and 50"),
                                    ("questions", 51, "between 1 and 50"),
                                    ("seconds", 5, "between 10 and 60"),
                                    ("up_to_episode", 0, "1 or more")):
        reply = await raw_start(discord, {option: value})
        assert reply.ephemeral and expected in reply.content, reply.text
    unknown = await discord.invoke("/quiz start drama:zzzqqq", channel="quiz")
    assert unknown.ephemeral and "don't know a drama" in unknown.content
    beyond = await discord.invoke("/quiz start up_to_episode:5", channel="quiz")
    assert beyond.ephemeral and "4 episodes" in beyond.content
    assert not [m for m in discord.messages("quiz") if m.buttons]  # no game started


async def test_a_channel_the_bot_cannot_post_in_is_refused(
        offline_discord: OfflineDiscord, data_dir: Path) -> None:
    guild = offline_discord.guild()
    bot_role = next(r for r in guild.roles.values() if r.managed)
    offline_discord.world.add_channel(guild, "read-only", overwrites=[
        Overwrite(bot_role.id, 0, deny=SEND_MESSAGES)])
    async with run_bot(offline_discord, data_dir):
        reply = await offline_discord.invoke("/quiz start", channel="read-only")
        assert reply.ephemeral and "Send Messages" in reply.content
        assert not [m for m in offline_discord.messages("read-only") if m.buttons]


async def test_did_you_mean_starts_the_same_game(quizbot: Quiz) -> None:
    quiz = quizbot
    choices = await quiz.discord.invoke("/quiz start drama:soundtrak questions:2 seconds:15",
                                        channel="quiz")
    assert choices.ephemeral and "Did you mean" in choices.content
    assert steps(choices) == ["callback 4"]  # resolving the name needs no deferral
    await quiz.learn("soundtrack2")
    started = await choices.click("Soundtrack #2", user="fan1")
    assert not started.ephemeral
    assert "**Soundtrack #2**: 2 questions, 15 s each" in started.content
    # A button's plain defer() would only acknowledge the click: this one says
    # "thinking..." in the channel, then becomes the announcement.
    assert steps(started) == ["callback 5", "edit"]
    assert started.interaction is not None
    assert started.message_id == started.interaction.response_message_id
    assert [m.message_id for m in quiz.discord.messages("quiz")] == [started.message_id]
    question = await quiz.question()
    assert "(15 s)" in question.embed["description"]
    assert question.embed["title"] in quiz.answers


async def test_did_you_mean_error_after_deferring_stays_private(quizbot: Quiz) -> None:
    choices = await quizbot.discord.invoke("/quiz start drama:soundtrak up_to_episode:40",
                                           channel="quiz")
    refused = await choices.click("Soundtrack #2", user="fan1")
    assert refused.ephemeral and "**Soundtrack #2** has 6 episodes" in refused.content
    assert steps(refused) == ["callback 5", "followup"] and original_deleted(refused)
    assert quizbot.discord.messages("quiz") == []


async def test_autocomplete_suggests_dramas(quizbot: Quiz) -> None:
    choices = await quizbot.discord.autocomplete("/quiz start drama:soundt", channel="quiz")
    assert "soundtrack1" in [c["value"] for c in choices]


async def test_stale_buttons_never_score(quizbot: Quiz) -> None:
    """Buttons of a finished game stay on screen; pressed while a new game runs in the
    same channel, they are told their game is over and the new game is untouched."""
    quiz = quizbot
    await quiz.start("/quiz start questions:1")
    old = await quiz.question()
    await quiz.time_up(old)
    await quiz.final()
    await quiz.start("/quiz start questions:1")
    new = await quiz.question()
    old_id, new_id = old.buttons[0].custom_id, new.buttons[0].custom_id
    assert old_id and new_id and old_id.split(":")[1] != new_id.split(":")[1]
    assert "This quiz is over" in await quiz.press(old, quiz.right(old), "fan1")
    revealed = await quiz.time_up(new)
    assert "Nobody answered." in revealed.embed["description"]


# -- raw interactions: what a client that ignores the ranges could send ------------

async def raw_start(discord: OfflineDiscord, options: dict[str, Any]) -> Reply:
    invocation = discord.parse("/quiz start questions:1", channel="quiz")
    data = invocation.data
    start = data["options"][0]
    start["options"] = [{"name": k, "type": 4, "value": v} for k, v in options.items()]
    return await _send(discord, 2, data, None)


async def _send(discord: OfflineDiscord, kind: int, data: dict[str, Any],
                message: dict[str, Any] | None) -> Reply:
    guild = discord.guild()
    record = await discord.server.create_interaction(
        kind=kind, user=discord.user("fan1"), channel=discord.channel("quiz"), guild=guild,
        data=data, label="raw interaction", message=message)
    await discord.server.notifier.wait_for(lambda: record.acknowledged, 3.5)
    assert record.response_message_id is not None
    return discord.message(record.response_message_id, user="fan1")


# -- forged and stale presses: always answered privately, never scored --------------------

NOT_THIS_QUIZ = "That button is not part of this quiz."
UNKNOWN_GAME = "That button is not part of any quiz I know."


async def test_forged_presses_are_answered_and_never_score(quizbot: Quiz) -> None:
    """Each press below looks like a quiz button but belongs to no live question: each
    gets a private answer within Discord's deadline (the harness fails a test on any
    interaction left unanswered), and none scores."""
    quiz = quizbot
    await quiz.start("/quiz start questions:1")
    question = await quiz.question()
    game = str(question.buttons[0].custom_id).split(":")[1]
    right = quiz.right(question) - 1  # the choice index of the right answer
    forged = {
        f"quiz:{game}:99:0": NOT_THIS_QUIZ,  # question 99 of a one-question game
        f"quiz:{game}:0:9": NOT_THIS_QUIZ,  # choice 9 of four
        f"quiz:{'ab' * 6}:0:{right}": UNKNOWN_GAME,  # a game that never existed
        f"quiz:{game}:100:0": EXPIRED_BUTTON,  # no template fits
        "quiz:XYZ:0:0": EXPIRED_BUTTON,
        "lookup:nothing:soundtrack1": EXPIRED_BUTTON,
    }
    for custom_id, expected in forged.items():
        reply = await quiz.discord.forge_click(question.message_id, custom_id, user="fan2")
        assert reply.ephemeral and reply.content == expected, (custom_id, reply.text)
    real = f"quiz:{game}:0:{right}"
    elsewhere = [  # the real button, pressed from elsewhere
        await quiz.discord.forge_click(question.message_id, real, user="fan2",
                                       channel="quiz-2"),
        await quiz.discord.forge_click(question.message_id, real, user="fan1",
                                       channel="quiz", guild="Drama Lounge"),
    ]
    assert [r.content for r in elsewhere] == [NOT_THIS_QUIZ] * 2
    missing = await quiz.discord.forge_click(question.message_id, real, user="fan3",
                                             on_message=False)  # not on the message
    assert missing.ephemeral and missing.content == EXPIRED_BUTTON
    revealed = await quiz.time_up(question)
    assert "Nobody answered." in revealed.embed["description"]
    await quiz.final()
    stats = await quiz.discord.invoke("/quiz stats", user="fan2", channel="quiz")
    assert "has not answered a quiz question" in stats.content


async def test_a_game_from_another_channel_is_not_this_one(quizbot: Quiz) -> None:
    quiz = quizbot
    await quiz.start("/quiz start questions:1", channel="quiz")
    first = await quiz.question("quiz")
    await quiz.start("/quiz start questions:1", channel="quiz-2", user="fan2")
    second = await quiz.question("quiz-2")
    other_game = str(second.buttons[0].custom_id)
    reply = await quiz.discord.forge_click(first.message_id, other_game, user="fan3")
    assert reply.ephemeral and reply.content == NOT_THIS_QUIZ


async def test_the_stop_button_has_the_right_of_quiz_stop(quizbot: Quiz) -> None:
    """The announcement's Stop button applies the same check as `/quiz stop`, and a
    refusal reads the same from both."""
    quiz = quizbot
    announcement = await quiz.start("/quiz start questions:5", user="fan1")
    await quiz.question()
    by_button = await announcement.click("Stop the quiz", user="fan2")
    by_command = await quiz.discord.invoke("/quiz stop", user="fan2", channel="quiz")
    assert by_button.ephemeral and by_command.ephemeral
    assert by_button.content == by_command.content
    assert "who started this quiz" in by_button.content and "Manage Server" in \
        by_button.content
    stopped = await announcement.click("Stop the quiz", user="admin")
    assert not stopped.ephemeral and "Admin stopped the quiz" in stopped.content
    final = await quiz.final()
    assert final.embed["description"].startswith("Stopped by Admin")
    after = await announcement.click("Stop the quiz", user="fan1")
    assert after.ephemeral and "This quiz is over" in after.content


async def test_a_stale_stop_button_after_a_restart_says_so(
        offline_discord: OfflineDiscord, data_dir: Path) -> None:
    async with run_bot(offline_discord, data_dir) as (bot, clock):
        quiz = Quiz(offline_discord, bot, clock)
        announcement = await quiz.start("/quiz start questions:3")
        await quiz.question()
    async with run_bot(offline_discord, data_dir):
        pressed = await announcement.click("Stop the quiz", user="fan1")
    assert pressed.ephemeral and "ended when the bot restarted" in pressed.content
