"""Play Discord users against the real bot: invoke commands, click buttons, pick
autocomplete suggestions, fill modals, and read what the bot answered.

    async with OfflineDiscord() as discord:       # on exit: RulesBroken if a rule broke
        with discord.patch_discord_py():           # or settings from discord.environ()
            async with discord.running(bot):       # starts the bot, waits until ready
                reply = await discord.invoke("/ost track 7", user="fan1", channel="general")
                assert reply.embed["title"] == "..."
                reply2 = await reply.click("Cast", user="fan2")

In tests, use the `offline_discord` and `dramabot` fixtures (tests/conftest.py).

Every wait is bounded: a bot that never answers fails with `NoResponse` after the
3-second deadline (plus a little slack), never hangs the suite. Broken rules are kept in
`discord.violations`; unless a test declares them with `expect_violation`, `stop()`
(and the pytest fixtures) fail the test on them.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

import yarl

from bot.offline.gateway import ShardLimits
from bot.offline.invocation import (
    CommandNotAvailable,
    Invocation,
    UsageError,
    parse_invocation,
)
from bot.offline.render import buttons_of, render_choices, render_message, render_modal
from bot.offline.rules import Pings, Violation, walk_components
from bot.offline.server import DEADLINE_SECONDS, OfflineServer, RateLimit
from bot.offline.spec import load_spec, spec_path, spec_status
from bot.offline.state import EPHEMERAL, InteractionRecord, SyncRecord
from bot.offline.world import (
    ADMINISTRATOR,
    Channel,
    Guild,
    Member,
    User,
    World,
    permission_names,
)

if TYPE_CHECKING:
    import discord as discord_py

JSON = dict[str, Any]

SLACK_SECONDS = 0.5
# After Discord refused a request, how long the bot may take to answer properly instead
# (an error handler's fallback message, or the real answer after a premature follow-up).
REJECTION_GRACE_SECONDS = 0.2
FOLLOWUP_SECONDS = 5.0
# A deferred update (callback 6) may legitimately change nothing visible, so its wait for
# an edit is short and never fails; reply.wait_for_edit() waits longer when a test must.
DEFERRED_UPDATE_SECONDS = 1.0
SPEC_MISSING = "OpenAPI spec not found: request bodies are not validated"


class NoResponse(AssertionError):
    """The bot did not answer in time (Discord: "The application did not respond")."""


class RulesBroken(AssertionError):
    """Discord rules were broken during the test and the test did not expect it."""


class RejectedResponse(AssertionError):
    """The bot's answer was refused by Discord, so there is nothing to read."""


class SpecMissingWarning(UserWarning):
    """The OpenAPI spec is absent: bodies are checked only against the hand rules."""


@dataclass(frozen=True)
class Button:
    """A button as the user sees it; `number` is its [n] in the rendered text."""

    number: int
    label: str | None
    custom_id: str | None
    style: int
    disabled: bool
    url: str | None
    emoji: str | None


