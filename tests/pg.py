"""PostgreSQL for the tests: the server's URL, and databases of their own, created and
dropped through a plain asyncpg connection (in a thread of its own, so a fixture works in
any test, sync or async)."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_SECONDS = 5.0
T = TypeVar("T")


def server_url() -> str:
    return os.environ.get("DRAMABOT_TEST_DATABASE_URL") or DEFAULT_URL


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a loop of its own, whatever loop is running."""
    result: list[Any] = []

    def target() -> None:
        try:
            result.append(asyncio.run(_call(make)))
        except BaseException as error:  # handed to the caller below
            result.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]  # type: ignore[no-any-return]


async def _call(make: Callable[[], Awaitable[T]]) -> T:
    return await make()


async def admin(url: str, *statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=CONNECT_SECONDS)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def unreachable(url: str) -> str | None:
    """Why the server cannot be used, or None when it can."""
    try:
        run_sync(lambda: admin(url, "SELECT 1"))
    except Exception as error:  # any reason is reported as the skip's (or failure's) reason
        return f"{type(error).__name__}: {error}"
    return None


class PostgresDatabases:
    """Creates `dramabot_test_<random>` databases on the server; drops them all after."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.names: list[str] = []

    def create(self) -> str:
        name = f"dramabot_test_{secrets.token_hex(6)}"
        run_sync(lambda: admin(self.url, f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return with_database(self.url, name)

    def drop_all(self) -> None:
        # WITH (FORCE): a bot process killed by a test may have left a connection behind.
        statements = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in self.names]
        if statements:
            run_sync(lambda: admin(self.url, *statements))
        self.names.clear()
