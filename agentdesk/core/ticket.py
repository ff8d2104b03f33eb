"""The vocabulary of a ticket, in the SOP's own words."""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    """P0 is an incident; P4 is the lowest. Text values sort in urgency order."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        return int(self.value[1])

    @property
    def is_priority_ticket(self) -> bool:
        # The SOP's "priority tickets" are P0-P2: acknowledged within the hour.
        return self.rank <= 2


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


OPEN_STATUSES: tuple[Status, ...] = tuple(s for s in Status if s.is_open)


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    SOCIAL = "social"
    IN_APP = "in_app"

    @property
    def label(self) -> str:
        return "in-app" if self is Channel.IN_APP else self.value


class Region(StrEnum):
    AMERICAS = "Americas"
    EMEA = "EMEA"
    APAC = "APAC"


class Tier(StrEnum):
    """Escalation levels: L1 standard fixes, L2 complex/billing/failed verification,
    L3 engineering/executive."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


class MessageKind(StrEnum):
    CUSTOMER = "customer"
    REPLY = "reply"
    INTERNAL_NOTE = "internal_note"

    @property
    def label(self) -> str:
        return {
            MessageKind.CUSTOMER: "Customer",
            MessageKind.REPLY: "Reply",
            MessageKind.INTERNAL_NOTE: "Internal note",
        }[self]
