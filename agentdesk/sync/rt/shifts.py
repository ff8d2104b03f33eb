"""The shift record in Request Tracker: one ticket per shift in the team's shift queue
(RtSettings.shift_queue: the profile's [shift] queue, "Shifts" by default; None when the
profile runs without shifts, and then none of this runs).

Push (after the ticket outbox, before the pull): the shift's `open` text creates the ticket
(Subject "Shift of <agent> from <start>", the opening text its content); each `comment` text is
a comment on it; `close` is a comment and the ticket resolved. The same rules as the ticket
push (sync/rt/push.py): a POST is marked started before it is sent; after an ambiguous failure
(a reset, a timeout, a 502) the ticket's history (or, for the create, the queue) is looked in
for it, and it is sent again only when it is not there, so a dropped link neither loses nor
doubles a text. What RT refuses (no such queue, no right to create in it) parks that shift's
texts with RT's reason; the other shifts go on.

Pull (after the ticket pull): the shift queue's tickets changed since the newest one seen
(with the pull's overlap), and their new Create/Comment texts, into team_shifts; a teammate's
agentdesk reads them with desk.shift.team_shifts.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from agentdesk.core.shift_record import shift_subject
from agentdesk.security.sanitize import clean_text
from agentdesk.store.engine import Store
from agentdesk.store.stamps import from_db, to_db
from agentdesk.store.sync_port import ShiftOp, SyncPort
from agentdesk.sync.checkpoints import reached
from agentdesk.sync.errors import BadRecord, Rejected
from agentdesk.sync.rt.bodies import message_body
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.history import HistoryReader, Wanted
from agentdesk.sync.rt.history_match import (
    Settle,
    normal_body,
    our_transactions,
    transaction_text,
)
from agentdesk.sync.rt.mapping import parse_rt_time
from agentdesk.sync.rt.post_once import LOOKUP_SLACK, send_once
from agentdesk.sync.rt.settings import RtSettings
from agentdesk.sync.rt.ticketsql import after_id, quote

log = logging.getLogger("agentdesk.sync")


# A parked shift text is tried again after this long: what RT refused is usually the team's
# setup (the shift queue not created yet, a missing right), fixed in RT, not in agentdesk.
RETRY_PARKED = timedelta(minutes=15)
# The shift pull's window cursor (sync_cursors), beside the ticket pull's.
_BACKEND = "rt"
# The server's Date header has one-second resolution: a run starts a little earlier.
_CLOCK_SLACK = timedelta(seconds=2)


@dataclass
class ShiftPushReport:
    pushed: int = 0
    parked_reasons: list[str] = field(default_factory=list)


@dataclass
class ShiftPusher:
    store: Store
    client: RtClient
    settings: RtSettings
    clock: Callable[[], datetime]

    @property
    def port(self) -> SyncPort:
        return SyncPort(self.store)

    def run(self) -> ShiftPushReport:
        report = ShiftPushReport()
        with self.port.read() as rows:
            ops = rows.pending_shift_ops()
        blocked: set[int] = set()
        for op in ops:
            if (op.state == "parked" and not self._retry(op)) or op.shift_id in blocked:
                blocked.add(op.shift_id)  # a shift's texts keep their order
                continue
            try:
                self.push_op(op)
            except Rejected as error:
                reason = f"shift record of {op.handle} ({op.kind}): RT refused it: {error.message}"
                with self.port.write() as rows:
                    rows.park_shift_op(op.id, reason, self.clock())
                log.warning("parked shift op %s: %s", op.id, reason)
                report.parked_reasons.append(reason)
                blocked.add(op.shift_id)
                continue
            report.pushed += 1
        return report

    def _retry(self, op: ShiftOp) -> bool:
        parked_at = op.progress.get("parked_at")
        return parked_at is None or self.clock() - from_db(parked_at) >= RETRY_PARKED

    def push_op(self, op: ShiftOp) -> None:
        progress: dict[str, Any] = dict(op.progress)
        progress.pop("parked_at", None)
        remote_id = self._remote_id(op)
        if op.kind == "open":
            if remote_id is None:
                self._create(op, progress)
        elif remote_id is None:
            raise Rejected(0, "the shift's ticket was never created in RT")
        else:
            self._comment(op, progress, remote_id)
            if op.kind == "close" and not progress.get("resolved"):
                # A PUT of an absolute value: safe to send again.
                self.client.call("PUT", f"/ticket/{remote_id}", json={"Status": "resolved"})
                progress["resolved"] = True
        with self.port.write() as rows:
            rows.save_shift_progress(op.id, progress)
            rows.mark_shift_done(op.id, self.clock())
        reached("shift.op_done")

    def _remote_id(self, op: ShiftOp) -> str | None:
        # Read fresh: the open earlier in this run may have just created the ticket.
        with self.port.read() as rows:
            return rows.shift_remote_id(op.shift_id)

    def _save(self, op: ShiftOp, progress: dict[str, Any]) -> None:
        with self.port.write() as rows:
            rows.save_shift_progress(op.id, progress)

    def _create(self, op: ShiftOp, progress: dict[str, Any]) -> None:
        subject = clean_text(shift_subject(op.handle, op.started_at))
        queue = self.settings.shift_queue or ""
        body = {
            "Queue": queue,
            "Subject": subject,
            "Content": clean_text(op.body),
            "ContentType": "text/plain",
        }
        found, response = send_once(
            progress,
            settle=Settle(self.settings.settle_seconds),
            clock=self.clock,
            find=lambda first: self._find_created(queue, subject, first - LOOKUP_SLACK),
            start=functools.partial(self._start, op, progress, "shift.create_started"),
            send=lambda: self.client.call("POST", "/ticket", json=body, idempotent=False),
            unstart=functools.partial(self._save, op),
            what=f"create of {subject}",
            gave_up=f"{subject}: the create was neither confirmed nor found in RT",
        )
        if found:
            self._adopt(op, progress, found)
            return
        assert response is not None
        remote_id = str(response.json().get("id", ""))
        if not remote_id.isdigit():
            raise Rejected(response.status_code, f"RT sent no ticket id: {response.text[:200]}")
        self._adopt(op, progress, remote_id)

    def _start(
        self, op: ShiftOp, progress: dict[str, Any], checkpoint: str, state: dict[str, Any]
    ) -> None:
        progress.update(state)
        self._save(op, progress)
        reached(checkpoint)

    def _find_created(self, queue: str, subject: str, since: datetime) -> str | None:
        seconds = int((self.client.server_now() - since).total_seconds()) + 2
        query = (
            f"Queue = {quote(queue)} AND Subject = {quote(subject)} "
            f"AND Creator = '__CurrentUser__' AND Created >= '{max(seconds, 1)} seconds ago'"
        )
        response = self.client.call(
            "GET", "/tickets", params={"query": query, "fields": "id", "orderby": "id"}
        )
        with self.port.read() as rows:
            known = rows.shift_remote_ids()
        for item in response.json().get("items", []):
            remote_id = str(item.get("id", ""))
            if remote_id.isdigit() and remote_id not in known:
                return remote_id
        return None

    def _adopt(self, op: ShiftOp, progress: dict[str, Any], remote_id: str) -> None:
        progress.clear()
        progress["remote_id"] = remote_id
        with self.port.write() as rows:
            rows.set_shift_remote_id(op.shift_id, remote_id)
            rows.save_shift_progress(op.id, progress)
        reached("shift.create_recorded")

    def _comment(self, op: ShiftOp, progress: dict[str, Any], remote_id: str) -> None:
        if progress.get("txn"):
            return
        body = clean_text(op.body)
        found, response = send_once(
            progress,
            settle=Settle(self.settings.settle_seconds),
            clock=self.clock,
            find=functools.partial(self._find_comment, op, remote_id, body),
            start=functools.partial(self._start, op, progress, "shift.post_started"),
            send=lambda: self.client.call(
                "POST",
                f"/ticket/{remote_id}/comment",
                json={"Content": body, "ContentType": "text/plain"},
                idempotent=False,
            ),
            unstart=functools.partial(self._save, op),
            what=f"shift comment on {remote_id}",
            gave_up=f"shift ticket {remote_id}: a comment neither confirmed nor found",
        )
        progress.clear()
        if found:
            progress.update(txn=found, found_in_history=True)
            self._save(op, progress)
            return
        assert response is not None
        progress["txn"] = response.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1]
        self._save(op, progress)
        reached("shift.post_recorded")

    def _find_comment(self, op: ShiftOp, remote_id: str, body: str, first: datetime) -> str | None:
        wanted = normal_body(body)
        for txn in our_transactions(self.client, remote_id, "comment", first - LOOKUP_SLACK):
            with self.port.read() as rows:
                owner = rows.shift_claim_owner(f"txn:{txn}")
            if owner is not None:
                if owner == op.id:
                    return txn
                continue  # another text's (the same words twice on purpose)
            found = transaction_text(self.client, txn)
            if found is not None and normal_body(found) == wanted:
                log.info("shift op %s was already in RT as transaction %s", op.id, txn)
                return txn
        return None


class _ShiftHistory(HistoryReader):
    def _is_privileged(self, name: str) -> bool:
        return True  # who wrote a shift text does not decide what it is


@dataclass
class ShiftPuller:
    store: Store
    client: RtClient
    settings: RtSettings
    clock: Callable[[], datetime]
    per_page: int = 100

    def run(self) -> int:
        """The shift queue's changed tickets and their new texts; returns the texts read.

        Each page of the search is asked for by key, the tickets after the last id seen (as
        the ticket pull, sync/rt/pull.py): by page number, a shift ticket before the page
        that left the queue meanwhile shifted a later one out of the run. The window's bound
        is "N seconds ago", as the pull's: RT reads an absolute date in the user's time zone.
        """
        port = SyncPort(self.store)
        scope = f"shifts:{self.settings.shift_queue or ''}"
        with port.read() as rows:
            cursor = rows.get_cursor(_BACKEND, scope) or {}
        self.client.learn_clock()
        run_start = self.client.server_now() - _CLOCK_SLACK
        window = f"Queue = {quote(self.settings.shift_queue or '')}"
        if cursor.get("since"):
            since = from_db(cursor["since"]) - timedelta(seconds=self.settings.overlap_seconds)
            seconds = math.ceil((self.client.server_now() - since).total_seconds()) + 2
            window += f" AND LastUpdated >= '{max(seconds, 1)} seconds ago'"
        reader = _ShiftHistory(self.client)
        texts = 0
        key = 0
        while True:
            response = self.client.call(
                "GET",
                "/tickets",
                params={
                    "query": f"{window} AND {after_id(key)}" if key else window,
                    "fields": "Subject,Status,LastUpdated",
                    "orderby": "id",
                    "order": "ASC",
                    "per_page": self.per_page,
                    "page": 1,
                },
            )
            body = response.json()
            found = body.get("items") if isinstance(body, dict) else None
            if not isinstance(found, list):
                raise BadRecord(f"RT's shift queue answer has no items list: {str(body)[:200]}")
            items = [i for i in found if isinstance(i, dict)]
            texts += self._page(port, reader, items)
            seen = [int(i) for i in (str(item.get("id", "")) for item in items) if i.isdigit()]
            # RT counts no pages (null) where it checks rights in Perl (UseSQLForACLChecks 0,
            # no ShowTicket on the whole system): then only a short page is the last.
            pages = body.get("pages")
            if len(found) < self.per_page or (isinstance(pages, int) and pages <= 1) or not seen:
                # Only a whole run moves the window: one cut short after a page of newer
                # tickets must not start the next run past the older ones it never reached.
                with port.write() as rows:
                    rows.set_cursor(_BACKEND, scope, {"since": to_db(run_start)})
                return texts
            key = max(seen)

    def _page(self, port: SyncPort, reader: HistoryReader, items: list[dict[str, Any]]) -> int:
        wanted: dict[str, Wanted] = {}
        tickets: dict[str, tuple[str, str, datetime]] = {}
        with port.read() as rows:
            for item in items:
                remote_id = str(item.get("id", ""))
                try:
                    updated = parse_rt_time(item.get("LastUpdated"), "LastUpdated")
                except BadRecord:  # an unreadable stamp: the ticket is read next time
                    continue
                if not remote_id.isdigit():
                    continue
                mark = rows.team_shift_mark(remote_id)
                if mark is not None and mark[0] == to_db(updated):
                    continue
                after = 0 if mark is None else mark[1]
                status = str(item.get("Status", ""))
                wanted[remote_id] = Wanted(remote_id, after, to_db(updated), "", status)
                tickets[remote_id] = (clean_text(str(item.get("Subject", ""))), status, updated)
        if not wanted:
            return 0
        history = reader.read(wanted, set())
        new = 0
        with port.write() as rows:
            for remote_id, (subject, status, updated) in tickets.items():
                found = []
                for txn in history.txns.get(remote_id, []):
                    if txn.type not in ("Create", "Comment") or txn.created_at is None:
                        continue
                    try:
                        text = message_body(txn.parts)
                    except BadRecord:  # no text part: nothing of the record in it
                        continue
                    if text is None:
                        continue
                    found.append((txn.id, txn.created_at, clean_text(text)))
                new += rows.save_team_shift(remote_id, subject, status, updated, found)
        return new
