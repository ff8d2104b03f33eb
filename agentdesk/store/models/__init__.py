"""The schema: one SQLModel table per SQLite table, in the migrations' column order.

store.migrations builds the files (plain SQL, forward only, so a first-release file migrates
to every later one); tests/store/test_schema.py checks that what they build is what these
models describe, column by column: type, NOT NULL, default, keys, indexes, foreign keys and
CHECKs. A schema change is a new migration and the same change here.

Writers take their column lists from here (store.writes.bulk_insert, the demo writer).
"""

from __future__ import annotations

from sqlmodel import SQLModel

# The column helpers, for a room module written against this package.
from agentdesk.store.models.base import IntegerFlag as IntegerFlag
from agentdesk.store.models.base import _append_only as _append_only
from agentdesk.store.models.base import _default as _default
from agentdesk.store.models.base import _one_of as _one_of
from agentdesk.store.models.base import _text_key as _text_key
from agentdesk.store.models.base import _when as _when
from agentdesk.store.models.escalation import (
    AlertAnnouncement,
    SlaRiskPath,
    TicketLink,
    TicketMerge,
    TierLimitReason,
)
from agentdesk.store.models.kpi_qa import QaReviewRow, SurveyAnswerRow
from agentdesk.store.models.security import (
    CustomerVerifier,
    SecurityAuditRow,
    TotpStateRow,
    VerificationAttempt,
)
from agentdesk.store.models.shift import (
    Shift,
    ShiftAck,
    ShiftItem,
    ShiftOutboxRow,
    ShiftPresence,
    ShiftTicket,
    TeamShiftRow,
    TeamShiftText,
)
from agentdesk.store.models.sync import (
    SyncClaim,
    SyncConflict,
    SyncCursor,
    SyncHistory,
    SyncMessage,
    SyncOp,
    SyncReject,
    SyncStatusRow,
    SyncTicket,
)
from agentdesk.store.models.tickets import (
    Agent,
    Attachment,
    AuditRow,
    ConfirmationRow,
    Customer,
    Draft,
    HandoffRow,
    Intake,
    MacroApplication,
    MacroUsage,
    Message,
    Meta,
    OutboxRow,
    SlaBreachRow,
    Ticket,
    TicketLabel,
    TicketNote,
    TicketTag,
)

__all__ = [
    "Agent",
    "AlertAnnouncement",
    "Attachment",
    "AuditRow",
    "ConfirmationRow",
    "Customer",
    "CustomerVerifier",
    "Draft",
    "HandoffRow",
    "Intake",
    "MacroApplication",
    "MacroUsage",
    "Message",
    "Meta",
    "OutboxRow",
    "QaReviewRow",
    "SQLModel",
    "SecurityAuditRow",
    "Shift",
    "ShiftAck",
    "ShiftItem",
    "ShiftOutboxRow",
    "ShiftPresence",
    "ShiftTicket",
    "SlaBreachRow",
    "SlaRiskPath",
    "SurveyAnswerRow",
    "SyncClaim",
    "SyncConflict",
    "SyncCursor",
    "SyncHistory",
    "SyncMessage",
    "SyncOp",
    "SyncReject",
    "SyncStatusRow",
    "SyncTicket",
    "TeamShiftRow",
    "TeamShiftText",
    "Ticket",
    "TicketLabel",
    "TicketLink",
    "TicketMerge",
    "TicketNote",
    "TicketTag",
    "TierLimitReason",
    "TotpStateRow",
    "VerificationAttempt",
]


# A new room's tables: a new module (store/models_<name>.py or a module here), imported
# at the end of this file with one line: `import agentdesk.store.models_<name>` (F401 waived).
