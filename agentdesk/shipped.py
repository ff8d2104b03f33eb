"""Files shipped with agentdesk: data/ and macros/, inside the wheel or beside a checkout."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentdesk.core.errors import BadInput

if TYPE_CHECKING:
    from agentdesk.core.escalation import EscalationMatrix
    from agentdesk.core.note_template import Taxonomy
    from agentdesk.core.oncall import OnCall
    from agentdesk.core.sla import SlaPolicy

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """agentdesk/<name> in an installed wheel, <checkout>/<name> in a source tree."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"agentdesk's {name}/ folder is missing (looked in {_PACKAGE})")


class DataFileError(BadInput, ValueError):
    """A data file that cannot be read; the message names the file and the problem."""


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise DataFileError(f"{path}: {error}") from error
    except OSError as error:
        raise DataFileError(f"{path}: cannot be read: {error.strerror}") from error


def data_file(name: str) -> dict[str, Any]:
    return load_toml(shipped_dir("data") / name)


def load_sla_policy(data_dir: Path | None = None) -> SlaPolicy:
    from agentdesk.core.business_hours import CalendarError
    from agentdesk.core.sla import SlaPolicyError
    from agentdesk.core.sla_toml import policy_from_toml

    folder = data_dir or shipped_dir("data")
    try:
        return policy_from_toml(
            load_toml(folder / "sla.toml"), load_toml(folder / "business_hours.toml")
        )
    except (SlaPolicyError, CalendarError) as error:
        raise DataFileError(f"{folder}: {error}") from error


@functools.cache
def load_taxonomy(data_dir: Path | None = None) -> Taxonomy:
    """data/taxonomy.toml: the allowed values of the note template's tags (read once)."""
    from agentdesk.core.note_template import TaxonomyError, taxonomy_from_toml

    folder = data_dir or shipped_dir("data")
    try:
        return taxonomy_from_toml(load_toml(folder / "taxonomy.toml"))
    except TaxonomyError as error:
        raise DataFileError(f"{folder}: {error}") from error


@functools.cache
def load_escalation(data_dir: Path | None = None) -> EscalationMatrix:
    """data/escalation.toml: the tiers, their authority and time limits (read once)."""
    from agentdesk.core.escalation import matrix_from_text

    path = (data_dir or shipped_dir("data")) / "escalation.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path}: cannot be read: {error}") from error
    return matrix_from_text(text, str(path))  # EscalationError names file:line


def shift_file(name: str, team_folder: Path | None = None) -> Path:
    """A shift data file (checklists, roster, announcements): the team folder's copy when it
    has one (a team file replaces the shipped one by name, like macros), else the shipped one."""
    if team_folder is not None and (team_folder / name).is_file():
        return team_folder / name
    return shipped_dir("data") / name


def load_shift_data(name: str, team_folder: Path | None = None) -> Any:
    """One shift file parsed (core.shift_files); ShiftFileError lists each file:line problem."""
    from agentdesk.core.shift_files import (
        ANNOUNCEMENTS,
        CHECKLISTS,
        ROSTER,
        ShiftFileError,
        announcements_from_text,
        checklist_from_text,
        roster_from_text,
    )

    parse = {
        CHECKLISTS: checklist_from_text,
        ROSTER: roster_from_text,
        ANNOUNCEMENTS: announcements_from_text,
    }[name]
    path = shift_file(name, team_folder)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path}: cannot be read: {error}") from error
    try:
        return parse(text, str(path))
    except ShiftFileError:
        raise  # already names file:line


def load_oncall(team_folder: Path | None = None) -> tuple[OnCall, ...]:
    """data/oncall.toml (the team folder's copy first): the published on-call roster as
    core.oncall.OnCall entries; OnCallError names each file:line problem."""
    from agentdesk.core.oncall import ONCALL, roster_from_text

    path = shift_file(ONCALL, team_folder)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path}: cannot be read: {error}") from error
    return roster_from_text(text, str(path))
