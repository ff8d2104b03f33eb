"""The generic engine: the outbox walk and one run's bookkeeping, for any helpdesk adapter.

An adapter (sync/rt/, later sync/zendesk/) knows how to send one op and how to pull; this
module knows the rest, the same for every helpdesk: ops go out in order per ticket, a refused
op parks and blocks only its own ticket, push runs before pull, network trouble becomes
"offline" (never an exception), a 401 pauses until resume(), and the header's counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from agentdesk.store.sync_port import Op, SyncPort, SyncStatus
from agentdesk.sync.errors import (
    Ambiguous,
    BadAnswer,
    BadRecord,
    Offline,
    RateLimited,
    Rejected,
    Unauthorized,
    Unreachable,
)
from agentdesk.sync.protocol import SyncSummary

log = logging.getLogger("agentdesk.sync")


@dataclass
class PushReport:
    pushed: int = 0
    conflicts: int = 0
    parked: int = 0
    blocked: int = 0
    parked_reasons: list[str] = field(default_factory=list)


def push_outbox(
    port: SyncPort,
    push_op: Callable[[Op], None],
    clock: Callable[[], datetime],
    report: PushReport,
    *,
    helpdesk: str,
) -> PushReport:
    """Every pending op through push_op, in outbox order. Rejected parks the op with the
    helpdesk's reason; a parked op blocks only its own ticket's later ops."""
    with port.read() as rows:
        ops = rows.pending_ops()
    blocked: set[int] = set()
    for op in ops:
        if op.state == "parked" or op.ticket_id in blocked:
            # A parked op blocks only its own ticket's later ops: order per ticket holds.
            if op.state != "parked":
                report.blocked += 1
            blocked.add(op.ticket_id)
            continue
        try:
            push_op(op)
        except Rejected as error:
            reason = f"#{op.ticket_id} {op.op}: {helpdesk} refused it: {error.message}"
            with port.write() as rows:
                rows.park(op.id, reason, clock())
            log.warning("parked outbox op %s: %s", op.id, reason)
            report.parked += 1
            report.parked_reasons.append(reason)
            blocked.add(op.ticket_id)
            continue
        report.pushed += 1
    return report


def run_once(
    port: SyncPort,
    summary: SyncSummary,
    work: Callable[[SyncSummary], None],
    *,
    helpdesk: str,
    clock: Callable[[], datetime],
    resume: bool,
    offline_until: Callable[[], datetime | None],
) -> SyncSummary:
    """One run: `work` pushes then pulls and fills the summary's counts; this keeps the
    backend's status (paused, offline with the breaker's time, last success) and the
    header's numbers. A kept 401 pause sends nothing; resume=True tries again."""
    backend = summary.backend
    with port.read() as rows:
        status = rows.get_status(backend)
    if status.paused_reason and not resume:
        summary.state = "paused"
        summary.message = status.paused_reason
        return finish(port, summary)
    try:
        work(summary)
    except Unauthorized as error:
        summary.state = "paused"
        summary.message = str(error)
        status = replace(status, paused_reason=str(error))
    except RateLimited as error:
        summary.state = "offline"
        summary.message = f"the helpdesk asked agentdesk to wait ({error})"
        status = replace(status, failures=status.failures + 1, offline_until=offline_until())
    except (Offline, Unreachable, Ambiguous) as error:
        # What happens next is the caller's to say: the TUI tries again, `sync --once` exits.
        summary.state = "offline"
        summary.message = f"the helpdesk did not answer: {error}"
        status = replace(status, failures=status.failures + 1, offline_until=offline_until())
    except BadAnswer as error:
        # The client's message names the server and shows what it sent instead; what happens
        # next is the caller's to say, as above.
        summary.state = "offline"
        summary.message = str(error)
        status = replace(status, failures=status.failures + 1, offline_until=offline_until())
    except BadRecord as error:
        summary.state = "offline"
        summary.message = f"{helpdesk} sent something agentdesk cannot read: {error}"
    else:
        status = SyncStatus(None, None, 0, clock())
    with port.write() as rows:
        rows.set_status(backend, status)
    if summary.state != "online":
        log.warning("sync %s: %s", summary.state, summary.message)
    return finish(port, summary)


def finish(port: SyncPort, summary: SyncSummary) -> SyncSummary:
    """The queue's numbers as the header shows them."""
    with port.read() as rows:
        counts = rows.counts()
    summary.queued = counts.pending
    summary.parked = counts.parked
    summary.open_conflicts = counts.conflicts
    return summary
