"""A quiz that stays fresh and fair, end to end through the offline Discord: the channel's
rotation over facts (across a restart), typed answers, reports and hidden questions, and
quizzes across dramas. The `Quiz` helper (tests/test_quiz_commands.py) plays the users."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from pathlib import Path

import pytest

from bot.offline import OfflineDiscord, Reply
from bot.quiz.matching import is_right
from bot.quiz.questions import generate, load_material
from tests import test_quiz_commands as commands
from tests.test_quiz_commands import (
    LATE,
    OVER,
    Quiz,
    board_lines,
    field_value,
    run_bot,
    until,
)

quizbot = commands.quizbot  # the fixture

POOL = 31  # the settled facts of Soundtrack #1 a channel rotates through (no spoiler limit)


async def play(quiz: Quiz, count: int, *, start: str | None = None) -> list[Reply]:
    """Start a game (unless `start` is empty) and play its `count` questions, fan1 always
    right; returns the questions as posted."""
    await quiz.start(start or f"/quiz start questions:{count}")
    asked = []
    for index in range(count):
        question = await quiz.question()
        asked.append(question)
        await quiz.press(question, quiz.right(question), "fan1")
        await quiz.time_up(question)
        if index < count - 1:
            await quiz.pause()
    await quiz.final()
    await game_over(quiz)
    return asked


async def game_over(quiz: Quiz) -> None:
    """Wait until the channel is free again (the final board comes just before)."""
    cog = quiz.bot.get_cog("Quiz")
    await until(lambda: not getattr(cog, "sessions", None))


# -- rotation ------------------------------------------------------------------------------

async def test_ten_games_ask_no_fact_twice_until_the_pool_runs_out(
        offline_discord: OfflineDiscord, data_dir: Path) -> None:
    facts: list[str] = []
    for _ in range(2):  # five games, a restart, five more: the memory is in the state store
        async with run_bot(offline_discord, data_dir) as (bot, clock):
            quiz = Quiz(offline_discord, bot, clock)
            material = await load_material(bot.facts, "soundtrack1")
            assert material is not None
            assert len({q.fact for q in generate(material, random.Random(0))}) == POOL
            for _ in range(5):
                facts += [quiz.fact(q) for q in await play(quiz, 10)]
    assert len(facts) == 100
    rounds = [facts[start:start + POOL] for start in range(0, 100, POOL)]
    assert set(rounds[0]) == set(rounds[1]) and len(set(rounds[0])) == POOL
    for block in rounds:  # each round asks every fact once before any comes back
        assert len(set(block)) == len(block), block
    for game in range(10):  # and a game never asks a fact twice
        assert len(set(facts[game * 10:game * 10 + 10])) == 10


# -- typed answers -------------------------------------------------------------------------

async def open_form(quiz: Quiz, question: Reply, user: str, at: float) -> Reply:
    quiz.advance(question, at)
    form = await quiz.discord.click(question.message_id, "Answer", user=user)
    assert form.kind == "modal", form.text
    return form


async def type_answer(quiz: Quiz, question: Reply, user: str, text: str, at: float) -> str:
    form = await open_form(quiz, question, user, at)
    reply = await form.submit_modal({"answer": text}, user=user)
    assert reply.ephemeral
    return reply.content


def misspelled(name: str) -> str:
    """One letter dropped from the middle of a name."""
    middle = len(name) // 2 + (1 if name[len(name) // 2] in " -" else 0)
    return name[:middle] + name[middle + 1:]


async def test_a_typed_game_scores_right_misspelled_hangul_wrong_and_late(quizbot: Quiz
                                                                          ) -> None:
    quiz = quizbot
    # One-question games until the question is about a person with a Hangul name on
    # record (the rotation moves on each time); nobody answers the others.
    for _ in range(POOL):
        start = await quiz.start("/quiz start questions:1 mode:typed")
        assert "type it" in start.content
        question = await quiz.question()
        assert [b.label for b in question.buttons] == ["Answer"]
        learned = quiz.learned[question.embed["title"]]
        hangul = [n for n in learned.accepted if any("\uac00" <= c <= "\ud7a3" for c in n)]
        if hangul and len(learned.answer) >= 8:
            break
        await quiz.time_up(question)
        await quiz.final()
        await game_over(quiz)
    else:
        pytest.fail("no question about a person with a Hangul name")
    answer, typo = learned.answer, misspelled(learned.answer)
    assert typo != answer and is_right(typo, learned.right_names, learned.distractors)
    wrong = learned.distractors[0]
    assert "Your answer" in await type_answer(quiz, question, "admin", wrong, at=1)
    assert "Your answer" in await type_answer(quiz, question, "fan1", answer.upper(), at=2)
    assert "already answered" in (await quiz.discord.click(
        question.message_id, "Answer", user="fan1")).content
    assert "Your answer" in await type_answer(quiz, question, "fan2", typo, at=4)
    assert "Your answer" in await type_answer(quiz, question, "fan3", hangul[0], at=6)
    late_form = await open_form(quiz, question, "owner", at=8)
    revealed = await quiz.time_up(question)
    late = await late_form.submit_modal({"answer": answer}, user="owner")
    assert late.ephemeral and late.content in (LATE, OVER, "This quiz is over.")
    # 100 right + 50 typed + the speed bonus (50 × the share of the 20 s left)
    assert field_value(revealed, "Right").splitlines() == [
        "Fan1 **+195**: 100 right, 50 typed, 45 speed",
        "Fan2 **+190**: 100 right, 50 typed, 40 speed",
        "Fan3 **+185**: 100 right, 50 typed, 35 speed"]
    assert field_value(revealed, "Wrong") == f"Admin ({wrong})"
    assert hangul[0] in revealed.embed["description"]  # the forms accepted are shown
    assert "Also accepted:" in revealed.embed["description"]
    final = await quiz.final()
    assert board_lines(final) == [
        "**1.** Fan1: **195** pts · 1/1 right · best streak 1",
        "**2.** Fan2: **190** pts · 1/1 right · best streak 1",
        "**3.** Fan3: **185** pts · 1/1 right · best streak 1",
        "**4.** Admin: **0** pts · 0/1 right · best streak 0"]


# -- reports -------------------------------------------------------------------------------

async def test_a_report_reaches_quiz_reports_and_hiding_keeps_it_out(
        quizbot: Quiz, data_dir: Path, tmp_path: Path) -> None:
    quiz = quizbot
    [question] = await play(quiz, 1)
    revealed = question.latest()
    reported_fact = quiz.fact(question)
    for user, reason in (("fan2", "The answer is wrong: see the agency's site"),
                         ("fan3", "Too easy")):
        form = await revealed.click("Report", user=user)
        assert form.kind == "modal"
        thanks = await form.submit_modal({"reason": reason}, user=user)
        assert thanks.ephemeral and "report is recorded" in thanks.content
    refused = await quiz.discord.invoke("/quiz reports", user="fan1", channel="quiz")
    assert refused.ephemeral and "Manage Server" in refused.content
    listing = await quiz.discord.invoke("/quiz reports", user="admin", channel="quiz")
    assert listing.ephemeral
    text = listing.embed["description"]
    assert question.embed["title"][:60] in text and "see the agency's site" in text
    assert [b.label for b in listing.buttons] == ["Hide #1", "Dismiss #1", "Hide #2",
                                                  "Dismiss #2"]
    hidden = await listing.click("Hide #1", user="admin")
    assert "will not be asked in this server again" in hidden.content
    assert [b.label for b in hidden.buttons] == ["Hide #1", "Dismiss #1"]
    dismissed = await hidden.click("Dismiss #1", user="admin")
    assert "Dismissed" in dismissed.content and "No open reports" in dismissed.text
    # The hidden fact stays out: a game as long as the pool asks every other fact once.
    later = await play(quiz, POOL - 1, start="/quiz start questions:50")
    assert reported_fact not in {quiz.fact(q) for q in later}
    assert len({quiz.fact(q) for q in later}) == POOL - 1
    # Pack authors get every report, with the question's fact and sources.
    out = tmp_path / "reports.json"
    env = {**os.environ, "DRAMABOT_DATA_DIR": str(data_dir)}
    env.pop("DISCORD_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "reports", "export", "--output", str(out), env=env)
    assert await process.wait() == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [(r["fact_key"], r["status"]) for r in exported] == [
        (reported_fact, "hidden"), (reported_fact, "dismissed")]
    assert exported[0]["sources"] and exported[0]["prompt"] == question.embed["title"]
    assert "reporter_id" not in exported[0]


# -- across dramas -------------------------------------------------------------------------

async def test_an_all_dramas_game_draws_from_several_packs(quizbot: Quiz) -> None:
    quiz = quizbot
    choices = await quiz.discord.autocomplete("/quiz start drama:all", channel="quiz")
    assert choices[0] == {"name": "All dramas", "value": "all dramas"}
    for ref in await quiz.bot.facts.dramas():
        await quiz.learn(ref.slug)
    asked = await play(quiz, 10, start="/quiz start drama:all dramas questions:10")
    start = next(m for m in quiz.discord.messages("quiz") if "started a quiz" in m.content)
    assert "**All dramas**" in start.content
    facts = [quiz.fact(q) for q in asked]
    dramas = {f.split(":")[0] for f in facts if not f.startswith("person:")}
    assert len(dramas) >= 2, facts


async def test_a_thin_drama_plays_what_it_has_and_says_so(quizbot: Quiz) -> None:
    start = await quizbot.start("/quiz start drama:soundtrack2 questions:50",
                                slug="soundtrack2")
    assert "right now, not 50.)" in start.content
