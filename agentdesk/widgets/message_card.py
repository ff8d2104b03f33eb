"""One message of a conversation. An internal note must never look like a reply: it has its
own label, colour, border and indent, and says that the customer does not see it."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from agentdesk.core.ticket import MessageKind
from agentdesk.store.rows import MessageRow
from agentdesk.widgets.literal import literal, literal_lines

_LABEL = {
    MessageKind.CUSTOMER: ("Customer", "bold $text-secondary"),
    MessageKind.REPLY: ("Reply to customer", "bold $text-success"),
    MessageKind.INTERNAL_NOTE: ("Internal note", "bold $text-warning"),
}

_CLASS = {
    MessageKind.CUSTOMER: "-customer",
    MessageKind.REPLY: "-reply",
    MessageKind.INTERNAL_NOTE: "-internal-note",
}


def when(moment: datetime) -> str:
    return moment.strftime("%d %b %H:%M UTC")


class MessageCard(Static):
    DEFAULT_CSS = """
    MessageCard {
        height: auto;
        padding: 0 1;
        margin: 0 0 1 0;
        &.-customer {
            border-left: thick $secondary;
            margin: 0 6 1 0;
        }
        &.-reply {
            border-left: thick $success;
            margin: 0 0 1 6;
        }
        &.-internal-note {
            border: dashed $warning;
            border-title-color: $text-warning;
            border-title-style: bold;
            background: $warning 10%;
            margin: 0 3 1 3;
        }
    }
    """

    def __init__(self, message: MessageRow, *, structured: bool = False) -> None:
        """structured: the message is a rendered structured note (the template)."""
        label, style = _LABEL[message.kind]
        content = Content.assemble(
            (label, style),
            "  ",
            literal(message.author),
            (" · ", "$text-muted"),
            (when(message.created_at), "$text-muted"),
            "\n",
            literal_lines(message.body),
        )
        super().__init__(content, classes=_CLASS[message.kind])
        self.message = message
        if message.kind is MessageKind.INTERNAL_NOTE:
            kind = "INTERNAL · structured note" if structured else "INTERNAL"
            self.border_title = f"{kind} · the customer does not see this"
