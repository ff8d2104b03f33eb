"""POSTs at least once and never twice: messages and the create, each marked started before
it is sent and looked for in RT before it is sent again (see sync/rt/push.py)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from agentdesk.core.ticket import Priority
from agentdesk.security.sanitize import clean_text
from agentdesk.store.sync_port import Op
from agentdesk.sync.checkpoints import reached
from agentdesk.sync.errors import Rejected
from agentdesk.sync.rt.history_match import normal_body, our_transactions, transaction_text
from agentdesk.sync.rt.mapping import PRIORITY_TO_RT
from agentdesk.sync.rt.post_once import LOOKUP_SLACK, send_once
from agentdesk.sync.rt.push_base import BACKEND, PushBase, log
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

        def start(state: dict[str, Any]) -> None:
            progress[step] = state
            self._save(op, progress)
            reached("push.post_started")

        def send() -> Any:
            response = self.client.call(
                "POST",
                f"/ticket/{remote_id}/{kind}",
                json={"Content": body, "ContentType": "text/plain"},
                idempotent=False,
            )
            reached("push.post_answered")
            return response

        found, response = send_once(
            done,
            settle=self.settle,
            clock=self.clock,
            find=functools.partial(self._find_post, op, progress, step, remote_id, kind, body),
            start=start,
            send=send,
            unstart=functools.partial(self._unstart, op, progress, step),
            what=f"{kind} on ticket {remote_id}",
            gave_up=f"ticket {remote_id}: {kind} neither confirmed nor found in its history",
        )
        if found:
            return  # _find_post recorded it
        assert response is not None
        txn = response.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1]
        with self.port.write() as rows:
            rows.claim(BACKEND, f"txn:{txn}", op.id)
            progress[step] = {"txn": txn}
            rows.save_progress(op.id, progress, self.clock())
        reached("push.post_recorded")

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
        body: dict[str, Any] = {
            "Queue": queue,
            "Subject": subject,
            "Priority": PRIORITY_TO_RT[Priority(payload.get("priority", "P3"))],
            "Content": clean_text(str(payload.get("body", ""))),
            "ContentType": "text/plain",
        }
        if payload.get("requestor"):
            body["Requestor"] = str(payload["requestor"])

        def start(state: dict[str, Any]) -> None:
            progress["create"] = state
            self._save(op, progress)
            reached("push.create_started")

        found, response = send_once(
            progress.get("create") or {},
            settle=self.settle,
            clock=self.clock,
            find=lambda first: self._find_created(op, queue, subject, first - LOOKUP_SLACK),
            start=start,
            send=lambda: self.client.call("POST", "/ticket", json=body, idempotent=False),
            unstart=functools.partial(self._unstart, op, progress, "create"),
            what=f"create of ticket #{op.ticket_id}",
            gave_up=f"create of ticket #{op.ticket_id} neither confirmed nor found in RT",
        )
        if found:
            return self._adopt(op, progress, found)
        assert response is not None
        remote_id = str(response.json().get("id", ""))
        if not remote_id.isdigit():
            raise Rejected(response.status_code, f"RT sent no ticket id: {response.text[:200]}")
        return self._adopt(op, progress, remote_id)

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
