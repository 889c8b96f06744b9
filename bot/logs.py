"""Plain, one-line-per-event logging to stderr, with the token scrubbed from every record.

discord.py never logs the token itself, but an exception message or a URL in a traceback
could; the filter is a belt-and-braces guarantee that it never reaches a log, at any level.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        text = message + (self._exc_text(record) or "")
        if any(secret in text for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
            if record.exc_info:
                record.exc_text = self._exc_text(record)
                for secret in self.secrets:
                    record.exc_text = (record.exc_text or "").replace(secret, "[redacted]")
                record.exc_info = None
        return True

    @staticmethod
    def _exc_text(record: logging.LogRecord) -> str | None:
        if record.exc_info:
            return logging.Formatter().formatException(record.exc_info)
        return record.exc_text


class DropVoiceWarnings(logging.Filter):
    """discord.py warns at every start that voice libraries are missing; dramabot has no
    voice features, so the warning is noise for operators."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


def setup_logging(level: str, secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT, "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(RedactSecrets(secrets or []))
    handler.addFilter(DropVoiceWarnings())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # discord.py's gateway chatter is DEBUG noise at INFO level for operators.
    logging.getLogger("discord.gateway").setLevel(max(logging.getLevelName(level), logging.INFO))
