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

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from agentdesk.core.ticket import Priority, Status
from agentdesk.security.sanitize import clean_text
from agentdesk.store.engine import Store
from agentdesk.store.stamps import from_db, to_db
from agentdesk.store.sync_port import Op, SyncPort
from agentdesk.sync.checkpoints import reached
from agentdesk.sync.engine import PushReport, push_outbox
from agentdesk.sync.errors import (
    Ambiguous,
    BadRecord,
    RateLimited,
    Rejected,
    Unauthorized,
    Unreachable,
)
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.history_match import (
    Settle,
    normal_body,
    our_transactions,
    post_steps,
    transaction_text,
)
from agentdesk.sync.rt.links import push_link, push_merge
from agentdesk.sync.rt.mapping import (
    PRIORITY_TO_RT,
    RT_FIELD,
    RemoteTicket,
    parse_rt_time,
    parse_ticket,
    priority_keeps_local,
    status_from_rt,
    to_rt,
)
from agentdesk.sync.rt.settings import RtSettings
from agentdesk.sync.rt.ticket_apply import apply_remote_ticket
from agentdesk.sync.rt.ticketsql import quote

log = logging.getLogger("agentdesk.sync")

BACKEND = "rt"
# A started POST is looked for among attachments this much older than its first send:
# generous for clock skew between this machine and RT.
LOOKUP_SLACK = timedelta(minutes=15)
# How often one op retries an ambiguous POST within a run before giving the run up.
MAX_AMBIGUOUS = 3
# What a POST can fail with when RT did not apply it: RT said no (401, 429/503, 4xx), or the
# connection never opened. (Anything else may have landed: it is looked for before a resend.)
NOT_LANDED = (Unauthorized, RateLimited, Rejected, Unreachable)


