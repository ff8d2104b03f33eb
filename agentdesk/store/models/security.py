"""The security room: verification (keyed hashes, attempts), the second factor, the
security audit trail; both audit tables are append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, event
from sqlmodel import Field, SQLModel

from agentdesk.store.models.base import _append_only, _default, _one_of, _text_key, _when
from agentdesk.store.models.tickets import AuditRow

# V_VERIFICATION: keyed hashes of each customer's verifiers, and every attempt.


class CustomerVerifier(SQLModel, table=True):
    __tablename__ = "customer_verifiers"
    __table_args__ = (_one_of("factor", "payment_last4", "date_of_birth", "pin"),)
    customer_id: int = Field(foreign_key="customers.id", primary_key=True)
    factor: str = Field(primary_key=True)
    salt: bytes
    digest: str


class VerificationAttempt(SQLModel, table=True):
    __tablename__ = "verification_attempts"
    __table_args__ = (
        _one_of("outcome", "passed", "failed", "cleared"),
        Index("ix_verification_attempts_ticket", "ticket_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    agent_id: int | None = Field(default=None, foreign_key="agents.id")
    actor: str
    outcome: str
    factors: str = _default("")
    failed_step: str | None = None
    at: datetime = Field(sa_column=_when())


# Issue 16: the second factor's state and the security audit trail (append-only).


class TotpStateRow(SQLModel, table=True):
    __tablename__ = "totp_state"
    account: str = _text_key()
    last_step: int | None = None
    failures: int = _default(0)
    locked_until: datetime | None = Field(default=None, sa_column=_when(True))
    recovery_hashes: str = _default("[]")
    enrolled_at: datetime = Field(sa_column=_when())


class SecurityAuditRow(SQLModel, table=True):
    __tablename__ = "security_audit"
    __table_args__ = (Index("ix_security_audit_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when())
    actor: str
    event: str
    success: int
    origin: str
    resource: str = _default("")
    detail: str = _default("")


# The triggers are part of the schema the models describe (tests/store/test_schema.py).
for _table in (AuditRow.__table__, SecurityAuditRow.__table__):  # type: ignore[attr-defined]
    for _trigger in _append_only(_table.name):
        event.listen(_table, "after_create", _trigger)
