"""Reading JSON that orjson refuses, so that one bad frame never ends the process.

discord.py decodes every gateway frame and REST body with orjson when it is installed,
and lets the decoder's error end its connection loop, and with it the bot. orjson is
stricter than JSON itself: it refuses an escaped lone surrogate ("\\ud800"), which a
gateway frame can carry in a user's text. Such a frame is read again with the standard
decoder, lone surrogates becoming U+FFFD so that no later encode fails on them; text that
is not JSON at all is logged and read as an empty frame, which discord.py ignores.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import orjson
from discord import utils

log = logging.getLogger(__name__)

_SURROGATE = re.compile("[\ud800-\udfff]")


def tolerant_loads(data: bytes | bytearray | memoryview | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as strict:
        try:
            value = json.loads(bytes(data) if isinstance(data, memoryview) else data)
        except ValueError:
            log.warning("Ignored a frame that is not JSON (%s): %.60r", strict, data)
            return {}
        log.info("Read a frame orjson refuses (%s) with the standard decoder", strict)
        return scrub(value)


def scrub(value: Any) -> Any:
    """`value` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    return value


def install() -> None:
    """Make discord.py decode through `tolerant_loads` (process-wide; idempotent)."""
    utils._from_json = tolerant_loads
