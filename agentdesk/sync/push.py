"""Push: the outbox to Request Tracker, in order per ticket, each op's effect exactly once.

An op is split into steps (create, fields, tier note, message). Each step's outcome is committed
in sync_ops before the next one runs, and a non-idempotent step (a POST) is marked "started"
before it is sent: after a crash or an ambiguous failure, a started step is looked up in RT
(the ticket's attachments, or a TicketSQL search for a create) before it is sent again.

Field steps are PUTs of absolute values with If-Match. On 412 the ticket is re-read and rebased
field by field: a field RT still holds at the value the edit started from is sent again; a field
already at the wanted value is done; a field moved to a third value becomes a conflict. A
colleague's comment changes RT's ETag but no field, so it rebases cleanly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from agentdesk.core.ticket import Priority, Status
from agentdesk.store.engine import Store
from agentdesk.store.types import from_db, to_db
from agentdesk.sync import state
from agentdesk.sync.apply import handle_for
from agentdesk.sync.conflicts import record_conflict
from agentdesk.sync.mapping import (
    PRIORITY_TO_RT,
    RT_FIELD,
    RemoteTicket,
    parse_rt_time,
    parse_ticket,
    priority_keeps_local,
    status_from_rt,
    to_rt,
)
from agentdesk.sync.rt_client import Ambiguous, Rejected, RtClient
from agentdesk.sync.settings import RtSettings

log = logging.getLogger("agentdesk.sync")

BACKEND = "rt"
# A started POST is looked for among attachments this much older than its first send:
# generous for clock skew between this machine and RT.
LOOKUP_SLACK = timedelta(minutes=15)
# How often one op retries an ambiguous POST within a run before giving the run up.
MAX_AMBIGUOUS = 3


@dataclass
class PushReport:
    pushed: int = 0
    conflicts: int = 0
    parked: int = 0
    blocked: int = 0
    parked_reasons: list[str] = field(default_factory=list)


def normal_body(body: str) -> str:
    return body.replace("\r\n", "\n").strip()


def _quote(value: str) -> str:
    """A TicketSQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class Pusher:
    store: Store
    client: RtClient
    settings: RtSettings
    clock: Callable[[], datetime]
    report: PushReport = field(default_factory=PushReport)

    # -- the outbox -------------------------------------------------------------------------

    def run(self) -> PushReport:
        with self.store.read() as connection:
            ops = state.pending_ops(connection)
        blocked: set[int] = set()
        for op in ops:
            if op.state == "parked" or op.ticket_id in blocked:
                # A parked op blocks only its own ticket's later ops: order per ticket holds.
                if op.state != "parked":
                    self.report.blocked += 1
                blocked.add(op.ticket_id)
                continue
            try:
                self.push_op(op)
            except Rejected as error:
                reason = f"#{op.ticket_id} {op.op}: RT refused it: {error.message}"
                with self.store.write() as connection:
                    state.park(connection, op.id, reason, self.clock())
                log.warning("parked outbox op %s: %s", op.id, reason)
                self.report.parked += 1
                self.report.parked_reasons.append(reason)
                blocked.add(op.ticket_id)
                continue
            self.report.pushed += 1
        return self.report

    def push_op(self, op: state.Op) -> None:
        progress: dict[str, Any] = dict(op.progress)
        remote_id = self._remote_id(op.ticket_id)
        if op.op == "create":
            if remote_id is None:
                remote_id = self._create(op, progress)
        elif remote_id is None:
            raise Rejected(0, "the ticket has no RT id (it was never created in RT)")
        fields = op.payload.get("fields") or {}
        if not progress.get("fields_done") and any(name != "tier" for name in fields):
            self._fields(op, remote_id, fields)
            progress["fields_done"] = True
            self._save(op, progress)
        for step, (kind, body) in post_steps(op.payload).items():
            self._post_once(op, progress, step, remote_id, kind, body)
        with self.store.write() as connection:
            state.save_progress(connection, op.id, progress, self.clock())
            state.mark_done(connection, op.id, self.clock())

    def _save(self, op: state.Op, progress: Mapping[str, Any]) -> None:
        with self.store.write() as connection:
            state.save_progress(connection, op.id, progress, self.clock())

    def _remote_id(self, ticket_id: int) -> str | None:
        # Read fresh: a create earlier in this run may have just given the ticket its RT id.
        with self.store.read() as connection:
            value = connection.execute(
                text("SELECT remote_id FROM tickets WHERE id = :id"), {"id": ticket_id}
            ).scalar_one()
        return None if value is None else str(value)

    # -- reading a ticket ---------------------------------------------------------------------

    def get_ticket(self, remote_id: str) -> tuple[RemoteTicket, str]:
        response = self.client.call("GET", f"/ticket/{remote_id}")
        etag = response.headers.get("etag", "").strip('"') or None
        ticket = parse_ticket(response.json())
        return ticket, etag or ""

    def _save_remote(self, ticket_id: int, ticket: RemoteTicket, etag: str) -> None:
        with self.store.write() as connection:
            state.save_ticket_sync(
                connection,
                ticket_id,
                BACKEND,
                etag=etag,
                remote_updated_at=ticket.updated_at,
                remote_values={f: ticket.rt_value(f) for f in RT_FIELD},
            )

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
        with self.store.read() as connection:
            for name, change in fields.items():
                old, new = change.get("from"), change.get("to")
                if name == "assignee_id":
                    name = "assignee"
                    old, new = handle_for(connection, old), handle_for(connection, new)
                if name in RT_FIELD:
                    wanted[name] = (old, new)
        return wanted

    def _fields(
        self, op: state.Op, remote_id: str, fields: Mapping[str, Mapping[str, Any]]
    ) -> None:
        wanted = {
            name: (old, new)
            for name, (old, new) in self._wanted(fields).items()
            if to_rt(name, old) != to_rt(name, new)  # RT cannot tell them apart: nothing to send
        }
        with self.store.read() as connection:
            etag = state.ticket_sync(connection, op.ticket_id).etag
        for _round in range(4):
            if etag is None:
                remote, etag = self.get_ticket(remote_id)
                self._save_remote(op.ticket_id, remote, etag)
                wanted = self._rebase(op, remote_id, remote, wanted)
            if not wanted:
                return
            body = {RT_FIELD[name]: to_rt(name, new) for name, (_old, new) in wanted.items()}
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
        op: state.Op,
        remote_id: str,
        remote: RemoteTicket,
        wanted: dict[str, tuple[str | None, str | None]],
    ) -> dict[str, tuple[str | None, str | None]]:
        still: dict[str, tuple[str | None, str | None]] = {}
        for name, (old, new) in wanted.items():
            now_remote = remote.rt_value(name)
            if now_remote == to_rt(name, new):
                continue  # already there (our earlier send, or someone agreed)
            if now_remote == to_rt(name, old):
                still[name] = (old, new)  # nobody else touched it: send it again
                continue
            actor, at = self._who_changed(remote_id, RT_FIELD[name])
            with self.store.write() as connection:
                record_conflict(
                    connection,
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
        op: state.Op,
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
            started = done.get("started_at")
            if started:
                found = self._find_post(op, remote_id, body, from_db(started) - LOOKUP_SLACK)
                if found:
                    progress[step] = {"txn": found, "found_in_history": True}
                    self._save(op, progress)
                    return
            done = {"started_at": to_db(self.clock())}
            progress[step] = done
            self._save(op, progress)  # committed before sending: a crash now means "look first"
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
            txn = response.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1]
            with self.store.write() as connection:
                state.claim(connection, BACKEND, f"txn:{txn}", op.id)
                progress[step] = {"txn": txn}
                state.save_progress(connection, op.id, progress, self.clock())
            return
        raise Ambiguous(f"ticket {remote_id}: {kind} neither confirmed nor found in its history")

    def _find_post(self, op: state.Op, remote_id: str, body: str, since: datetime) -> str | None:
        """An unclaimed attachment on the ticket with this body, newer than since."""
        response = self.client.call(
            "GET",
            f"/ticket/{remote_id}/attachments",
            params={
                "fields": "TransactionId,Content,Created",
                "orderby": "id",
                "order": "DESC",
                "per_page": 100,
            },
        )
        with self.store.read() as connection:
            taken = state.claimed(connection, BACKEND)
        candidates = []
        for item in response.json().get("items", []):
            txn = str(item.get("TransactionId", ""))
            content = item.get("Content")
            try:
                created = parse_rt_time(item.get("Created"), "Created")
            except ValueError:
                continue
            if (
                isinstance(content, str)
                and normal_body(content) == normal_body(body)
                and created >= since
                and f"txn:{txn}" not in taken
            ):
                candidates.append(int(txn))
        for candidate in sorted(candidates):
            # RT also records its outgoing notification mails (EmailRecord) with the reply's
            # text: only the comment or correspond transaction itself is this op's.
            kind = self.client.call("GET", f"/transaction/{candidate}", params={"fields": "Type"})
            if kind.json().get("Type") not in ("Comment", "Correspond"):
                continue
            txn = str(candidate)
            with self.store.write() as connection:
                if not state.claim(connection, BACKEND, f"txn:{txn}", op.id):
                    continue
            log.info("op %s was already in RT as transaction %s: not sent again", op.id, txn)
            return txn
        return None

    # -- create -------------------------------------------------------------------------------

    def _create(self, op: state.Op, progress: dict[str, Any]) -> str:
        payload = op.payload
        subject = str(payload["subject"])
        queue = self.settings.queues[0]
        for _attempt in range(MAX_AMBIGUOUS):
            started = (progress.get("create") or {}).get("started_at")
            if started:
                found = self._find_created(op, queue, subject, from_db(started) - LOOKUP_SLACK)
                if found:
                    return self._adopt(op, progress, found)
            progress["create"] = {"started_at": to_db(self.clock())}
            self._save(op, progress)
            body: dict[str, Any] = {
                "Queue": queue,
                "Subject": subject,
                "Priority": PRIORITY_TO_RT[Priority(payload.get("priority", "P3"))],
                "Content": str(payload.get("body", "")),
                "ContentType": "text/plain",
            }
            if payload.get("requestor"):
                body["Requestor"] = str(payload["requestor"])
            try:
                response = self.client.call("POST", "/ticket", json=body, idempotent=False)
            except Ambiguous as error:
                log.info("create of ticket #%s may have landed (%s); checking", op.ticket_id, error)
                continue
            remote_id = str(response.json().get("id", ""))
            if not remote_id.isdigit():
                raise Rejected(response.status_code, f"RT sent no ticket id: {response.text[:200]}")
            return self._adopt(op, progress, remote_id)
        raise Ambiguous(f"create of ticket #{op.ticket_id} neither confirmed nor found in RT")

    def _find_created(self, op: state.Op, queue: str, subject: str, since: datetime) -> str | None:
        seconds = int((self.client.server_now() - since).total_seconds()) + 2
        query = (
            f"Queue = {_quote(queue)} AND Subject = {_quote(subject)} "
            f"AND Created >= '{max(seconds, 1)} seconds ago'"
        )
        response = self.client.call(
            "GET",
            "/tickets",
            params={"query": query, "fields": "id", "orderby": "id", "per_page": 100},
        )
        with self.store.read() as connection:
            taken = state.claimed(connection, BACKEND)
            known = {
                str(row[0])
                for row in connection.execute(
                    text("SELECT remote_id FROM tickets WHERE remote_id IS NOT NULL")
                )
            }
        for item in response.json().get("items", []):
            remote_id = str(item.get("id", ""))
            if remote_id and remote_id not in known and f"ticket:{remote_id}" not in taken:
                log.info("ticket #%s was already created in RT as %s", op.ticket_id, remote_id)
                return remote_id
        return None

    def _adopt(self, op: state.Op, progress: dict[str, Any], remote_id: str) -> str:
        """Give the local ticket its RT id; the ops queued behind it now find it."""
        progress["create"] = {"remote_id": remote_id}
        with self.store.write() as connection:
            state.claim(connection, BACKEND, f"ticket:{remote_id}", op.id)
            connection.execute(
                text("UPDATE tickets SET remote_id = :r WHERE id = :id"),
                {"r": remote_id, "id": op.ticket_id},
            )
            state.save_ticket_sync(
                connection,
                op.ticket_id,
                BACKEND,
                etag=None,
                remote_updated_at=None,
                remote_values={},
            )
            state.save_progress(connection, op.id, progress, self.clock())
        return remote_id


def post_steps(payload: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """An op's POSTs in order: {step: (comment | correspond, body)}. The pull's history reads
    these too, to know a transaction of ours that push sent but has not confirmed yet."""
    steps: dict[str, tuple[str, str]] = {}
    tier = (payload.get("fields") or {}).get("tier")
    if tier and tier.get("from") != tier.get("to"):
        note = f"agentdesk: escalated from {tier.get('from')} to {tier.get('to')}"
        if payload.get("reason"):
            note += f"\nReason: {payload['reason']}"
        steps["tier"] = ("comment", note)
    structured = payload.get("note")
    if structured and structured.get("body"):
        # The structured note travels as one RT comment, in the template's own words.
        steps["note"] = ("comment", str(structured["body"]))
    message = payload.get("message")
    if message:
        kind = "correspond" if message.get("kind") == "reply" else "comment"
        steps["message"] = (kind, str(message["body"]))
    return steps


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
