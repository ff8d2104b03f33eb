"""Canned responses and macros: the file format, placeholders, search and apply planning.

Pure: no IO, no Textual. Files are read by agentdesk.macro_files; the store writes what
plan_macro() plans through its one write path.
"""

from agentdesk.core.macros.model import (
    ACTION_TYPES,
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
    describe_action,
)
from agentdesk.core.macros.parse import MacroFileError, parse_macro
from agentdesk.core.macros.placeholders import (
    PLACEHOLDERS,
    MissingPlaceholders,
    Rendered,
    placeholder_names,
    render,
    render_for_customer,
    ticket_values,
)
from agentdesk.core.macros.plan import MacroContext, MacroRefused, plan_macro
from agentdesk.core.macros.search import MacroHit, MacroIndex

__all__ = [
    "ACTION_TYPES",
    "PLACEHOLDERS",
    "Action",
    "AddNote",
    "AddTags",
    "Assign",
    "Category",
    "Escalate",
    "FillNote",
    "Macro",
    "MacroContext",
    "MacroFileError",
    "MacroHit",
    "MacroIndex",
    "MacroProblem",
    "MacroRefused",
    "MissingPlaceholders",
    "RemoveTags",
    "Rendered",
    "SendReply",
    "SetPriority",
    "SetStatus",
    "describe_action",
    "parse_macro",
    "placeholder_names",
    "plan_macro",
    "render",
    "render_for_customer",
    "ticket_values",
]
