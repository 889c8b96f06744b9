"""Try the bot without a token: the real bot against an in-process offline Discord.

`dramabot console` is an interactive terminal: type commands as in Discord, press buttons
by number, switch users, and see messages the bot posts or edits later (a quiz's reveal).
`dramabot ask "/ost track 7"` runs one command and prints the reply.

The bot runs exactly as `dramabot run` runs it (`serve`), pointed at the offline Discord
through its own DISCORD_API_BASE / DISCORD_GATEWAY_URL settings; its data lives in
`<data dir>/offline`, so console scores never mix with a real server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any, TextIO

from bot.config import Settings
from bot.offline import (
    NoResponse,
    OfflineDiscord,
    RejectedResponse,
    Reply,
    UsageError,
    render_choices,
    render_message,
)
from bot.offline.invocation import CommandNotAvailable
from bot.offline.render import as_seen
from bot.offline.spec import spec_path
from bot.offline.world import World

EXIT_ANSWERED, EXIT_ERROR_REPLY, EXIT_USAGE = 0, 1, 2

HELP = """\
Type a command as in Discord:   /drama soundtrack1    /ost track 7    /person name:han sohee
Options by position or name:    /quiz start questions:3 seconds:10
Autocomplete an option:         ?/drama name:sound
Press a button:                 its number, e.g. 2
Switch user / channel:          user fan2        channel quiz
Client / server language:       locale ko        server-locale ko   (en-US: back)
Other:                          users  channels  commands  history  help  quit
"""


@contextlib.asynccontextmanager
async def offline_bot(settings: Settings) -> AsyncIterator[OfflineDiscord]:
    """The real bot, started by `serve`, connected to an offline Discord whose servers,
    channels and users keep their ids from run to run, so the scores and settings kept in
    `<data dir>/offline` are found again (by the console and by `dramabot ask`). Payloads
    are checked against the OpenAPI spec when it is there, silently otherwise: that check
    is the tests' business."""
    from bot.runner import create_bot, serve

    discord = OfflineDiscord(World.default(stable=True), validate=spec_path().is_file())
    await discord.start()
    offline = replace(
        settings, token=discord.token, api_base=discord.api_base,
        gateway_url=discord.gateway_url, dev_guild_id=None,
        data_dir=settings.data_dir / "offline",
    )
    offline.data_dir.mkdir(parents=True, exist_ok=True)
    # A fresh offline Discord knows no commands: make the bot sync them.
    (offline.data_dir / "commands.sha256").unlink(missing_ok=True)
    bot = create_bot(offline, guild_ready_timeout=0.05)
    try:
        with discord.patch_discord_py():
            async with discord.running(bot, serve(offline, bot=bot), timeout=60):
                yield discord
    finally:
        await discord.stop(check=False)


def _quiet_logs(settings: Settings) -> None:
    """The terminal belongs to the conversation: only warnings, unless DEBUG was asked."""
    if settings.log_level != "DEBUG":
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("discord.gateway").setLevel(logging.WARNING)


async def ask(settings: Settings, invocation: str, *, user: str = "fan1",
              as_json: bool = False, out: TextIO | None = None, err: TextIO | None = None
              ) -> int:
    """Run one command; print the rendered reply (or, with as_json, the callback body)."""
    out, err = out or sys.stdout, err or sys.stderr
    _quiet_logs(settings)
    async with offline_bot(settings) as discord:
        try:
            reply = await discord.invoke(invocation, user=user)
        except (UsageError, CommandNotAvailable) as error:
            print(f"dramabot ask: {error}", file=err)
            return EXIT_USAGE
        except NoResponse as error:
            print(f"dramabot ask: the bot did not answer: {error}", file=err)
            return EXIT_ERROR_REPLY
        if as_json:
            print(json.dumps(reply.body, indent=2, ensure_ascii=False), file=out)
        else:
            print(seen(discord, reply.text), file=out)
        return EXIT_ERROR_REPLY if reply.rejected or reply.ephemeral else EXIT_ANSWERED


def seen(discord: OfflineDiscord, text: str) -> str:
    """Mentions and timestamps as a person sees them in Discord (@Fan1, "in 12 seconds")."""
    world = discord.world
    users = {u.id: u.global_name or u.name for u in world.users.values()}
    users[world.bot.id] = world.bot.name
    channels = {c.id: c.name for g in world.guilds.values() for c in g.channels.values()}
    roles = {r.id: r.name for g in world.guilds.values() for r in g.roles.values()}
    return as_seen(text, {"user": users, "channel": channels, "role": roles}, time.time())


