"""An offline, protocol-faithful Discord for the real discord.py client: gateway
websocket + REST on 127.0.0.1, enforcing Discord's rules on every payload.

Used by the tests, the terminal console and the benchmarks. Start with `OfflineDiscord`
(harness.py); `render_message` (render.py) prints a message for a terminal.
"""

from bot.offline.gateway import ShardLimits
from bot.offline.harness import (
    Button,
    NoResponse,
    OfflineDiscord,
    RejectedResponse,
    Reply,
    RulesBroken,
    SpecMissingWarning,
)
from bot.offline.invocation import CommandNotAvailable, UsageError
from bot.offline.render import render_choices, render_message, render_modal
from bot.offline.rules import Violation
from bot.offline.spec import spec_status
from bot.offline.world import World

__all__ = [
    "Button",
    "CommandNotAvailable",
    "NoResponse",
    "OfflineDiscord",
    "RejectedResponse",
    "Reply",
    "RulesBroken",
    "ShardLimits",
    "SpecMissingWarning",
    "UsageError",
    "Violation",
    "World",
    "render_choices",
    "render_message",
    "render_modal",
    "spec_status",
]
