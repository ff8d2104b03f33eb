"""House rules that a test can hold: the core never imports Textual, the UI starts light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "agentdesk"
CORE_PARTS = ("core", "store", "sync", "security")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("part", CORE_PARTS)
def test_core_store_sync_security_never_import_textual(part: str) -> None:
    files = sorted((PACKAGE / part).rglob("*.py"))
    assert files, f"agentdesk/{part} has no modules"
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in files
        for name in _imports(path)
        if name == "textual" or name.startswith(("textual.", "rich"))
    ]
    assert offenders == []


def test_pure_core_does_no_io_imports() -> None:
    banned = ("sqlalchemy", "sqlmodel", "httpx", "keyring", "sqlite3", "socket")
    offenders = [
        f"{path.name} imports {name}"
        for path in sorted((PACKAGE / "core").rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in banned
    ]
    assert offenders == []


def test_the_check_catches_a_textual_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from textual.app import App\n    return App\n")
    assert "textual.app" in _imports(sneaky)


def test_the_app_module_does_not_pull_in_the_heavy_libraries() -> None:
    """The first frame must not wait for SQLAlchemy (~0.5 s) or httpx: they load in workers."""
    code = (
        "import sys, agentdesk.app, agentdesk.cli\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'sqlmodel', 'httpx', 'keyring') "
        "if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


# Issue 17: what the first rows do not need stays out of the start path. Each was measured
# there with `python -X importtime` (bench/bench_startup.py prints what remains): the note
# template behind config's OnResolve, the supervisor's dashboard in an agent's start, the
# shift rules and the intake's fuzzy matching (rapidfuzz) behind the queue's mixins, and
# Textual's TextArea (~0.1 s of themes) behind the steady-cursor check on focus.
LATER_MODULES = (
    "agentdesk.core.note_template",
    "agentdesk.core.shift",
    "agentdesk.core.shift_roster",
    "agentdesk.core.shift_end",
    "agentdesk.core.intake",
    "rapidfuzz",
    "agentdesk.screens.supervisor",
    "textual.widgets._text_area",
    "keyring",
    # The sync worker's widget: mounted once the store is open.
    "agentdesk.widgets.sync_driver",
    # The macro catalog and the macro model and parser behind it (~2 MiB): the session
    # makes its catalog on first use (a macro key, the picker), not as it opens.
    "agentdesk.macro_files",
    "agentdesk.core.macros",
)

# Each subprocess below reads and writes only a fresh temp folder for its profile.
_FRESH_PROFILE_DIRS = """
import os, sys, tempfile
from pathlib import Path
home = tempfile.mkdtemp()
for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    os.environ[name] = os.path.join(home, name.lower())
"""

# The start path up to the first rows: the command line, the profile's settings read and
# checked, the app and its queue screen, the peek that reads the first page, the focus
# check the queue table runs when it takes focus, and the session the open worker makes
# beside them (its store not opened here: a Session of the settings alone).
START_PATH = (
    _FRESH_PROFILE_DIRS
    + """
import agentdesk.cli, agentdesk.app
from agentdesk.config import load_settings
from agentdesk.desk.queue import peek_queue
from agentdesk.store.peek import peek_queue as store_peek
from agentdesk.terminal_output import steady_cursor
from agentdesk.widgets.ticket_table import TicketTable
import agentdesk.desk.session
from agentdesk.session import Session
settings = load_settings("hygiene")
steady_cursor(TicketTable(lambda: None))
Session(settings, None, None, macro_folder=settings.macro_folder)
print(",".join(sorted(m for m in sys.argv[1:] if m in sys.modules)))
"""
)


def _loaded_by(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of modules are in sys.modules once code (a fresh interpreter) has run; code
    prints them, comma-separated, from its sys.argv."""
    result = subprocess.run(
        [sys.executable, "-c", code, *modules], capture_output=True, text=True, check=True
    )
    return [name for name in result.stdout.strip().split(",") if name]


def _loaded_by_start_path(modules: tuple[str, ...]) -> list[str]:
    return _loaded_by(START_PATH, modules)


def test_the_start_path_leaves_what_the_first_rows_do_not_need() -> None:
    assert _loaded_by_start_path(LATER_MODULES) == []


