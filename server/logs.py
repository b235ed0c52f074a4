"""Log lines: one JSON object per line (the default) or plain text (PARTNERSCOPE_LOG_FORMAT).

Every line written while a request is served carries its request id. The access line
(logger `partnerscope.access`, one per request) adds its fields under their own keys.
Nothing here ever writes a header, a variable's value, a token or a password: callers pass
only the fields they mean to log.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["json", "text"]
# The id server.middleware.RequestId gave the request being served (None outside one).
REQUEST_ID: ContextVar[str | None] = ContextVar("partnerscope_request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "pid", "message", "requestId", ...the record's `fields`}."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["requestId"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the server (uvicorn applies it in every worker).

    uvicorn's own loggers write through the same handler; its access log is replaced by
    `partnerscope.access`.
    """
    formatter: dict[str, Any] = (
        {"()": "server.logs.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"partnerscope": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "partnerscope",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
            "alembic": {"level": "WARNING"},
        },
    }
