"""The gateway websocket: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME, shards.

Frames go out as plain text (discord.py only decompresses binary frames, so zlib is not
needed). Every dispatch is logged with its sequence number so a client that lost its
connection can RESUME and receive what it missed, as on Discord.

Sharding as on Discord: IDENTIFY may carry `shard: [shard_id, shard_count]`; each shard's
session receives only the events of its guilds (`(guild_id >> 22) % shard_count`; DMs go
to shard 0). A bad shard closes with 4010, a shard with more guilds than one may hold with
4011, and each `max_concurrency` bucket (`shard_id % max_concurrency`) may IDENTIFY once
per `identify_interval` seconds (Discord: 5): a faster IDENTIFY gets op 9 Invalid Session.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.offline.world import World
from bot.shards import shard_of

log = logging.getLogger(__name__)

JSON = dict[str, Any]

HEARTBEAT_INTERVAL_MS = 41250
REPLAY_LOG = 5000
INTENT_GUILD_MEMBERS = 1 << 1
IDENTIFY_INTERVAL = 5.0  # Discord: one IDENTIFY per 5 s per concurrency bucket
MAX_GUILDS_PER_SHARD = 2500  # Discord closes with 4011 beyond this
RECOMMENDED_GUILDS_PER_SHARD = 1000  # what GET /gateway/bot's `shards` is based on
SESSION_STARTS = 1000  # session_start_limit.total per day


@dataclass
class ShardLimits:
    """How the fake shards: Discord's values unless a test or the console sets others."""

    max_concurrency: int = 1
    identify_interval: float = IDENTIFY_INTERVAL
    max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD
    recommended_shards: int | None = None  # None: from the guild count, as Discord does

@dataclass
class Session:
    """One identified gateway session; survives dropped connections until replaced."""

    session_id: str
    intents: int
    shard_id: int = 0
    shard_count: int = 1
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    log: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_LOG))
    guilds_sent: bool = False
    peer: tuple[str, int] = ("", 0)  # the client end of the websocket that identified