class Reply:
    """What a user sees after acting: a new or updated message, suggestions, a form, or
    nothing because Discord rejected the bot's answer (`rejected`).

    A Reply is a snapshot taken when the answer arrived; `latest()` re-reads the message
    (e.g. after a quiz edited it) and `wait_for_edit()` waits for the next change."""

    def __init__(self, discord: OfflineDiscord, kind: str, message: JSON | None, *,
                 interaction: InteractionRecord | None = None, user: str | None = None
                 ) -> None:
        self.discord = discord
        self.kind = kind  # message | update | autocomplete | modal | rejected
        self.raw = message
        self.interaction = interaction
        self.user = user
        # The message's edit count when this snapshot was taken, for wait_for_edit.
        self.version = (discord.server.messages.version(int(message["id"]))
                        if message is not None else -1)

    def __repr__(self) -> str:
        message_id = self.raw["id"] if self.raw else None
        return f"<Reply {self.kind} {message_id}>\n{self.text}"

    # ---- reading -----------------------------------------------------------------------

    @property
    def rejected(self) -> bool:
        return self.kind == "rejected"

    @property
    def violations(self) -> list[Violation]:
        """Rules the bot broke while answering this interaction."""
        return list(self.interaction.rejections) if self.interaction else []

    def _message(self) -> JSON:
        if self.raw is None:
            if self.rejected:
                problems = "; ".join(str(v) for v in self.violations)
                raise RejectedResponse(f"Discord rejected the bot's answer: {problems}")
            raise AttributeError(f"a {self.kind} reply has no message")
        return self.raw

    @property
    def message_id(self) -> int:
        return int(self._message()["id"])

    @property
    def content(self) -> str:
        return str(self._message().get("content") or "")

    @property
    def embeds(self) -> list[JSON]:
        return list(self._message().get("embeds") or [])

    @property
    def embed(self) -> JSON:
        """The first embed (AssertionError if there is none)."""
        embeds = self.embeds
        assert embeds, f"the reply has no embed:\n{self.text}"
        return embeds[0]

    @property
    def components(self) -> list[JSON]:
        return list(self._message().get("components") or [])

    @property
    def buttons(self) -> list[Button]:
        return [_button(n, b) for n, b in enumerate(buttons_of(self.components), start=1)]

    @property
    def ephemeral(self) -> bool:
        return bool(int(self._message().get("flags") or 0) & EPHEMERAL)

    @property
    def text(self) -> str:
        """The message as plain text (see render.py); handy in assertion messages."""
        if self.kind == "autocomplete":
            return render_choices(self.choices)
        if self.kind == "modal":
            return render_modal(self.modal)
        if self.raw is None:
            return "(rejected: " + "; ".join(str(v) for v in self.violations) + ")"
        return render_message(self.raw)

    @property
    def pings(self) -> Pings | None:
        """Whom the message notified when sent, and the allowed_mentions.parse it had."""
        meta = self.discord.server.messages.meta(self.message_id)
        return meta.pings if meta else None

    @property
    def choices(self) -> list[JSON]:
        return list(self.interaction.choices or []) if self.interaction else []

    @property
    def modal(self) -> JSON:
        if self.interaction is None or self.interaction.modal is None:
            raise AttributeError(f"a {self.kind} reply is not a modal")
        return self.interaction.modal

    @property
    def body(self) -> Any:
        """The first body the bot sent for this interaction (the callback), as sent."""
        if not self.interaction or not self.interaction.bodies:
            return None
        return self.interaction.bodies[0][1]

    # ---- acting ------------------------------------------------------------------------

    async def click(self, button: str | int, *, user: str | None = None,
                    followup_timeout: float = FOLLOWUP_SECONDS) -> Reply:
        """Press a button by label, custom_id or number, on the message as it is now."""
        return await self.discord.click(self.message_id, button, user=self._who(user),
                                        followup_timeout=followup_timeout)

    async def select(self, menu: str, values: list[str], *, user: str | None = None,
                     followup_timeout: float = FOLLOWUP_SECONDS) -> Reply:
        """Choose `values` (option values or labels) in a string select menu."""
        return await self.discord.select(self.message_id, menu, values, user=self._who(user),
                                         followup_timeout=followup_timeout)

    async def submit_modal(self, values: Mapping[str, str], *, user: str | None = None,
                           followup_timeout: float = FOLLOWUP_SECONDS) -> Reply:
        """Fill the modal this reply opened (keys: input custom_id or label) and submit."""
        return await self.discord.submit_modal(self, values, user=self._who(user),
                                               followup_timeout=followup_timeout)

    def _who(self, user: str | None) -> str:
        who = user or self.user
        if who is None:
            raise UsageError("say which user acts: user='fan1'")
        return who

    def latest(self) -> Reply:
        """This message as it is now."""
        return self.discord.message(self.message_id, user=self.user)

    async def wait_for_edit(self, timeout: float = 3.0) -> Reply:
        """The message once it differs from this snapshot (at once if the bot already
        edited it since)."""
        server = self.discord.server
        message_id = self.message_id
        if not await server.notifier.wait_for(
                lambda: server.messages.version(message_id) != self.version, timeout):
            raise NoResponse(f"message {message_id} was not edited within {timeout:g} s")
        return self.discord.message(message_id, user=self.user)

    def messages(self) -> list[Reply]:
        """Every message this interaction produced so far (original, follow-ups), now."""
        if self.interaction is None:
            return [self.latest()]
        return [self.discord.message(m, user=self.user) for m in self.interaction.message_ids
                if self.discord.server.messages.get(m) is not None]


def _button(number: int, data: Mapping[str, Any]) -> Button:
    return Button(number, data.get("label"), data.get("custom_id"), int(data.get("style", 0)),
                  bool(data.get("disabled")), data.get("url"),
                  (data.get("emoji") or {}).get("name"))


