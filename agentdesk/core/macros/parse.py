"""Reading one macro file's text: TOML syntax, then every field, with the line of each problem.

tomllib names the line of a syntax error in its message; for the checks made after parsing
(an unknown action, a bad status, an unknown placeholder) the line is found again in the text:
the key's line inside the right [[actions]] table, or the line holding the placeholder.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from agentdesk.core.changes import PendingReason
from agentdesk.core.errors import BadInput
from agentdesk.core.macros.model import (
    ACTION_TYPES,
    NOTE_SECTION_KEYS,
    WAITING_ON,
    Action,
    AddNote,
    AddTags,
    Assign,
    Category,
    Escalate,
    FillNote,
    Macro,
    MacroProblem,
    RemoveTags,
    SendReply,
    SetPriority,
    SetStatus,
)
from agentdesk.core.macros.placeholders import syntax_problems
from agentdesk.core.text import first_unsafe
from agentdesk.core.ticket import Priority, Status, Tier

TOP_LEVEL_KEYS = ("title", "category", "tags", "language", "body", "actions")
MACRO_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,39}$")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_ACTIONS_HEADER = re.compile(r"^\s*\[\[\s*actions\s*\]\]")


class MacroFileError(BadInput, ValueError):
    """A file that cannot be used; problems holds each one with its line."""

    def __init__(self, problems: Sequence[MacroProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class _Lines:
    """Finds where a key or a snippet sits in the file's text (1-based lines)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines() or [""]
        self.action_starts = [
            number for number, line in enumerate(self.lines, 1) if _ACTIONS_HEADER.match(line)
        ]

    def _span(self, action: int | None) -> tuple[int, int]:
        if action is None:
            end = self.action_starts[0] - 1 if self.action_starts else len(self.lines)
            return 1, end
        if action < len(self.action_starts):
            start = self.action_starts[action]
            following = self.action_starts[action + 1 :]
            return start, (following[0] - 1 if following else len(self.lines))
        return self.key("actions"), len(self.lines)  # inline array: actions = [{...}]

    def key(self, key: str, action: int | None = None) -> int:
        start, end = self._span(action)
        pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|{re.escape(key)})\s*=")
        for number in range(start, end + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return start

    def value_line(self, key_line: int, value: str, offset: int) -> int:
        """The line of value[offset] for a string that starts on key_line: a multi-line
        string whose opening quotes end the line starts on the next one."""
        after = self.lines[key_line - 1].partition("=")[2].strip()
        return key_line + (after in ('"""', "'''")) + value.count("\n", 0, offset)

    def snippet(self, snippet: str, action: int | None = None) -> int:
        start, end = self._span(action)
        for number in range(start, end + 1):
            if snippet in self.lines[number - 1]:
                return number
        return start


def parse_macro(text: str, *, macro_id: str, path: str, source: str = "shipped") -> Macro:
    """The macro in text (one file), or MacroFileError listing every problem found."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else len(text.splitlines()) or 1
        message = _TOML_POSITION.sub("", message).strip()
        if position:
            message += f" (column {position.group(2)})"
        raise MacroFileError([MacroProblem(path, line, f"TOML syntax error: {message}")]) from None
    return _Checker(text, path).macro(doc, macro_id, source)


class _Checker:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = _Lines(text)
        self.problems: list[MacroProblem] = []

    def fail(self, line: int, message: str) -> None:
        self.problems.append(MacroProblem(self.path, line, message))

    def macro(self, doc: Mapping[str, Any], macro_id: str, source: str) -> Macro:
        if not MACRO_ID.match(macro_id):
            self.fail(
                1,
                f"file name {macro_id!r} is not a usable id: use lower-case letters, digits, "
                "'-' and '_' (the id is the file name without .toml)",
            )
        for key in doc:
            if key not in TOP_LEVEL_KEYS:
                self.fail(
                    self.lines.key(key),
                    f"unknown key {key!r}; the keys are: {', '.join(TOP_LEVEL_KEYS)}",
                )
        title = self.text(doc, "title", required=True)
        category = self.choice(doc, "category", Category, required=True)
        language = self.text(doc, "language") or "en"
        if not _LANGUAGE.match(language):
            self.fail(self.lines.key("language"), f"language {language!r} is not a code like en")
        tags = self.tags(doc, "tags", None)
        body = self.text(doc, "body", multiline=True)
        actions = self.actions(doc.get("actions", []))
        # Only when no [[actions]] were written: a refused action is its own problem.
        if not doc.get("actions") and not body.strip():
            self.fail(self.lines.key("body"), "a canned response needs a body (or add [[actions]])")
        if any(isinstance(a, SendReply) and a.body is None for a in actions) and not body.strip():
            self.fail(
                self.lines.key("body"),
                "a send_reply action without its own body sends the macro's body, which is empty",
            )
        sends_body = any(isinstance(a, SendReply) and a.body is None for a in actions)
        if actions and body.strip() and not sends_body:
            self.fail(
                self.lines.key("body"),
                "the body is never sent: add a send_reply action without a body, or remove it",
            )
        if self.problems:
            raise MacroFileError(self.problems)
        assert category is not None
        return Macro(
            id=macro_id,
            title=title,
            category=category,
            body=body,
            tags=tags,
            language=language,
            actions=tuple(actions),
            path=self.path,
            source=source,
        )

    # Fields

    def text(
        self,
        doc: Mapping[str, Any],
        key: str,
        action: int | None = None,
        *,
        required: bool = False,
        multiline: bool = False,
    ) -> str:
        value = doc.get(key)

        def where() -> int:  # only looked up for a problem: the common case stays cheap
            return self.lines.key(key, action)

        if value is None:
            if required:
                self.fail(where(), f"{_where(action)}missing {key!r}")
            return ""
        if not isinstance(value, str):
            self.fail(where(), f"{_where(action)}{key!r} must be a string, not {value!r}")
            return ""
        if required and not value.strip():
            self.fail(where(), f"{_where(action)}{key!r} is empty")
        if not multiline and "\n" in value.strip():
            self.fail(where(), f"{_where(action)}{key!r} must be one line")
        unsafe = first_unsafe(value)
        if unsafe is not None:
            self.fail(
                self.lines.value_line(where(), value, unsafe.offset),
                f"{_where(action)}{key!r} holds {unsafe.describe()}: control characters and "
                "escape sequences are not allowed in macro text (they would reach the agent's "
                "terminal and the customer)",
            )
        for snippet, problem in syntax_problems(value):
            self.fail(self.lines.snippet(snippet, action), f"{_where(action)}{problem}")
        # A body's first newline after """ is TOML's; keep the text as the author wrote it.
        return value.strip("\n") if multiline else value.strip()

    def choice(
        self,
        doc: Mapping[str, Any],
        key: str,
        kind: type[Category] | type[Status] | type[Priority] | type[Tier],
        action: int | None = None,
        *,
        required: bool = True,
    ) -> Any:
        value = doc.get(key)
        if value is None:
            if required:
                self.fail(self.lines.key(key, action), f"{_where(action)}missing {key!r}")
            return None
        try:
            return kind(value)
        except ValueError:
            options = ", ".join(member.value for member in kind)
            self.fail(
                self.lines.key(key, action),
                f"{_where(action)}{key} {value!r} is not one of: {options}",
            )
            return None

    def tags(self, doc: Mapping[str, Any], key: str, action: int | None) -> tuple[str, ...]:
        value = doc.get(key, [])
        where = self.lines.key(key, action)
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            self.fail(where, f"{_where(action)}{key!r} must be a list of strings")
            return ()
        for tag in value:
            if not _TAG.match(tag):
                self.fail(
                    where,
                    f"{_where(action)}tag {tag!r} is not allowed: lower-case letters, digits, "
                    "'-', '_', '.', ':' and at most 40 characters",
                )
        return tuple(dict.fromkeys(value))

    # Actions

    def actions(self, value: object) -> list[Action]:
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(self.lines.key("actions"), "'actions' must be [[actions]] tables")
            return []
        found: list[Action] = []
        for index, table in enumerate(value):
            action = self.action(index, table)
            if action is not None:
                found.append(action)
        return found

    def action(self, index: int, table: Mapping[str, Any]) -> Action | None:
        kind = table.get("type")
        if not isinstance(kind, str) or kind not in ACTION_TYPES:
            known = ", ".join(ACTION_TYPES)
            what = "has no 'type'" if kind is None else f"type {kind!r} is unknown"
            self.fail(self.lines.key("type", index), f"{_where(index)}{what}; the actions: {known}")
            return None
        required, optional = ACTION_TYPES[kind]
        for key in table:
            if key != "type" and key not in required + optional:
                allowed = ", ".join(required + optional) or "nothing"
                self.fail(
                    self.lines.key(key, index),
                    f"{_where(index)}{kind} does not take {key!r} (it takes: {allowed})",
                )
        before = len(self.problems)
        for key in required:
            if key not in table:
                self.fail(self.lines.key("type", index), f"{_where(index)}{kind} needs {key!r}")
        if len(self.problems) > before:
            return None
        made = self._make(kind, index, table)
        return made if len(self.problems) == before else None

    def _make(self, kind: str, index: int, table: Mapping[str, Any]) -> Action | None:
        match kind:
            case "set_status":
                status = self.choice(table, "status", Status, index)
                waiting_on = self.waiting_on(table, index, status)
                return None if status is None else SetStatus(status, waiting_on)
            case "set_priority":
                priority = self.choice(table, "priority", Priority, index)
                reason = self.text(table, "reason", index, required=True)
                return None if priority is None else SetPriority(priority, reason)
            case "add_tags" | "remove_tags":
                tags = self.tags(table, "tags", index)
                if not tags:
                    self.fail(self.lines.key("tags", index), f"{_where(index)}no tags given")
                return AddTags(tags) if kind == "add_tags" else RemoveTags(tags)
            case "assign":
                return Assign(self.text(table, "to", index, required=True))
            case "escalate":
                tier = self.choice(table, "tier", Tier, index)
                reason = self.text(table, "reason", index, required=True)
                return None if tier is None else Escalate(tier, reason)
            case "add_note":
                return AddNote(self.text(table, "body", index, required=True, multiline=True))
            case "send_reply":
                if "body" not in table:
                    return SendReply(None)
                return SendReply(self.text(table, "body", index, required=True, multiline=True))
            case "fill_note":
                section = table.get("section")
                text = self.text(table, "text", index, required=True, multiline=True)
                if section == "sla_deadline":
                    self.fail(
                        self.lines.key("section", index),
                        f"{_where(index)}the SLA deadline is filled in from the SLA clocks when "
                        "the note is written; a macro cannot set it",
                    )
                    return None
                if not isinstance(section, str) or section not in NOTE_SECTION_KEYS:
                    self.fail(
                        self.lines.key("section", index),
                        f"{_where(index)}section {section!r} is not one of: "
                        "issue_summary, steps_taken, root_cause_hypothesis, next_steps",
                    )
                    return None
                return FillNote(NOTE_SECTION_KEYS[section], text)
        raise AssertionError(kind)  # pragma: no cover

    def waiting_on(
        self, table: Mapping[str, Any], index: int, status: Status | None
    ) -> PendingReason | None:
        value = table.get("waiting_on")
        options = ", ".join(WAITING_ON)
        if status is Status.PENDING and value is None:
            self.fail(
                self.lines.key("status", index),
                f"{_where(index)}a macro that sets Pending must say what the ticket waits on: "
                f"add waiting_on = one of: {options}",
            )
            return None
        if value is None:
            return None
        if status is not None and status is not Status.PENDING:
            self.fail(
                self.lines.key("waiting_on", index),
                f'{_where(index)}waiting_on only goes with status = "pending"',
            )
            return None
        if not isinstance(value, str) or value not in WAITING_ON:
            self.fail(
                self.lines.key("waiting_on", index),
                f"{_where(index)}waiting_on {value!r} is not one of: {options}",
            )
            return None
        return WAITING_ON[value]


def _where(action: int | None) -> str:
    return "" if action is None else f"action {action + 1}: "
