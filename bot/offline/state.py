"""What the offline Discord remembers: messages (latest state), synced commands and
interactions, plus a notifier so the harness can wait for "the bot answered" without
polling."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.offline.rules import Pings, Violation
from bot.offline.world import Channel, Guild, Snowflakes, User, iso_now

JSON = dict[str, Any]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
# Flags a bot may set on a message; the rest are Discord's to set.
SETTABLE_FLAGS = (1 << 2) | EPHEMERAL | (1 << 12) | (1 << 15)


class Notifier:
    """Wakes every waiter on any change; waiters re-check their own predicate.

    One shared notifier keeps the server simple; predicates are O(1) lookups, so even a
    few hundred concurrent waiters cost little."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True


@dataclass
class MessageMeta:
    """What Discord knows about a message beyond its payload."""

    channel_id: int
    ephemeral: bool = False
    visible_to: int | None = None  # the only user who sees an ephemeral message
    interaction_id: int | None = None
    version: int = 0  # bumped on every edit, so waiters can see "edited since"
    deleted: bool = False
    pings: Pings | None = None


class MessageStore:
    """Every message in every channel, by id, in its latest state."""

    def __init__(self, ids: Snowflakes) -> None:
        self._ids = ids
        self._messages: dict[int, JSON] = {}
        self._meta: dict[int, MessageMeta] = {}
        self._by_channel: dict[int, list[int]] = {}

    def create(self, channel: Channel, author: User, body: JSON, *, guild: Guild | None,
               message_type: int = 0, extra: JSON | None = None,
               meta: MessageMeta | None = None) -> JSON:
        message_id = self._ids.next()
        flags = int(body.get("flags") or 0) & SETTABLE_FLAGS
        message: JSON = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "type": message_type,
            "content": "",
            "author": author.payload(),
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "flags": flags,
        }
        if guild is not None:
            message["guild_id"] = str(guild.id)
        message.update(extra or {})
        _apply_body(message, body)
        self._messages[message_id] = message
        self._meta[message_id] = meta or MessageMeta(channel.id)
        self._by_channel.setdefault(channel.id, []).append(message_id)
        return message

    def edit(self, message_id: int, body: JSON, *, keep_flags: int = 0) -> JSON:
        """Apply an edit body: fields present replace, absent ones stay. `keep_flags` are
        the message's own whatever the body says: an edit (or the follow-up that fills a
        deferred "thinking..." original) cannot make a message ephemeral or public."""
        message = self._messages[message_id]
        _apply_body(message, body)
        if "flags" in body:
            sent = int(body.get("flags") or 0) & SETTABLE_FLAGS & ~keep_flags
            message["flags"] = sent | (int(message["flags"]) & keep_flags)
        message["edited_timestamp"] = iso_now()
        self._meta[message_id].version += 1
        return message

    def clear_flag(self, message_id: int, flag: int) -> None:
        message = self._messages[message_id]
        message["flags"] = int(message["flags"]) & ~flag

    def delete(self, message_id: int) -> None:
        self._meta[message_id].deleted = True
        self._meta[message_id].version += 1

    def get(self, message_id: int) -> JSON | None:
        """The live message (None if unknown or deleted). Callers copy before handing out."""
        meta = self._meta.get(message_id)
        if meta is None or meta.deleted:
            return None
        return self._messages[message_id]

    def meta(self, message_id: int) -> MessageMeta | None:
        return self._meta.get(message_id)

    def snapshot(self, message_id: int) -> JSON | None:
        message = self.get(message_id)
        return copy.deepcopy(message) if message is not None else None

    def in_channel(self, channel_id: int, *, include_ephemeral: bool = False
                   ) -> list[JSON]:
        out = []
        for message_id in self._by_channel.get(channel_id, []):
            meta = self._meta[message_id]
            if meta.deleted or (meta.ephemeral and not include_ephemeral):
                continue
            out.append(self._messages[message_id])
        return out

    def version(self, message_id: int) -> int:
        meta = self._meta.get(message_id)
        return meta.version if meta else -1


