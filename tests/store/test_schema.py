"""store.models is the schema: the database the migrations build must be the one it describes.

Migrations stay plain SQL (a file made by the first release must migrate to every later one),
so the schema is written twice on purpose. This test keeps the two the same: it builds one
database by running the migrations and another from SQLModel.metadata.create_all, and compares
what SQLite reports for each (PRAGMA table_info, index_list, index_info, foreign_key_list),
the CHECK constraints and the triggers of each table. Every difference is named, so a new
migration that the models do not follow (or the other way round) fails with the table and
column to fix.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import agentdesk.store.models  # noqa: F401  (registers the tables in SQLModel.metadata)
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store

Schema = dict[str, dict[str, Any]]

# The full-text index is an FTS5 virtual table (V_H14C), not a SQLModel table: it and its
# shadow tables (ticket_search_data, _idx, _docsize, _config) are left out of the comparison,
# and test_the_search_index_agrees_with_the_content checks it against what it indexes.
FULL_TEXT_TABLES = re.compile(r"^ticket_search(_(data|idx|docsize|config|content))?$")


def _affinity(declared: str) -> str:
    """SQLite's type affinity of a declared type (section 3.1 of its datatype page)."""
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in upper or not upper:
        return "BLOB"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _checks(sql: str) -> list[str]:
    """The CHECK (...) expressions of a CREATE TABLE, with their whitespace folded."""
    found = []
    for match in re.finditer(r"\bCHECK\s*\(", sql, flags=re.IGNORECASE):
        depth, start = 1, match.end()
        end = start
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        found.append(" ".join(sql[start : end - 1].split()).replace("( ", "("))
    return sorted(found)


def _schema(path: Path) -> Schema:
    connection = sqlite3.connect(path)
    try:
        tables = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        schema: Schema = {}
        for table, sql in tables:
            if FULL_TEXT_TABLES.match(table):
                continue
            info = connection.execute(f"PRAGMA table_info({table})").fetchall()
            keys = [row for row in info if row[5]]
            # A lone INTEGER PRIMARY KEY is the rowid: it can never hold NULL, whether or not
            # the DDL says NOT NULL (SQLAlchemy does, hand-written SQL usually does not).
            rowid = keys[0][1] if len(keys) == 1 and keys[0][2].upper() == "INTEGER" else None
            columns = [
                {
                    "name": name,
                    "affinity": _affinity(declared),
                    "not null": bool(notnull) or name == rowid,
                    "default": default,
                    "primary key": pk,
                }
                for _, name, declared, notnull, default, pk in info
            ]
            indexes = {}
            for _, name, unique, origin, partial in connection.execute(
                f"PRAGMA index_list({table})"
            ):
                on = tuple(row[2] for row in connection.execute(f"PRAGMA index_info({name})"))
                # sqlite_autoindex_<table>_<n> is numbered in the order the DDL lists its
                # UNIQUE and PRIMARY KEY clauses: what it covers is what matters.
                key = name if origin == "c" else f"{origin}{on}"
                indexes[key] = {"columns": on, "unique": bool(unique), "partial": bool(partial)}
            foreign_keys = sorted(
                (row[3], row[2], row[4], row[5], row[6], row[7])
                for row in connection.execute(f"PRAGMA foreign_key_list({table})")
            )
            # Triggers (the audit tables' append-only guard) are schema too; the models
            # add theirs with DDL events, so create_all makes the same ones.
            triggers = sorted(
                (name, " ".join(sql.split()).rstrip(";"))
                for name, sql in connection.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                    (table,),
                )
                # The full-text index's own triggers go with it (left out, checked below).
                if not name.startswith("ticket_search_")
            )
            schema[table] = {
                "triggers": triggers,
                "columns": columns,
                "indexes": indexes,
                "foreign keys": foreign_keys,
                "checks": _checks(sql),
            }
        return schema
    finally:
        connection.close()


