"""Credentials, TOTP, idle lock and masking of personal data."""
