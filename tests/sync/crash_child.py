"""Child process for the crash test: pushes the outbox and SIGKILLs itself mid-way.

It kills itself right after RT answered the Nth POST and before agentdesk recorded the answer:
the worst moment, when the server has the op and the store does not know it. N = 0: never.
With AGENTDESK_KILL_AT set to a checkpoint name (agentdesk/sync/checkpoints.py), it kills
itself when the push reaches that point.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx

from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.sync import checkpoints
from agentdesk.sync.rt.backend import RtBackend
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.settings import RtSettings


def main() -> None:
    db, url, token, queue, kill_after = sys.argv[1:6]
    posts = 0

    def on_response(response: httpx.Response) -> None:
        nonlocal posts
        if response.request.method in ("POST", "PUT"):
            posts += 1
            if posts == int(kill_after):
                os.kill(os.getpid(), signal.SIGKILL)

    kill_at = os.environ.get("AGENTDESK_KILL_AT")

    def on_checkpoint(name: str) -> None:
        if name == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    checkpoints.listen(on_checkpoint)
    store = open_store(Path(db), load_sla_policy())
    client = RtClient(url, token, event_hooks={"response": [on_response]})
    backend = RtBackend(settings=RtSettings(url=url, queues=(queue,)), client=client)
    backend.sync(store, datetime.now(UTC))
    sys.exit(f"pushed everything without being killed ({posts} writes)")


if __name__ == "__main__":
    main()
