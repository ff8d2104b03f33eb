"""`agentdesk connect rt URL [--queue Q]...`: connect the profile to Request Tracker 5. RT is
asked first (the token accepted, the queues there) unless --no-check; the token goes to the
keyring (or stays in the environment variable), the settings into the profile's config."""

from __future__ import annotations

import argparse
import sys

from agentdesk.cli_values import fail


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    connect = commands.add_parser(
        "connect",
        parents=parents,
        help="connect the profile to a helpdesk: `agentdesk connect rt URL`",
    )
    connect.add_argument("kind", choices=["rt"], help="the helpdesk: rt (Request Tracker 5)")
    connect.add_argument("url", help="the RT base URL, e.g. https://rt.example.com")
    connect.add_argument(
        "--queue",
        action="append",
        dest="queues",
        metavar="NAME",
        help="an RT queue to sync (repeat for more; default General)",
    )
    connect.add_argument(
        "--region", default="EMEA", help="region for tickets RT does not say (default EMEA)"
    )
    connect.add_argument(
        "--no-check", action="store_true", help="save the settings without asking RT first"
    )


def connect_command(args: argparse.Namespace) -> int:
    import getpass
    import os

    from agentdesk.config import ConfigError, load_settings
    from agentdesk.core.ticket import Region
    from agentdesk.sync.credentials import ENV_TOKEN, CredentialError, save_token
    from agentdesk.sync.errors import (
        Ambiguous,
        Offline,
        SyncError,
        SyncSettingsError,
        Unreachable,
    )
    from agentdesk.sync.rt.settings import RtSettings, check_url, write_rt_section
    from agentdesk.sync.runner import check_connection

    try:
        settings = load_settings(args.profile, db_path=args.db)
        url = check_url(args.url)
        region = Region(args.region)
    except ValueError as error:  # ConfigError, SyncSettingsError and a bad region alike
        return fail(str(error))
    queues = tuple(args.queues or ["General"])
    token = os.environ.get(ENV_TOKEN, "").strip()
    from_env = bool(token)
    if not token:
        if not sys.stdin.isatty():
            return fail(f"no token: set {ENV_TOKEN} or run this in a terminal to type it")
        token = getpass.getpass(f"RT auth token for {url} (not echoed): ").strip()
    if not token:
        return fail("no token given")
    if not args.no_check:
        try:
            print(check_connection(url, token, queues))
        except (Unreachable, Ambiguous, Offline) as error:
            return fail(f"cannot connect to {url}: {error}; nothing was saved")
        except SyncError as error:
            return fail(f"{url}: {error}; nothing was saved")
    if not from_env:
        try:
            save_token(settings.profile, url, token)
        except CredentialError as error:
            return fail(str(error))
        from agentdesk.security_cli import audit_credential_change

        audit_credential_change(settings, f"rt token for {url}")
    assert settings.config_path is not None
    try:
        write_rt_section(
            settings.config_path,
            RtSettings(url, queues, region),
            token_from=f"${ENV_TOKEN}" if from_env else "keyring",
        )
    except (OSError, ConfigError, SyncSettingsError) as error:
        return fail(f"{settings.config_path}: cannot be written: {error}")
    where = f"${ENV_TOKEN}" if from_env else "the OS keyring"
    print(f"profile {settings.profile!r} now syncs with {url} (token from {where})")
    return 0
