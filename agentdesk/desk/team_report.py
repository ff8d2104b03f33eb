"""The team's figures leaving agentdesk (issue 15, issue 16's "data export is an audited
event"): the weekly report's text (agentdesk.weekly_report) of one KpiOverview (desk.kpis),
written to a file the user names. The CLI's `report --out` and the KPI board's Export key
both write through export_report, so a file of team figures is audited the same way
whoever writes it.

The audit event goes through desk.audit_trail.record_event, which on a read-only desk
(monitoring mode) writes it into the supervisor profile's own store through the narrow
security writer, never into a watched store. It is recorded before the file is written: an
export nobody can account for does not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from agentdesk.desk.kpis import KpiOverview

FORMATS = ("md", "html", "csv")
SUFFIXES = {".md": "md", ".markdown": "md", ".csv": "csv", ".html": "html", ".htm": "html"}


@dataclass(frozen=True)
class Exported:
    path: Path
    format: str
    bytes: int


def format_of(path: Path, formats: tuple[str, ...] = FORMATS) -> str:
    """The format a file name asks for, by its suffix; BadInput names what fits."""
    from agentdesk.core.errors import BadInput

    found = SUFFIXES.get(path.suffix.lower())
    if found is None or found not in formats:
        fits = ", ".join(f".{f}" for f in formats)
        raise BadInput(f"{path.name}: name a {fits} file (the suffix picks the format)")
    return found


def audit_export(desk: Desk, what: str, detail: str) -> None:
    """The export event (security trail), on any desk, before the data leaves."""
    from agentdesk.desk.audit_trail import Event, record_event

    record_event(desk, Event.EXPORT, resource=what, detail=detail)


def export_report(
    desk: Desk,
    overview: KpiOverview,
    fmt: str,
    typed: str | Path,
    *,
    what: str = "weekly report",
    agent: str | None = None,
    overwrite: bool = False,
) -> Exported:
    """Write the report of `overview` as `fmt` to the path typed. An existing file is never
    replaced unless overwrite (TargetExists names it: the front end asks first); a missing
    folder or a folder given as the file is a BadInput, and nothing is written. `agent`:
    the overview is that agent's (the audit says whose figures left)."""
    from agentdesk.core.errors import BadInput
    from agentdesk.desk.attachments import TargetExists
    from agentdesk.weekly_report import render

    if fmt not in FORMATS:
        raise BadInput(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if not str(typed).strip():
        raise BadInput("type a file path first; nothing was written")
    target = Path(str(typed).strip()).expanduser()
    if target.is_dir():
        raise BadInput(f"{target} is a folder: name the file; nothing was written")
    if not target.parent.is_dir():
        raise BadInput(f"no folder at {target.parent}; nothing was written")
    if target.exists() and not overwrite:
        raise TargetExists(target)
    body = render(overview, fmt).encode("utf-8")
    who = f" of {agent}" if agent else ""
    audit_export(desk, f"{what} {fmt}", f"{overview.period.label}{who} to {target}")
    try:
        with target.open("wb" if overwrite else "xb") as out:
            out.write(body)
    except FileExistsError:  # made between the check and the write: still never replaced
        raise TargetExists(target) from None
    except OSError as error:
        raise BadInput(f"{target} cannot be written: {error.strerror}") from None
    return Exported(target, fmt, len(body))
