"""sla.toml (and business_hours.toml) -> the SlaPolicy; every problem is an SlaPolicyError
(or a CalendarError) naming the file and the key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentdesk.core.business_hours_toml import calendars_from_toml
from agentdesk.core.sla import Clock, SlaPolicy, SlaPolicyError, SlaTarget
from agentdesk.core.ticket import Priority

SLA_SOURCE = "sla.toml"


def policy_from_toml(sla_doc: Mapping[str, Any], hours_doc: Mapping[str, Any]) -> SlaPolicy:
    """Build the policy from parsed sla.toml and business_hours.toml documents."""
    calendars = calendars_from_toml(hours_doc)
    priorities = {p.value: p for p in Priority}
    for key in sla_doc:
        if key != "at_risk_fraction" and key not in priorities:
            raise SlaPolicyError(
                f"{SLA_SOURCE} [{key}]: unknown key (use at_risk_fraction, {', '.join(priorities)})"
            )

    fraction = sla_doc.get("at_risk_fraction")
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction < 1:
        raise SlaPolicyError(
            f"{SLA_SOURCE} at_risk_fraction: must be a number between 0 and 1 "
            f"(e.g. 0.25), got {fraction!r}"
        )

    targets: dict[Priority, dict[Clock, SlaTarget]] = {}
    for priority in Priority:
        table = sla_doc.get(priority.value)
        where = f"{SLA_SOURCE} [{priority.value}]"
        if not isinstance(table, Mapping):
            raise SlaPolicyError(f"{where}: missing; every priority needs its targets")
        targets[priority] = _targets_from_table(table, where)
    return SlaPolicy(targets=targets, at_risk_fraction=float(fraction), calendars=calendars)


def _targets_from_table(table: Mapping[str, Any], where: str) -> dict[Clock, SlaTarget]:
    clock_names = {c.value: c for c in Clock}
    found: dict[Clock, SlaTarget] = {}
    for key, value in table.items():
        if key not in clock_names:
            raise SlaPolicyError(f"{where} {key}: unknown clock (use {', '.join(clock_names)})")
        if not isinstance(value, Mapping):
            raise SlaPolicyError(
                f"{where} {key}: must be a table like {{ minutes = 60, business_hours = false }}"
            )
        for inner in value:
            if inner not in ("minutes", "business_hours"):
                raise SlaPolicyError(
                    f"{where} {key}.{inner}: unknown key (use minutes, business_hours)"
                )
        minutes = value.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise SlaPolicyError(
                f"{where} {key}.minutes: must be a positive whole number, got {minutes!r}"
            )
        business = value.get("business_hours")
        if not isinstance(business, bool):
            raise SlaPolicyError(
                f"{where} {key}.business_hours: must be true or false, got {business!r}"
            )
        found[clock_names[key]] = SlaTarget(minutes=minutes, business_hours=business)
    for required in (Clock.FIRST_RESPONSE, Clock.RESOLUTION):
        if required not in found:
            raise SlaPolicyError(f"{where} {required.value}: missing")
    return found
