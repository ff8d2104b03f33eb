"""Macro folders on disk: the shipped library, team overrides, bad files, reloads, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentdesk.core.macros import Category, MissingPlaceholders, placeholder_names, plan_macro
from agentdesk.core.macros.plan import MacroContext, MacroRefused
from agentdesk.macro_files import (
    SHIPPED,
    TEAM,
    MacroCatalog,
    MacroFolder,
    check_folder,
    macro_folders,
    wrap_warnings,
)
from agentdesk.shipped import shipped_dir

CANNED = 'title = "{title}"\ncategory = "closing"\nbody = "Bye {{{{customer.first_name}}}}"\n'


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_library_is_clean_big_enough_and_covers_every_category() -> None:
    macros, problems = check_folder(shipped_dir("macros"))
    assert problems == []
    assert len(macros) >= 40
    assert {macro.category for macro in macros} == set(Category)
    assert sum(macro.is_macro for macro in macros) >= 15


def test_no_shipped_text_is_hard_wrapped() -> None:
    """Issue 12 item 15: a sent reply never breaks mid-sentence; paragraphs are one line."""
    from agentdesk.core.macros.wrapping import hard_wrapped_lines

    macros, _ = check_folder(shipped_dir("macros"))
    wrapped = {m.id: t for m in macros for t in m.texts() if hard_wrapped_lines(t)}
    assert wrapped == {}
    assert wrap_warnings(macros) == []
    # Paragraph breaks, greetings and signatures are kept.
    refund = next(m for m in macros if m.id == "refund-approved")
    assert refund.body.startswith("Hi {{customer.first_name}},\n\n")
    assert refund.body.endswith("\n\nKind regards,\n{{agent.name}}")


def test_macros_check_warns_about_a_hard_wrapped_body(tmp_path: Path) -> None:
    body = (
        "Hi {{customer.first_name}},\n\nYour refund has been approved today and goes back to the"
        " original\npayment method within ten business days.\n\nKind regards,\n{{agent.name}}"
    )
    write(tmp_path, "wrapped", f'title = "Wrapped"\ncategory = "refund"\nbody = """\n{body}\n"""\n')
    result = run_check(str(tmp_path))
    assert result.returncode == 0  # a warning, not an error: the file still loads
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'wrapped.toml'}:6: warning: this paragraph is broken into lines "
        "(hard-wrapped), so the customer gets it broken mid-sentence: write each paragraph on "
        "one line"
    ]
    assert "1 warning(s)" in result.stderr


def test_every_shipped_macro_plans_once_its_values_are_given() -> None:
    """No shipped entry refers to something plan_macro cannot do."""
    macros, _ = check_folder(shipped_dir("macros"))
    filled: dict[str, str] = {}
    for macro in macros:
        for text in macro.texts():
            for name in placeholder_names(text):
                filled[name] = "x"
    context = MacroContext(values=filled, agent_handle="a", agent_id=1, agents={})
    for macro in macros:
        if macro.is_macro:
            assert plan_macro(macro, context), macro.id
        else:
            with pytest.raises(MacroRefused, match="canned response"):
                plan_macro(macro, context)
    empty = MacroContext(values={}, agent_handle="a", agent_id=1)
    sending = [m for m in macros if m.is_macro and "{{" in "".join(m.texts())]
    for macro in sending:
        try:
            plan_macro(macro, empty)
        except MissingPlaceholders:
            continue
        raise AssertionError(f"{macro.id} planned with no placeholder values")


def test_a_bad_file_is_skipped_and_the_others_load(tmp_path: Path) -> None:
    write(tmp_path, "good", CANNED.format(title="Good"))
    write(tmp_path, "broken", 'title = "Broken"\ncategory = "closing"\nbody = "x {{nope}}"\n')
    write(tmp_path, "syntax", 'title = "Syntax\n')
    catalog = MacroCatalog([MacroFolder(tmp_path, TEAM)])
    library = catalog.refresh()
    assert [macro.id for macro in library.macros] == ["good"]
    assert sorted(str(problem) for problem in library.problems) == [
        f"{tmp_path / 'broken.toml'}:3: unknown placeholder {{{{nope}}}}; "
        "custom fields are {{custom.<name>}}",
        f"{tmp_path / 'syntax.toml'}:1: TOML syntax error: Illegal character '\\n' (column 16)",
    ]


def test_a_team_file_overrides_the_shipped_one_with_the_same_id(tmp_path: Path) -> None:
    shipped, team = tmp_path / "shipped", tmp_path / "team"
    write(shipped, "thanks", CANNED.format(title="Shipped thanks"))
    write(shipped, "other", CANNED.format(title="Other"))
    write(team, "thanks", CANNED.format(title="Team thanks"))
    library = MacroCatalog([MacroFolder(shipped, SHIPPED), MacroFolder(team, TEAM)]).refresh()
    assert {macro.id: macro.title for macro in library.macros} == {
        "other": "Other",
        "thanks": "Team thanks",
    }
    assert library.get("thanks") is not None and library.get("thanks").source == TEAM  # type: ignore[union-attr]
    assert library.overridden == ("thanks",)


def test_edits_on_disk_are_picked_up_without_a_restart(tmp_path: Path) -> None:
    path = write(tmp_path, "thanks", CANNED.format(title="Before"))
    catalog = MacroCatalog([MacroFolder(tmp_path, TEAM)])
    first = catalog.refresh()
    assert catalog.refresh() is first  # nothing changed: the same library, nothing re-read
    path.write_text(CANNED.format(title="After, edited"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    write(tmp_path, "new", CANNED.format(title="Brand new"))
    second = catalog.refresh()
    assert second.generation == first.generation + 1
    assert {m.id: m.title for m in second.macros} == {"new": "Brand new", "thanks": "After, edited"}
    path.unlink()
    assert [m.id for m in catalog.refresh().macros] == ["new"]


def test_a_missing_team_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    folders = macro_folders(tmp_path / "nowhere")
    library = MacroCatalog(folders).refresh()
    assert len(library.macros) >= 40
    assert [problem.message for problem in library.problems] == [
        "macro folder cannot be read: No such file or directory"
    ]


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentdesk", "macros", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_macros_check_passes_on_the_shipped_folder() -> None:
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_macros_check_prints_file_line_problem_and_fails(tmp_path: Path) -> None:
    write(tmp_path, "good", CANNED.format(title="Good"))
    write(
        tmp_path,
        "bad",
        'title = "Bad"\ncategory = "closing"\nbody = "Bye"\n\n[[actions]]\ntype = "send_fax"\n',
    )
    result = run_check(str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'bad.toml'}:6: action 1: type 'send_fax' is unknown; the actions: "
        "set_status, set_priority, add_tags, remove_tags, assign, escalate, add_note, "
        "send_reply, fill_note",
    ]
    assert "1 macro file(s) OK, 1 with problems" in result.stderr


# The macro (issue 12, item 1): a title-setting OSC and a clear-screen CSI in the body.
HACKED = (
    'title = "Friendly opener"\n'
    'category = "opener"\n'
    'body = """\n'
    "Hello {{customer.first_name}},\n"
    "\\u001b]0;HACKED\\u0007Thanks for writing.\\u001b[2J\n"
    '"""\n'
)


def test_macros_check_refuses_control_characters_with_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "good", CANNED.format(title="Good"))
    write(tmp_path, "hacked", HACKED)
    write(tmp_path, "title", CANNED.format(title="Bold \\u001b[1m").replace("Bye", "Hi"))
    result = run_check(str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'hacked.toml'}:5: 'body' holds a terminal escape sequence "
        "(ESC ]0;HACKED BEL): control characters and escape sequences are not allowed in "
        "macro text (they would reach the agent's terminal and the customer)",
        f"{tmp_path / 'title.toml'}:1: 'title' holds a terminal escape sequence (ESC [1m): "
        "control characters and escape sequences are not allowed in macro text (they would "
        "reach the agent's terminal and the customer)",
    ]


def test_a_macro_with_escape_sequences_is_not_loaded(tmp_path: Path) -> None:
    """At load, the same check: the picker never offers it, and names the file and line."""
    write(tmp_path, "hacked", HACKED)
    library = MacroCatalog([MacroFolder(tmp_path, TEAM)]).refresh()
    assert library.macros == ()
    (problem,) = library.problems
    assert str(problem).startswith(f"{tmp_path / 'hacked.toml'}:5: 'body' holds a terminal")
