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
    from agentdesk.core.sla import SlaPolicyError, policy_from_toml

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
    """data/escalation.toml: what each tier handles (read once)."""
    from agentdesk.core.escalation import EscalationError, matrix_from_toml

    folder = data_dir or shipped_dir("data")
    try:
        return matrix_from_toml(load_toml(folder / "escalation.toml"))
    except EscalationError as error:
        raise DataFileError(f"{folder}: {error}") from error
