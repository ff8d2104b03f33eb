"""A week of four tickets whose KPIs are worked out by hand (issue 15), on a real SQLite file.

Week 2026-W48 (Mon 23 Nov 2026). Amara (L1, id 1) and Li (L2, id 2), all in EMEA:

1  phone P2  taken 09:00, answered 09:02, resolved 09:05            5 min call, FCR
2  email P3  opened 10:00, started 10:10, answered 10:20, pending 10:30, back Tue 10:00,
             resolved Tue 10:20, reopened Tue 12:00, resolved again 12:10  (not FCR)
3  email P1  opened and taken 11:00, answered 11:40, escalated to Li (L2) 11:30,
             resolved by Li 12:00; its resolution clock breached (recorded due 12:00)
4  chat  P0  opened 13:00, never answered (late for the 1-hour acknowledgement)

Surveys: #1 CSAT 5 and NPS 6, #2 CSAT 3, #3 NPS 9.

By hand: opened 4; breach rate 1/4; priority acknowledged 2/3 (#1, #3 in time, #4 late);
FCR 1/3 (#2 reopened, #3 escalated); phone AHT 300 s (one call); async AHT
(20 + 20 + 10 min on #2, 30 + 30 min on #3) / 5 = 22 min; CSAT 1/2; NPS (1 - 1) / 2 = 0;
escalation rate 1/4, time to L2 30 min, L3 0; FRT (120 s + 1200 business s + 2400 s) / 3
= 1240 s; average resolution (5 min + 24 h 20 min + 1 h) / 3.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentdesk.core.survey import SurveyKind, SurveyScore
from agentdesk.store.engine import Store
from agentdesk.store.surveys import record_answer
from agentdesk.store.writes import bulk_insert
from tests.store.factory import add_people

MON = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
REPORT_NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WEEK = "2026-W48"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MON + timedelta(days=day, hours=hour, minutes=minute)


def _ticket(n: int, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": n,
        "subject": f"Ticket {n}",
        "customer_id": 1,
        "assignee_id": 1,
        "priority": "P2",
        "status": "closed",
        "channel": "email",
        "region": "EMEA",
        "tier": "L1",
        "product_area": "login",
        "issue_type": "password_reset",
        "sla_pauses": "[]",
        "first_response_at": None,
        "resolved_at": None,
        "sla_breached_at": None,
    }
    row.update(kw)
    row.setdefault("updated_at", row["created_at"])
    return row


def _audit(t: int, when: datetime, actor: str, action: str, field: str, old: object, new: object):  # type: ignore[no-untyped-def]
    return {
        "ticket_id": t,
        "actor": actor,
        "action": action,
        "field": field,
        "old_value": old,
        "new_value": new,
        "at": when,
    }


def fill_kpi_week(store: Store) -> None:
    add_people(store, MON)
    tickets = [
        _ticket(
            1,
            channel="phone",
            created_at=at(0, 9),
            first_response_at=at(0, 9, 2),
            resolved_at=at(0, 9, 5),
        ),
        _ticket(
            2,
            priority="P3",
            created_at=at(0, 10),
            first_response_at=at(0, 10, 20),
            resolved_at=at(1, 12, 10),
            product_area="billing",
            issue_type="double_charge",
            sla_pauses='[["2026-11-23T10:30:00.000000Z", "2026-11-24T10:00:00.000000Z"]]',
        ),
        _ticket(
            3,
            priority="P1",
            assignee_id=2,
            tier="L2",
            created_at=at(0, 11),
            first_response_at=at(0, 11, 40),
            resolved_at=at(0, 12),
            sla_breached_at=at(0, 12),
        ),
        _ticket(
            4, priority="P0", channel="chat", status="new", assignee_id=None, created_at=at(0, 13)
        ),
    ]
    audit = [
        _audit(1, at(0, 9), "amara.okafor", "take", "status", "new", "in_progress"),
        _audit(1, at(0, 9), "amara.okafor", "take", "assignee_id", None, "1"),
        _audit(1, at(0, 9, 5), "amara.okafor", "resolve", "status", "in_progress", "resolved"),
        _audit(2, at(0, 10), "amara.okafor", "assign", "assignee_id", None, "1"),
        _audit(2, at(0, 10), "amara.okafor", "assign", "status", "new", "assigned"),
        _audit(2, at(0, 10, 10), "amara.okafor", "start", "status", "assigned", "in_progress"),
        _audit(2, at(0, 10, 30), "amara.okafor", "pend", "status", "in_progress", "pending"),
        _audit(2, at(1, 10), "rt:customer", "sync_pull", "status", "pending", "in_progress"),
        _audit(2, at(1, 10, 20), "amara.okafor", "resolve", "status", "in_progress", "resolved"),
        _audit(2, at(1, 12), "amara.okafor", "reopen", "status", "resolved", "in_progress"),
        _audit(2, at(1, 12, 10), "amara.okafor", "resolve", "status", "in_progress", "resolved"),
        _audit(3, at(0, 11), "amara.okafor", "take", "status", "new", "in_progress"),
        _audit(3, at(0, 11), "amara.okafor", "take", "assignee_id", None, "1"),
        _audit(3, at(0, 11, 30), "amara.okafor", "escalate", "tier", "L1", "L2"),
        _audit(3, at(0, 11, 30), "amara.okafor", "escalate", "assignee_id", "1", "2"),
        _audit(3, at(0, 12), "li.wei", "resolve", "status", "in_progress", "resolved"),
    ]
    breaches = [
        {"ticket_id": 3, "clock": "resolution", "due_at": at(0, 12), "recorded_at": at(0, 12)}
    ]
    surveys = [
        (1, "csat", 5, "phone", "amara.okafor", at(0, 9, 6)),
        (1, "nps", 6, "phone", "amara.okafor", at(0, 9, 6)),
        (2, "csat", 3, "reply", "customer", at(2, 9)),
        (3, "nps", 9, "reply", "customer", at(1, 8)),
    ]
    with store.write() as connection:
        bulk_insert(connection, "tickets", tickets)
        bulk_insert(connection, "audit", audit)
        bulk_insert(connection, "sla_breaches", breaches)
        for t, kind, score, source, by, when in surveys:
            record_answer(
                connection,
                t,
                SurveyScore(SurveyKind(kind), score),
                source=source,
                recorded_by=by,
                at=when,
            )