class Console:
    """One person at the terminal, playing one or more users in the offline server."""

    def __init__(self, discord: OfflineDiscord, out: TextIO) -> None:
        self.discord = discord
        self.out = out
        self.user = "fan1"
        self.channel = "general"
        self.focus: int | None = None  # the message whose buttons numbers press
        self.shown: dict[int, int] = {}  # message id -> version already printed
        self.busy = False  # while a command runs, its own reply is printed by show()

    @property
    def prompt(self) -> str:
        return f"{self.user} #{self.channel}> "

    def say(self, text: str) -> None:
        print(seen(self.discord, text), file=self.out, flush=True)

    async def handle(self, line: str) -> bool:
        """Act on one line; False when the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        word, _, rest = line.partition(" ")
        if word in ("quit", "exit"):
            return False
        simple: dict[str, Callable[[str], None]] = {
            "help": lambda _: self.say(HELP), "users": self._users,
            "channels": self._channels, "commands": self._commands,
            "user": self._switch_user, "channel": self._switch_channel,
            "history": self._history, "locale": self._user_locale,
            "server-locale": self._server_locale,
        }
        try:
            if word in simple:
                simple[word](rest.strip())
            elif line.startswith("/"):
                await self._act(self.discord.invoke(line, user=self.user, channel=self.channel))
            elif line.startswith("?/"):
                choices = await self.discord.autocomplete(line[1:], user=self.user,
                                                          channel=self.channel)
                self.say(render_choices(choices) if choices else "(no suggestions)")
            elif line.isdigit():
                await self._press(int(line))
            else:
                self.say(f"I don't know {word!r}. Commands start with /; type help.")
        except (UsageError, CommandNotAvailable) as error:
            self.say(f"! {error}")
        except (NoResponse, RejectedResponse) as error:
            self.say(f"! the bot did not answer properly: {error}")
        return True

    def _user_locale(self, locale: str) -> None:
        """The current user's Discord client language: their private replies follow it."""
        user = self.discord.user(self.user)
        user.locale = locale or "en-US"
        self.say(f"{self.user}'s client language is now {user.locale}")

    def _server_locale(self, locale: str) -> None:
        """The server's Discord locale (guild_locale): its public messages follow it until
        /settings language chooses one."""
        guild = self.discord.guild()
        guild.locale = locale or "en-US"
        self.say(f"{guild.name}'s locale is now {guild.locale}")

    async def _act(self, action: Awaitable[Reply]) -> None:
        self.busy = True
        try:
            reply = await action
            self.show(reply)
        finally:
            self.busy = False

    def show(self, reply: Reply) -> None:
        if reply.rejected:
            self.say("! Discord rejected the bot's answer: "
                     + "; ".join(str(v) for v in reply.violations))
            return
        if reply.kind in ("autocomplete", "modal"):
            self.say(reply.text)
            return
        self.shown[reply.message_id] = reply.version
        if reply.buttons:
            self.focus = reply.message_id
        self.say(render_message(reply.raw or {}))
        self.say("")

    async def _press(self, number: int) -> None:
        if self.focus is None:
            raise UsageError("no message with buttons yet")
        await self._act(self.discord.click(self.focus, number, user=self.user))

    def show_new_messages(self) -> None:
        """Print messages the bot posted or edited in this channel since last shown."""
        store = self.discord.server.messages
        for message in store.in_channel(self.discord.channel(self.channel).id):
            message_id = int(message["id"])
            version = store.version(message_id)
            if self.shown.get(message_id) == version:
                continue
            edited = message_id in self.shown
            self.shown[message_id] = version
            reply = self.discord.message(message_id, user=self.user)
            if reply.buttons:
                self.focus = message_id
            self.say(("(edited)\n" if edited else "") + render_message(message) + "\n")

    def _users(self, _: str) -> None:
        self.say("Users: " + ", ".join(self.discord.world.users) + f" (you: {self.user})")

    def _channels(self, _: str) -> None:
        names = [c.name for c in self.discord.guild().channels.values()]
        self.say("Channels: " + ", ".join(f"#{n}" for n in names))

    def _commands(self, _: str) -> None:
        for command in sorted(self.discord.commands(), key=lambda c: c["name"]):
            self.say(f"/{command['name']}: {command.get('description', '')}")
            for option in command.get("options") or []:
                if option.get("type") in (1, 2):  # subcommand (group)
                    self.say(f"  /{command['name']} {option['name']}: "
                             f"{option.get('description', '')}")

    def _switch_user(self, name: str) -> None:
        self.discord.user(name)  # UsageError if unknown
        self.user = name
        self.say(f"You are now {name}.")

    def _switch_channel(self, name: str) -> None:
        self.discord.channel(name.lstrip("#"))
        self.channel = name.lstrip("#")
        self.focus = None
        self.say(f"You are now in #{self.channel}.")

    def _history(self, _: str) -> None:
        for reply in self.discord.messages(self.channel)[-5:]:
            self.say(reply.text + "\n")


async def _watch(console: Console) -> None:
    """Show later messages (a quiz's next question, its reveal) as they arrive."""
    while True:
        await asyncio.sleep(0.2)
        if not console.busy:
            console.show_new_messages()


async def run_console(settings: Settings, *, stdin: TextIO | None = None,
                      out: TextIO | None = None) -> int:
    """The interactive console; returns the exit status."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    _quiet_logs(settings)
    print("Starting dramabot against an offline Discord...", file=out, flush=True)
    async with offline_bot(settings) as discord:
        console = Console(discord, out)
        console.say(f"Connected. Server 'Drama Club', you are {console.user} in "
                    f"#{console.channel}. Type help for help, quit to leave.\n")
        watcher = asyncio.create_task(_watch(console))
        try:
            await _conversation(console, stdin)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
    return EXIT_ANSWERED


async def _conversation(console: Console, stdin: TextIO) -> None:
    loop = asyncio.get_running_loop()
    while True:
        print(console.prompt, end="", file=console.out, flush=True)
        line: Any = await loop.run_in_executor(None, stdin.readline)
        if not line:  # end of input
            console.say("")
            return
        if not await console.handle(str(line)):
            return
