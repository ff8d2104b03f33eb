from __future__ import annotations

import pytest

from agentdesk.security.masking import mask_email, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [("Maria Garcia Lopez", "Maria L."), ("Cher", "Cher"), ("", ""), ("  Ana   Silva ", "Ana S.")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("maria.garcia@example.com", "m***a@example.com"),
        ("jo@x.org", "j***@x.org"),
        ("broken", "***"),
    ],
)
def test_mask_email(email: str, masked: str) -> None:
    assert mask_email(email) == masked


def test_mask_phone_keeps_last_four() -> None:
    assert mask_phone("+44 20 7946 0958") == "***0958"
    assert mask_phone("123") == "***"
