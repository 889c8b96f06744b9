"""The quiz's side of the state store: games, scores, leaderboards, recent questions.

Every closed question is written in one transaction (its answers, every player's totals,
the game's progress, the channel's memory), so a crash loses nothing already answered and
never leaves half a question behind. Totals are written as absolute values taken from the
engine, which makes a repeated write harmless (and lets shard processes share one
PostgreSQL store without locking rows). The schema is in
`bot/store/migrations/<dialect>/0002_quiz.sql` and `0003_quiz_facts.sql`; the SQL here
runs unchanged on both.

The channel's rotation keys on facts, not wordings: every asked question is kept in
`quiz_asked` with its fact and a per-channel turn number, and `fact_memory` gives each
fact's latest turn, so the next game asks the facts never asked first, then the least
recently asked.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.quiz.engine import EndReason, PlayerScore, QuestionResult
from bot.store.state import StateStore

WEEK = 7 * 24 * 3600.0
INTERRUPTED = "interrupted"
RUNNING = "running"


@dataclass(frozen=True)
class GameRecord:
    id: str
    guild_id: int
    channel_id: int
    starter_id: int
    drama: str
    questions: int
    seconds: int
    up_to_episode: int | None
    status: str
    asked: int
    mode: str = "buttons"  # or "typed"


@dataclass(frozen=True)
class BoardRow:
    """One player's totals over a scope and period."""

    user_id: int
    name: str | None
    points: int
    correct: int
    answers: int
    games: int
    wins: int
    best_streak: int
    asked: int  # questions asked in the games played: a question sat out counts too

    @property
    def accuracy(self) -> float:
        """Right answers over the questions asked (not only those answered)."""
        return self.correct / self.asked if self.asked else 0.0


@dataclass(frozen=True)
class PlayerStats:
    row: BoardRow
    rank: int  # 1-based, in the server, by points


# For PostgreSQL: n.name is in GROUP BY, which wants every selected column grouped (one
# name per user: quiz_names is keyed by user_id), and the CAST gives `:guild IS NULL` the
# type it cannot infer. SQLite reads both the same way.
_TOTALS = """
SELECT p.user_id, n.name, SUM(p.points), SUM(p.correct), SUM(p.answers), COUNT(*),
       SUM(p.won), MAX(p.best_streak), SUM(g.asked)
FROM quiz_players p JOIN quiz_games g ON g.id = p.game_id
LEFT JOIN quiz_names n ON n.user_id = p.user_id
WHERE (CAST(:guild AS BIGINT) IS NULL OR p.guild_id = :guild) AND p.played_at >= :since
GROUP BY p.user_id, n.name
"""
_BOARD = _TOTALS + " ORDER BY 3 DESC, 4 DESC, p.user_id LIMIT :limit"
_PLAYER = _TOTALS.replace("GROUP BY", "AND p.user_id = :user GROUP BY")
_RANK = """
SELECT COUNT(*) + 1 FROM (
  SELECT SUM(points) AS pts FROM quiz_players WHERE guild_id = :guild GROUP BY user_id
) AS totals WHERE pts > :points
"""
_UPSERT_PLAYER = """
INSERT INTO quiz_players (game_id, user_id, guild_id, points, correct, answers, best_streak,
                          played_at)
VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT started_at FROM quiz_games WHERE id = ?))
ON CONFLICT (game_id, user_id) DO UPDATE SET
  points = excluded.points, correct = excluded.correct, answers = excluded.answers,
  best_streak = excluded.best_streak
"""
_ASKED = """
INSERT INTO quiz_asked (game_id, question, guild_id, channel_id, turn, question_key,
                        fact_key, kind, prompt, answer, sources, asked_at)
VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(turn), 0) + 1 FROM quiz_asked WHERE channel_id = ?),
        ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (game_id, question) DO NOTHING
"""
_MEMORY = """
SELECT fact_key, MAX(turn) FROM quiz_asked WHERE channel_id = ? GROUP BY fact_key
"""
_ASKED_QUESTION = """
SELECT game_id, question, guild_id, channel_id, question_key, fact_key, kind, prompt, answer,
       sources FROM quiz_asked WHERE game_id = ? AND question = ?
"""


@dataclass(frozen=True)
class AskedRecord:
    """A question as a game asked it: what a report refers to."""

    game_id: str
    question: int
    guild_id: int
    channel_id: int
    question_key: str
    fact_key: str
    kind: str
    prompt: str
    answer: str
    sources: tuple[str, ...]


def iso(timestamp: float) -> str:
    """Unix time as the ISO 8601 UTC text the newer tables keep."""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="microseconds")


