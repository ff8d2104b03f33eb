"""Survey answers for the demo (issue 15): about a third of resolved tickets get a CSAT
answer and a fifth an NPS answer, skewed as real ones are (most happy, a tail of angry).

Drawn from a generator of their own (seed and ticket id), so every other demo row stays
byte-identical; written into survey_answers only.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from agentdesk.store.stamps import from_db, to_db

_CSAT = (1, 2, 3, 4, 5)
_CSAT_WEIGHTS = (6, 4, 9, 30, 51)
_NPS_WEIGHTS = (3, 1, 1, 2, 2, 4, 5, 9, 16, 24, 33)


def add_survey_answers(connection: Connection, seed: int, now: datetime) -> int:
    rows = connection.execute(
        text(
            "SELECT t.id, t.channel, t.resolved_at, a.handle FROM tickets t "
            "LEFT JOIN agents a ON a.id = t.assignee_id "
            "WHERE t.resolved_at IS NOT NULL ORDER BY t.id"
        )
    ).all()
    batch: list[dict[str, object]] = []
    for row in rows:
        rng = random.Random(seed * 7_919 + int(row.id))
        phone = row.channel == "phone"
        resolved = from_db(row.resolved_at)
        for kind, chance, scores, weights in (
            ("csat", 0.35, _CSAT, _CSAT_WEIGHTS),
            ("nps", 0.2, tuple(range(11)), _NPS_WEIGHTS),
        ):
            if rng.random() >= chance:
                continue
            score = rng.choices(scores, weights)[0]
            # A caller answers on the line; a written answer comes within a day or two.
            delay = timedelta(seconds=30) if phone else timedelta(hours=rng.uniform(0.2, 40))
            at = min(resolved + delay, now - timedelta(minutes=1))
            batch.append(
                {
                    "t": int(row.id),
                    "k": kind,
                    "s": score,
                    "src": "phone" if phone else "reply",
                    "by": row.handle if phone and row.handle else "customer",
                    "at": to_db(at),
                }
            )
    if batch:
        connection.execute(
            text(
                "INSERT INTO survey_answers (ticket_id, kind, score, source, recorded_by, at) "
                "VALUES (:t, :k, :s, :src, :by, :at)"
            ),
            batch,
        )
    return len(batch)
