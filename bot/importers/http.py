"""A polite JSON client for the open-data services the importers read.

Both Wikidata and MusicBrainz ask the same of clients: a descriptive User-Agent with a way
to reach the operator, one request at a time (MusicBrainz: at most one a second), and
backing off when told to (429 or 5xx, honouring `Retry-After`). Every failure becomes an
`ImportFailed` with a one-line message, so the CLI never shows a traceback for a network
problem.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable, Mapping
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

import aiohttp

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 5
BASE_DELAY = 1.0  # seconds before the first retry when the server names no Retry-After
MAX_DELAY = 60.0  # never wait longer than this for one retry, whatever Retry-After says
TIMEOUT = aiohttp.ClientTimeout(total=60, connect=15)


class ImportFailed(Exception):
    """An import cannot go on; the message is one line for the operator."""


class NotFound(ImportFailed):
    """The service has no such record (HTTP 404, or an entity reported missing)."""


def user_agent(contact: str) -> str:
    """The User-Agent both services ask for: name/version (contact) library/version."""
    try:
        version = metadata.version("dramabot")
    except metadata.PackageNotFoundError:
        version = "dev"
    return (f"dramabot/{version} (K-drama pack importer; {contact}) "
            f"aiohttp/{aiohttp.__version__}")


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class PoliteClient:
    """GETs JSON from one service: serially (a lock), at least `min_interval` seconds
    apart, retrying 429 and 5xx with backoff. `sleep` is injectable only so that the
    waiting itself can be observed; tests use the real one."""

    def __init__(self, session: aiohttp.ClientSession, service: str, *,
                 min_interval: float = 0.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.session = session
        self.service = service
        self.min_interval = min_interval
        self.sleep = sleep
        self.requests = 0  # sent, retries included (for the summary)
        self._lock = asyncio.Lock()
        self._last = -1e9

    async def get_json(self, url: str, params: Mapping[str, str]) -> Any:
        async with self._lock:  # one request at a time, whoever asks
            for attempt in range(1, MAX_ATTEMPTS + 1):
                await self._space_out()
                status, headers, body = await self._get(url, params)
                if status == 200:
                    return body
                if status == 404:
                    raise NotFound(f"{self.service}: not found (404) at {_where(url)}")
                if status not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
                    raise ImportFailed(f"{self.service} answered HTTP {status} at {_where(url)}"
                                       + (" after retries" if attempt > 1 else ""))
                await self.sleep(self._delay(attempt, headers.get("Retry-After")))
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _space_out(self) -> None:
        wait = self._last + self.min_interval - time.monotonic()
        if wait > 0:
            await self.sleep(wait)
        self._last = time.monotonic()

    def _delay(self, attempt: int, header: str | None) -> float:
        told = retry_after(header)
        delay = told if told is not None else BASE_DELAY * 2 ** (attempt - 1)
        return min(delay, MAX_DELAY)

    async def _get(self, url: str, params: Mapping[str, str]
                   ) -> tuple[int, Mapping[str, str], Any]:
        self.requests += 1
        try:
            async with self.session.get(url, params=params, timeout=TIMEOUT) as response:
                if response.status != 200:
                    return response.status, response.headers, None
                return 200, response.headers, await response.json(content_type=None)
        except TimeoutError:
            raise ImportFailed(f"{self.service}: no answer from {_where(url)} in time "
                               "(timed out)") from None
        except aiohttp.ClientConnectionError as exc:
            raise ImportFailed(f"cannot reach {self.service} at {_where(url)} ({_reason(exc)});"
                               " check the network connection") from None
        except (aiohttp.ContentTypeError, ValueError):
            raise ImportFailed(f"{self.service} sent something that is not JSON from "
                               f"{_where(url)}") from None


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _reason(exc: Exception) -> str:
    """The innermost, shortest description of a connection error."""
    cause = getattr(exc, "os_error", None) or exc.__cause__ or exc
    text = getattr(cause, "strerror", None) or str(cause) or type(exc).__name__
    return text.splitlines()[0]