class ScoreBook:
    """Reads and writes the quiz tables through the bot's StateStore. `clock` gives Unix
    time (injectable so weekly boards can be tested)."""

    def __init__(self, state: StateStore, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.clock = clock

    # -- games ------------------------------------------------------------------------------

    async def start_game(self, game: GameRecord) -> None:
        async with self.state.transaction() as db:
            await db.execute(
                "INSERT INTO quiz_games (id, guild_id, channel_id, starter_id, drama,"
                " questions, seconds, up_to_episode, status, asked, started_at, mode)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', 0, ?, ?)",
                (game.id, game.guild_id, game.channel_id, game.starter_id, game.drama,
                 game.questions, game.seconds, game.up_to_episode, self.clock(), game.mode))

    async def record_question(self, game_id: str, guild_id: int, channel_id: int,
                              result: QuestionResult, scores: Mapping[int, PlayerScore],
                              names: Mapping[int, str]) -> None:
        """Everything one closed question changes, in one transaction."""
        now = self.clock()
        async with self.state.transaction() as db:
            for answer in result.answers:
                award = result.award_of(answer.user_id)
                await db.execute(
                    "INSERT INTO quiz_answers (game_id, question, user_id, choice, correct,"
                    " points, elapsed) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (game_id, question, user_id) DO UPDATE SET"
                    " choice = excluded.choice, correct = excluded.correct,"
                    " points = excluded.points, elapsed = excluded.elapsed",
                    (game_id, result.asked.index, answer.user_id, answer.choice,
                     int(answer.correct), award.total if award else 0, answer.elapsed))
                player = scores[answer.user_id]
                await db.execute(_UPSERT_PLAYER, (
                    game_id, player.user_id, guild_id, player.points, player.correct,
                    player.answers, player.best_streak, game_id))
            await self._remember_names(names, now)
            await db.execute("UPDATE quiz_games SET asked = ? WHERE id = ?",
                             (result.asked.index + 1, game_id))
            await self._remember_fact(game_id, guild_id, channel_id, result, now)

    async def finish_game(self, game_id: str, reason: EndReason, winners: Iterable[int]) -> None:
        """Close the game's record; its top scorers get a win."""
        async with self.state.transaction() as db:
            await db.execute(
                "UPDATE quiz_games SET status = ?, ended_at = ? WHERE id = ?",
                (reason.value, self.clock(), game_id))
            for user_id in winners:
                await db.execute(
                    "UPDATE quiz_players SET won = 1 WHERE game_id = ? AND user_id = ?",
                    (game_id, user_id))

    async def interrupt_running(self) -> int:
        """Mark games left 'running' by a previous process as interrupted (at start-up:
        nothing of this process can be running yet). Only the guilds of this process's
        shards (`state.scope`): the other shards' games are being played elsewhere.
        Returns how many."""
        scope = self.state.scope
        where = "" if scope is None else " AND " + scope.sql_filter("guild_id")
        async with self.state.transaction() as db:
            return await db.execute(
                "UPDATE quiz_games SET status = ?, ended_at = ? WHERE status = ?" + where,
                (INTERRUPTED, self.clock(), RUNNING))

    async def mark_interrupted(self, game_id: str) -> None:
        """A game that broke off (an error, a shutdown): its recorded scores stay."""
        async with self.state.transaction() as db:
            await db.execute(
                "UPDATE quiz_games SET status = ?, ended_at = ? WHERE id = ? AND status = ?",
                (INTERRUPTED, self.clock(), game_id, RUNNING))

    async def game(self, game_id: str) -> GameRecord | None:
        row = await self.state.fetchone(
            "SELECT id, guild_id, channel_id, starter_id, drama, questions, seconds,"
            " up_to_episode, status, asked, mode FROM quiz_games WHERE id = ?", (game_id,))
        return GameRecord(*row) if row else None

    # -- channel memory ---------------------------------------------------------------------

    async def fact_memory(self, channel_id: int) -> dict[str, float]:
        """The facts this channel was asked, each with its latest turn (larger is later):
        what `bot.quiz.questions.choose` rotates on. Survives restarts."""
        rows = await self.state.fetchall(_MEMORY, (channel_id,))
        return {str(fact): float(turn) for fact, turn in rows}

    async def asked_question(self, game_id: str, index: int) -> AskedRecord | None:
        row = await self.state.fetchone(_ASKED_QUESTION, (game_id, index))
        if row is None:
            return None
        game, question, guild, channel, key, fact, kind, prompt, answer, sources = row
        return AskedRecord(str(game), int(question), int(guild), int(channel), str(key),
                           str(fact), str(kind), str(prompt), str(answer),
                           tuple(json.loads(sources)))

    async def _remember_fact(self, game_id: str, guild_id: int, channel_id: int,
                             result: QuestionResult, now: float) -> None:
        q = result.asked.question
        await self.state.execute(_ASKED, (
            game_id, result.asked.index, guild_id, channel_id, channel_id, q.key, q.fact,
            q.kind, q.prompt, result.asked.answer, json.dumps(list(q.sources)), iso(now)))

    async def _remember_names(self, names: Mapping[int, str], now: float) -> None:
        for user_id, name in names.items():
            await self.state.execute(
                "INSERT INTO quiz_names (user_id, name, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,"
                " updated_at = excluded.updated_at", (user_id, name[:100], now))

    # -- boards -----------------------------------------------------------------------------

    def since(self, period: str) -> float:
        """The start of a period: "week" is the last seven days, "all" everything."""
        return self.clock() - WEEK if period == "week" else 0.0

    async def leaderboard(self, guild_id: int | None, period: str = "all",
                          limit: int = 10) -> list[BoardRow]:
        """Top players of a server (or of every server: guild_id None)."""
        rows = await self.state.fetchall(
            _BOARD, {"guild": guild_id, "since": self.since(period), "limit": limit})
        return [_row(r) for r in rows]

    async def stats(self, user_id: int, guild_id: int) -> PlayerStats | None:
        """A player's all-time totals in a server and rank there (None: never played)."""
        rows = await self.state.fetchall(
            _PLAYER, {"guild": guild_id, "since": 0.0, "user": user_id})
        if not rows:
            return None
        row = _row(rows[0])
        rank = await self.state.fetchval(_RANK, {"guild": guild_id, "points": row.points})
        return PlayerStats(row, int(rank))


def _row(r: Sequence[Any]) -> BoardRow:
    user_id, name, points, correct, answers, games, wins, best, asked = r
    return BoardRow(int(user_id), None if name is None else str(name), int(points),
                    int(correct), int(answers), int(games), int(wins), int(best),
                    int(asked or 0))