def _differences(migrated: Schema, modelled: Schema) -> Iterator[str]:
    for table in sorted(migrated.keys() - modelled.keys()):
        yield f"{table}: made by the migrations, no model"
    for table in sorted(modelled.keys() - migrated.keys()):
        yield f"{table}: a model, no migration makes it"
    for table in sorted(migrated.keys() & modelled.keys()):
        ours, theirs = migrated[table], modelled[table]
        names = [c["name"] for c in ours["columns"]]
        model_names = [c["name"] for c in theirs["columns"]]
        if names != model_names:
            yield f"{table}: columns {names} migrated, {model_names} in the model"
        by_name = {c["name"]: c for c in theirs["columns"]}
        for column in ours["columns"]:
            model = by_name.get(column["name"])
            for aspect in ("affinity", "not null", "default", "primary key"):
                if model is not None and model[aspect] != column[aspect]:
                    yield (
                        f"{table}.{column['name']}: {aspect} {column[aspect]!r} migrated, "
                        f"{model[aspect]!r} in the model"
                    )
        for aspect in ("indexes", "foreign keys", "checks", "triggers"):
            if ours[aspect] != theirs[aspect]:
                yield (
                    f"{table}: {aspect} {ours[aspect]!r} migrated, {theirs[aspect]!r} in the model"
                )


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> tuple[Schema, Schema]:
    folder = tmp_path_factory.mktemp("schema")
    open_store(folder / "migrated.db", load_sla_policy()).close()
    engine = create_engine(f"sqlite:///{folder / 'modelled.db'}")
    try:
        SQLModel.metadata.create_all(engine)
    finally:
        engine.dispose()
    return _schema(folder / "migrated.db"), _schema(folder / "modelled.db")


def test_the_migrations_build_the_schema_the_models_describe(
    schemas: tuple[Schema, Schema],
) -> None:
    migrated, modelled = schemas
    assert list(_differences(migrated, modelled)) == []


def test_the_comparison_sees_a_column_the_models_lack(schemas: tuple[Schema, Schema]) -> None:
    migrated, modelled = schemas
    changed = {**modelled, "tickets": {**modelled["tickets"]}}
    changed["tickets"]["columns"] = modelled["tickets"]["columns"][:-1]
    missing = modelled["tickets"]["columns"][-1]["name"]
    assert any(missing in line for line in _differences(migrated, changed))


def test_check_constraints_are_read_whole() -> None:
    sql = "CREATE TABLE t (a TEXT CHECK (a IN ('x', 'y')), b INTEGER CHECK ((b + 1) > 0))"
    assert _checks(sql) == ["(b + 1) > 0", "a IN ('x', 'y')"]


def test_the_search_index_agrees_with_the_content(tmp_path: Path) -> None:
    """FTS5's integrity-check with rank 1 compares the index with the content it was built
    from (messages and subjects, through search_documents): written by plain SQL, as any
    writer would, the triggers keep the two the same; a message written behind their back is
    caught."""
    path = tmp_path / "search.db"
    open_store(path, load_sla_policy()).close()
    connection = sqlite3.connect(path)
    try:
        connection.executescript(
            """
            INSERT INTO customers (id, account_id, name, email, region, created_at)
                VALUES (1, 'A-1', 'Ann', 'ann@example.com', 'americas', '2026-01-01');
            INSERT INTO tickets (id, subject, customer_id, priority, status, channel, region,
                created_at, updated_at) VALUES (1, 'Refund for ORD-1234567', 1, 'P2', 'new',
                'email', 'americas', '2026-01-01', '2026-01-01');
            INSERT INTO messages (id, ticket_id, kind, author, body, created_at)
                VALUES (1, 1, 'customer', 'ann', 'Tracking 1Z999 never moved', '2026-01-01'),
                       (2, 1, 'reply', 'bob', 'Looking now', '2026-01-01');
            UPDATE messages SET body = 'Looking at it now' WHERE id = 2;
            UPDATE tickets SET subject = 'Refund for ORD-7654321' WHERE id = 1;
            DELETE FROM messages WHERE id = 1;
            """
        )
        check = "INSERT INTO ticket_search (ticket_search, rank) VALUES ('integrity-check', 1)"
        connection.execute(check)
        found = connection.execute(
            "SELECT rowid FROM ticket_search WHERE ticket_search MATCH '\"ORD-7654321\"'"
        ).fetchall()
        assert found == [((1 << 32) + 1,)]  # the subject of ticket 1
        connection.execute("DROP TRIGGER ticket_search_message_added")
        connection.execute(
            "INSERT INTO messages (ticket_id, kind, author, body, created_at) "
            "VALUES (1, 'reply', 'bob', 'unindexed words', '2026-01-01')"
        )
        with pytest.raises(sqlite3.DatabaseError):
            connection.execute(check)
    finally:
        connection.close()


def test_the_comparison_sees_a_trigger_the_models_lack(schemas: tuple[Schema, Schema]) -> None:
    migrated, modelled = schemas
    assert migrated["security_audit"]["triggers"], "the append-only triggers are migrated"
    changed = {**modelled, "audit": {**modelled["audit"], "triggers": []}}
    assert any("audit: triggers" in line for line in _differences(migrated, changed))
