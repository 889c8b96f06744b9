"""The quiz engine: one game's state machine, with no Discord and no SQL.

A game asks its questions one at a time. `ask()` opens the next question (shuffling its
choices and setting its deadline by the injected clock), `answer()` records presses
(once per player per question, only before the deadline), and `close()` ends the question,
scores it and says whether the game is over. The Discord session drives these calls from
its timer and its buttons; the tests drive them with a fake clock.

Scoring (see docs/quiz.md): a right answer earns `base` points, plus a speed bonus that
falls linearly from `speed_max` (an instant answer) to 0 (at the deadline), plus a streak
bonus of `streak_step` per consecutive right answer before this one, capped at
`streak_max`. A wrong answer, or no answer, ends the player's streak. A question nobody
answers counts towards the idle limit; `idle_limit` such questions in a row end the game.
"""

from __future__ import annotations

import dataclasses
import enum
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.quiz.matching import is_right
from bot.quiz.questions import Question

Clock = Callable[[], float]


class Outcome(enum.Enum):
    """What became of a button press."""

    ACCEPTED = "accepted"
    ALREADY_ANSWERED = "already answered"
    LATE = "late"  # after the deadline, before the question was closed
    QUESTION_OVER = "question over"  # a question that is no longer open
    GAME_OVER = "game over"
    INVALID = "invalid"  # a question or choice that does not exist: forged or stale


class EndReason(enum.Enum):
    """Why a game ended; the value is the status the games table records."""

    FINISHED = "finished"
    STOPPED = "stopped"
    IDLE = "idle"


class GameError(RuntimeError):
    """The engine was driven out of order (a bug in the caller, not a user error)."""


@dataclass(frozen=True)
class Scoring:
    base: int = 100
    speed_max: int = 50
    streak_step: int = 10
    streak_max: int = 50
    typed_bonus: int = 50

    def speed_bonus(self, remaining: float, seconds: float) -> int:
        """Linear in the time left: the full bonus at once, none at the deadline."""
        if seconds <= 0:
            return 0
        share = min(max(remaining / seconds, 0.0), 1.0)
        return round(self.speed_max * share)

    def streak_bonus(self, streak: int) -> int:
        """Bonus for the `streak`-th right answer in a row (the first earns nothing)."""
        return min(self.streak_max, self.streak_step * max(streak - 1, 0))


@dataclass(frozen=True)
class AskedQuestion:
    """A question as put to the players: choices in display order, `correct` indexes them."""

    index: int
    question: Question
    choices: tuple[str, ...]
    correct: int
    asked_at: float
    deadline: float

    @property
    def answer(self) -> str:
        return self.choices[self.correct]


@dataclass(frozen=True)
class Answer:
    user_id: int
    choice: int
    elapsed: float  # seconds after the question was asked
    correct: bool
    text: str | None = None  # what was typed, in a typed game (choice is then -1 if wrong)


@dataclass(frozen=True)
class Award:
    """Points one player earned on one question."""

    user_id: int
    base: int
    speed: int
    streak_bonus: int
    streak: int  # right answers in a row, this one included
    typed: int = 0  # the bonus for typing the answer

    @property
    def total(self) -> int:
        return self.base + self.typed + self.speed + self.streak_bonus


@dataclass(frozen=True)
class QuestionResult:
    asked: AskedQuestion
    answers: tuple[Answer, ...]  # in the order they came
    awards: tuple[Award, ...]  # right answers, fastest first
    game_over: bool
    end_reason: EndReason | None

    @property
    def fastest(self) -> int | None:
        """Who answered right first (None: nobody was right)."""
        return self.awards[0].user_id if self.awards else None

    @property
    def idle(self) -> bool:
        return not self.answers

    def award_of(self, user_id: int) -> Award | None:
        return next((a for a in self.awards if a.user_id == user_id), None)


