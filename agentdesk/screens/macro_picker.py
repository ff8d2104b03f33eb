"""The macro picker: type to search the library, see the response for this ticket, Enter.

Results are ranked on every keystroke (the index is built in a worker; a search over the
library takes a few ms). The preview renders the highlighted entry for the ticket at hand.
Choosing an entry with placeholders nobody can fill from the ticket (an ETR, a custom field)
asks for them first. The screen returns a MacroChoice through dismiss; it writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.core.errors import agent_message
from agentdesk.core.macros import Macro, MacroHit, MacroIndex, render
from agentdesk.core.macros.placeholders import PLACEHOLDERS
from agentdesk.core.macros.plan import missing_values
from agentdesk.macro_files import MacroLibrary
from agentdesk.widgets.field import Field
from agentdesk.widgets.literal import literal
from agentdesk.widgets.macro_preview import MacroPreview

if TYPE_CHECKING:
    from agentdesk.desk import Desk

RESULTS = 50
FILE_CHECK_SECONDS = 2.0


@dataclass(frozen=True)
class MacroChoice:
    """The entry chosen and every placeholder value for it (the ticket's and the typed)."""

    macro: Macro
    values: dict[str, str]


def needs(macro: Macro, values: dict[str, str]) -> tuple[str, ...]:
    return missing_values(macro, values) if macro.is_macro else render(macro.body, values).missing


class MacroPicker(ModalScreen[MacroChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Close", id="macro_picker.close"),
        Binding("down", "results('down')", "Next", show=False, id="macro_picker.next"),
        Binding("up", "results('up')", "Previous", show=False, id="macro_picker.previous"),
    ]

    @dataclass
    class Loaded(Message):
        library: MacroLibrary
        index: MacroIndex
        usage: dict[str, int]
        values: dict[str, str]
        why_missing: dict[str, str]

    @dataclass
    class LoadFailed(Message):
        error: str

    def __init__(self, desk: Desk, ticket_id: int, *, query: str = "") -> None:
        super().__init__()
        self.desk = desk
        self.ticket_id = ticket_id
        self.initial_query = query
        self.library: MacroLibrary | None = None
        self.index: MacroIndex | None = None
        self.usage: dict[str, int] = {}
        self.values: dict[str, str] = {}
        self.why_missing: dict[str, str] = {}
        self.hits: list[MacroHit] = []
        self.asking: Macro | None = None  # the chosen entry while its values are typed in

    def compose(self) -> ComposeResult:
        with Vertical(id="macro-dialog"):
            yield Static(Content(f"Macros for #{self.ticket_id}"), id="macro-title")
            yield Field(
                value=self.initial_query,
                placeholder="Search macros: title, tags or words of the text",
                select_on_focus=False,
                id="macro-query",
            )
            with Horizontal(id="macro-body"):
                yield OptionList(id="macro-results")
                with VerticalScroll(id="macro-preview-scroll"):
                    yield MacroPreview(Content("Loading the macros…"), id="macro-preview")
            yield Vertical(id="macro-fields")
            yield Static(id="macro-status")

    def on_mount(self) -> None:
        self.query_one("#macro-results", OptionList).can_focus = False
        self.query_one("#macro-query", Input).focus()
        self._load(first=True)
        self.set_interval(FILE_CHECK_SECONDS, self._load, name="macro-files")

    # Loading: the folders (only changed files are re-read), usage counts, ticket values.

    @work(thread=True, exclusive=True, exit_on_error=False, group="macro-picker-load")
    def _load(self, first: bool = False) -> None:
        from agentdesk.desk.macros import macro_view

        try:
            view = macro_view(self.desk, self.ticket_id, unless=None if first else self.library)
        except Exception as error:
            self.post_message(self.LoadFailed(agent_message(error)))
            return
        if view is not None:
            self.post_message(
                self.Loaded(view.library, view.index, view.usage, view.values, view.why_missing)
            )

    def on_macro_picker_loaded(self, message: Loaded) -> None:
        self.library = message.library
        self.index = message.index
        self.usage = message.usage
        self.why_missing = message.why_missing
        # Values typed in earlier (an ETR) survive a reload.
        self.values = {**message.values, **{k: v for k, v in self.values.items() if v}}
        self._search(self.query_one("#macro-query", Input).value)

    def _show_status(self, query: str) -> None:
        """'44 macros', or while filtering '3 of 44 macros'; and any skipped file."""
        if self.library is None:
            return
        total = len(self.library.macros)
        status = f"{total} macros"
        if query.strip():
            found = len(self.hits)
            shown = f"best {found}" if found == RESULTS else str(found)
            status = f"{shown} of {total} macros"
        problems = self.library.problems
        if problems:
            status += f" · {len(problems)} problem(s) in the files, skipped: {problems[0]}"
        self.query_one("#macro-status", Static).update(Content(literal(status)))

    def on_macro_picker_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#macro-preview", MacroPreview).update(
            Content(f"The macros could not be loaded: {message.error}")
        )
        self.notify(message.error, title="Macros", severity="error", markup=False)

    # Search, per keystroke

    @on(Input.Changed, "#macro-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    def _search(self, query: str) -> None:
        if self.index is None:
            return
        self.hits = self.index.search(query, self.usage, RESULTS)
        results = self.query_one("#macro-results", OptionList)
        results.set_options(
            Option(
                Content.assemble(
                    literal(hit.macro.title),
                    "\n",
                    (
                        f"{hit.macro.category.label} · "
                        + ("macro ⚡" if hit.macro.is_macro else "canned response"),
                        "$text-muted",
                    ),
                ),
                id=hit.macro.id,
            )
            for hit in self.hits
        )
        if self.hits:
            results.highlighted = 0
        self._show_status(query)
        self._show_preview()

    @property
    def highlighted_macro(self) -> Macro | None:
        index = self.query_one("#macro-results", OptionList).highlighted
        if index is None or index >= len(self.hits):
            return None
        return self.hits[index].macro

    @on(OptionList.OptionHighlighted, "#macro-results")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_preview()

    def _show_preview(self) -> None:
        self.query_one("#macro-preview", MacroPreview).show(self.highlighted_macro, self.values)

    def action_results(self, direction: str) -> None:
        results = self.query_one("#macro-results", OptionList)
        if direction == "down":
            results.action_cursor_down()
        else:
            results.action_cursor_up()

    # Choosing

    @on(Input.Submitted, "#macro-query")
    def _submitted(self) -> None:
        self.choose(self.highlighted_macro)

    @on(OptionList.OptionSelected, "#macro-results")
    def _selected(self) -> None:
        self.choose(self.highlighted_macro)

    def choose(self, macro: Macro | None) -> None:
        if macro is None:
            return
        missing = needs(macro, self.values)
        if not missing:
            self.dismiss(MacroChoice(macro, dict(self.values)))
            return
        self._ask(macro, missing)

    def _ask(self, macro: Macro, missing: tuple[str, ...]) -> None:
        """Inputs for the values the ticket cannot give; Enter in the last one chooses."""
        self.asking = macro
        fields = self.query_one("#macro-fields", Vertical)
        fields.remove_children()
        widgets: list[Label | Input] = [Label(Content("Fill in before it is sent:"))]
        for name in missing:
            hint = self.why_missing.get(name) or PLACEHOLDERS.get(name, "a value for this macro")
            widgets.append(Label(Content.assemble(("{{" + name + "}}", "bold"), f"  {hint}")))
            widgets.append(Field(placeholder=name, id=_field_id(name), classes="macro-field"))
        fields.mount_all(widgets)
        fields.add_class("-open")
        self.call_after_refresh(self._focus_first_empty)

    def _focus_first_empty(self) -> None:
        for field in self.query(".macro-field").results(Input):
            if not field.value.strip():
                field.focus()
                return

    @on(Input.Changed, ".macro-field")
    def _field_changed(self, event: Input.Changed) -> None:
        name = _field_name(event.input.id or "")
        self.values[name] = event.value
        self._show_preview()

    @on(Input.Submitted, ".macro-field")
    def _field_submitted(self, event: Input.Submitted) -> None:
        if self.asking is None:
            return
        if needs(self.asking, self.values):
            self._focus_first_empty()
            return
        self.dismiss(MacroChoice(self.asking, dict(self.values)))

    def action_back(self) -> None:
        if self.asking is not None:
            self.asking = None
            fields = self.query_one("#macro-fields", Vertical)
            fields.remove_children()
            fields.remove_class("-open")
            self.query_one("#macro-query", Input).focus()
            return
        self.dismiss(None)


def _field_id(name: str) -> str:
    return "macro-field-" + name.replace(".", "--")


def _field_name(widget_id: str) -> str:
    return widget_id.removeprefix("macro-field-").replace("--", ".")
