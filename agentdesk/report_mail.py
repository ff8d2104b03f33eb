"""Sending the weekly report by mail (issue 15), through the profile's [mail] settings:

    [mail]
    host = "smtp.example.com"
    port = 587
    from = "reports@example.com"
    starttls = true
    user = "reports"        # optional; the password comes from the keyring
                            # (service "agentdesk-smtp", name = the profile) or from
                            # $AGENTDESK_SMTP_PASSWORD, never from the file

The mail carries the Markdown report as its text, the HTML report as the alternative a mail
client shows, and the CSV as an attachment.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from agentdesk.core.errors import BadInput, DeskError

ENV_PASSWORD = "AGENTDESK_SMTP_PASSWORD"
KEYRING_SERVICE = "agentdesk-smtp"


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    starttls: bool
    user: str = ""


def mail_settings(table: Mapping[str, Any], where: str) -> MailSettings:
    host = table.get("host")
    sender = table.get("from")
    if not isinstance(host, str) or not host.strip():
        raise BadInput(
            f'{where}: [mail] host is needed to send the report (e.g. host = "smtp.example.com")'
        )
    if not isinstance(sender, str) or "@" not in sender:
        raise BadInput(f"{where}: [mail] from must be the sender's address")
    port = table.get("port", 587)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise BadInput(f"{where}: [mail] port must be a port number, not {port!r}")
    starttls = table.get("starttls", True)
    if not isinstance(starttls, bool):
        raise BadInput(f"{where}: [mail] starttls must be true or false")
    user = table.get("user", "")
    if not isinstance(user, str):
        raise BadInput(f"{where}: [mail] user must be a string")
    return MailSettings(host.strip(), port, sender.strip(), starttls, user.strip())


def smtp_password(profile: str) -> str | None:
    password = os.environ.get(ENV_PASSWORD)
    if password:
        return password
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, profile)
    except Exception:  # no usable keyring (headless): the environment is the way then
        return None


def build_message(
    settings: MailSettings, to: str, subject: str, text: str, html: str, csv_text: str, name: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_attachment(csv_text.encode(), maintype="text", subtype="csv", filename=name)
    return message


def send(
    settings: MailSettings, message: EmailMessage, password: str | None, timeout: float = 30
) -> None:
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                if not password:
                    raise BadInput(
                        f"[mail] user = {settings.user!r} needs a password: put it in the keyring "
                        f"(service {KEYRING_SERVICE!r}) or in ${ENV_PASSWORD}"
                    )
                smtp.login(settings.user, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeskError(
            f"the report was not sent: {settings.host}:{settings.port} answered {error}"
        ) from error
