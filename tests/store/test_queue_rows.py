"""A queue row read from SQL: every stored value becomes its SOP member; a stray one is refused."""

from __future__ import annotations

import pytest

from agentdesk.core.sla import Clock
from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.store.queue_sql import queue_row

STAMP = "2026-11-23T14:00:00.000000Z"


def _row(**values: object) -> tuple[object, ...]:
    row: dict[str, object] = {
        "id": 7,
        "priority": "P1",
        "status": "new",
        "subject": "Refund",
        "customer": "Maria Garcia Lopez",
        "channel": "chat",
        "region": "EMEA",
        "assignee": "",
        "sla_clock": "resolution",
        "due": STAMP,
        "at_risk": None,
        "breached": None,
        "tier": "L1",
        "tier_since": STAMP,
        "why_not": 0,
    }
    row.update(values)
    return tuple(row.values())


@pytest.mark.parametrize(
    ("column", "enum"),
    [
        ("priority", Priority),
        ("status", Status),
        ("channel", Channel),
        ("region", Region),
        ("sla_clock", Clock),
        ("tier", Tier),
    ],
)
def test_every_stored_value_is_its_member(
    column: str,
    enum: type[Priority] | type[Status] | type[Channel] | type[Region] | type[Clock] | type[Tier],
) -> None:
    for member in enum:
        mapped = getattr(queue_row(_row(**{column: member.value})), column)
        assert mapped is member


@pytest.mark.parametrize("column", ["priority", "status", "channel", "region", "tier"])
def test_a_value_no_member_has_is_refused(column: str) -> None:
    with pytest.raises(ValueError, match="'bogus'"):
        queue_row(_row(**{column: "bogus"}))


def test_no_clock_is_none_and_the_name_is_masked() -> None:
    row = queue_row(_row(sla_clock=None))
    assert row.sla_clock is None
    assert row.customer == "Maria L."
