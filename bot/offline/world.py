"""The people and places of the offline Discord: guilds, channels, roles, members, users.

Everything here is plain data with a `payload()` that produces exactly the JSON shape
Discord sends, so the gateway and REST handlers never assemble objects by hand. Ids are
real snowflakes (time-based) because discord.py derives `created_at` and interaction
expiry from them.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 53) - 1

EVERYONE_DEFAULT = (
    CREATE_INSTANT_INVITE | ADD_REACTIONS | VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
    | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | CONNECT | SPEAK
    | CHANGE_NICKNAME | USE_APPLICATION_COMMANDS | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
BOT_ROLE_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY

PERMISSION_NAMES = {
    ADMINISTRATOR: "Administrator", MANAGE_CHANNELS: "Manage Channels",
    MANAGE_GUILD: "Manage Server", VIEW_CHANNEL: "View Channel",
    SEND_MESSAGES: "Send Messages", MANAGE_MESSAGES: "Manage Messages",
    EMBED_LINKS: "Embed Links", MENTION_EVERYONE: "Mention Everyone",
}


def permission_names(bits: int) -> str:
    """Readable names for the permission bits set in `bits` (unknown ones by number)."""
    names = [PERMISSION_NAMES.get(1 << i, f"bit {i}") for i in range(53) if bits >> i & 1]
    return ", ".join(names) or "none"


# Channel types.
GUILD_TEXT = 0
DM = 1


class Snowflakes:
    """Unique, increasing, time-based ids, as Discord makes them. With `at_ms` (ms since
    Discord's epoch) every id carries that fixed time instead of the clock's, so the same
    sequence of calls gives the same ids in every run (a world that outlives a process)."""

    def __init__(self, at_ms: int | None = None) -> None:
        self._counter = itertools.count()
        self.at_ms = at_ms

    def next(self, shard: tuple[int, int] | None = None) -> int:
        """A new id; with `shard=(shard_id, shard_count)`, one Discord puts on that shard
        (`(id >> 22) % shard_count == shard_id`: the timestamp is moved up to
        shard_count - 1 ms ahead)."""
        ms = self.at_ms if self.at_ms is not None else int(time.time() * 1000) - DISCORD_EPOCH_MS
        if shard is not None:
            shard_id, count = shard
            ms += (shard_id - ms) % count
        return (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)


STABLE_WORLD_MS = 40_000_000_000  # a fixed moment (2016) for the ids of a stable world


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    id: int
    name: str
    global_name: str | None = None
    bot: bool = False
    locale: str = "en-US"  # the client language, sent as an interaction's `locale`

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    mentionable: bool = False
    managed: bool = False

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> JSON:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow),
                "deny": str(self.deny)}


@dataclass
class Channel:
    id: int
    name: str
    guild_id: int | None
    type: int = GUILD_TEXT
    position: int = 0
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient: User | None = None  # DMs only

    @property
    def label(self) -> str:
        """How people name it: "#quiz", or "DM with fan1"."""
        if self.recipient is not None:
            return f"DM with {self.recipient.name}"
        return f"#{self.name}"

    def payload(self) -> JSON:
        if self.type == DM:
            recipients = [self.recipient.payload()] if self.recipient else []
            return {"id": str(self.id), "type": DM, "last_message_id": None,
                    "flags": 0, "recipients": recipients}
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "parent_id": None,
            "topic": self.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    role_ids: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=iso_now)
    nick: str | None = None

    def payload(self, permissions: int | None = None, *, with_user: bool = True) -> JSON:
        data: JSON = {
            "roles": [str(r) for r in self.role_ids],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    locale: str = "en-US"

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def channel_named(self, name: str) -> Channel | None:
        wanted = name.lstrip("#")
        return next((c for c in self.channels.values() if c.name == wanted), None)

    def role_named(self, name: str) -> Role | None:
        wanted = name.lstrip("@")
        return next((r for r in self.roles.values() if r.name == wanted), None)

    def base_permissions(self, member: Member) -> int:
        """Guild-level permissions: @everyone plus the member's roles (owner/admin: all)."""
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.everyone.permissions
        for role_id in member.role_ids:
            role = self.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def permissions_in(self, member: Member, channel: Channel) -> int:
        """Channel permissions, applying overwrites in Discord's order: @everyone, roles,
        then the member."""
        perms = self.base_permissions(member)
        if perms == ALL_PERMISSIONS:
            return perms
        by_id = {o.id: o for o in channel.overwrites}
        everyone = by_id.get(self.id)
        if everyone is not None:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.role_ids:
            ow = by_id.get(role_id)
            if ow is not None and ow.type == 0:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        own = by_id.get(member.user.id)
        if own is not None and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        return perms

    def payload(self, *, include_members: bool) -> JSON:
        """The GUILD_CREATE body. Without the members intent Discord sends only the bot."""
        members = list(self.members.values())
        sent = members if include_members else [m for m in members if m.user.bot]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "voice_states": [],
            "members": [m.payload() for m in sent],
            "channels": [c.payload() for c in self.channels.values()],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class World:
    """Everything the fake knows about: the bot, users by name, guilds by name."""

    bot: User
    users: dict[str, User] = field(default_factory=dict)
    guilds: dict[str, Guild] = field(default_factory=dict)
    ids: Snowflakes = field(default_factory=Snowflakes)
    dms: dict[int, Channel] = field(default_factory=dict)  # by recipient user id

    @classmethod
    def empty(cls, bot_name: str = "DramaBot", ids: Snowflakes | None = None) -> World:
        ids = ids or Snowflakes()
        return cls(bot=User(ids.next(), bot_name, bot=True), ids=ids)

    @classmethod
    def default(cls, *, stable: bool = False) -> World:
        """Two servers to play in.

        "Drama Club" (#general, #quiz, #quiz-2): owner, admin (Manage Server), fan1-3.
        "Drama Lounge" (#general, #quiz): owner, fan1, fan2 - for per-server isolation.

        `stable`: the bot, users, servers, channels and roles get the same ids in every
        run, so what the bot keeps by id (scores, a server's settings) finds them again
        after a restart (the console and `dramabot ask`); messages stay time-based."""
        world = cls.empty(ids=Snowflakes(at_ms=STABLE_WORLD_MS) if stable else None)
        world._populate()
        if stable:
            world.ids = Snowflakes()
        return world

    def _populate(self) -> None:
        for name in ("owner", "admin", "fan1", "fan2", "fan3"):
            self.add_user(name)
        club = self.add_guild("Drama Club", owner="owner",
                               channels=("general", "quiz", "quiz-2"))
        self.add_role(club, "Admin", MANAGE_GUILD)
        for name in ("admin", "fan1", "fan2", "fan3"):
            self.add_member(club, name, roles=("Admin",) if name == "admin" else ())
        lounge = self.add_guild("Drama Lounge", owner="owner", channels=("general", "quiz"))
        for name in ("fan1", "fan2"):
            self.add_member(lounge, name)

    def add_user(self, name: str, *, global_name: str | None = None) -> User:
        user = User(self.ids.next(), name, global_name=global_name or name.capitalize())
        self.users[name] = user
        return user

    def add_guild(self, name: str, *, owner: str, channels: tuple[str, ...] = ("general",),
                  shard: tuple[int, int] | None = None) -> Guild:
        """A guild with @everyone, the bot's managed role, the owner and the bot; with
        `shard=(shard_id, shard_count)`, one whose events Discord sends to that shard."""
        gid = self.ids.next(shard)
        owner_user = self.users[owner]
        guild = Guild(gid, name, owner_user.id)
        guild.roles[gid] = Role(gid, "@everyone", EVERYONE_DEFAULT)
        bot_role = Role(self.ids.next(), self.bot.name, BOT_ROLE_PERMISSIONS, position=1,
                        managed=True)
        guild.roles[bot_role.id] = bot_role
        guild.members[owner_user.id] = Member(owner_user)
        guild.members[self.bot.id] = Member(self.bot, [bot_role.id])
        for position, channel_name in enumerate(channels):
            self.add_channel(guild, channel_name, position=position)
        self.guilds[name] = guild
        return guild

    def add_channel(self, guild: Guild, name: str, *, position: int | None = None,
                    overwrites: list[Overwrite] | None = None) -> Channel:
        pos = len(guild.channels) if position is None else position
        channel = Channel(self.ids.next(), name, guild.id, position=pos,
                          overwrites=overwrites or [])
        guild.channels[channel.id] = channel
        return channel

    def add_role(self, guild: Guild, name: str, permissions: int, *,
                 mentionable: bool = False) -> Role:
        role = Role(self.ids.next(), name, permissions, position=len(guild.roles),
                    mentionable=mentionable)
        guild.roles[role.id] = role
        return role

    def add_member(self, guild: Guild, user: str, *, roles: tuple[str, ...] = ()) -> Member:
        role_ids = []
        for role_name in roles:
            role = guild.role_named(role_name)
            if role is None:
                raise KeyError(f"no role {role_name!r} in {guild.name!r}")
            role_ids.append(role.id)
        member = Member(self.users[user], role_ids)
        guild.members[member.user.id] = member
        return member

    def user_by_id(self, user_id: int) -> User | None:
        if user_id == self.bot.id:
            return self.bot
        return next((u for u in self.users.values() if u.id == user_id), None)

    def guild_by_id(self, guild_id: int) -> Guild | None:
        return next((g for g in self.guilds.values() if g.id == guild_id), None)

    def channel_by_id(self, channel_id: int) -> Channel | None:
        for guild in self.guilds.values():
            channel = guild.channels.get(channel_id)
            if channel is not None:
                return channel
        return next((c for c in self.dms.values() if c.id == channel_id), None)

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with `user`, opened on first use as on Discord."""
        channel = self.dms.get(user.id)
        if channel is None:
            channel = Channel(self.ids.next(), "", None, type=DM, recipient=user)
            self.dms[user.id] = channel
        return channel
