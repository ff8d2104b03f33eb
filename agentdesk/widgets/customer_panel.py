"""The customer beside the conversation: account id and masked contact details only.

The date of birth is never shown, nor any digit of the payment method: its last 4 are
what the customer proves who they are with.
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

    def show(
        self,
        name: str,
        account_id: str,
        email: str,
        payment_method: str,
        verification: Content | None = None,
        demo_answers: str = "",
    ) -> None:
        """name and email must already be masked (the store's queries do it)."""
        payment = literal(f"{payment_method} ····") if payment_method else "none on file"

        def row(label: str, value: str | Content) -> Content:
            return Content.assemble((f"{label}\n", "$text-muted"), value, "\n")

        self.update(
            Content.assemble(
                ("Customer\n", "bold"),
                literal(name),
                "\n\n",
                row("Account", literal(account_id)),
                row("Email", literal(email)),
                row("Payment", payment),
                row("Identity", verification or Content("not verified")),
                Content.assemble(
                    ("\nDEMO DATA: this customer's answers\n", "bold $text-warning"),
                    literal(demo_answers),
                )
                if demo_answers
                else "",
            )
        )