class ViolationExpectation:
    """`with discord.expect_violation("embed.title"):` - the block must break that rule;
    the matching violations are then not counted against the test. `async with` also
    waits (bounded) for the violation to be recorded."""

    def __init__(self, discord: OfflineDiscord, pattern: str, timeout: float) -> None:
        self._discord = discord
        self.pattern = pattern
        self.timeout = timeout
        self.violations: list[Violation] = []
        self._start = 0

    def __enter__(self) -> ViolationExpectation:
        self._start = len(self._discord.violations)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self._settle()

    async def __aenter__(self) -> ViolationExpectation:
        return self.__enter__()

    async def __aexit__(self, kind: type[BaseException] | None,
                        error: BaseException | None, trace: TracebackType | None) -> None:
        if kind is None:
            await self._discord.server.notifier.wait_for(lambda: bool(self._found()),
                                                         self.timeout)
            self._settle()

    def _found(self) -> list[int]:
        found = self._discord.violations
        return [i for i in range(self._start, len(found)) if found[i].matches(self.pattern)]

    def _settle(self) -> None:
        indexes = self._found()
        if not indexes:
            seen = self._discord.violations[self._start:]
            listed = "\n".join(f"  {v}" for v in seen) or "  (none)"
            raise AssertionError(f"expected a violation matching {self.pattern!r}; "
                                 f"recorded:\n{listed}")
        self._discord.expected.update(indexes)
        self.violations = [self._discord.violations[i] for i in indexes]


class _Resolver:
    """Finds users, channels and roles named in option values (`fan2`, `@fan2`,
    `<@id>`, `#quiz`, `@Admin`) and fills the interaction's `resolved` data."""

    def __init__(self, world: World, guild: Guild | None, channel: Channel, user: User
                 ) -> None:
        self.world, self.guild, self.here = world, guild, channel
        self.member = guild.members.get(user.id) if guild else None

    def user(self, text: str, resolved: JSON) -> str:
        key = text.strip("<@!>").lstrip("@")
        user = (self.world.users.get(key) or
                (self.world.user_by_id(int(key)) if key.isdigit() else None))
        if user is None:
            raise KeyError(f"no user {text!r}; known: {', '.join(self.world.users)}")
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        member = self.guild.members.get(user.id) if self.guild else None
        if self.guild is not None and member is not None:
            permissions = self.guild.permissions_in(member, self.here)
            resolved.setdefault("members", {})[str(user.id)] = member.payload(
                permissions, with_user=False)
        return str(user.id)

    def channel(self, text: str, resolved: JSON) -> str:
        key = text.strip("<#>").lstrip("#")
        found = self.guild.channel_named(key) if self.guild else None
        if found is None and key.isdigit():
            found = self.world.channel_by_id(int(key))
        if found is None:
            raise KeyError(f"no channel {text!r} here")
        permissions = (self.guild.permissions_in(self.member, found)
                       if self.guild and self.member else 0)
        resolved.setdefault("channels", {})[str(found.id)] = {
            **found.payload(), "permissions": str(permissions)}
        return str(found.id)

    def role(self, text: str, resolved: JSON) -> str:
        key = text.strip("<@&>").lstrip("@")
        found = self.guild.role_named(key) if self.guild else None
        if found is None and key.isdigit() and self.guild:
            found = self.guild.roles.get(int(key))
        if found is None:
            raise KeyError(f"no role {text!r} here")
        resolved.setdefault("roles", {})[str(found.id)] = found.payload()
        return str(found.id)


def default_token(world: World) -> str:
    """A token shaped like a real one (three dot-separated parts), never valid on Discord."""
    first = base64.urlsafe_b64encode(str(world.bot.id).encode()).decode().rstrip("=")
    return f"{first}.offline.not-a-real-discord-token"


