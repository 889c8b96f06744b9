"""What a user is told when a command or a button cannot do what they asked.

Transformers and checks raise these; the command tree's error handler and the buttons'
shared base (`cogs.utils.views.BotButton`) both answer with `error_reply`, so a refusal is
worded the same wherever it happens.
"""

from __future__ import annotations

import math
import time

from discord import app_commands

from bot.i18n import N_, _
from cogs.utils.formatting import number
from cogs.utils.replies import Reply, private

PERMISSION_NAMES = {"manage_guild": N_("Manage Server")}


class Unanswerable(app_commands.AppCommandError):
    """The options cannot be answered as given (a name that matches nothing or several, a
    number out of range); `reply` says why and offers choices."""

    def __init__(self, reply: Reply | str) -> None:
        self.reply = private(reply) if isinstance(reply, str) else reply
        super().__init__(self.reply.content or "unanswerable")


class Refused(app_commands.CheckFailure):
    """A check said no; `reply` says who may instead."""

    def __init__(self, text: str) -> None:
        self.reply = private(text)
        super().__init__(text)


def error_reply(error: app_commands.AppCommandError) -> Reply | None:
    """The private answer for an error that is the user's doing; None for our own bugs."""
    if isinstance(error, Unanswerable | Refused):
        return error.reply
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(f"**{permission_name(p)}**" for p in error.missing_permissions)
        return private(_("You need the {permissions} permission to do that.").format(
            permissions=needed))
    if isinstance(error, app_commands.NoPrivateMessage):
        return private(_("That only works in a server, not in direct messages."))
    if isinstance(error, app_commands.CommandOnCooldown):
        return private(cooldown_text(error))
    if isinstance(error, app_commands.TransformerError):
        return private(_("I could not understand {value} as {kind}.").format(
            value=repr(error.value), kind=error.type.name.lower()))
    if isinstance(error, app_commands.CheckFailure):
        return private(_("You can't use that here."))
    return None


def cooldown_text(error: app_commands.CommandOnCooldown) -> str:
    """Whose limit was reached and when to try again (whole seconds, never "0 s")."""
    wait = max(1, math.ceil(error.retry_after))
    values = {"seconds": number(wait), "when": f"<t:{int(time.time()) + wait}:R>"}
    if getattr(error.cooldown, "scope", "member") == "channel":
        return _("Quizzes were started here several times just now: try again in "
                 "{seconds} s ({when}).").format(**values)
    return _("Slow down a little: try again in {seconds} s ({when}).").format(**values)


def permission_name(flag: str) -> str:
    """A permission as Discord's client names it: manage_guild is "Manage Server"."""
    known = PERMISSION_NAMES.get(flag)
    return _(known) if known else flag.replace("_", " ").title()
