"""How the gateway's log lines look, and a one-call set-up for processes that have no logging config.

The gateway logs on the ``gateway`` logger tree (``gateway.server``: failed calls at ERROR, with traceback
and error id; ``gateway.requests``: one access line per request at INFO; ``gateway.lifetime``, ...). Records
carry structured fields (``uri``, ``method``, ``formatter``, ``status``, ``duration_ms``, ``caller``,
``error_id``, ...) as attributes, so a log shipper gets them as fields with :class:`JsonLogFormatter`.

Nothing is configured unless asked: under plain ``uvicorn`` (which configures only its own loggers)
Python's last-resort handler still prints WARNING and above, failed calls included. To see the access lines
too, or to have JSON, call :func:`configure_logging` (or set ``GATEWAY_LOGGING_LEVEL`` / ``GATEWAY_LOGGING_FORMAT``,
which :class:`~gateway.RemotingApp` applies when it is created).
"""

from __future__ import annotations

import datetime as dt
import json as _json
import logging
import os
import sys
from typing import IO

#: The format of text lines: ``2026-11-21 10:00:00,123 INFO gateway.requests: 127.0.0.1 POST /SayHello.soap ...``
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Attributes every LogRecord has; anything else on a record came from ``extra=`` and is a structured field.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message", "asctime", "taskName", "color_message",  # uvicorn's colored copy of its message
}
_MARK = "_gateway_configured"


def printable(text: str) -> str:
    """``text`` with control characters escaped: a URI or method name a caller chose cannot forge log lines."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, the
    record's structured fields, and ``exc_info`` (the traceback as text) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "timestamp": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return _json.dumps(entry, default=str, ensure_ascii=False)


def parse_level(level: str | int) -> int:
    """``"info"`` / ``"WARNING"`` / ``20`` -> the logging level; a clear ValueError for anything else."""
    if isinstance(level, int):
        return level
    levels = logging.getLevelNamesMapping()
    found = levels.get(level.strip().upper())
    if found is None:
        names = ", ".join(n.lower() for n in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
        raise ValueError(f"unknown log level {level!r}; use one of {names}")
    return found


def configure_logging(
    level: str | int = "info", *, json: bool | None = None, stream: IO[str] | None = None
) -> logging.Handler:
    """Send the ``gateway`` loggers' records at ``level`` and above to ``stream`` (default stderr).

    ``json=True`` writes :class:`JsonLogFormatter` lines, and reformats uvicorn's own loggers' lines the
    same way (one format per stream, for log shippers); ``json=None`` reads ``GATEWAY_LOGGING_FORMAT``
    (``text``, the default, or ``json``). The ``gateway`` logger gets its own handler and stops
    propagating, so a root handler does not print the lines twice. Calling it again replaces the handler
    it installed before. Returns the handler.
    """
    as_json = log_format_from_env() == "json" if json is None else json
    logger = logging.getLogger("gateway")
    for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _MARK, True)
    handler.setFormatter(JsonLogFormatter() if as_json else logging.Formatter(TEXT_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(parse_level(level))
    logger.propagate = False
    if as_json:
        for name in ("uvicorn", "uvicorn.access"):
            for uvicorn_handler in logging.getLogger(name).handlers:
                uvicorn_handler.setFormatter(JsonLogFormatter())
    return handler


def log_format_from_env() -> str:
    """``GATEWAY_LOGGING_FORMAT``: ``text`` (default) or ``json``."""
    value = os.environ.get("GATEWAY_LOGGING_FORMAT", "text").strip().lower() or "text"
    if value not in ("text", "json"):
        raise ValueError(f"GATEWAY_LOGGING_FORMAT={value!r} is not a log format; use text or json")
    return value


def configure_logging_from_env() -> logging.Handler | None:
    """:func:`configure_logging` as ``GATEWAY_LOGGING_LEVEL`` (default ``info``) and ``GATEWAY_LOGGING_FORMAT`` say,
    when either is set; otherwise nothing is configured and None is returned."""
    level = os.environ.get("GATEWAY_LOGGING_LEVEL", "").strip()
    if not level and "GATEWAY_LOGGING_FORMAT" not in os.environ:
        return None
    return configure_logging(level or "info")
