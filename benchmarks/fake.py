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

- **The OpenAPI check, later.** Every JSON body is kept and checked against Discord's spec
  between measurements (`check_bodies`), not in the request's path: a JSON-schema pass per
  request would take a share of the cores the bots run on, and charge it to whichever bot
  answered (the larger replies the most). Discord's hand-written rules (limits, deadline,
  acknowledgement) still apply at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from benchmarks.procs import FAKE_TOKEN
from bot.offline import OfflineDiscord, World, rules
from bot.offline.server import API_PREFIX
from bot.offline.spec import load_spec, spec_path
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


@dataclass
class LaterChecks:
    """Every JSON body the bots send, kept (after its arrival was stamped and it was
    answered) to be checked against Discord's OpenAPI spec between measurements, not
    while they run: a JSON-schema pass per request in this process would take a core the
    bots share. Identical bodies (the same card sent again) are checked once."""

    spec: Any
    pending: list[tuple[str, str, bytes]] = field(default_factory=list)
    seen: set[tuple[str, str, bytes]] = field(default_factory=set)
    checked: int = 0

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if request.body_exists and request.content_type == "application/json":
            resource = request.match_info.route.resource
            template = resource.canonical[len(API_PREFIX):] if resource else request.path
            self.pending.append((request.method, template, await request.read()))
        return response

    def run(self) -> list[str]:
        """Check what was kept since the last call; the violations, as text."""
        found: list[str] = []
        pending, self.pending = self.pending, []
        for key in pending:
            if key in self.seen:
                continue
            self.seen.add(key)
            self.checked += 1
            method, template, raw = key
            body = json.loads(raw)
            strip = ("data",) if template.endswith("/callback") else ()
            found += [f"{method} {template}: {v}" for v in
                      rules.schema_violations(self.spec, method, template, body, strip=strip)]
        return found


class BenchDiscord(OfflineDiscord):
    """An OfflineDiscord with arrival times, PLAYERS extra members, and (`validate`) the
    OpenAPI check of every body, run later (`check_bodies`), off the measured path."""

    def __init__(self, *, validate: bool = False, check_later: bool = False) -> None:
        world = World.default()
        club = world.guilds[GUILD]
        for index in range(PLAYERS):
            world.add_user(player(index))
            world.add_member(club, player(index))
        super().__init__(world, token=FAKE_TOKEN, validate=validate)
        self.arrivals = Arrivals()
        # Before start(): aiohttp freezes the middleware list when the app is set up.
        self.server.app.middlewares.append(self.arrivals.middleware)
        self.later: LaterChecks | None = None
        if check_later:
            spec = load_spec(spec_path())
            if spec is not None:
                self.later = LaterChecks(spec)
                self.server.app.middlewares.append(self.later.middleware)

    def check_bodies(self) -> list[str]:
        """The OpenAPI check of the bodies sent since the last call (see LaterChecks)."""
        return self.later.run() if self.later is not None else []

    @property
    def guild_id(self) -> int:
        """Drama Club's id: DEV_GUILD_ID for the bot, as a developer would set it."""
        return self.world.guilds[GUILD].id

    def last_interaction(self) -> InteractionRecord:
        """The newest interaction (dicts keep insertion order); for calls that return no
        record, such as autocomplete. Only meaningful when one interaction runs at a time."""
        return next(reversed(self.server.interactions.values()))

    def endpoints(self) -> dict[str, str]:
        return {"DISCORD_API_BASE": self.api_base, "DISCORD_GATEWAY_URL": self.gateway_url}
