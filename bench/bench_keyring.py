"""A keyring backend for the start-up bench only (issue 16): the encrypted run's agentdesk
process finds the bench store's key here, as a real profile finds its own in the system
keyring. A JSON file named by $AGENTDESK_BENCH_KEYRING; never for real secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class BenchKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def _items(self) -> dict[str, str]:
        path = Path(os.environ["AGENTDESK_BENCH_KEYRING"])
        return json.loads(path.read_text()) if path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._items().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._items()
        items[f"{service}/{username}"] = password
        Path(os.environ["AGENTDESK_BENCH_KEYRING"]).write_text(json.dumps(items))

    def delete_password(self, service: str, username: str) -> None:
        items = self._items()
        items.pop(f"{service}/{username}", None)
        Path(os.environ["AGENTDESK_BENCH_KEYRING"]).write_text(json.dumps(items))
