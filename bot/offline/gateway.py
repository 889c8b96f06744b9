"""The gateway websocket: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME.

Frames go out as plain text (discord.py only decompresses binary frames, so zlib is not
needed). Every dispatch is logged with its sequence number so a client that lost its
connection can RESUME and receive what it missed, as on Discord.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.offline.world import World

log = logging.getLogger(__name__)

JSON = dict[str, Any]

HEARTBEAT_INTERVAL_MS = 41250
REPLAY_LOG = 5000
INTENT_GUILD_MEMBERS = 1 << 1


@dataclass
class Session:
    """One identified gateway session; survives dropped connections until replaced."""

    session_id: str
    intents: int
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    log: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_LOG))


class Gateway:
    """Serves the bot's websocket and dispatches events to it."""

    def __init__(self, world: World, token: Callable[[], str], gateway_url: Callable[[], str],
                 on_change: Callable[[], None]) -> None:
        self._world = world
        self._token = token
        self._gateway_url = gateway_url
        self._on_change = on_change
        self._lock = asyncio.Lock()
        self.session: Session | None = None
        self.identifies = 0
        self.resumes = 0
        self.replayed = 0
        self.guilds_sent = False

    @property
    def connected(self) -> bool:
        return self.session is not None and self.session.ws is not None

    def has_intent(self, bit: int) -> bool:
        return self.session is not None and bool(self.session.intents & bit)

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
            if self.session is not None and self.session.ws is ws:
                self.session.ws = None
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
        self.session = Session(secrets.token_hex(16), int(data.get("intents") or 0), ws=ws)
        self.identifies += 1
        self.guilds_sent = False
        await self.dispatch("READY", self._ready(data))
        for guild in list(self._world.guilds.values()):
            await self.dispatch("GUILD_CREATE", guild.payload(
                include_members=self.has_intent(INTENT_GUILD_MEMBERS)))
        self.guilds_sent = True
        self._on_change()

    def _ready(self, identify: JSON) -> JSON:
        bot = self._world.bot
        ready: JSON = {
            "v": 10,
            "user": {**bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True}
                       for g in self._world.guilds.values()],
            "session_id": self.session.session_id if self.session else "",
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
        session = self.session
        if (session is None or data.get("session_id") != session.session_id
                or data.get("token") != self._token()):
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

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send an event, or keep it for replay if the bot is between connections."""
        session = self.session
        if session is None:
            log.debug("No gateway session; %s not sent", event)
            return
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

    async def drop(self, code: int = 4000) -> None:
        """Close the bot's connection the way a network blip would; it should RESUME."""
        session = self.session
        if session is None or session.ws is None:
            raise RuntimeError("the bot is not connected to the gateway")
        async with self._lock:
            ws, session.ws = session.ws, None
        await ws.close(code=code, message=b"offline Discord: connection dropped")

    async def close(self) -> None:
        session = self.session
        if session is not None and session.ws is not None:
            await session.ws.close(code=1001, message=b"offline Discord: shutting down")


async def _send_quietly(ws: web.WebSocketResponse, frame: str) -> None:
    """A send to a closing socket is not an error: the frame is in the replay log."""
    if ws.closed:
        return
    try:
        await ws.send_str(frame)
    except (ConnectionError, RuntimeError):
        log.debug("Frame not delivered; it will be replayed on RESUME")
