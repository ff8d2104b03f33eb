"""The second factor's state in the store (issue 16): last accepted step, wrong codes,
lockout and the recovery-code hashes. The TOTP secret is never here: it is in the keyring."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.security.totp import TotpState
from agentdesk.store.stamps import from_db, to_db


def read_totp_state(connection: Connection, account: str) -> TotpState | None:
    """None: this profile has not enrolled."""
    row = connection.execute(
        text(
            "SELECT last_step, failures, locked_until, recovery_hashes FROM totp_state "
            "WHERE account = :account"
        ),
        {"account": account},
    ).first()
    if row is None:
        return None
    return TotpState(
        last_step=row.last_step,
        failures=row.failures,
        locked_until=from_db(row.locked_until) if row.locked_until else None,
        recovery_hashes=tuple(json.loads(row.recovery_hashes)),
    )


def save_totp_state(
    connection: Connection, account: str, state: TotpState, enrolled_at: datetime | None = None
) -> None:
    """Write the state; enrolled_at (a new enrolment) replaces the whole row."""
    values = {
        "account": account,
        "last_step": state.last_step,
        "failures": state.failures,
        "locked_until": to_db(state.locked_until) if state.locked_until else None,
        "hashes": json.dumps(list(state.recovery_hashes)),
    }
    if enrolled_at is not None:
        connection.execute(
            text(
                "INSERT OR REPLACE INTO totp_state (account, last_step, failures, locked_until, "
                "recovery_hashes, enrolled_at) "
                "VALUES (:account, :last_step, :failures, :locked_until, :hashes, :enrolled)"
            ),
            {**values, "enrolled": to_db(enrolled_at)},
        )
        return
    connection.execute(
        text(
            "UPDATE totp_state SET last_step = :last_step, failures = :failures, "
            "locked_until = :locked_until, recovery_hashes = :hashes WHERE account = :account"
        ),
        values,
    )
