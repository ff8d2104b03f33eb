"""The demo customers' verification answers, and their verifiers in the store.

Both are worked out from the account number, so nothing has to keep the answers.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from agentdesk.core.verification import Factor

if TYPE_CHECKING:
    from agentdesk.store.engine import Store


def demo_answers(account_id: str) -> dict[Factor, str]:
    """A demo customer's verification answers, worked out from the account number.

    Nothing stores them: the store keeps keyed hashes, and demo mode shows these (marked as
    demo data) so a new user can try the verification wizard.
    """
    account = int(account_id.removeprefix("ACC-"))
    born = date(1950, 1, 1) + timedelta(days=account * 31 % (50 * 365))
    return {
        Factor.PAYMENT_LAST4: f"{account * 7919 % 10_000:04d}",
        Factor.DATE_OF_BIRTH: born.isoformat(),
        Factor.PIN: f"{account * 104_729 % 1_000_000:06d}",
    }


def add_demo_verifiers(store: Store, key: bytes) -> int:
    """Verifiers for every demo customer who has none yet; returns how many customers."""
    from sqlalchemy import text

    from agentdesk.store.verification import VerifierKeyMismatch, claim_key, verifier_rows

    with store.write() as connection:
        customers = connection.execute(
            text(
                "SELECT id, account_id FROM customers WHERE id NOT IN "
                "(SELECT customer_id FROM customer_verifiers)"
            )
        ).all()
        rows = [
            row
            for customer_id, account_id in customers
            for row in verifier_rows(key, customer_id, demo_answers(account_id))
        ]
        if rows:
            try:
                claim_key(connection, key)
            except VerifierKeyMismatch:
                # Another key made this store's hashes: mixing two would make both useless.
                # The wizard says so; the rest of the start of day goes on.
                rows = []
        if rows:
            connection.execute(
                text(
                    "INSERT INTO customer_verifiers (customer_id, factor, salt, digest) "
                    "VALUES (:customer_id, :factor, :salt, :digest)"
                ),
                rows,
            )
        # The demo's stories say the caller was verified before the ticket was pended or
        # resolved: record that pass, as the wizard would have.
        connection.execute(
            text(
                "INSERT INTO verification_attempts "
                "(ticket_id, customer_id, agent_id, actor, outcome, factors, at) "
                "SELECT t.id, t.customer_id, t.assignee_id, coalesce(a.handle, 'demo'), "
                "'passed', 'account_id,payment_last4,pin', "
                "coalesce(t.first_response_at, t.created_at) "
                "FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_id "
                "WHERE t.status IN ('pending', 'resolved', 'closed') "
                "AND t.id NOT IN (SELECT ticket_id FROM verification_attempts)"
            )
        )
    return len(customers)
