"""The ticket table's row formatting: which columns fit a width, a cell cut or padded to its
column, and the SLA cell's text and risk (recomputed from the clock when drawn). A part of
TicketTable (widgets/ticket_table.py), kept in a file of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size

from agentdesk.core.sla import Clock as SlaClock
from agentdesk.core.sla import ClockReading, Risk, format_time_left, risk, time_left
from agentdesk.core.ticket import Priority, Status
from agentdesk.store.rows import QueueRow

MIN_SUBJECT = 22


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    align: str = "left"


def layout_columns(width: int) -> list[Column]:
    """Columns for a table this many cells wide; the subject takes what is left.

    Narrow terminals first narrow the customer and assignee, then drop the channel, the
    assignee and the customer, so the subject stays readable at 80 columns.
    """
    roomy = {"customer": 16, "assignee": 15}
    wide = {"customer": 14, "assignee": 12}
    narrow = {"customer": 10, "assignee": 9}
    options: list[tuple[dict[str, int], tuple[str, ...], int]] = [
        (roomy, (), 60),
        (wide, (), MIN_SUBJECT),
        (narrow, (), MIN_SUBJECT),
        (narrow, ("channel",), MIN_SUBJECT),
        (narrow, ("channel", "assignee"), MIN_SUBJECT),
        (narrow, ("channel", "assignee", "customer"), MIN_SUBJECT),
        (narrow, ("channel", "assignee", "customer", "status"), 0),
    ]
    for sizes, dropped, min_subject in options:
        columns = [
            Column("id", "Ticket", 6),
            Column("priority", "Pri", 3),
            Column("status", "Status", 11),
            Column("subject", "Subject", 0),
            Column("customer", "Customer", sizes["customer"]),
            Column("channel", "Channel", 7),
            Column("assignee", "Assignee", sizes["assignee"]),
            Column("sla", "SLA left", 11, "right"),
        ]
        columns = [column for column in columns if column.key not in dropped]
        # One space before every column.
        subject = width - sum(column.width + 1 for column in columns) - 1
        if subject >= min_subject or min_subject == 0:
            break
    return [Column(c.key, c.title, max(subject, 8)) if c.key == "subject" else c for c in columns]


def fit(text: str, width: int, align: str = "left") -> str:
    """Exactly width cells: cut with an ellipsis, padded to the alignment."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    padding = " " * (width - cell_len(text))
    return padding + text if align == "right" else text + padding


def sla_reading(row: QueueRow) -> ClockReading | None:
    if row.sla_clock is None:
        return None
    paused = row.status is Status.PENDING or row.sla_due_at is None
    return ClockReading(row.sla_clock, row.sla_due_at, row.sla_at_risk_at, paused)


# Which clock the time left is for, so the agent sees why a ticket leads the queue.
# The widest cell is "1st -23h59m": 11 cells, the SLA column's width.
CLOCK_SHORT = {
    SlaClock.FIRST_RESPONSE: "1st",
    SlaClock.NEXT_UPDATE: "upd",
    SlaClock.RESOLUTION: "res",
}


def sla_cell(row: QueueRow, now: datetime) -> tuple[str, Risk | None]:
    """The SLA time left as shown ("upd 26m": 26 minutes to the next update), and its risk
    (None when no clock runs). A ticket with a recorded breach shows it for good: "✗"
    before the running clock, or "breached"."""
    reading = sla_reading(row)
    breached = row.sla_breached_at is not None
    if reading is None:
        return ("breached", Risk.BREACHED) if breached else ("—", None)
    left = time_left(reading, now)
    if left is None:
        return "paused", Risk.PAUSED
    text, level = f"{CLOCK_SHORT[reading.clock]} {format_time_left(left)}", risk(reading, now)
    if breached and level is not Risk.BREACHED:
        return f"✗{text}", Risk.BREACHED  # "✗res 14d12h" still fits the 11 columns
    if level is Risk.AT_RISK:
        return f"!{text}", level  # not by colour alone; time left is positive: fits 11
    return text, level


RISK_CLASS = {
    Risk.BREACHED: "ticket-table--breached",
    Risk.AT_RISK: "ticket-table--at-risk",
    Risk.OK: "ticket-table--on-track",
    Risk.PAUSED: "ticket-table--paused",
}

PRIORITY_CLASS = {
    Priority.P0: "ticket-table--p0",
    Priority.P1: "ticket-table--p1",
    Priority.P2: "ticket-table--p2",
    Priority.P3: "ticket-table--p3",
    Priority.P4: "ticket-table--p3",
}
