"""The escalation matrix as data/escalation.toml ships it."""

from __future__ import annotations

import pytest

from agentdesk.core.escalation import EscalationError, matrix_from_toml
from agentdesk.core.ticket import Tier
from agentdesk.shipped import load_escalation


def test_the_shipped_matrix_names_what_each_tier_handles() -> None:
    matrix = load_escalation()
    assert matrix.handles == {
        Tier.L1: "standard fixes",
        Tier.L2: "complex, billing, failed verification",
        Tier.L3: "engineering, executive",
    }
    assert matrix.above(Tier.L1) == (Tier.L2, Tier.L3)
    assert matrix.above(Tier.L3) == ()


def test_a_tier_without_words_is_named() -> None:
    with pytest.raises(EscalationError, match=r"\[tiers.L2\] handles"):
        matrix_from_toml({"tiers": {"L1": {"handles": "x"}, "L3": {"handles": "y"}}})
    with pytest.raises(EscalationError, match="'L4' is not"):
        matrix_from_toml({"tiers": {t.value: {"handles": "x"} for t in Tier} | {"L4": {}}})