def test_the_start_path_check_sees_an_eager_import() -> None:
    """The check above is not vacuous: modules the start path does load are reported."""
    assert _loaded_by_start_path(("agentdesk.core.sla", "agentdesk.config_keys")) == [
        "agentdesk.config_keys",
        "agentdesk.core.sla",
    ]


def test_the_steady_cursor_still_reaches_a_text_area() -> None:
    """Not importing TextArea for the check must not skip one once it exists."""
    code = (
        "from textual.widgets import TextArea\n"
        "from agentdesk.terminal_output import steady_cursor\n"
        "area = TextArea()\n"
        "steady_cursor(area)\n"
        "print(area.cursor_blink)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_session_makes_its_macro_catalog_on_first_use(tmp_path: Path) -> None:
    """Out of the start path, the catalog still holds the shipped folder and the team's,
    and every caller gets the same one."""
    from agentdesk.config import Settings
    from agentdesk.macro_files import SHIPPED, TEAM
    from agentdesk.session import Session

    settings = Settings("hygiene", None, tmp_path / "a.db", tmp_path / "cache")
    session = Session(settings, None, None, macro_folder=tmp_path)  # type: ignore[arg-type]
    catalog = session.macros
    assert [(f.source, f.path == tmp_path) for f in catalog.folders] == [
        (SHIPPED, False),
        (TEAM, True),
    ]
    assert session.macros is catalog


# What the app's own open (its worker, up to the session opened) does not import: the sweep of
# the opened attachment copies a crash left behind runs in a worker of its own after it, and
# desk.attachments brings the escalation and emergency rules, the ticket history and the
# shift roster behind the change model (the start of day's auto-close needs core.changes).
LATER_THAN_THE_OPEN = (
    "agentdesk.desk.attachments",
    "agentdesk.core.emergency",
    "agentdesk.core.shift_roster",
    "agentdesk.store.workspace_rows",
)

OPEN_PATH = (
    _FRESH_PROFILE_DIRS
    + """
os.environ["AGENTDESK_MARKS"] = os.path.join(home, "marks")
os.environ["AGENTDESK_MARKS_EXIT"] = "session_opened"  # the app exits there
from agentdesk.app import make_app
from agentdesk.config import Settings
make_app(Settings("hygiene", None, Path(home) / "agentdesk.db", Path(home) / "cache")).run(
    headless=True
)
assert "session_opened" in Path(os.environ["AGENTDESK_MARKS"]).read_text()
print(",".join(sorted(m for m in sys.argv[1:] if m in sys.modules)))
"""
)


def test_the_apps_open_leaves_the_sweep_of_opened_copies_to_later() -> None:
    assert _loaded_by(OPEN_PATH, LATER_THAN_THE_OPEN) == []


def test_the_open_check_sees_what_the_open_imports() -> None:
    assert _loaded_by(OPEN_PATH, ("agentdesk.store.auto_close", "sqlalchemy")) == [
        "agentdesk.store.auto_close",
        "sqlalchemy",
    ]


# `agentdesk --demo` opens the start-of-shift checklist with sign-in off, a plain store and
# the verifier key in a file: its keyring check has nothing to ask the keyring about, and
# importing keyring finds every backend (D-Bus among them). Every start check, as the screen
# runs them, on such a profile:
DEMO_SHIFT_CHECKS = """
import sys, tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from agentdesk.config import demo_settings
from agentdesk.core.shift import Phase
from agentdesk.desk import shift
from agentdesk.desk.session import open_desk
from agentdesk.desk.shift_checks import run_check
settings = replace(demo_settings(Path(tempfile.mkdtemp()), tickets=0), shift=True)
desk = open_desk(settings, lambda: datetime.now(UTC), start_of_day=False)
view = shift.start_shift(desk)
checks = [s.item for s in view.items if s.item.phase is Phase.START and s.item.automatic]
assert "keyring" in {item.check for item in checks}
for item in checks:
    shift.record_check(desk, run_check(desk, item.id, item.check, None))
print(",".join(sorted(m for m in sys.argv[1:] if m in sys.modules)))
"""


def test_a_demo_shifts_checks_leave_the_keyring_unloaded() -> None:
    assert _loaded_by(DEMO_SHIFT_CHECKS, ("keyring", "secretstorage", "jeepney")) == []
