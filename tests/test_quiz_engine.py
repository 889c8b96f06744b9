"""The quiz engine with a fake clock (timing, scoring, streaks, idling, stopping), and the
scores it leaves in the state store."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.quiz.clock import ManualClock, RealClock
from bot.quiz.engine import (
    Award,
    EndReason,
    GameError,
    Outcome,
    QuestionResult,
    QuizGame,
    Scoring,
)
from bot.quiz.matching import is_right
from bot.quiz.questions import Question
from bot.quiz.scores import GameRecord, ScoreBook
from bot.store.state import StateStore

ALICE, BOB, CAROL = 1, 2, 3


def make_questions(count: int) -> list[Question]:
    return [Question(f"test:{i}", "test", f"Question {i}?", f"right {i}",
                     (f"wrong {i}a", f"wrong {i}b", f"wrong {i}c"), ("seed 000",))
            for i in range(count)]


def new_game(count: int = 3, seconds: float = 20, **kwargs: Any
             ) -> tuple[QuizGame, ManualClock]:
    clock = ManualClock()
    game = QuizGame(make_questions(count), seconds=seconds, clock=clock.now,
                    rng=random.Random(7), **kwargs)
    return game, clock


def award(result: QuestionResult, user_id: int) -> Award:
    found = result.award_of(user_id)
    assert found is not None, f"user {user_id} earned nothing"
    return found


def wrong_choice(correct: int) -> int:
    return (correct + 1) % 4


def test_choices_hold_the_answer_once_and_are_shuffled() -> None:
    game, _ = new_game(count=12)
    positions = set()
    for _ in range(12):
        asked = game.ask()
        assert sorted(asked.choices) == sorted(asked.question.choices)
        assert asked.answer == asked.question.answer
        positions.add(asked.correct)
        game.answer(ALICE, asked.index, asked.correct)
        game.close()
    assert len(positions) > 1  # not always in the same place


def test_scoring_base_speed_and_streak() -> None:
    game, clock = new_game(count=3, seconds=20)
    scoring = Scoring()
    # Question 1: Alice right after 2 s, Bob wrong, Carol right after 10 s.
    q = game.ask()
    clock.advance(2)
    assert game.answer(ALICE, 0, q.correct) is Outcome.ACCEPTED
    assert game.answer(BOB, 0, wrong_choice(q.correct)) is Outcome.ACCEPTED
    clock.advance(8)
    assert game.answer(CAROL, 0, q.correct) is Outcome.ACCEPTED
    clock.advance(10)
    result = game.close()
    assert [a.user_id for a in result.awards] == [ALICE, CAROL]
    assert result.fastest == ALICE
    assert award(result, ALICE).total == 100 + 45
    assert award(result, CAROL).total == 100 + 25
    assert result.award_of(BOB) is None
    # Question 2: Alice right at once (streak 2: +10), Carol does not answer.
    q = game.ask()
    game.answer(ALICE, 1, q.correct)
    result = game.close()
    assert award(result, ALICE).total == 100 + 50 + scoring.streak_bonus(2) == 160
    # Question 3: Carol right at the deadline (her streak was broken by sitting out).
    q = game.ask()
    clock.advance(20)
    assert game.answer(CAROL, 2, q.correct) is Outcome.ACCEPTED  # exactly at the deadline
    result = game.close()
    assert award(result, CAROL).total == 100
    assert result.game_over and result.end_reason is EndReason.FINISHED
    scores = {p.user_id: p for p in game.standings()}
    assert scores[ALICE].points == 305 and scores[ALICE].best_streak == 2
    assert scores[ALICE].correct == 2 and scores[ALICE].answers == 2
    assert scores[BOB].points == 0 and scores[BOB].answers == 1
    assert scores[CAROL].points == 225 and scores[CAROL].best_streak == 1
    assert game.winners() == [ALICE]


def test_streak_bonus_is_capped() -> None:
    scoring = Scoring()
    assert [scoring.streak_bonus(n) for n in range(1, 9)] == [0, 10, 20, 30, 40, 50, 50, 50]
    game, _ = new_game(count=8)
    for _ in range(8):
        q = game.ask()
        game.answer(ALICE, q.index, q.correct)
        result = game.close()
    assert award(result, ALICE).streak == 8
    assert award(result, ALICE).streak_bonus == 50


def test_wrong_answer_resets_streak() -> None:
    game, _ = new_game(count=3)
    for right in (True, False, True):
        q = game.ask()
        game.answer(ALICE, q.index, q.correct if right else wrong_choice(q.correct))
        result = game.close()
    assert award(result, ALICE).streak == 1
    assert game.scores[ALICE].best_streak == 1


def test_double_late_stale_and_forged_presses() -> None:
    game, clock = new_game(count=2)
    q = game.ask()
    assert game.answer(ALICE, 0, q.correct) is Outcome.ACCEPTED
    assert game.answer(ALICE, 0, wrong_choice(q.correct)) is Outcome.ALREADY_ANSWERED
    assert game.answer(BOB, 1, 0) is Outcome.INVALID  # a question not asked yet
    assert game.answer(BOB, 0, 9) is Outcome.INVALID  # no such choice
    assert game.answer(BOB, 7, 0) is Outcome.INVALID  # no such question
    clock.advance(20.5)
    assert game.answer(BOB, 0, q.correct) is Outcome.LATE
    result = game.close()
    assert [a.user_id for a in result.answers] == [ALICE]
    assert result.answers[0].correct
    assert game.answer(BOB, 0, q.correct) is Outcome.QUESTION_OVER
    game.ask()
    game.close()
    assert game.answer(BOB, 1, 0) is Outcome.GAME_OVER


def test_idle_questions_end_the_game() -> None:
    game, _ = new_game(count=10)
    for index in range(3):
        game.ask()
        result = game.close()
        assert result.idle
        assert result.game_over == (index == 2)
    assert game.end_reason is EndReason.IDLE
    assert len(game.results) == 3
    with pytest.raises(GameError):
        game.ask()


def test_an_answer_resets_the_idle_count() -> None:
    game, _ = new_game(count=6)
    for answered in (False, False, True, False, False):
        q = game.ask()
        if answered:
            game.answer(BOB, q.index, wrong_choice(q.correct))
        game.close()
    assert not game.finished and game.idle_streak == 2


def test_stop_scores_the_open_question() -> None:
    game, _ = new_game(count=5)
    q = game.ask()
    game.answer(ALICE, 0, q.correct)
    result = game.stop()
    assert result is not None and result.game_over
    assert result.end_reason is EndReason.STOPPED
    assert game.scores[ALICE].points == 150
    assert game.stop() is None  # stopping twice is harmless


def test_stop_between_questions() -> None:
    game, _ = new_game(count=5)
    game.ask()
    game.close()
    assert game.stop() is None
    assert game.end_reason is EndReason.STOPPED
    assert game.winners() == []


def test_ties_share_the_win() -> None:
    game, _ = new_game(count=1)
    q = game.ask()
    game.answer(ALICE, 0, q.correct)
    game.answer(BOB, 0, q.correct)
    game.close()
    assert sorted(game.winners()) == [ALICE, BOB]


def test_out_of_order_calls_raise() -> None:
    game, _ = new_game(count=1)
    with pytest.raises(GameError):
        game.close()
    game.ask()
    with pytest.raises(GameError):
        game.ask()
    with pytest.raises(GameError):
        QuizGame([], seconds=10, clock=lambda: 0.0)


def test_remaining_follows_the_clock() -> None:
    game, clock = new_game(seconds=20)
    assert game.remaining() == 0
    game.ask()
    clock.advance(5)
    assert game.remaining() == 15
    clock.advance(30)
    assert game.remaining() == 0


async def test_manual_clock_wakes_sleepers_in_order() -> None:
    clock = ManualClock(start=0)
    woke: list[float] = []

    async def sleeper(when: float) -> None:
        await clock.sleep_until(when)
        woke.append(when)

    tasks = [asyncio.create_task(sleeper(t)) for t in (5, 1, 3)]
    await asyncio.sleep(0)
    assert clock.sleepers == 3
    clock.advance(3)
    await asyncio.sleep(0)
    assert woke == [1, 3]
    clock.advance(10)
    await asyncio.gather(*tasks)
    assert woke == [1, 3, 5]
    await clock.sleep_until(-1)  # the past returns at once


async def test_real_clock_scales_time() -> None:
    clock = RealClock(scale=0.001)
    start = clock.now()
    await clock.sleep_until(start + 10)  # 10 game seconds = 10 ms
    assert clock.now() - start >= 10
    with pytest.raises(ValueError):
        RealClock(scale=0)


# -- the scores side (state store) ---------------------------------------------------------

class FakeTime:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def play_and_record(book: ScoreBook, game_id: str, guild: int, channel: int,
                          presses: list[dict[int, bool]]) -> QuizGame:
    """Play one game where presses[i] says who answers question i, right or wrong."""
    game, _ = new_game(count=len(presses))
    await book.start_game(GameRecord(game_id, guild, channel, ALICE, "drama", len(presses),
                                     20, None, "running", 0))
    for who in presses:
        q = game.ask()
        for user, right in who.items():
            game.answer(user, q.index, q.correct if right else wrong_choice(q.correct))
        result = game.close()
        await book.record_question(game_id, guild, channel, result, game.scores,
                                   {u: f"user{u}" for u in who})
    await book.finish_game(game_id, game.end_reason or EndReason.FINISHED, game.winners())
    return game


@pytest.fixture
async def book(state_target: str | Path) -> AsyncIterator[ScoreBook]:
    """The score book on both engines (the quiz's SQL is shared)."""
    state = await StateStore.open(state_target)
    yield ScoreBook(state, FakeTime())
    await state.close()


async def test_scores_are_recorded_per_question_and_game(book: ScoreBook) -> None:
    await play_and_record(book, "g1", 10, 100, [
        {ALICE: True, BOB: False}, {ALICE: True, BOB: True}, {BOB: False}])
    record = await book.game("g1")
    assert record is not None and record.status == "finished" and record.asked == 3
    board = await book.leaderboard(10)
    assert [(r.user_id, r.points, r.correct, r.answers, r.games, r.wins, r.best_streak)
            for r in board] == [
        (ALICE, 310, 2, 2, 1, 1, 2),
        (BOB, 150, 1, 3, 1, 0, 1),
    ]
    assert board[0].name == "user1"
    rows = await book.state.fetchall(
        "SELECT question, user_id, correct, points FROM quiz_answers ORDER BY question, user_id")
    assert [tuple(r) for r in rows] == [(0, ALICE, 1, 150), (0, BOB, 0, 0), (1, ALICE, 1, 160),
                                        (1, BOB, 1, 150), (2, BOB, 0, 0)]


async def test_leaderboards_by_scope_and_week_and_stats(book: ScoreBook) -> None:
    clock = book.clock
    assert isinstance(clock, FakeTime)
    await play_and_record(book, "old", 10, 100, [{ALICE: True}])
    clock.now += 8 * 24 * 3600  # eight days later
    await play_and_record(book, "new", 10, 100, [{BOB: True}, {BOB: True}])
    await play_and_record(book, "other", 20, 200, [{CAROL: True}, {CAROL: True},
                                                   {CAROL: True}])
    assert [r.user_id for r in await book.leaderboard(10)] == [BOB, ALICE]
    assert [r.user_id for r in await book.leaderboard(10, "week")] == [BOB]
    assert [r.user_id for r in await book.leaderboard(None)] == [CAROL, BOB, ALICE]
    assert await book.leaderboard(30) == []
    stats = await book.stats(ALICE, 10)
    assert stats is not None and stats.rank == 2 and stats.row.accuracy == 1.0
    assert stats.row.games == 1 and stats.row.wins == 1
    assert await book.stats(CAROL, 10) is None


async def test_running_games_are_interrupted_at_start_up(book: ScoreBook) -> None:
    await book.start_game(GameRecord("g2", 1, 2, ALICE, "d", 5, 20, 3, "running", 0))
    assert await book.interrupt_running() == 1
    record = await book.game("g2")
    assert record is not None and record.status == "interrupted" and record.up_to_episode == 3
    assert await book.interrupt_running() == 0
    assert await book.game("nope") is None


# -- typed answers -------------------------------------------------------------------------

def test_typed_matching_is_forgiving_but_never_accepts_another_choice() -> None:
    right = ["Park Hyung-sik", "Hyungsik", "박형식"]
    wrong = ["Park Hoon", "Han So-hee", "Kim Joo-heon"]
    for text in ("Park Hyung-sik", "park hyungsik", "PARK HYEONG-SIK", " Park  Hyung sik! ",
                 "Hyungsik", "박형식", "Park Hyng-sik", "Prak Hyung-sik"):
        assert is_right(text, right, wrong), text
    for text in ("Park Hoon", "park hoon", "Park", "", "Han So-hee", "박훈", "Pk Hng-sk"):
        assert not is_right(text, right, wrong), text
    # A typo nearer a wrong choice than the answer is refused: "Davich" is one edit from
    # "Davichi" and from "Davichy" alike.
    assert not is_right("Davich", ["Davichi"], ["Davichy", "Kyuhyun", "Doyoung"])
    assert is_right("Davichii", ["Davichi"], ["Standing Egg", "Kyuhyun", "Doyoung"])
    # Hangul: one jamo off is one small slip in a long enough name.
    assert is_right("한소히", ["한소희"], ["박민정", "김희원", "송운정"])
    # Dates any usual way, numbers exactly.
    assert is_right("March 23, 2022", ["23 March 2022"], ["23 March 2023"])
    assert not is_right("24 March 2022", ["23 March 2022"], ["23 March 2023"])
    assert not is_right("5", ["4"], ["3", "8", "12"])


def typed_questions() -> list[Question]:
    return [Question("t:0", "test", "Who?", "Park Hyung-sik",
                     ("Park Hoon", "Han So-hee", "Kim Joo-heon"), ("s",),
                     accepted=("Hyungsik", "박형식"))]


def test_typed_answers_score_more_and_button_presses_do_not_count() -> None:
    clock = ManualClock()
    game = QuizGame(typed_questions() * 2, seconds=20, clock=clock.now,
                    rng=random.Random(1), typed=True)
    q = game.ask()
    assert game.answer(ALICE, q.index, q.correct) is Outcome.INVALID  # no buttons here
    assert game.would_take(ALICE, q.index) is Outcome.ACCEPTED
    assert game.answer_text(ALICE, q.index, "park hyungsik") is Outcome.ACCEPTED
    assert game.would_take(ALICE, q.index) is Outcome.ALREADY_ANSWERED
    clock.advance(10)
    assert game.answer_text(BOB, q.index, "박형식") is Outcome.ACCEPTED
    assert game.answer_text(CAROL, q.index, "Park Hoon") is Outcome.ACCEPTED
    clock.advance(11)
    assert game.answer_text(4, q.index, "Park Hyung-sik") is Outcome.LATE
    result = game.close()
    assert [(a.user_id, a.correct, a.text) for a in result.answers] == [
        (ALICE, True, "park hyungsik"), (BOB, True, "박형식"), (CAROL, False, "Park Hoon")]
    assert [(a.total, a.typed, a.speed) for a in result.awards] == [(200, 50, 50),
                                                                   (175, 50, 25)]
    buttons = QuizGame(typed_questions(), seconds=20, clock=clock.now)
    asked = buttons.ask()
    assert buttons.answer_text(ALICE, asked.index, "Park Hyung-sik") is Outcome.INVALID
    buttons.answer(ALICE, asked.index, asked.correct)
    assert buttons.close().awards[0].total == 150  # the same answer by button


# -- the channel's rotation and accuracy ---------------------------------------------------

async def test_fact_memory_keys_on_facts_and_orders_by_turn(book: ScoreBook) -> None:
    questions = [Question(f"q:{i}", "test", f"Q{i}?", f"a{i}", ("x", "y", "z"), ("s",),
                          fact=f"fact:{i % 3}") for i in range(5)]
    await book.start_game(GameRecord("g4", 1, 9, ALICE, "d", 5, 20, None, "running", 0))
    game = QuizGame(questions, seconds=20, clock=lambda: 0.0, idle_limit=99,
                    rng=random.Random(0))
    for _ in range(5):
        game.ask()
        await book.record_question("g4", 1, 9, game.close(), game.scores, {})
    memory = await book.fact_memory(9)
    assert memory == {"fact:0": 4.0, "fact:1": 5.0, "fact:2": 3.0}  # latest turn of each
    assert await book.fact_memory(10) == {}
    asked = await book.asked_question("g4", 1)
    assert asked is not None and (asked.fact_key, asked.prompt) == ("fact:1", "Q1?")
    assert asked.answer == "a1" and asked.sources == ("s",)


async def test_accuracy_counts_the_questions_sat_out(book: ScoreBook) -> None:
    await play_and_record(book, "g5", 10, 100, [{ALICE: True}, {BOB: True}, {BOB: True}])
    stats = await book.stats(ALICE, 10)
    assert stats is not None and (stats.row.correct, stats.row.answers) == (1, 1)
    assert stats.row.asked == 3 and round(stats.row.accuracy, 2) == 0.33
