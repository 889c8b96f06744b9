"""The offline Discord (bot.offline) as the benchmark uses it.

Two things are added, through public interfaces only:

- **Arrival times.** An aiohttp middleware notes when each answer reaches the fake: the
  interaction callback, or the follow-up/edit after a deferral. A latency is then measured
  from the moment the fake sends INTERACTION_CREATE (`InteractionRecord.created`, taken
  just before the gateway frame is written) to the moment the bot's reply arrives, which
  is exactly what Discord's 3-second rule measures. The harness's own work (parsing the
  typed command, building the Reply a test reads) stays out of the figure.
- **Players.** Enough members in "Drama Club" that each quiz press can come from someone
  who has not answered yet, so every measured press takes the path a real answer takes.

Request bodies are not checked against the OpenAPI spec here (`validate=False`): the tests
do that, and a JSON-schema pass inside the fake would load the benchmark process, not the
bot. Discord's hand-written rules (limits, deadline, acknowledgement) still apply.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from benchmarks.procs import FAKE_TOKEN
from bot.offline import OfflineDiscord, World
from bot.offline.state import InteractionRecord

GUILD = "Drama Club"
PLAYERS = 600  # quiz presses per game before a new game is needed
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DEFERRED = (5, 6)  # callback types whose visible answer is a later follow-up or edit


def player(index: int) -> str:
    return f"player{index:03d}"


@dataclass
class Arrivals:
    """When the bot's answers arrived, on the fake's clock (time.monotonic)."""

    callbacks: dict[int, float] = field(default_factory=dict)  # interaction id -> time
    webhooks: dict[str, float] = field(default_factory=dict)  # token -> latest time

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        now = time.monotonic()
        params = request.match_info
        if "interaction_id" in params and request.method == "POST":
            self.callbacks[int(params["interaction_id"])] = now
        elif "webhook_token" in params and request.method in ("POST", "PATCH"):
            self.webhooks[params["webhook_token"]] = now
        return await handler(request)

    def answered(self, record: InteractionRecord) -> float | None:
        """When the user saw the answer: the callback, or the follow-up after a deferral."""
        if record.response_type in DEFERRED and record.token in self.webhooks:
            return self.webhooks[record.token]
        return self.callbacks.get(record.id)

    def latency(self, record: InteractionRecord) -> float | None:
        arrived = self.answered(record)
        return None if arrived is None else arrived - record.created

    def forget(self) -> None:
        """Drop what was read (keeps the maps small over thousands of interactions)."""
        self.callbacks.clear()
        self.webhooks.clear()


class BenchDiscord(OfflineDiscord):
    """An OfflineDiscord with arrival times and PLAYERS extra members."""

    def __init__(self, *, validate: bool = False) -> None:
        world = World.default()
        club = world.guilds[GUILD]
        for index in range(PLAYERS):
            world.add_user(player(index))
            world.add_member(club, player(index))
        super().__init__(world, token=FAKE_TOKEN, validate=validate)
        self.arrivals = Arrivals()
        # Before start(): aiohttp freezes the middleware list when the app is set up.
        self.server.app.middlewares.append(self.arrivals.middleware)

    def last_interaction(self) -> InteractionRecord:
        """The newest interaction (dicts keep insertion order); for calls that return no
        record, such as autocomplete. Only meaningful when one interaction runs at a time."""
        return next(reversed(self.server.interactions.values()))

    def endpoints(self) -> dict[str, str]:
        return {"DISCORD_API_BASE": self.api_base, "DISCORD_GATEWAY_URL": self.gateway_url}
