"""The history in the agent's words: names, durations, readable times."""

from __future__ import annotations

from datetime import UTC, datetime

from agentdesk.core.history import People, describe

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
PEOPLE = People(
    by_id={1: "Amara Okafor", 12: "Li Wei"},
    by_handle={"amara.okafor": "Amara Okafor", "li.wei": "Li Wei"},
)


def _row(action: str, field: str, old: str | None, new: str | None, actor: str = "li.wei"):  # type: ignore[no-untyped-def]
    return describe(at=AT, actor=actor, action=action, field=field, old=old, new=new, people=PEOPLE)


def test_agent_ids_and_handles_read_as_names() -> None:
    entry = _row("escalate", "assignee_id", "12", "1")
    assert (entry.who, entry.action, entry.field, entry.old, entry.new) == (
        "Li Wei",
        "Escalated",
        "Assignee",
        "Li Wei",
        "Amara Okafor",
    )
    first = _row("assign", "assignee_id", "", "1", actor="amara.okafor")
    assert (first.old, first.new) == ("nobody", "Amara Okafor")
    assert _row("assign", "assignee_id", None, "77").new == "agent #77"
    synced = _row("sync_pull", "assignee", "li.wei", "amara.okafor", actor="sync")
    assert (synced.old, synced.new, synced.who) == ("Li Wei", "Amara Okafor", "sync")


def test_seconds_read_as_a_duration_and_stamps_as_a_time() -> None:
    handoff = _row("escalate", "time_to_handoff", None, "31193")
    assert (handoff.field, handoff.new) == ("Time to handoff", "8h39m")
    breach = _row("sla_breach", "first_response", None, "2026-11-20T18:35:05.000000Z", "sla")
    assert (breach.action, breach.field, breach.new) == (
        "SLA breach",
        "First response due",
        "20 Nov 18:35 UTC",
    )


def test_statuses_read_as_the_screen_shows_them() -> None:
    entry = _row("start", "status", "assigned", "in_progress")
    assert (entry.action, entry.old, entry.new) == ("Started", "Assigned", "In progress")
    unknown = _row("something_new", "odd_field", "a", "b")
    assert (unknown.action, unknown.field) == ("Something new", "Odd field")
