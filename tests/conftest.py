"""Shared fixtures: an offline Discord, and the real dramabot connected to it.

`dramabot` starts the bot exactly as `dramabot run` does (settings through
`load_settings`, `create_bot`, `serve`), against the offline Discord. Any Discord rule
the bot breaks fails the test unless the test declares it with
`discord.expect_violation(...)`.

    async def test_ost_track(dramabot: OfflineDiscord) -> None:
        reply = await dramabot.invoke("/ost track 7", user="fan1")
        assert "OST" in reply.embed["title"]
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.offline import OfflineDiscord, ShardLimits, spec_status
from bot.store.facts import FactStore

PACKS_DIR = REPO_ROOT / "data" / "packs"
TEST_IDENTIFY_INTERVAL = 0.05


def pytest_report_header(config: pytest.Config) -> str:
    """Say in the session header whether payloads are checked against the OpenAPI spec."""
    return spec_status()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test body failed, so teardown does not pile a second error
    (the violations are in the captured log either way)."""
    report = yield
    if call.when == "call":
        item.stash[_BODY_FAILED] = report.failed
    return report


_BODY_FAILED = pytest.StashKey[bool]()


@pytest.fixture
async def offline_discord(request: pytest.FixtureRequest) -> AsyncIterator[OfflineDiscord]:
    """A started offline Discord with the default world ("Drama Club": #general, #quiz,
    #quiz-2; users owner, admin, fan1-3). Fails the test on unexpected rule violations."""
    # Discord's identify rate (5 s per bucket) would make every restart test wait 5 s.
    discord = OfflineDiscord(shards=ShardLimits(identify_interval=TEST_IDENTIFY_INTERVAL))
    await discord.start()
    yield discord
    await discord.stop(check=False)
    if not request.node.stash.get(_BODY_FAILED, False):
        discord.check()


@pytest.fixture(scope="session")
def built_fact_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled packs compiled once per session; each bot gets a copy, so `serve`
    finds it current and skips the build (as `dramabot run` does on a second start)."""
    from bot.store.build import build_fact_store

    path = tmp_path_factory.mktemp("facts") / "facts.sqlite3"
    build_fact_store(PACKS_DIR, path)
    return path


@pytest.fixture
async def bundled_store(built_fact_store: Path) -> AsyncIterator[FactStore]:
    """The fact store of the bundled packs, opened for one test."""
    store = await FactStore.open(built_fact_store)
    yield store
    await store.close()


@pytest.fixture
def data_dir(tmp_path: Path, built_fact_store: Path) -> Path:
    """A data folder with the bundled fact store, as after a first start."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(built_fact_store, folder / "facts.sqlite3")
    return folder


@pytest.fixture
async def dramabot(offline_discord: OfflineDiscord, data_dir: Path
                   ) -> AsyncIterator[OfflineDiscord]:
    """The real dramabot, started the way `dramabot run` starts it, connected to the
    offline Discord; yields the OfflineDiscord to play users with."""
    from tests.support import run_dramabot

    async with run_dramabot(offline_discord, data_dir):
        yield offline_discord


# -- the state store on both engines ---------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server for state-store tests (DRAMABOT_TEST_DATABASE_URL, default
    the local one). Unreachable: the test is skipped with the reason, or fails under
    CI=true, where a skip would hide that the PostgreSQL half never ran."""
    from tests.pg import server_url, unreachable

    url = server_url()
    problem = unreachable(url)
    if problem is not None:
        message = f"PostgreSQL not reachable at {url}: {problem}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture
def new_state_target(request: pytest.FixtureRequest, tmp_path: Path
                     ) -> Iterator[Callable[[str], str | Path]]:
    """Makes empty state stores: `new_state_target("sqlite")` is a fresh file path,
    `new_state_target("postgres")` a fresh database (created now, dropped after the test)."""
    from tests.pg import PostgresDatabases

    databases: PostgresDatabases | None = None
    count = 0

    def make(dialect: str) -> str | Path:
        nonlocal databases, count
        count += 1
        if dialect == "sqlite":
            return tmp_path / f"state-{count}.sqlite3"
        if databases is None:
            databases = PostgresDatabases(request.getfixturevalue("postgres_server"))
        return databases.create()

    yield make
    if databases is not None:
        databases.drop_all()


@pytest.fixture(params=["sqlite", "postgres"])
def state_target(request: pytest.FixtureRequest,
                 new_state_target: Callable[[str], str | Path]) -> str | Path:
    """Every state-store test runs on both engines: a SQLite file, then a PostgreSQL
    database of its own."""
    return new_state_target(str(request.param))
