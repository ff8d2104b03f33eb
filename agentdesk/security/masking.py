"""Masking of personal data for screens that do not need it in full."""

from __future__ import annotations


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