@dataclass
class PlayerScore:
    user_id: int
    points: int = 0
    correct: int = 0
    answers: int = 0
    streak: int = 0
    best_streak: int = 0


@dataclass
class _Open:
    asked: AskedQuestion
    answers: dict[int, Answer] = field(default_factory=dict)


class QuizGame:
    """One game. Not thread-safe and not async: the caller serialises calls (one asyncio
    task and callbacks on the same loop do)."""

    def __init__(self, questions: Sequence[Question], *, seconds: float, clock: Clock,
                 rng: random.Random | None = None, scoring: Scoring | None = None,
                 idle_limit: int = 3, typed: bool = False) -> None:
        if not questions:
            raise GameError("a game needs at least one question")
        if seconds <= 0:
            raise GameError("seconds must be positive")
        self.questions = tuple(questions)
        self.seconds = seconds
        self.clock = clock
        self.rng = rng or random.Random()
        self.scoring = scoring or Scoring()
        self.idle_limit = idle_limit
        self.typed = typed
        self.scores: dict[int, PlayerScore] = {}
        self.results: list[QuestionResult] = []
        self.end_reason: EndReason | None = None
        self._open: _Open | None = None
        self._idle = 0

    # -- state ------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.questions)

    @property
    def asked_count(self) -> int:
        """Questions asked so far, the open one included."""
        return len(self.results) + (1 if self._open else 0)

    @property
    def current(self) -> AskedQuestion | None:
        return self._open.asked if self._open else None

    @property
    def finished(self) -> bool:
        return self.end_reason is not None

    @property
    def idle_streak(self) -> int:
        return self._idle

    def remaining(self) -> float:
        """Seconds left on the open question (0 when none is open)."""
        if self._open is None:
            return 0.0
        return max(0.0, self._open.asked.deadline - self.clock())

    # -- play -------------------------------------------------------------------------------

    def ask(self) -> AskedQuestion:
        """Open the next question."""
        if self.finished:
            raise GameError("the game is over")
        if self._open is not None:
            raise GameError("a question is already open")
        index = len(self.results)
        if index >= self.total:
            raise GameError("no questions left")
        question = self.questions[index]
        choices = list(question.choices)
        self.rng.shuffle(choices)
        now = self.clock()
        asked = AskedQuestion(index, question, tuple(choices), choices.index(question.answer),
                              now, now + self.seconds)
        self._open = _Open(asked)
        return asked

    def withdraw(self) -> None:
        """Take back the open question unscored: it never reached the players."""
        self._open = None

    def start_timer(self) -> AskedQuestion:
        """Start the open question's time now, in full: its time runs from when players
        can see it, not from `ask()` (posting it may take seconds when Discord asks the
        bot to wait)."""
        if self._open is None:
            raise GameError("no question is open")
        now = self.clock()
        asked = dataclasses.replace(self._open.asked, asked_at=now, deadline=now + self.seconds)
        self._open.asked = asked
        return asked

    def answer(self, user_id: int, index: int, choice: int) -> Outcome:
        """Record a press of choice `choice` on question `index`."""
        current = self._answerable(user_id, index)
        if not isinstance(current, _Open):
            return current
        if self.typed or not 0 <= choice < len(current.asked.choices):
            return Outcome.INVALID
        return self._record(current, Answer(user_id, choice, 0.0,
                                            choice == current.asked.correct))

    def answer_text(self, user_id: int, index: int, text: str) -> Outcome:
        """Record a typed answer on question `index` (a typed game only)."""
        current = self._answerable(user_id, index)
        if not isinstance(current, _Open):
            return current
        if not self.typed:
            return Outcome.INVALID
        asked = current.asked
        wrong = [c for i, c in enumerate(asked.choices) if i != asked.correct]
        right = is_right(text, asked.question.right_names, wrong)
        return self._record(current, Answer(user_id, asked.correct if right else -1, 0.0,
                                            right, text.strip()))

    def would_take(self, user_id: int, index: int) -> Outcome:
        """What an answer from `user_id` on `index` would meet now, without recording one
        (the typed game's Answer button asks before it opens the form)."""
        current = self._answerable(user_id, index)
        return Outcome.ACCEPTED if isinstance(current, _Open) else current

    def _answerable(self, user_id: int, index: int) -> _Open | Outcome:
        """The open question `index` if `user_id` may still answer it, else why not."""
        if self.finished:
            return Outcome.GAME_OVER
        if not 0 <= index < self.total:
            return Outcome.INVALID
        current = self._open
        if current is None or current.asked.index != index:
            return Outcome.QUESTION_OVER if index < self.asked_count else Outcome.INVALID
        if user_id in current.answers:
            return Outcome.ALREADY_ANSWERED
        if self.clock() > current.asked.deadline:
            return Outcome.LATE
        return current

    def _record(self, current: _Open, answer: Answer) -> Outcome:
        elapsed = self.clock() - current.asked.asked_at
        current.answers[answer.user_id] = dataclasses.replace(answer, elapsed=elapsed)
        return Outcome.ACCEPTED

    def close(self) -> QuestionResult:
        """End the open question: score it, update streaks and the idle count, and end the
        game after the last question or the idle limit."""
        if self._open is None:
            raise GameError("no question is open")
        current, self._open = self._open, None
        answers = tuple(current.answers.values())
        awards = self._score(current.asked, answers)
        self._idle = 0 if answers else self._idle + 1
        if self._idle >= self.idle_limit:
            self.end_reason = EndReason.IDLE
        elif len(self.results) + 1 >= self.total:
            self.end_reason = EndReason.FINISHED
        result = QuestionResult(current.asked, answers, awards, self.finished, self.end_reason)
        self.results.append(result)
        return result

    def stop(self) -> QuestionResult | None:
        """End the game now (a /quiz stop). An open question is closed and scored first,
        so nobody loses an answer already given."""
        if self.finished:
            return None
        result = self.close() if self._open is not None else None
        if result is not None and result.game_over:
            return result  # it was the last question (or the idle limit) anyway
        self.end_reason = EndReason.STOPPED
        if result is not None:
            result = dataclasses.replace(result, game_over=True, end_reason=EndReason.STOPPED)
            self.results[-1] = result
        return result

    def _score(self, asked: AskedQuestion, answers: tuple[Answer, ...]) -> tuple[Award, ...]:
        awards: list[Award] = []
        for answer in sorted(answers, key=lambda a: (a.elapsed, a.user_id)):
            player = self.scores.setdefault(answer.user_id, PlayerScore(answer.user_id))
            player.answers += 1
            if not answer.correct:
                player.streak = 0
                continue
            player.streak += 1
            player.best_streak = max(player.best_streak, player.streak)
            award = Award(answer.user_id, self.scoring.base,
                          self.scoring.speed_bonus(asked.deadline - asked.asked_at
                                                   - answer.elapsed, self.seconds),
                          self.scoring.streak_bonus(player.streak), player.streak,
                          self.scoring.typed_bonus if answer.text is not None else 0)
            player.correct += 1
            player.points += award.total
            awards.append(award)
        answered = {a.user_id for a in answers}  # a set: a big server has hundreds each
        for user_id, player in self.scores.items():
            if user_id not in answered:
                player.streak = 0  # sitting a question out ends a streak too
        return tuple(awards)

    # -- results ----------------------------------------------------------------------------

    def standings(self) -> list[PlayerScore]:
        """Players by points, then right answers; ties keep the earlier joiner first."""
        return sorted(self.scores.values(), key=lambda p: (-p.points, -p.correct))

    def winners(self) -> list[int]:
        """The players with the top score, if anyone scored at all (ties share the win)."""
        table = self.standings()
        if not table or table[0].points <= 0:
            return []
        return [p.user_id for p in table if p.points == table[0].points]
