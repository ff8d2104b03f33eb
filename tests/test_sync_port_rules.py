"""House rules of issue 10 for sync and the store, held by a test that reads the package.

- One audit writer: `INSERT INTO audit` is written in store/audit.py only.
- sync/ issues no SQL: it imports no SQLAlchemy and holds no SQL statement; the store port
  (store/sync_port.py) does it.
- TicketSQL quoting is written once, in sync/rt/ticketsql.py.
- The generic engine names no helpdesk: of sync/'s own modules only runner.py (which picks the
  profile's backend) refers to sync/rt/.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "agentdesk"
SYNC = PACKAGE / "sync"
AUDIT_INSERT = r"INSERT\s+INTO\s+audit\b"
SQL = r"\b(SELECT\s.*\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b"
# The escape of a single quote inside a TicketSQL literal: .replace("'", "\\'")
TICKETSQL_QUOTE = r"""replace\("'",\s*"\\\\'"\)"""


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _where(pattern: str, root: Path = PACKAGE) -> list[str]:
    found = re.compile(pattern, re.IGNORECASE)
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if found.search(_source(path))
    )


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(_source(path), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_insert_into_audit_is_written_in_store_audit_only() -> None:
    assert _where(AUDIT_INSERT) == ["store/audit.py"]


def test_sync_imports_no_sqlalchemy() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted(SYNC.rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in ("sqlalchemy", "sqlmodel", "sqlite3")
    ]
    assert offenders == []


def test_sync_holds_no_sql_statement() -> None:
    assert _where(SQL, SYNC) == []


def test_ticketsql_quoting_is_written_once() -> None:
    assert _where(TICKETSQL_QUOTE) == ["sync/rt/ticketsql.py"]


def test_the_generic_engine_names_no_helpdesk() -> None:
    generic = [path for path in sorted(SYNC.glob("*.py")) if path.name != "runner.py"]
    offenders = [
        f"{path.name} imports {name}"
        for path in generic
        for name in _imports(path)
        if name.startswith("agentdesk.sync.rt")
    ]
    assert offenders == []


def test_the_rule_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    (tmp_path / "sneaky.py").write_text(
        "from sqlalchemy import text\n"
        'Q = "insert  into AUDIT (ticket_id) VALUES (1)"\n'
        'R = "SELECT id FROM tickets"\n'
        """S = "'" + value.replace("'", "\\\\'") + "'"\n"""
    )
    assert _where(AUDIT_INSERT, tmp_path) == ["sneaky.py"]
    assert _where(SQL, tmp_path) == ["sneaky.py"]
    assert _where(TICKETSQL_QUOTE, tmp_path) == ["sneaky.py"]
    assert "sqlalchemy" in _imports(tmp_path / "sneaky.py")
