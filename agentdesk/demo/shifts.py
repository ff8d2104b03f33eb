"""The demo team's shifts for monitoring mode (`agentdesk --demo --supervisor`): so the
dashboard shows presence and shift state, most of the team is on shift, each in some
presence for some minutes; a few ended their shift earlier. Only for a supervisor's demo:
the agent's own demo (the demo agent's shift start) is left exactly as it was.

Deterministic: each agent's part comes from a hash of its handle, not from a random draw,
and written through the store's shift functions, as an agent's agentdesk writes them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from agentdesk.core.shift import Presence
from agentdesk.demo.people import DEMO_AGENT_HANDLE

if TYPE_CHECKING:
    from agentdesk.store.engine import Store

_PRESENCES = (Presence.AVAILABLE, Presence.AVAILABLE, Presence.BREAK, Presence.TRAINING,
              Presence.WRAP_UP, Presence.AVAILABLE)  # fmt: skip


def _draw(handle: str) -> int:
    return int.from_bytes(hashlib.sha256(handle.encode()).digest()[:4], "big")


def on_a_contact(handle: str) -> bool:
    """On shift and available at `now` (as add_demo_shifts draws it): on a call or a chat."""
    draw = _draw(handle)
    on_shift = draw % 6 < 4
    return on_shift and _PRESENCES[(draw // 6) % len(_PRESENCES)] is Presence.AVAILABLE


def add_demo_shifts(store: Store, now: datetime) -> int:
    """Shifts for the demo team (once: nothing when any shift is recorded). Returns how many
    agents are on shift."""
    from sqlalchemy import text

    from agentdesk.core.shift_files import CHECKLISTS
    from agentdesk.shipped import load_shift_data
    from agentdesk.store.shifts import close_shift, create_shift, set_presence

    items = load_shift_data(CHECKLISTS, None).items
    on_shift = 0
    with store.write() as connection:
        if connection.execute(text("SELECT count(*) FROM shifts")).scalar_one():
            return 0
        handles = [
            str(row[0])
            for row in connection.execute(text("SELECT handle FROM agents ORDER BY id"))
            if row[0] != DEMO_AGENT_HANDLE
        ]
        for handle in handles:
            draw = _draw(handle)
            if draw % 6 == 5:
                continue  # off today
            started = now - timedelta(minutes=30 + draw % 300)
            shift_id = create_shift(connection, handle, None, started, items)
            if draw % 6 == 4:
                close_shift(connection, shift_id, started + timedelta(minutes=25))
                continue
            presence = _PRESENCES[(draw // 6) % len(_PRESENCES)]
            if presence is not Presence.AVAILABLE:
                since = now - timedelta(minutes=1 + (draw // 36) % 25)
                set_presence(connection, shift_id, presence, since)
            on_shift += 1
    return on_shift
