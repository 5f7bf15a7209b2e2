"""Logs on stderr, one line per record: JSON objects tagged with service and request id (the
default, for production and log shippers), or readable text for a developer's terminal."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from shared.http.middleware import current_request_id

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
# uvicorn's color_message duplicates the message with terminal escapes.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}
_CORE_FIELDS = ("time", "level", "logger", "message", "service", "request_id")

LogFormat = Literal["json", "text"]

# Servers that install their own handlers; their records go through the root's instead.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class JsonFormatter(logging.Formatter):
    """Formats each record as one JSON object."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single JSON line."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
            "request_id": current_request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS and key not in _CORE_FIELDS:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Formats each record as one short line a person can read as it scrolls by."""

    def format(self, record: logging.LogRecord) -> str:
        """``12:04:05 WARNING logger: message key=value [request id]``, local time."""
        when = datetime.fromtimestamp(record.created, UTC).astimezone().strftime("%H:%M:%S")
        line = f"{when} {record.levelname:<7} {record.name}: {record.getMessage()}"
        extras = [
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _RECORD_ATTRS and key not in _CORE_FIELDS
        ]
        if extras:
            line += "  " + " ".join(extras)
        request_id = current_request_id()
        if request_id is not None:
            line += f"  [{request_id}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:
            line += "\n" + record.exc_text
        return line


def configure_logging(
    level: str | int, service: str, *, stream: TextIO | None = None, fmt: LogFormat = "json"
) -> None:
    """Send every log record, the server's included, to stderr, one line each (JSON unless
    ``fmt`` is "text")."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter(service) if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
