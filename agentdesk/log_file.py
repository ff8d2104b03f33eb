"""The log (issue 16): a rotated, owner-only file in the platformdirs log dir. Every line,
tracebacks included, passes security.masking.log_safe before it is written."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from agentdesk.config import APP_NAME

MAX_BYTES = 1_000_000
BACKUPS = 3


class _MaskingFormatter(logging.Formatter):
    """The message and any traceback are masked; the line's own time stamp is not."""

    def format(self, record: logging.LogRecord) -> str:
        from agentdesk.security.masking import log_safe

        masked = logging.makeLogRecord(record.__dict__)
        masked.msg, masked.args = log_safe(record.getMessage()), ()
        if record.exc_info:
            masked.exc_text = log_safe(self.formatException(record.exc_info))
        if record.stack_info:
            masked.stack_info = log_safe(record.stack_info)
        return super().format(masked)


def log_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def start_log(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Send agentdesk's loggers to folder/agentdesk.log (default: the platformdirs log dir)."""
    from agentdesk.security.owner_only import make_owner_only, owner_only_umask

    owner_only_umask()
    folder = folder or log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    make_owner_only(folder, folder_levels=0)
    path = folder / "agentdesk.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(_MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("agentdesk")
    for old in [h for h in root.handlers if getattr(h, "agentdesk_log", False)]:
        root.removeHandler(old)
        old.close()
    handler.agentdesk_log = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return path
