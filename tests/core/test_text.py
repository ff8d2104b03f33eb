"""The one sanitiser (issue 12, item 1): what a terminal would obey goes, what a person
wrote stays."""

from __future__ import annotations

import pytest

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.text import clean_strings, clean_text, first_unsafe
from agentdesk.core.ticket import MessageKind
from agentdesk.security import sanitize


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("AAA \x1b[31mBBB\x1b[0m CCC", "AAA BBB CCC"),  # whole CSI, not just the ESC
        ("Hi\x1b]0;HACKED\x07 there\x1b[2J", "Hi there"),  # the macro
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8, ST-terminated
        ("\x1bPq#0;2;0;0;0\x1b\\after", "after"),  # DCS (sixel)
        ("\x1b_APC payload\x1b\\x", "x"),  # APC
        ("\x1b^PM\x1b\\x", "x"),  # PM
        ("\x1bXSOS\x07x", "x"),  # SOS
        ("\x1b(Bplain\x1bc", "plain"),  # charset designation, RIS (two bytes)
        ("\x9b31mred\x9d0;t\x9cok", "redok"),  # C1 CSI and OSC
        ("\x1b]0;never terminated", "0;never terminated"),  # no terminator: only ESC ] goes
        ("a\r\nb\rc", "a\nb\nc"),  # line ends as LF
        ("tab\tand\nnewline", "tab\tand\nnewline"),  # kept
        ("bell\x07 bs\x08 nul\x00 del\x7f c1\x85", "bell bs nul del c1"),
        ("abc\u202edcba\u202c \u2066iso\u2069", "abcdcba iso"),  # bidi overrides
        ("Grüße 日本語 עברית مرحبا 👋", "Grüße 日本語 עברית مرحبا 👋"),  # writing kept
        ("", ""),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    assert clean_text(clean) == clean  # idempotent
    assert sanitize.clean_text is clean_text  # one sanitiser, re-exported by security


def test_clean_text_returns_clean_text_itself() -> None:
    text = "nothing to do here\n" * 100
    assert clean_text(text) is text


def test_first_unsafe_names_the_sequence_and_where() -> None:
    found = first_unsafe("Hello\n\x1b]0;HACKED\x07 and \x1b[2J")
    assert found is not None and found.offset == 6
    assert found.describe() == "a terminal escape sequence (ESC ]0;HACKED BEL)"
    bidi = first_unsafe("pay \u202eto")
    assert bidi is not None and "bidirectional" in bidi.describe()
    assert first_unsafe("fine\r\nlines\twith tabs") is None


def test_clean_strings_reaches_inside_a_change() -> None:
    change = TicketChange(
        "reply",
        message=NewMessage(MessageKind.REPLY, "ok\x1b[2J", "Amara"),
        reason="why\x07",
        add_tags=frozenset({"a\x1b[1mb"}),
    )
    cleaned = clean_strings(change)
    assert cleaned.message is not None and cleaned.message.body == "ok"
    assert cleaned.message.kind is MessageKind.REPLY
    assert cleaned.reason == "why" and cleaned.add_tags == frozenset({"ab"})
    plain = TicketChange("reply", message=NewMessage(MessageKind.REPLY, "ok", "Amara"))
    assert clean_strings(plain) is plain
