"""A text field for dialogs and forms that keeps type-ahead where the agent meant it.

Why keys went to the old field: the app hands each key to the widget focused *when the app
reads the key*, by posting it to that widget's queue. Tab is a binding of the screen, found
only after the key has bubbled there through the Input's queue; by then the keys typed after
Tab were already queued on the old field ("Open a trace", Tab, "2h" gave "Open a trace2h").
A priority binding is checked by the app itself, in the order keys arrive, so Tab moves the
focus before the next key is handed out.

And the text is never selected on focus: typing after coming back must add to it, not
replace it (Textual's Input selects all on focus by default).

The same holds inside one field: a printable key is inserted by the Input when it reads the
key, but its own bound keys (backspace, delete, home, ...) ran only after the key had bubbled
up to the app's binding check, so "backspace backspace 1 h" typed fast gave "2h1h" minus two
letters at the end. A Field runs its own bindings as it reads the key, in the order typed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import Input


class Field(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_field", "Next field", show=False, priority=True),
        Binding("shift+tab", "previous_field", "Previous field", show=False, priority=True),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)

    def action_next_field(self) -> None:
        self.screen.focus_next()

    def action_previous_field(self) -> None:
        self.screen.focus_previous()

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue  # the app ran it already, before this key was handed out
            if await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
            # Skipped (up/down with nothing to move): the key goes on to the screen's binding.
        await super()._on_key(event)