class Gateway:
    """Serves the bot's websockets (one session per shard) and dispatches events."""

    def __init__(self, world: World, token: Callable[[], str], gateway_url: Callable[[], str],
                 on_change: Callable[[], None], limits: ShardLimits | None = None) -> None:
        self._world = world
        self._token = token
        self._gateway_url = gateway_url
        self._on_change = on_change
        self.limits = limits or ShardLimits()
        self._lock = asyncio.Lock()
        self.sessions: dict[int, Session] = {}  # by shard id
        self._last_identify: dict[int, float] = {}  # by concurrency bucket
        self.identifies = 0
        self.resumes = 0
        self.replayed = 0
        self.rate_limited = 0

    # ---- shards ------------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        """Shard 0's session (the only one of an unsharded bot)."""
        return self.sessions.get(0) or next(iter(self.sessions.values()), None)

    @property
    def shard_count(self) -> int:
        session = self.session
        return session.shard_count if session is not None else 1

    def recommended_shards(self) -> int:
        if self.limits.recommended_shards is not None:
            return self.limits.recommended_shards
        return max(1, math.ceil(len(self._world.guilds) / RECOMMENDED_GUILDS_PER_SHARD))

    def session_start_limit(self) -> JSON:
        return {"total": SESSION_STARTS, "remaining": max(0, SESSION_STARTS - self.identifies),
                "reset_after": 0, "max_concurrency": self.limits.max_concurrency}

    def session_for(self, guild_id: int | None) -> Session | None:
        """The session Discord would send this guild's events to (DMs: shard 0)."""
        shard = 0 if guild_id is None else shard_of(guild_id, self.shard_count)
        return self.sessions.get(shard)

    def guilds_of(self, session: Session) -> list[Any]:
        return [g for g in self._world.guilds.values()
                if shard_of(g.id, session.shard_count) == session.shard_id]

    def shard_ready(self, shard_id: int) -> bool:
        """The shard identified and received its guilds, and is connected."""
        session = self.sessions.get(shard_id)
        return session is not None and session.guilds_sent and session.ws is not None

    @property
    def guilds_sent(self) -> bool:
        """Some shard identified, and every identified shard received its guilds (a
        process may run only some of the shards; the client itself waits for all of
        its own)."""
        return bool(self.sessions) and all(s.guilds_sent for s in self.sessions.values())

    @property
    def connected(self) -> bool:
        return any(s.ws is not None for s in self.sessions.values())

    def has_intent(self, bit: int) -> bool:
        session = self.session
        return session is not None and bool(session.intents & bit)

    # ---- the websocket -----------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "s": None, "t": None,
                                      "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}))
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._receive(ws, json.loads(message.data))
        finally:
            for session in self.sessions.values():
                if session.ws is ws:
                    session.ws = None
            self._on_change()
        return ws

    async def _receive(self, ws: web.WebSocketResponse, frame: JSON) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            await self._send(ws, {"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            await self._identify(ws, data or {})
        elif op == 6:
            await self._resume(ws, data or {})
        elif op == 8:
            await self._request_members(data or {})

    async def _send(self, ws: web.WebSocketResponse, frame: JSON) -> None:
        async with self._lock:
            await _send_quietly(ws, json.dumps(frame))

    async def _identify(self, ws: web.WebSocketResponse, data: JSON) -> None:
        if data.get("token") != self._token():
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = _shard(data.get("shard"))
        if shard is None:
            await ws.close(code=4010, message=b"Invalid shard.")
            return
        shard_id, shard_count = shard
        if not self._may_identify(shard_id):
            self.rate_limited += 1
            await self._send(ws, {"op": 9, "s": None, "t": None, "d": False})
            return
        peer = ws.get_extra_info("peername") or ("", 0)
        session = Session(secrets.token_hex(16), int(data.get("intents") or 0),
                          shard_id, shard_count, ws=ws, peer=(str(peer[0]), int(peer[1])))
        guilds = self.guilds_of(session)
        if len(guilds) > self.limits.max_guilds_per_shard:
            await ws.close(code=4011, message=b"Sharding required.")
            return
        # A new shard count is a new layout: sessions of the old one get nothing more.
        self.sessions = {k: v for k, v in self.sessions.items()
                         if v.shard_count == shard_count}
        self.sessions[shard_id] = session  # replaces (and forgets) an older session
        self.identifies += 1
        self._last_identify[shard_id % self.limits.max_concurrency] = time.monotonic()
        await self._dispatch_to(session, "READY", self._ready(data, session, guilds))
        for guild in guilds:
            await self._dispatch_to(session, "GUILD_CREATE", guild.payload(
                include_members=bool(session.intents & INTENT_GUILD_MEMBERS)))
        session.guilds_sent = True
        self._on_change()

    def _may_identify(self, shard_id: int) -> bool:
        """Discord's identify rate: once per interval in each concurrency bucket."""
        last = self._last_identify.get(shard_id % self.limits.max_concurrency)
        return last is None or time.monotonic() - last >= self.limits.identify_interval

    def _ready(self, identify: JSON, session: Session, guilds: list[Any]) -> JSON:
        bot = self._world.bot
        ready: JSON = {
            "v": 10,
            "user": {**bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self._gateway_url(),
            "application": {"id": str(bot.id), "flags": 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["offline-discord"],
        }
        if "shard" in identify:
            ready["shard"] = identify["shard"]
        return ready

    async def _resume(self, ws: web.WebSocketResponse, data: JSON) -> None:
        session = next((s for s in self.sessions.values()
                        if s.session_id == data.get("session_id")), None)
        if session is None or data.get("token") != self._token():
            await self._send(ws, {"op": 9, "s": None, "t": None, "d": False})
            return
        since = int(data.get("seq") or 0)
        async with self._lock:
            missed = [frame for seq, frame in session.log if seq > since]
            if session.log and session.log[0][0] > since + 1:
                await _send_quietly(ws, json.dumps({"op": 9, "s": None, "t": None, "d": False}))
                return
            session.ws = ws
            for frame in missed:
                await _send_quietly(ws, frame)
            resumed = {"op": 0, "t": "RESUMED", "s": session.seq, "d": {}}
            await _send_quietly(ws, json.dumps(resumed))
        self.resumes += 1
        self.replayed += len(missed)
        self._on_change()

    async def _request_members(self, data: JSON) -> None:
        guild = self._world.guild_by_id(int(data.get("guild_id") or 0))
        if guild is None:
            return
        members = [m.payload() for m in guild.members.values()]
        await self.dispatch("GUILD_MEMBERS_CHUNK", {
            "guild_id": str(guild.id), "members": members, "chunk_index": 0,
            "chunk_count": 1, "not_found": [], "nonce": data.get("nonce")})

    async def dispatch(self, event: str, data: JSON) -> int | None:
        """Send an event to the shard of its guild (`data["guild_id"]`; none: shard 0),
        or keep it for replay if that shard is between connections. Returns the shard it
        went to; None when no session has that shard (its process is gone): the event is
        lost, as on Discord."""
        raw = data.get("guild_id")
        session = self.session_for(int(raw) if raw else None)
        if session is None:
            log.debug("No gateway session for the shard; %s not sent", event)
            return None
        await self._dispatch_to(session, event, data)
        return session.shard_id

    async def _dispatch_to(self, session: Session, event: str, data: JSON) -> None:
        async with self._lock:
            session.seq += 1
            frame = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
            session.log.append((session.seq, frame))
            if session.ws is not None:
                await _send_quietly(session.ws, frame)

    async def send_raw(self, text: str) -> None:
        """Send `text` as one frame exactly (e.g. JSON a strict decoder refuses, or no JSON
        at all); it takes no sequence number and is not replayed."""
        session = self.session
        if session is None or session.ws is None:
            raise RuntimeError("the bot is not connected to the gateway")
        async with self._lock:
            await _send_quietly(session.ws, text)

    async def drop(self, code: int = 4000, *, shard_id: int | None = None) -> None:
        """Close a shard's connection (default: shard 0's) the way a network blip would;
        it should RESUME."""
        session = self.session if shard_id is None else self.sessions.get(shard_id)
        if session is None or session.ws is None:
            raise RuntimeError("the bot is not connected to the gateway")
        async with self._lock:
            ws, session.ws = session.ws, None
        await ws.close(code=code, message=b"offline Discord: connection dropped")

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            if session.ws is not None:
                await session.ws.close(code=1001, message=b"offline Discord: shutting down")


def _shard(raw: Any) -> tuple[int, int] | None:
    """IDENTIFY's `shard` as (id, count): absent is (0, 1); anything but two integers
    with 0 <= id < count is invalid (None: close code 4010)."""
    if raw is None:
        return 0, 1
    if (not isinstance(raw, list) or len(raw) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in raw)):
        return None
    shard_id, count = raw
    return (shard_id, count) if 0 <= shard_id < count else None


async def _send_quietly(ws: web.WebSocketResponse, frame: str) -> None:
    """A send to a closing socket is not an error: the frame is in the replay log."""
    if ws.closed:
        return
    try:
        await ws.send_str(frame)
    except (ConnectionError, RuntimeError):
        log.debug("Frame not delivered; it will be replayed on RESUME")
