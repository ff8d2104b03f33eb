"""The text sanitiser (DESIGN.md: security/). It lives in core/text.py, because the pure
macro parser and the SOP's change planning use it too; everything else imports it here."""

from __future__ import annotations

from agentdesk.core.text import Unsafe, clean_strings, clean_text, first_unsafe, is_clean

__all__ = ["Unsafe", "clean_strings", "clean_text", "first_unsafe", "is_clean"]
