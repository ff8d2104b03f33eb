"""The customer beside the conversation: account id and masked contact details only.

The date of birth is never shown; the payment method only as its last 4 digits.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from agentdesk.widgets.literal import literal


class CustomerPanel(Static):
    DEFAULT_CSS = """
    CustomerPanel {
        height: auto;
        padding: 0 1;
    }
    """

    def show(self, name: str, account_id: str, email: str, payment_last4: str) -> None:
        """name and email must already be masked (the store's queries do it)."""
        payment = f"card ····{literal(payment_last4)}" if payment_last4 else "none on file"

        def row(label: str, value: str) -> Content:
            return Content.assemble((f"{label}\n", "$text-muted"), value, "\n")

        self.update(
            Content.assemble(
                ("Customer\n", "bold"),
                literal(name),
                "\n\n",
                row("Account", literal(account_id)),
                row("Email", literal(email)),
                row("Payment", payment),
            )
        )