@dataclass
class Pusher:
    store: Store
    client: RtClient
    settings: RtSettings
    clock: Callable[[], datetime]
    report: PushReport = field(default_factory=PushReport)
    settle: Settle = field(init=False)

    def __post_init__(self) -> None:
        self.settle = Settle(self.settings.settle_seconds)

    @property
    def port(self) -> SyncPort:
        return SyncPort(self.store)

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

    def _save(self, op: Op, progress: Mapping[str, Any]) -> None:
        with self.port.write() as rows:
            rows.save_progress(op.id, progress, self.clock())

    def _remote_id(self, ticket_id: int) -> str | None:
        # Read fresh: a create earlier in this run may have just given the ticket its RT id.
        with self.port.read() as rows:
            return rows.remote_id_of(ticket_id)

    # -- reading a ticket ---------------------------------------------------------------------

    def get_ticket(self, remote_id: str) -> tuple[RemoteTicket, str]:
        response = self.client.call("GET", f"/ticket/{remote_id}")
        etag = response.headers.get("etag", "").strip('"') or None
        try:
            ticket = parse_ticket(response.json())
        except BadRecord as error:
            # This ticket's copy in RT cannot be read: park its op with the reason, not the run.
            raise Rejected(response.status_code, f"RT's ticket {remote_id}: {error}") from None
        return ticket, etag or ""

    def _save_remote(self, ticket_id: int, ticket: RemoteTicket, etag: str) -> None:
        """What a GET of the ticket showed, applied as a pull applies it: saving RT's version
        alone would make the next pull skip a colleague's change to another field."""
        with self.port.write() as rows:
            apply_remote_ticket(rows, ticket_id, ticket, etag=etag or None, now=self.clock())

    def _who_changed(self, remote_id: str, rt_field: str) -> tuple[str, datetime | None]:
        try:
            response = self.client.call(
                "GET",
                f"/ticket/{remote_id}/history",
                params={
                    "fields": "Field,Creator,Created",
                    "orderby": "id",
                    "order": "DESC",
                    "per_page": 50,
                },
            )
            for item in response.json().get("items", []):
                if item.get("Field") == rt_field:
                    creator = item.get("Creator") or {}
                    return str(creator.get("id", "")), parse_rt_time(item.get("Created"), "Created")
        except (Rejected, ValueError, AttributeError) as error:
            log.info("history of ticket %s unreadable: %s", remote_id, error)
        return "", None

    # -- fields -------------------------------------------------------------------------------

    def _wanted(
        self, fields: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, tuple[str | None, str | None]]:
        """{status|priority|assignee: (from, to)} in local words; assignee as a handle."""
        wanted: dict[str, tuple[str | None, str | None]] = {}
        with self.port.read() as rows:
            for name, change in fields.items():
                old, new = change.get("from"), change.get("to")
                if name == "assignee_id":
                    name = "assignee"
                    old, new = rows.handle_for(old), rows.handle_for(new)
                if name in RT_FIELD:
                    wanted[name] = (old, new)
        return wanted

    def _fields(self, op: Op, remote_id: str, fields: Mapping[str, Mapping[str, Any]]) -> None:
        wanted = {
            name: (old, new)
            for name, (old, new) in self._wanted(fields).items()
            if to_rt(name, old) != to_rt(name, new)  # RT cannot tell them apart: nothing to send
        }
        with self.port.read() as rows:
            etag = rows.ticket_sync(op.ticket_id).etag
        for _round in range(4):
            if etag is None:
                remote, etag = self.get_ticket(remote_id)
                self._save_remote(op.ticket_id, remote, etag)
                wanted = self._rebase(op, remote_id, remote, wanted)
            if not wanted:
                return
            body = {
                RT_FIELD[name]: clean_text(to_rt(name, new)) for name, (_old, new) in wanted.items()
            }
            if "Priority" in body:
                body["Priority"] = int(body["Priority"])  # type: ignore[assignment]
            response = self.client.call(
                "PUT", f"/ticket/{remote_id}", json=body, headers={"If-Match": f'"{etag}"'}
            )
            if response.status_code == 412:
                log.info("ticket %s changed in RT since it was read; rebasing", remote_id)
                etag = None
                continue
            # RT answers 200 even when it refused a value: read back and compare.
            remote, etag = self.get_ticket(remote_id)
            refused = [
                name
                for name, (_old, new) in wanted.items()
                if remote.rt_value(name) != to_rt(name, new)
            ]
            self._save_remote(op.ticket_id, remote, etag)
            if refused:
                raise Rejected(response.status_code, _messages(response) or f"{refused} refused")
            return
        raise Ambiguous(f"ticket {remote_id} kept changing while agentdesk pushed to it")

    def _rebase(
        self,
        op: Op,
        remote_id: str,
        remote: RemoteTicket,
        wanted: dict[str, tuple[str | None, str | None]],
    ) -> dict[str, tuple[str | None, str | None]]:
        still: dict[str, tuple[str | None, str | None]] = {}
        for name, (old, new) in wanted.items():
            now_remote = remote.rt_value(name)
            # Compared in agentdesk's words: RT's 90 is P0, so a colleague's 90 agrees with P0.
            if _local_word(name, now_remote, new) == (new or ""):
                continue  # already there (our earlier send, or someone agreed)
            if _local_word(name, now_remote, old) == (old or ""):
                still[name] = (old, new)  # nobody else moved it, in our words: send it again
                continue
            actor, at = self._who_changed(remote_id, RT_FIELD[name])
            with self.port.write() as rows:
                rows.record_conflict(
                    ticket_id=op.ticket_id,
                    outbox_id=op.id,
                    field=name,
                    base_value=old,
                    local_value=new,
                    remote_value=_local_word(name, now_remote, new),
                    remote_actor=actor,
                    remote_at=at,
                    now=self.clock(),
                )
            log.warning("conflict on ticket #%s %s: RT has %r", op.ticket_id, name, now_remote)
            self.report.conflicts += 1
        return still

    # -- POSTs, at least once and never twice -------------------------------------------------

    def _post_once(
        self,
        op: Op,
        progress: dict[str, Any],
        step: str,
        remote_id: str,
        kind: str,
        body: str,
    ) -> None:
        done = progress.get(step) or {}
        if done.get("txn"):
            return
        for _attempt in range(MAX_AMBIGUOUS):
            if done.get("started_at"):
                # Sent before (this run or one a crash ended): RT may have it, or may still be
                # working on it. Look until that is settled; send again only if not there.
                first = from_db(done.get("first_at") or done["started_at"])
                if self.settle.look(
                    from_db(done["started_at"]),
                    self.clock(),
                    functools.partial(
                        self._find_post, op, progress, step, remote_id, kind, body, first
                    ),
                ):
                    return
            before, now = done, to_db(self.clock())
            done = {"first_at": done.get("first_at") or done.get("started_at") or now}
            done["started_at"] = now
            progress[step] = done
            self._save(op, progress)  # committed before sending: a crash now means "look first"
            reached("push.post_started")
            try:
                response = self.client.call(
                    "POST",
                    f"/ticket/{remote_id}/{kind}",
                    json={"Content": body, "ContentType": "text/plain"},
                    idempotent=False,
                )
            except Ambiguous as error:
                log.info("%s on ticket %s may have landed (%s); checking", kind, remote_id, error)
                continue
            except NOT_LANDED:
                self._unstart(op, progress, step, before)
                raise
            reached("push.post_answered")
            txn = response.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1]
            with self.port.write() as rows:
                rows.claim(BACKEND, f"txn:{txn}", op.id)
                progress[step] = {"txn": txn}
                rows.save_progress(op.id, progress, self.clock())
            reached("push.post_recorded")
            return
        raise Ambiguous(f"ticket {remote_id}: {kind} neither confirmed nor found in its history")

    def _unstart(self, op: Op, progress: dict[str, Any], step: str, before: dict[str, Any]) -> None:
        """RT refused this send, or it never left: nothing of it landed, so the next run need
        not look for it (only for an earlier send that may have)."""
        if before:
            progress[step] = before
        else:
            progress.pop(step, None)
        self._save(op, progress)

    def _find_post(
        self,
        op: Op,
        progress: dict[str, Any],
        step: str,
        remote_id: str,
        kind: str,
        body: str,
        first: datetime,
    ) -> str | None:
        """This step's transaction in RT, if it is there: by our RT user, of the step's kind,
        with its text, created since it was first sent, and no other op's (see
        sync/rt/history_match.py). The find and the step's progress commit together."""
        wanted = normal_body(body)
        for txn in our_transactions(self.client, remote_id, kind, first - LOOKUP_SLACK):
            ref = f"txn:{txn}"
            with self.port.read() as rows:
                owner = rows.claim_owner(BACKEND, ref)
            if owner is not None and owner != op.id:
                continue  # another op's (the same words sent twice on purpose)
            if owner is None:
                found = transaction_text(self.client, txn)
                if found is None or normal_body(found) != wanted:
                    continue
            # A claim by this op is a find too: a crash may have come between the two once.
            with self.port.write() as rows:
                if not rows.claim(BACKEND, ref, op.id):
                    continue  # claimed by another op since it was read
                progress[step] = {"txn": txn, "found_in_history": True}
                rows.save_progress(op.id, progress, self.clock())
            reached("push.post_found")
            log.info("op %s was already in RT as transaction %s: not sent again", op.id, txn)
            return txn
        return None

    # -- create -------------------------------------------------------------------------------

    def _create(self, op: Op, progress: dict[str, Any]) -> str:
        payload = op.payload
        subject = clean_text(str(payload["subject"]))
        queue = self.settings.queues[0]
        for _attempt in range(MAX_AMBIGUOUS):
            done = progress.get("create") or {}
            if done.get("started_at"):
                first = from_db(done.get("first_at") or done["started_at"])
                found = self.settle.look(
                    from_db(done["started_at"]),
                    self.clock(),
                    functools.partial(self._find_created, op, queue, subject, first - LOOKUP_SLACK),
                )
                if found:
                    return self._adopt(op, progress, found)
            now = to_db(self.clock())
            progress["create"] = {
                "first_at": done.get("first_at") or done.get("started_at") or now,
                "started_at": now,
            }
            self._save(op, progress)
            reached("push.create_started")
            body: dict[str, Any] = {
                "Queue": queue,
                "Subject": subject,
                "Priority": PRIORITY_TO_RT[Priority(payload.get("priority", "P3"))],
                "Content": clean_text(str(payload.get("body", ""))),
                "ContentType": "text/plain",
            }
            if payload.get("requestor"):
                body["Requestor"] = str(payload["requestor"])
            try:
                response = self.client.call("POST", "/ticket", json=body, idempotent=False)
            except Ambiguous as error:
                log.info("create of ticket #%s may have landed (%s); checking", op.ticket_id, error)
                continue
            except NOT_LANDED:
                self._unstart(op, progress, "create", done)
                raise
            remote_id = str(response.json().get("id", ""))
            if not remote_id.isdigit():
                raise Rejected(response.status_code, f"RT sent no ticket id: {response.text[:200]}")
            return self._adopt(op, progress, remote_id)
        raise Ambiguous(f"create of ticket #{op.ticket_id} neither confirmed nor found in RT")

    def _find_created(self, op: Op, queue: str, subject: str, since: datetime) -> str | None:
        seconds = int((self.client.server_now() - since).total_seconds()) + 2
        query = (
            f"Queue = {quote(queue)} AND Subject = {quote(subject)} "
            f"AND Creator = '__CurrentUser__' AND Created >= '{max(seconds, 1)} seconds ago'"
        )
        response = self.client.call(
            "GET",
            "/tickets",
            params={"query": query, "fields": "id", "orderby": "id", "per_page": 100},
        )
        with self.port.read() as rows:
            taken = rows.claimed(BACKEND)
            known = rows.known_remote_ids()
        for item in response.json().get("items", []):
            remote_id = str(item.get("id", ""))
            if remote_id and remote_id not in known and f"ticket:{remote_id}" not in taken:
                log.info("ticket #%s was already created in RT as %s", op.ticket_id, remote_id)
                return remote_id
        return None

    def _adopt(self, op: Op, progress: dict[str, Any], remote_id: str) -> str:
        """Give the local ticket its RT id; the ops queued behind it now find it."""
        progress["create"] = {"remote_id": remote_id}
        with self.port.write() as rows:
            rows.claim(BACKEND, f"ticket:{remote_id}", op.id)
            rows.set_remote_id(op.ticket_id, remote_id)
            rows.save_ticket_sync(
                op.ticket_id,
                BACKEND,
                etag=None,
                remote_updated_at=None,
                remote_values={},
            )
            rows.save_progress(op.id, progress, self.clock())
        reached("push.create_recorded")
        return remote_id


def _messages(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, list):
        return "; ".join(str(line) for line in body)
    return ""


def _local_word(name: str, rt_value: str, local: str | None) -> str:
    """RT's value in agentdesk's words, for the conflict row."""
    if name == "status":
        return status_from_rt(rt_value, Status(local) if local else None).value
    if name == "priority":
        return priority_keeps_local(int(rt_value), Priority(local) if local else None).value
    return "" if rt_value == "Nobody" else rt_value