class OfflineDiscord:
    """An offline Discord on 127.0.0.1 and the users who play in it."""

    def __init__(self, world: World | None = None, *, token: str | None = None,
                 validate: bool = True, deadline: float = DEADLINE_SECONDS,
                 shards: ShardLimits | None = None) -> None:
        self.world = world or World.default()
        self.token = token or default_token(self.world)
        self.spec = load_spec(spec_path()) if validate else None
        if validate and self.spec is None:
            warnings.warn(spec_status(), SpecMissingWarning, stacklevel=2)
        self.server = OfflineServer(self.world, token=self.token, spec=self.spec,
                                    deadline=deadline, shards=shards)
        self.expected: set[int] = set()

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> OfflineDiscord:
        await self.server.start()
        return self

    async def stop(self, *, check: bool = True) -> None:
        """Shut down; then raise RulesBroken if unexpected violations were recorded."""
        await self.server.stop()
        if check:
            self.check()

    async def __aenter__(self) -> OfflineDiscord:
        return await self.start()

    async def __aexit__(self, kind: type[BaseException] | None,
                        error: BaseException | None, trace: TracebackType | None) -> None:
        await self.stop(check=kind is None)

    @property
    def api_base(self) -> str:
        return self.server.api_base

    @property
    def gateway_url(self) -> str:
        return self.server.gateway_url

    @property
    def bot_user(self) -> User:
        return self.world.bot

    @property
    def application_id(self) -> int:
        return self.world.bot.id

    def environ(self, **extra: str) -> dict[str, str]:
        """Settings for a bot pointed here (DISCORD_TOKEN, DISCORD_API_BASE,
        DISCORD_GATEWAY_URL), plus `extra`."""
        return {"DISCORD_TOKEN": self.token, "DISCORD_API_BASE": self.api_base,
                "DISCORD_GATEWAY_URL": self.gateway_url, **extra}

    @contextmanager
    def patch_discord_py(self) -> Iterator[None]:
        """Point discord.py's REST base and gateway here for the block, then restore."""
        from discord import http
        from discord.gateway import DiscordWebSocket

        saved = http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        http.Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved

    @asynccontextmanager
    async def running(self, bot: discord_py.Client,
                      start: Coroutine[Any, Any, None] | None = None, *,
                      timeout: float = 10.0, commands: bool = True
                      ) -> AsyncIterator[OfflineDiscord]:
        """Run `bot` here for the block: start it (`bot.start(token)`, or `start`, e.g.
        `serve(settings, bot=bot)`), wait until both sides are ready, close it cleanly.

        A bot that crashes while starting fails at once with its own exception. With
        commands=False the bot is not expected to sync (a shard process other than
        shard 0's)."""
        task = asyncio.create_task(start if start is not None else bot.start(self.token))
        try:
            await self._until_ready(bot, task, timeout, commands)
            yield self
        finally:
            if not bot.is_closed():
                await bot.close()
            await asyncio.wait_for(task, timeout)

    async def _until_ready(self, bot: discord_py.Client, task: asyncio.Task[None],
                           timeout: float, commands: bool = True) -> None:
        gateway = self.server.gateway
        identified = gateway.identifies  # a restarted bot finds the last one's state here

        async def both_ready() -> None:
            await self.server.notifier.wait_for(lambda: gateway.identifies > identified,
                                                timeout)
            # login done: bot.wait_until_ready is safe
            await self.wait_until_ready(timeout, commands=commands)
            await bot.wait_until_ready()

        ready = asyncio.ensure_future(both_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # re-raise the bot's start-up error
                raise RuntimeError("the bot stopped before it was ready")
            raise TimeoutError(f"the bot was not ready within {timeout:g} s")
        ready.result()

    async def wait_until_ready(self, timeout: float = 10.0, *, commands: bool = True) -> None:
        """Until the bot identified, got its guilds and (unless commands=False) synced
        its commands at least once."""
        gateway, registry = self.server.gateway, self.server.commands
        if await self.server.notifier.wait_for(
                lambda: gateway.guilds_sent and (not commands or bool(registry.syncs)),
                timeout):
            return
        missing = ("identify on the gateway" if not gateway.guilds_sent
                   else "sync its commands")
        raise TimeoutError(f"the bot did not {missing} within {timeout:g} s")

    # ---- the world ---------------------------------------------------------------------

    def guild(self, name: str | None = None) -> Guild:
        if name is None:
            return next(iter(self.world.guilds.values()))
        try:
            return self.world.guilds[name]
        except KeyError:
            raise UsageError(f"no server {name!r}; known: {', '.join(self.world.guilds)}"
                             ) from None

    def user(self, name: str) -> User:
        try:
            return self.world.users[name]
        except KeyError:
            raise UsageError(f"no user {name!r}; known: {', '.join(self.world.users)}"
                             ) from None

    def channel(self, name: str, guild: str | None = None) -> Channel:
        place = self.guild(guild)
        found = place.channel_named(name)
        if found is None:
            names = ", ".join(f"#{c.name}" for c in place.channels.values())
            raise UsageError(f"no channel {name!r} in {place.name!r}; known: {names}")
        return found

    def _member(self, user: User, guild: Guild) -> Member:
        member = guild.members.get(user.id)
        if member is None:
            raise UsageError(f"{user.name} is not a member of {guild.name!r}")
        return member

    def _place(self, user: User, channel: str, guild: str | None, dm: bool
               ) -> tuple[Channel, Guild | None]:
        if dm:
            return self.world.dm_channel(user), None
        place = self.guild(guild)
        self._member(user, place)
        return self.channel(channel, place.name), place

    # ---- commands ----------------------------------------------------------------------

    def commands(self, guild: str | None = None, *, scope: str = "visible") -> list[JSON]:
        """Synced commands: "visible" in a guild (its own + global), "global" or "guild"."""
        guild_id = self.guild(guild).id
        registry = self.server.commands
        if scope == "global":
            return registry.in_scope(None)
        if scope == "guild":
            return registry.in_scope(guild_id)
        return registry.visible_in(guild_id)

    @property
    def syncs(self) -> list[SyncRecord]:
        return list(self.server.commands.syncs)

    def parse(self, text: str, *, user: str = "fan1", channel: str = "general",
              guild: str | None = None, dm: bool = False, autocomplete: bool = False
              ) -> Invocation:
        """Parse an invocation against the synced commands (UsageError if impossible)."""
        return self._prepare(text, user, channel, guild, dm, autocomplete)[0]

    def _prepare(self, text: str, user: str, channel: str, guild: str | None, dm: bool,
                 autocomplete: bool) -> tuple[Invocation, User, Channel, Guild | None]:
        who = self.user(user)
        place, server = self._place(who, channel, guild, dm)
        commands = self.server.commands.visible_in(server.id if server else None)
        invocation = parse_invocation(text, commands, _Resolver(self.world, server, place, who),
                                      autocomplete=autocomplete)
        self._check_available(invocation.command, who, place, server)
        return invocation, who, place, server

    def _check_available(self, command: JSON, user: User, channel: Channel,
                         guild: Guild | None) -> None:
        """Discord hides commands a member lacks default_member_permissions for, and
        commands whose contexts exclude where they are typed."""
        contexts = command.get("contexts")
        here = 0 if guild is not None else 1
        if (contexts is not None and here not in contexts) or (
                guild is None and command.get("dm_permission") is False):
            where = "in a server" if guild is not None else "in DMs"
            raise CommandNotAvailable(f"/{command['name']} is not available {where}")
        needed = command.get("default_member_permissions")
        if guild is None or needed is None:
            return
        have = guild.permissions_in(self._member(user, guild), channel)
        bits = int(needed) or ADMINISTRATOR
        if have & bits != bits and not have & ADMINISTRATOR:
            raise CommandNotAvailable(f"{user.name} cannot use /{command['name']}: it needs "
                                      f"{permission_names(bits)}")

    async def invoke(self, text: str, *, user: str = "fan1", channel: str = "general",
                     guild: str | None = None, dm: bool = False,
                     followup_timeout: float = FOLLOWUP_SECONDS) -> Reply:
        """Type a slash command and wait for the answer (through a deferral to the
        follow-up or edit). UsageError if Discord would not let the user send it."""
        invocation, who, place, server = self._prepare(text, user, channel, guild, dm, False)
        label = f"{text.strip()!r} by {user} in {place.label}"
        record = await self.server.create_interaction(
            kind=2, user=who, channel=place, guild=server, data=invocation.data, label=label)
        return await self._answer(record, user, followup_timeout)

    async def autocomplete(self, text: str, *, user: str = "fan1", channel: str = "general",
                           guild: str | None = None, dm: bool = False) -> list[JSON]:
        """Type into an option with autocomplete (the last one given, e.g.
        "/drama name:han") and return the suggestions [{name, value}, ...]; an answer
        Discord rejected shows no suggestions: []."""
        invocation, who, place, server = self._prepare(text, user, channel, guild, dm, True)
        label = f"autocomplete {text.strip()!r} by {user} in {place.label}"
        record = await self.server.create_interaction(
            kind=4, user=who, channel=place, guild=server, data=invocation.data, label=label)
        reply = await self._answer(record, user, FOLLOWUP_SECONDS)
        return reply.choices if not reply.rejected else []

    # ---- components and modals ---------------------------------------------------------

    def _visible_message(self, message_id: int, user: User) -> JSON:
        message = self.server.messages.get(message_id)
        meta = self.server.messages.meta(message_id)
        if message is None or meta is None:
            raise UsageError(f"message {message_id} does not exist (deleted?)")
        if meta.visible_to is not None and meta.visible_to != user.id:
            raise UsageError(f"message {message_id} is ephemeral: only its recipient sees it")
        return message

    async def _component(self, message_id: int, user: str, data: JSON, what: str,
                         followup_timeout: float) -> Reply:
        who = self.user(user)
        message = self._visible_message(message_id, who)
        channel = self.world.channel_by_id(int(message["channel_id"]))
        assert channel is not None
        guild = self.world.guild_by_id(channel.guild_id) if channel.guild_id else None
        if guild is not None:
            self._member(who, guild)
        record = await self.server.create_interaction(
            kind=3, user=who, channel=channel, guild=guild, data=data,
            label=f"{what} by {user} on message {message_id}",
            message=copy.deepcopy(message))
        return await self._answer(record, user, followup_timeout)

    async def click(self, message_id: int, button: str | int, *, user: str,
                    followup_timeout: float = FOLLOWUP_SECONDS) -> Reply:
        """Press a button (label, custom_id or its [n] number) on a message."""
        who = self.user(user)
        message = self._visible_message(message_id, who)
        found = _find_button(list(buttons_of(message.get("components") or [])), button)
        if found.get("disabled"):
            raise UsageError(f"button {button!r} is disabled")
        if found.get("style") in (5, 6) or not found.get("custom_id"):
            raise UsageError(f"button {button!r} is a link: Discord sends no interaction")
        data: JSON = {"custom_id": found["custom_id"], "component_type": 2}
        if "id" in found:
            data["id"] = found["id"]
        return await self._component(message_id, user, data,
                                     f"click {found.get('label') or found['custom_id']!r}",
                                     followup_timeout)

    async def forge_click(self, message_id: int, custom_id: str, *, user: str,
                          channel: str | None = None, guild: str | None = None,
                          on_message: bool = True,
                          followup_timeout: float = FOLLOWUP_SECONDS) -> Reply:
        """Press a button with `custom_id` on a message, as a modified client (or a message
        from another version of the bot) could: the message's first button carries that
        id (`on_message=False`: no button on it does), and `channel`/`guild` may name
        another place than the message's own. Discord itself never sends these."""
        who = self.user(user)
        message = copy.deepcopy(self._visible_message(message_id, who))
        rows = message.get("components") or []
        first = cast("dict[str, Any] | None", next(iter(buttons_of(rows)), None))
        if on_message and first is not None:
            first["custom_id"] = custom_id
        elif not on_message:
            message["components"] = []
        if channel is None:
            place = self.world.channel_by_id(int(message["channel_id"]))
            assert place is not None
        else:
            place = self.channel(channel, guild)
        where = self.world.guild_by_id(place.guild_id) if place.guild_id else None
        if where is not None:
            self._member(who, where)
        record = await self.server.create_interaction(
            kind=3, user=who, channel=place, guild=where,
            data={"custom_id": custom_id, "component_type": 2},
            label=f"forged click {custom_id!r} by {user} on message {message_id}",
            message=message)
        return await self._answer(record, user, followup_timeout)

    async def select(self, message_id: int, menu: str, values: list[str], *, user: str,
                     followup_timeout: float = FOLLOWUP_SECONDS) -> Reply:
        """Choose options (by value or label) in a string select menu."""
        message = self._visible_message(message_id, self.user(user))
        select = _find_select(message.get("components") or [], menu)
        chosen = _select_values(select, values)
        data = {"custom_id": select["custom_id"], "component_type": 3, "values": chosen}
        return await self._component(message_id, user, data, f"select {chosen} in {menu!r}",
                                     followup_timeout)

    async def submit_modal(self, reply: Reply, values: Mapping[str, str], *, user: str,
                           followup_timeout: float = FOLLOWUP_SECONDS) -> Reply:
        """Submit the modal `reply` opened; keys are input custom_ids or labels."""
        modal = reply.modal
        record = reply.interaction
        assert record is not None
        components = _modal_answers(modal, dict(values))
        source = (self.server.messages.snapshot(record.source_message_id)
                  if record.source_message_id else None)
        new = await self.server.create_interaction(
            kind=5, user=self.user(user), channel=record.channel, guild=record.guild,
            data={"custom_id": modal["custom_id"], "components": components},
            label=f"form {modal.get('title')!r} submitted by {user}", message=source)
        return await self._answer(new, user, followup_timeout)

    # ---- waiting for the bot -----------------------------------------------------------

    async def _answer(self, record: InteractionRecord, user: str, followup_timeout: float
                      ) -> Reply:
        notifier = self.server.notifier
        limit = self.server.deadline + SLACK_SECONDS
        if not await notifier.wait_for(lambda: record.acknowledged or bool(record.rejections),
                                       limit):
            self._fail(record, f"no response within {self.server.deadline:g} s")
        if not record.acknowledged and not await notifier.wait_for(
                lambda: record.acknowledged, REJECTION_GRACE_SECONDS):
            return Reply(self, "rejected", None, interaction=record, user=user)
        rejected_before = len(record.rejections)
        if record.response_type == 5:
            done = await notifier.wait_for(
                lambda: not record.loading or len(record.rejections) > rejected_before,
                followup_timeout)
            if not done:
                self._fail(record, f"deferred, then no follow-up or edit within "
                                   f"{followup_timeout:g} s (Discord keeps showing "
                                   "'thinking...')")
            if self._original_deleted(record) and not await notifier.wait_for(
                    lambda: bool(self._followups(record))
                    or len(record.rejections) > rejected_before, followup_timeout):
                self._fail(record, f"deferred, deleted the 'thinking...' original, then no "
                                   f"follow-up within {followup_timeout:g} s (the user is "
                                   "left with no answer)")
        elif record.response_type == 6:
            source = record.source_message_id or 0
            messages = self.server.messages
            await notifier.wait_for(
                lambda: messages.version(source) != record.ack_version
                or bool(record.message_ids) or len(record.rejections) > rejected_before,
                min(followup_timeout, DEFERRED_UPDATE_SECONDS))
        return self._reply_for(record, user, rejected_before)

    def _original_deleted(self, record: InteractionRecord) -> bool:
        """The bot deleted its original response (e.g. a public "thinking..." it replaces
        with a private follow-up)."""
        original = record.response_message_id
        return original is not None and self.server.messages.get(original) is None

    def _followups(self, record: InteractionRecord) -> list[int]:
        """The interaction's follow-up messages that still exist, oldest first."""
        return [m for m in record.message_ids if m != record.response_message_id
                and self.server.messages.get(m) is not None]

    def _fail(self, record: InteractionRecord, why: str) -> None:
        """Record the violation, count it as reported, and fail the test now."""
        violation = self.server.record(Violation("interaction.no_response", "", why),
                                       record.label, record)
        self.expected.add(len(self.server.violations) - 1)
        raise NoResponse(f"{record.label}: {violation.detail}")

    def _reply_for(self, record: InteractionRecord, user: str, rejected_before: int
                   ) -> Reply:
        """What the user now sees: suggestions, a form, the new message (4, 5, or a
        follow-up after 6, or after 5 when the bot deleted its "thinking..." original), or
        the updated message the component sits on (6, 7)."""
        response = record.response_type
        if response in (8, 9):
            kind = "autocomplete" if response == 8 else "modal"
            return Reply(self, kind, None, interaction=record, user=user)
        if record.loading and len(record.rejections) > rejected_before:
            return Reply(self, "rejected", None, interaction=record, user=user)
        message_id: int | None
        if response == 5 and self._original_deleted(record) and self._followups(record):
            message_id, kind = self._followups(record)[-1], "message"
        elif response in (4, 5):
            message_id, kind = record.response_message_id, "message"
        elif response == 6 and record.message_ids:
            message_id, kind = record.message_ids[-1], "message"
        else:
            message_id, kind = record.source_message_id, "update"
        message = self.server.messages.snapshot(message_id or 0)
        return Reply(self, kind, message, interaction=record, user=user)

    # ---- channels and messages ---------------------------------------------------------

    def message(self, message_id: int, *, user: str | None = None) -> Reply:
        """A message as it is now."""
        message = self.server.messages.snapshot(message_id)
        if message is None:
            raise UsageError(f"message {message_id} does not exist (deleted?)")
        meta = self.server.messages.meta(message_id)
        record = self.server.interactions.get(meta.interaction_id or 0) if meta else None
        return Reply(self, "message", message, interaction=record, user=user)

    def channel_message(self, *, channel: str, message_id: int, guild: str | None = None
                        ) -> Reply:
        """The latest state of a message in a channel (e.g. a question the bot edited)."""
        where = self.channel(channel, guild)
        meta = self.server.messages.meta(message_id)
        if meta is None or meta.channel_id != where.id:
            raise UsageError(f"message {message_id} is not in #{where.name}")
        return self.message(message_id)

    def messages(self, channel: str = "general", *, guild: str | None = None,
                 include_ephemeral: bool = False) -> list[Reply]:
        """Messages in a channel, oldest first, as they are now."""
        where = self.channel(channel, guild)
        found = self.server.messages.in_channel(where.id, include_ephemeral=include_ephemeral)
        return [self.message(int(m["id"])) for m in found]

    async def wait_for_message(self, channel: str = "general", *, guild: str | None = None,
                               predicate: Callable[[Reply], bool] | None = None,
                               timeout: float = 3.0) -> Reply:
        """Wait for the bot's next message in `channel` (posted after this call)."""
        where = self.channel(channel, guild)
        store = self.server.messages
        seen = {m["id"] for m in store.in_channel(where.id)}
        found: list[Reply] = []

        def arrived() -> bool:
            for message in store.in_channel(where.id):
                if message["id"] not in seen:
                    seen.add(message["id"])
                    reply = self.message(int(message["id"]))
                    if predicate is None or predicate(reply):
                        found.append(reply)
                        return True
            return False

        if not await self.server.notifier.wait_for(arrived, timeout):
            raise NoResponse(f"no new message in #{where.name} within {timeout:g} s")
        return found[0]

    async def say(self, text: str, *, user: str = "fan1", channel: str = "general",
                  guild: str | None = None) -> Reply:
        """A member posts a plain message (e.g. a chat answer). The bot receives it only
        with the message intents, and its text only with message content, as on Discord."""
        who = self.user(user)
        place, server = self._place(who, channel, guild, False)
        message = await self.server.user_message(who, place, server, text)
        return self.message(int(message["id"]), user=user)

    # ---- rules -------------------------------------------------------------------------

    @property
    def violations(self) -> list[Violation]:
        return self.server.violations

    @property
    def unexpected_violations(self) -> list[Violation]:
        return [v for i, v in enumerate(self.violations) if i not in self.expected]

    def expect_violation(self, pattern: str, *, timeout: float = 3.5) -> ViolationExpectation:
        """The block must break a rule matching `pattern` (rule id, prefix or text)."""
        return ViolationExpectation(self, pattern, timeout)

    def check(self) -> None:
        """Raise RulesBroken listing every violation the test did not expect."""
        unexpected = self.unexpected_violations
        if unexpected:
            listed = "\n".join(f"  - {v}" for v in unexpected)
            raise RulesBroken(f"{len(unexpected)} Discord rule violation(s):\n{listed}")

    # ---- rate limits ---------------------------------------------------------------

    def rate_limit(self, method: str, route: str, *, times: int = 1, retry_after: float = 1.0,
                   scope: str = "user") -> RateLimit:
        """Discord answers the next `times` requests to `method` `route` (a template such
        as "/channels/{channel_id}/messages") with 429 and `retry_after` seconds."""
        return self.server.rate_limit(method, route, times=times, retry_after=retry_after,
                                      scope=scope)

    # ---- gateway and time --------------------------------------------------------------

    async def drop_gateway(self, *, wait: bool = True, timeout: float = 5.0) -> None:
        """Cut the bot's gateway connection; with wait, return once it has RESUMEd."""
        gateway = self.server.gateway
        before = gateway.resumes
        await gateway.drop()
        if wait and not await self.server.notifier.wait_for(
                lambda: gateway.resumes > before, timeout):
            raise TimeoutError(f"the bot did not RESUME within {timeout:g} s")

    def advance_clock(self, seconds: float) -> None:
        """Jump the fake's clock (deadlines, token lifetimes) forward."""
        self.server.clock_offset += seconds

    @staticmethod
    def spec_status() -> str:
        return spec_status()


def _find_button(buttons: list[Mapping[str, Any]], wanted: str | int) -> Mapping[str, Any]:
    if isinstance(wanted, int):
        if 1 <= wanted <= len(buttons):
            return buttons[wanted - 1]
    else:
        for test in (lambda b: b.get("label") == wanted,
                     lambda b: b.get("custom_id") == wanted,
                     lambda b: str(b.get("label") or "").lower() == wanted.lower()):
            matches = [b for b in buttons if test(b)]
            if len(matches) > 1:
                raise UsageError(f"{len(matches)} buttons match {wanted!r}; use custom_id")
            if matches:
                return matches[0]
    labels = ", ".join(f"[{n}] {b.get('label') or b.get('custom_id')}"
                       for n, b in enumerate(buttons, start=1))
    raise UsageError(f"no button {wanted!r}; the message has: {labels or 'no buttons'}")


def _find_select(components: list[Any], wanted: str) -> Mapping[str, Any]:
    for _, component in walk_components(components):
        if component.get("type") == 3 and wanted in (component.get("custom_id"),
                                                     component.get("placeholder")):
            if component.get("disabled"):
                raise UsageError(f"menu {wanted!r} is disabled")
            return component
    raise UsageError(f"no string select menu {wanted!r} on the message")


def _select_values(select: Mapping[str, Any], values: list[str]) -> list[str]:
    options = select.get("options") or []
    chosen = []
    for value in values:
        match = next((o for o in options if value in (o.get("value"), o.get("label"))), None)
        if match is None:
            raise UsageError(f"{value!r} is not an option of menu {select.get('custom_id')!r}")
        chosen.append(str(match["value"]))
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    if not low <= len(chosen) <= high:
        raise UsageError(f"choose {low}-{high} option(s), not {len(chosen)}")
    return chosen


def _modal_answers(modal: Mapping[str, Any], values: dict[str, str]) -> list[JSON]:
    """The submitted components, mirroring the modal's layout (rows or labels)."""
    answers: list[JSON] = []
    for component in modal.get("components") or []:
        if component.get("type") == 1:
            inputs = [_answer(c, None, values) for c in component.get("components") or []]
            answers.append({"type": 1, "components": inputs})
        elif component.get("type") == 18 and isinstance(component.get("component"), dict):
            inner = _answer(component["component"], component.get("label"), values)
            answers.append({"type": 18, "component": inner})
    if values:
        raise UsageError(f"the form has no field(s) {sorted(values)}")
    return answers


def _answer(component: Mapping[str, Any], label: str | None, values: dict[str, str]) -> JSON:
    custom_id = str(component.get("custom_id"))
    name = label or component.get("label")
    value = values.pop(custom_id, None)
    if value is None and name is not None:
        value = values.pop(str(name), None)
    if value is None and component.get("required", True):
        raise UsageError(f"the form needs a value for {name or custom_id!r}")
    return {"type": component.get("type"), "custom_id": custom_id, "value": value or ""}