def _apply_body(message: JSON, body: JSON) -> None:
    if "content" in body:
        message["content"] = body.get("content") or ""
    if "embeds" in body:
        message["embeds"] = [{"type": "rich", **e} for e in body.get("embeds") or []
                             if isinstance(e, dict)]
    if "components" in body:
        message["components"] = copy.deepcopy(body.get("components") or [])
    if "attachments" in body and isinstance(body.get("attachments"), list):
        keep = {str(a.get("id")) for a in body["attachments"] if isinstance(a, dict)}
        message["attachments"] = [a for a in message["attachments"] if a["id"] in keep]
    if "poll" in body and body.get("poll"):
        message["poll"] = copy.deepcopy(body["poll"])


@dataclass
class SyncRecord:
    """One command sync (PUT) the bot made: where, and which command names."""

    guild_id: int | None
    names: tuple[str, ...]
    agent: str = ""  # the User-Agent it came with (a sharded dramabot names its shards)


class CommandRegistry:
    """Application commands as the bot synced them, global and per guild. Ids stay stable
    across re-syncs of the same name, as on Discord."""

    def __init__(self, ids: Snowflakes, application_id: int) -> None:
        self._ids = ids
        self._app_id = application_id
        self._scopes: dict[int | None, dict[tuple[int, str], JSON]] = {None: {}}
        self._known_ids: dict[tuple[int | None, int, str], int] = {}
        self.syncs: list[SyncRecord] = []

    def put(self, guild_id: int | None, bodies: Iterable[JSON], agent: str = "") -> list[JSON]:
        scope: dict[tuple[int, str], JSON] = {}
        for body in bodies:
            command = self._stored(guild_id, body)
            scope[(command["type"], command["name"])] = command
        self._scopes[guild_id] = scope
        self.syncs.append(SyncRecord(guild_id, tuple(c["name"] for c in scope.values()), agent))
        return list(scope.values())

    def upsert(self, guild_id: int | None, body: JSON) -> JSON:
        command = self._stored(guild_id, body)
        self._scopes.setdefault(guild_id, {})[(command["type"], command["name"])] = command
        return command

    def in_scope(self, guild_id: int | None) -> list[JSON]:
        return list(self._scopes.get(guild_id, {}).values())

    def get(self, guild_id: int | None, command_id: int) -> JSON | None:
        return next((c for c in self.in_scope(guild_id) if int(c["id"]) == command_id), None)

    def delete(self, guild_id: int | None, command_id: int) -> bool:
        scope = self._scopes.get(guild_id, {})
        for key, command in list(scope.items()):
            if int(command["id"]) == command_id:
                del scope[key]
                return True
        return False

    def edit(self, guild_id: int | None, command_id: int, body: JSON) -> JSON | None:
        current = self.get(guild_id, command_id)
        if current is None:
            return None
        self.delete(guild_id, command_id)
        merged = {k: v for k, v in current.items() if k not in ("id", "version")}
        return self.upsert(guild_id, {**merged, **body})

    def visible_in(self, guild_id: int | None) -> list[JSON]:
        """Commands a user can pick in a guild (guild ones first) or in a DM (global)."""
        own = self.in_scope(guild_id) if guild_id is not None else []
        return own + self.in_scope(None)

    def _stored(self, guild_id: int | None, body: JSON) -> JSON:
        kind = int(body.get("type") or 1)
        key = (guild_id, kind, str(body.get("name")))
        command_id = self._known_ids.setdefault(key, self._ids.next())
        command: JSON = {
            "type": kind,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "name_localizations": None,
            "description_localizations": None,
            "integration_types": [0],
            "contexts": None,
            **copy.deepcopy(body),
            "id": str(command_id),
            "application_id": str(self._app_id),
            "version": str(self._ids.next()),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command


@dataclass
class InteractionRecord:
    """One interaction the fake sent and everything the bot did with it."""

    id: int
    token: str
    type: int
    payload: JSON
    label: str
    user: User
    channel: Channel
    guild: Guild | None
    created: float
    source_message_id: int | None = None
    response_type: int | None = None
    response_message_id: int | None = None
    loading: bool = False
    ack_version: int = 0
    rejections: list[Violation] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    choices: list[JSON] | None = None
    modal: JSON | None = None
    bodies: list[tuple[str, Any]] = field(default_factory=list)
    shard: int | None = None  # the gateway shard it was sent to (None: no session had it)
    # Where each answer came from, in order: the client's (host, port), which tells the
    # process of a multi-process bot apart (discord.py sends webhook calls without its
    # User-Agent).
    peers: list[tuple[str, int]] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None
