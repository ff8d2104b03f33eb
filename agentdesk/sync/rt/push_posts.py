"""POSTs at least once and never twice: messages and the create, each marked started before
it is sent and looked for in RT before it is sent again (see sync/rt/push.py)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from agentdesk.core.ticket import Priority
from agentdesk.security.sanitize import clean_text
from agentdesk.store.stamps import from_db, to_db
from agentdesk.store.sync_port import Op
from agentdesk.sync.checkpoints import reached
from agentdesk.sync.errors import Ambiguous, Rejected
from agentdesk.sync.rt.history_match import normal_body, our_transactions, transaction_text
from agentdesk.sync.rt.mapping import PRIORITY_TO_RT
from agentdesk.sync.rt.push_base import (
    BACKEND,
    LOOKUP_SLACK,
    MAX_AMBIGUOUS,
    NOT_LANDED,
    PushBase,
    log,
)
from agentdesk.sync.rt.ticketsql import quote


class PostPush(PushBase):
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
