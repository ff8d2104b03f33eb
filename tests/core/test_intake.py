"""core.intake: finding the customer, the priorities' meanings, the form's gaps."""

from __future__ import annotations

import pytest

from agentdesk.core.errors import Refused
from agentdesk.core.intake import (
    CustomerCandidate,
    IntakeForm,
    NewCustomer,
    check_intake,
    find_customers,
    needs_verification,
    new_customer_gaps,
    priority_meaning,
)
from agentdesk.core.ticket import Channel, Priority, Region
from agentdesk.shipped import load_sla_policy

PEOPLE = [
    CustomerCandidate(
        1, "ACC-48870700", "Eitan Katz", "eitan@example.org", "+1-512-555-4899", Region.EMEA
    ),
    CustomerCandidate(2, "ACC-88061052", "Abena Hughes", "abena@webmail.test", "", Region.EMEA),
    CustomerCandidate(3, "ACC-48197765", "Rafael Pinto", "pinto@example.com", "0155", Region.APAC),
    CustomerCandidate(
        4, "ACC-00000004", "Maria Garcia Lopez", "maria.garcia@example.com", "", Region.EMEA
    ),
]


def _ids(query: str) -> list[int]:
    return [c.id for c in find_customers(query, PEOPLE)]


def test_the_start_of_an_account_id_ranks_above_a_fuzzy_one() -> None:
    assert _ids("ACC-488")[:1] == [1]
    assert _ids("acc-481")[:1] == [3]
    assert _ids("ACC-48870700")[:1] == [1]


def test_name_email_and_phone_digits_find_the_customer() -> None:
    assert _ids("maria garcia")[:1] == [4]
    assert _ids("Mria Garsia")[:1] == [4]  # a typo
    assert _ids("maria.garcia@example.com")[:1] == [4]
    assert _ids("512 555 4899") == [1]  # the digits, however written
    assert _ids("x") == [] and _ids("  ") == []
    assert _ids("qqqzzzvvv") == []


def test_each_priority_means_what_the_sla_policy_says() -> None:
    policy = load_sla_policy()
    assert priority_meaning(Priority.P0, policy) == (
        "P0 incident: respond in 15 min, update every 30 min, resolve in 4 h"
    )
    assert priority_meaning(Priority.P2, policy) == (
        "P2 priority ticket: respond in 1 h, resolve in 24 h"
    )
    assert priority_meaning(Priority.P3, policy) == (
        "P3 standard: respond in 24 h business, resolve in 72 h business"
    )


def test_the_form_names_every_gap_in_its_order() -> None:
    with pytest.raises(Refused) as refused:
        check_intake(IntakeForm(None, Channel.CHAT, None, "", "\x1b[2J"))
    assert refused.value.missing == ("customer", "priority", "subject", "first_message")
    check_intake(IntakeForm(1, Channel.CHAT, Priority.P4, "s", "m"))


def test_phone_and_chat_are_verified_next() -> None:
    assert {c for c in Channel if needs_verification(c)} == {Channel.PHONE, Channel.CHAT}


def test_a_new_customer_names_each_missing_field() -> None:
    assert new_customer_gaps(NewCustomer("Zed", "zed@example.org", "", "ACC-1", Region.APAC)) == []
    gaps = new_customer_gaps(NewCustomer(" ", "zed@", "", "acc-1", None), ["ACC-1"])
    assert gaps == [
        "name: required",
        "email: an address like name@example.com",
        "account ID: acc-1 is another customer's",
        "region: choose Americas, EMEA or APAC",
    ]
