"""The picker's preview: a macro's response rendered for the ticket, and what it will do.

Everything here is the macro author's or the customer's text: shown literally, never as
markup. A placeholder without a value stays visible as {{name}}, highlighted, and is listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from textual.content import Content
from textual.widgets import Static

from agentdesk.core.macros import Macro, describe_action, render
from agentdesk.core.macros.plan import missing_values
from agentdesk.widgets.literal import literal, literal_lines

_PLACEHOLDER = re.compile(r"\{\{\s*[^{}]*?\s*\}\}")
MISSING_STYLE = "bold reverse $text-warning"


def highlighted(text: str) -> Content:
    """Rendered text with the placeholders left in it marked."""
    parts: list[str | tuple[str, str]] = []
    at = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(literal_lines(text[at : match.start()]))
        parts.append((literal(match.group(0)), MISSING_STYLE))
        at = match.end()
    parts.append(literal_lines(text[at:]))
    return Content.assemble(*parts)


def preview(macro: Macro, values: Mapping[str, str]) -> Content:
    kind = "Macro" if macro.is_macro else "Canned response"
    parts: list[Content | str | tuple[str, str]] = [
        (literal(macro.title), "bold"),
        "\n",
        (f"{kind} · {macro.category.label} · {macro.language}", "$text-muted"),
    ]
    if macro.tags:
        parts += [("  ·  ", "$text-muted"), (literal(", ".join(macro.tags)), "$text-muted")]
    if macro.source != "shipped":
        parts += [("  ·  ", "$text-muted"), (f"{macro.source} folder", "$text-accent")]
    if macro.body.strip():
        parts += ["\n\n", highlighted(render(macro.body, values).text)]
    if macro.actions:
        parts += ["\n\n", ("It will:", "bold")]
        for number, action in enumerate(macro.actions, 1):
            parts += ["\n", f" {number}. ", highlighted(describe_action(action))]
    missing = (
        missing_values(macro, values) if macro.is_macro else render(macro.body, values).missing
    )
    if missing:
        listed = ", ".join("{{" + name + "}}" for name in missing)
        parts += ["\n\n", ("Needs a value: ", "bold $text-warning"), literal(listed)]
    return Content.assemble(*parts)


class MacroPreview(Static):
    DEFAULT_CSS = """
    MacroPreview {
        height: auto;
        padding: 0 1;
    }
    """

    def show(self, macro: Macro | None, values: Mapping[str, str]) -> None:
        if macro is None:
            self.update(Content("No macro matches."))
        else:
            self.update(preview(macro, values))
