"""Masking of personal data for screens that do not need it in full."""

from __future__ import annotations

import re


def mask_name(name: str) -> str:
    """'Maria Garcia Lopez' -> 'Maria G.': enough to greet, not enough to identify."""
    parts = name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0]}."


def mask_email(email: str) -> str:
    """'maria.garcia@example.com' -> 'm***a@example.com'."""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    if len(local) <= 2:
        return f"{local[:1]}***@{domain}"
    return f"{local[0]}***{local[-1]}@{domain}"


def mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    if len(digits) <= 4:
        return "***"
    return "***" + "".join(digits[-4:])


# Issue 16: free text that leaves agentdesk for a log. The one function is log_safe(): every
# log line passes it (agentdesk/log_file.py), so whatever a message carries, the file holds
# no token, TOTP secret, otpauth URI, card number, full email, phone or date of birth.

_OTPAUTH = re.compile(r"otpauth://\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d ()./-]{6,}\d\b")
_DATE = re.compile(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b(?![T ]\d)")
# Base32 (TOTP secrets) or long token-like runs with letters and digits both.
_SECRET = re.compile(
    r"\b(?=[A-Za-z0-9_\-+/=]*\d)(?=[A-Za-z0-9_\-+/=]*[A-Za-z])[A-Za-z0-9_\-+/=]{20,}"
)
_known: set[str] = set()


def never_log(value: str) -> None:
    """A secret this process holds (a token, a TOTP secret, a typed verifier): any log line
    that carries it gets [redacted] in its place."""
    if len(value) >= 4:
        _known.add(value)


def _last4(match: re.Match[str]) -> str:
    digits = [c for c in match.group(0) if c.isdigit()]
    return "****" + "".join(digits[-4:])


def log_safe(text: str) -> str:
    for value in sorted(_known, key=len, reverse=True):
        text = text.replace(value, "[redacted]")
    text = _OTPAUTH.sub("otpauth://[hidden]", text)
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _CARD.sub(_last4, text)
    text = _DATE.sub("[date]", text)
    text = _SECRET.sub("[secret]", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
