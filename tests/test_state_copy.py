"""`dramabot state copy`: a store with data goes from SQLite to PostgreSQL and back,
verified by counts and totals; a non-empty target is refused unless --replace; TABLES
covers every table and column of both engines' schemas."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.quiz.engine import EndReason, QuizGame
from bot.quiz.scores import GameRecord, ScoreBook
from bot.store.copy import TABLES, CopyError, copy_state, measure
from bot.store.state import StateStore
from tests.test_quiz_engine import make_questions

Target = str | Path
NewTarget = Callable[[str], Target]
GUILD, OTHER = 1_056_478_987_654_321_012, 1_056_478_987_654_321_013


async def fill(target: Target) -> None:
    """Settings in two guilds and two played games with three players."""
    state = await StateStore.open(target)
    try:
        await state.set_default_drama(GUILD, "soundtrack1")
        await state.set_default_drama(OTHER, None)
        book = ScoreBook(state)
        for game_id, guild, players in (("a", GUILD, (11, 12)), ("b", OTHER, (12, 13))):
            await book.start_game(GameRecord(game_id, guild, 5, 11, "soundtrack1", 3, 20,
                                             None, "running", 0))
            game = QuizGame(make_questions(3), seconds=20, clock=lambda: 0.0)
            for _ in range(3):
                q = game.ask()
                for n, user in enumerate(players):
                    game.answer(user, q.index, q.correct if n == 0 else (q.correct + 1) % 4)
                await book.record_question(game_id, guild, 5, game.close(), game.scores,
                                           {u: f"user{u}" for u in players})
            await book.finish_game(game_id, game.end_reason or EndReason.FINISHED,
                                   game.winners())
    finally:
        await state.close()


async def contents(target: Target) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every copied table, in a stable order."""
    state = await StateStore.open(target)
    try:
        return {t.name: sorted(await state.fetchall(
                    f"SELECT {', '.join(t.columns)} FROM {t.name}"), key=repr)
                for t in TABLES}
    finally:
        await state.close()


async def test_copy_round_trips_sqlite_postgres_sqlite(new_state_target: NewTarget) -> None:
    sqlite, postgres, back = (new_state_target("sqlite"), new_state_target("postgres"),
                              new_state_target("sqlite"))
    await fill(sqlite)
    original = await contents(sqlite)
    assert len(original["quiz_answers"]) == 12 and len(original["guild_settings"]) == 2

    report = await copy_state(sqlite, postgres)
    rows = {t.name: t.rows for t in report.tables}
    assert rows["quiz_players"] == 4 and rows["quiz_games"] == 2
    assert await contents(postgres) == original
    assert await copy_state(postgres, back) == report
    assert await contents(back) == original

    state = await StateStore.open(postgres)  # the copy is a working store: boards read it
    try:
        board = await ScoreBook(state).leaderboard(None)
        assert board[0].user_id == 11 and {r.user_id for r in board} == {11, 12, 13}
    finally:
        await state.close()


async def test_a_non_empty_target_is_refused_unless_replace(new_state_target: NewTarget
                                                            ) -> None:
    source, target = new_state_target("sqlite"), new_state_target("postgres")
    await fill(source)
    await copy_state(source, target)
    with pytest.raises(CopyError, match="already holds state"):
        await copy_state(source, target)
    state = await StateStore.open(source)
    try:
        await state.execute("DELETE FROM quiz_answers WHERE question = 0")
    finally:
        await state.close()
    report = await copy_state(source, target, replace=True)
    assert {t.name: t.rows for t in report.tables}["quiz_answers"] == 8
    assert len((await contents(target))["quiz_answers"]) == 8


async def test_a_copy_that_does_not_verify_writes_nothing(
        new_state_target: NewTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = new_state_target("sqlite"), new_state_target("postgres")
    await fill(source)
    import bot.store.copy as copy_module

    real = copy_module._copy_table

    async def lossy(src: StateStore, db: object, table: copy_module.Table) -> None:
        await real(src, db, table)  # type: ignore[arg-type]
        if table.name == "quiz_players":
            await db.execute("UPDATE quiz_players SET points = points + 1")  # type: ignore[attr-defined]

    monkeypatch.setattr(copy_module, "_copy_table", lossy)
    with pytest.raises(CopyError, match="quiz_players: expected 4 rows"):
        await copy_state(source, target)
    assert all(not rows for rows in (await contents(target)).values())


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
async def test_tables_cover_the_whole_schema(dialect: str, new_state_target: NewTarget
                                             ) -> None:
    state = await StateStore.open(new_state_target(dialect))
    try:
        if state.dialect == "sqlite":
            names = [r[0] for r in await state.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            schema = {n: {r[1] for r in await state.fetchall(f"PRAGMA table_info({n})")}
                      for n in names}
        else:
            rows = await state.fetchall(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema()")
            schema = {}
            for table, column in rows:
                schema.setdefault(table, set()).add(column)
        schema.pop("schema_migrations")
        assert {t.name: set(t.columns) for t in TABLES} == schema
        for table in TABLES:
            assert (await measure(state, table)).rows == 0
    finally:
        await state.close()


def test_state_copy_command(new_state_target: NewTarget, capsys: pytest.CaptureFixture[str]
                            ) -> None:
    import asyncio

    source, target = new_state_target("sqlite"), new_state_target("postgres")
    asyncio.run(fill(source))
    assert main(["state", "copy", "--from", str(source), "--to", str(target)]) == 0
    out = capsys.readouterr().out
    assert "quiz_players: 4 row(s)" in out and "verified" in out
    assert main(["state", "copy", "--from", str(source), "--to", str(target)]) == 1
    assert "--replace" in capsys.readouterr().err
    assert main(["state", "copy", "--from", str(source), "--to", str(target),
                 "--replace"]) == 0
