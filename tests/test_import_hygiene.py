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
