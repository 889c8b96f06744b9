"""Answering an interaction: one `Reply` shape for everything the cogs say, and the only
functions that send it.

Discord drops an interaction whose first response comes after 3 s, so slow work first
calls `defer_thinking` (a public "thinking..." placeholder); `send_reply` then fills or
replaces the placeholder, publicly or privately. `answer_privately` is the one private
answer for errors and refusals, used by the tree's error handler and every button.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import discord

from bot.i18n import N_, _
from cogs.utils.formatting import Limits, truncate

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]  # any client: the sending helpers need no bot state

THINKING = "dramabot.thinking"
"""`interaction.extras` key set by `defer_thinking`: the original response is still a
public "thinking..." placeholder, to be replaced by the answer."""

FAILED = N_("Something went wrong on my side while answering that. It has been logged; "
          "please try again.")
EXPIRED = N_("This button has expired. Run the command again for a fresh one.")

DEADLINE = 3.0  # seconds Discord waits for an interaction's first response
QUICK = 1.5  # seconds of them work may take before the answer is deferred
MARGIN = 0.1  # seconds before the deadline a first response is no longer attempted

T = TypeVar("T")


class TooLate(Exception):
    """Discord's deadline for this interaction's first response has passed, or will
    before Discord takes one (a flood left it queued, or a 429 asked the bot to wait past
    it): Discord would refuse any answer now, so none is sent."""


def seconds_left(interaction: Interaction) -> float:
    """Seconds left before Discord's deadline for the first response, counted from the
    interaction's own creation time (its snowflake), so time spent queued counts too."""
    return DEADLINE - max(time.time() - interaction.created_at.timestamp(), 0.0)


@dataclass
class Reply:
    """What a command or a button answers: built by the cogs, sent by `send_reply`."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    ephemeral: bool = False


def private(text: str) -> Reply:
    """A private text answer: the user's own mistake, a refusal, an error."""
    return Reply(content=text, ephemeral=True)


def _message_kwargs(reply: Reply) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if reply.content is not None:
        kwargs["content"] = truncate(reply.content, Limits.CONTENT)
    if reply.embed is not None:
        kwargs["embed"] = reply.embed
    if reply.view is not None:
        kwargs["view"] = reply.view
    return kwargs


async def in_time(interaction: Interaction, response: Awaitable[T]) -> T:
    """Send a first response only while Discord still takes it: given up (TooLate) when
    the deadline is near, e.g. while discord.py waits out a 429 longer than what is
    left, rather than sent late, refused, and answered again by an error handler."""
    left = seconds_left(interaction) - MARGIN
    if left <= 0:
        if inspect.iscoroutine(response):
            response.close()  # never started: nothing was sent
        raise TooLate(f"{-left + MARGIN:.1f} s past the deadline")
    try:
        async with asyncio.timeout(left):  # in this task: no task of its own to schedule
            return await response
    except TimeoutError:
        raise TooLate(f"still waiting for Discord {DEADLINE - MARGIN:g} s in") from None


async def defer_thinking(interaction: Interaction) -> None:
    """Acknowledge now with a public "thinking..." placeholder, before work that may take
    a while. The next `send_reply` replaces the placeholder with the answer."""
    await in_time(interaction, interaction.response.defer(thinking=True))
    interaction.extras[THINKING] = True


async def defer_if_slow(interaction: Interaction, work: Awaitable[T]) -> T:
    """Await `work`, deferring first ("thinking...") if it is not done while an answer
    still has time to arrive: a quick store is answered at once, a slow one (locked by
    another process, say) never costs Discord's deadline."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=max(seconds_left(interaction) - QUICK, 0.0))
    if not done and not interaction.response.is_done():
        await defer_thinking(interaction)
    return await task


def answer_pending(interaction: Interaction) -> bool:
    """Whether the interaction's answer is still to be posted: no response yet, or only
    the "thinking..." placeholder of `defer_thinking`."""
    return not interaction.response.is_done() or bool(interaction.extras.get(THINKING))


async def send_reply(interaction: Interaction, reply: Reply) -> None:
    """Send `reply` as the interaction's answer: the response, the replacement of a
    "thinking..." placeholder, or a follow-up if already answered."""
    kwargs = _message_kwargs(reply)
    if interaction.extras.get(THINKING):
        try:
            await _replace_thinking(interaction, reply, kwargs)
        finally:
            interaction.extras.pop(THINKING, None)  # answered (or failed): stop waiting
    elif interaction.response.is_done():
        await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)
    else:
        await in_time(interaction, interaction.response.send_message(
            ephemeral=reply.ephemeral, **kwargs))


async def _replace_thinking(interaction: Interaction, reply: Reply,
                            kwargs: dict[str, Any]) -> None:
    """A public answer edits the placeholder into itself. A private one cannot: the
    placeholder is public, and so is the follow-up that fills it whatever its flags. So
    the placeholder is deleted, and the answer sent as a follow-up of its own."""
    if not reply.ephemeral:
        await interaction.edit_original_response(**kwargs)
        return
    with contextlib.suppress(discord.NotFound):  # a moderator deleted it already
        await interaction.delete_original_response()
    await interaction.followup.send(ephemeral=True, **kwargs)


async def edit_reply(interaction: Interaction, reply: Reply) -> None:
    """Replace the clicked message with `reply`; an ephemeral reply (an error about the
    click itself) is sent as a new private message instead, leaving the original alone."""
    if reply.ephemeral:
        await send_reply(interaction, reply)
        return
    kwargs = _message_kwargs(reply)
    kwargs.setdefault("content", None)
    kwargs.setdefault("embed", None)
    kwargs.setdefault("view", None)
    await in_time(interaction, interaction.response.edit_message(**kwargs))


async def answer_privately(interaction: Interaction, reply: Reply | str) -> None:
    """Answer privately, whatever was sent before; a failure to deliver is only logged
    (this is the last word: errors and refusals end here)."""
    try:
        # FAILED and EXPIRED are marked, not translated, where they are defined
        answer = private(_(reply)) if isinstance(reply, str) else replace(reply, ephemeral=True)
        await send_reply(interaction, answer)
    except TooLate as late:
        log.info("Dropped a private answer: Discord's deadline passed (%s)", late)
    except discord.HTTPException as error:
        log.warning("Could not deliver a private answer to the user: %s", error)
