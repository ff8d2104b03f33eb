"""Push: the outbox to Request Tracker, in order per ticket, each op's effect exactly once.

An op is split into steps (create, fields, tier note, message). Each step's outcome is committed
in sync_ops before the next one runs, and a non-idempotent step (a POST) is marked "started"
before it is sent: after a crash or an ambiguous failure, a started step is looked up in RT
before it is sent again (sync/rt/history_match.py: only a transaction by our RT user, of the
step's kind, with its text, since its first send; the lookup goes on until RT cannot still be
working on the request). A find is recorded with the step's progress in one store
transaction, and a transaction this op claimed before counts as found, so no crash between
the two can send it again. A POST RT refused, or that never left, is no longer "started".

Field steps are PUTs of absolute values with If-Match. On 412 the ticket is re-read and rebased
field by field: a field RT still holds at the value the edit started from is sent again; a field
already at the wanted value is done; a field moved to a third value becomes a conflict. A
colleague's comment changes RT's ETag but no field, so it rebases cleanly.
"""

from __future__ import annotations

from typing import Any

from agentdesk.store.sync_port import Op
from agentdesk.sync.checkpoints import reached
from agentdesk.sync.engine import PushReport, push_outbox
from agentdesk.sync.errors import Rejected
from agentdesk.sync.rt.history_match import normal_body, post_steps
from agentdesk.sync.rt.links import push_link, push_merge
from agentdesk.sync.rt.push_base import BACKEND, LOOKUP_SLACK, MAX_AMBIGUOUS, NOT_LANDED, PushBase
from agentdesk.sync.rt.push_fields import FieldPush
from agentdesk.sync.rt.push_posts import PostPush

# The parts live apart (push_base, push_fields, push_posts); callers import them from here.
__all__ = [
    "BACKEND",
    "LOOKUP_SLACK",
    "MAX_AMBIGUOUS",
    "NOT_LANDED",
    "PushBase",
    "Pusher",
    "normal_body",
    "post_steps",
]


class Pusher(FieldPush, PostPush):
    """The outbox to RT: each op's fields, then its POSTs; a create first."""

    def run(self) -> PushReport:
        """The outbox, op by op (the engine keeps the order and parks what RT refuses)."""
        return push_outbox(self.port, self.push_op, self.clock, self.report, helpdesk="RT")

    def push_op(self, op: Op) -> None:
        progress: dict[str, Any] = dict(op.progress)
        remote_id = self._remote_id(op.ticket_id)
        if op.op == "create":
            if remote_id is None:
                remote_id = self._create(op, progress)
        elif remote_id is None:
            raise Rejected(0, "the ticket has no RT id (it was never created in RT)")
        if op.op in ("link", "merge"):  # issue 14: sync/rt/links.py
            push = push_link if op.op == "link" else push_merge
            push(self.port, self.client, op, remote_id)
            with self.port.write() as rows:
                rows.mark_done(op.id, self.clock())
            return
        fields = op.payload.get("fields") or {}
        if not progress.get("fields_done") and any(name != "tier" for name in fields):
            self._fields(op, remote_id, fields)
            progress["fields_done"] = True
            self._save(op, progress)
            reached("push.fields_recorded")
        for step, (kind, body) in post_steps(op.payload).items():
            self._post_once(op, progress, step, remote_id, kind, body)
        with self.port.write() as rows:
            rows.save_progress(op.id, progress, self.clock())
            rows.mark_done(op.id, self.clock())
        reached("push.op_done")
