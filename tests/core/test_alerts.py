"""The alert rule: one alert per ticket per state change, and how many are shown at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentdesk.core.alerts import Alert, AlertKind, notices, sla_state, to_announce
from agentdesk.core.sla import Risk

BEGAN = datetime(2026, 11, 23, 13, 55, tzinfo=UTC)
DUE = BEGAN + timedelta(minutes=15)


def _sla(ref: str, state: str | None) -> Alert:
    assert state is not None
    return Alert(AlertKind.SLA, ref, state, f"{ref} {state}", "warning")


def test_the_state_is_the_risk_and_its_moment() -> None:
    assert sla_state(Risk.OK, BEGAN, DUE) is None
    assert sla_state(Risk.PAUSED, None, None) is None
    assert sla_state(Risk.AT_RISK, BEGAN, DUE) == "at_risk@2026-11-23T13:55:00+00:00"
    assert sla_state(Risk.BREACHED, BEGAN, DUE) == "breached@2026-11-23T14:10:00+00:00"


def test_an_announced_state_is_not_announced_again_but_its_next_state_is() -> None:
    at_risk = _sla("#12", sla_state(Risk.AT_RISK, BEGAN, DUE))
    assert to_announce([at_risk, at_risk], set()) == [at_risk]  # twice in one batch: once
    assert to_announce([at_risk], {at_risk.key}) == []  # the next sync: nothing new
    breached = _sla("#12", sla_state(Risk.BREACHED, BEGAN, DUE))
    assert to_announce([breached], {at_risk.key}) == [breached]
    # The next update cycle of the same ticket turns at risk: a new state.
    later = _sla("#12", sla_state(Risk.AT_RISK, BEGAN + timedelta(minutes=30), DUE))
    assert to_announce([later], {at_risk.key, breached.key}) == [later]


def test_many_alerts_of_a_kind_become_one_summary() -> None:
    alerts = [_sla(f"#{n}", f"at_risk@{n}") for n in range(5)]
    alerts.append(Alert(AlertKind.NEW_TICKET, "#99", "new", "New ticket #99: Refund"))
    shown = notices(alerts)
    assert [(n.title, n.message) for n in shown] == [
        ("New ticket", "New ticket #99: Refund"),
        ("SLA", "5 tickets turned at risk or breached: #0, #1, #2, …"),
    ]
    assert [n.message for n in notices(alerts[:2])] == ["#0 at_risk@0", "#1 at_risk@1"]
