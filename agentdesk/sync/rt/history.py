"""History: the conversation of RT tickets (Create, Correspond, Comment) into `messages`.

Which tickets get their history read, page by page of the ticket pull:
- On the first sync (no cursor yet), none: the queue comes first. The first sync is the ticket
  fields (what the queue shows); the conversations of the tickets RT holds open follow as a
  second stage (sync/rt/conversations.py), most urgent first, a batch at a time. RT 5's REST2
  answers at most 100 records a request and spends ~1-3 ms of CPU per transaction and per
  attachment: reading every conversation costs RT two to three times what the whole field
  pull does, and the agent should not wait for that to see the queue. A big queue is also
  mostly resolved tickets nobody will reopen: a closed ticket's whole history is read the first
  time it changes later (a customer writes again, a colleague reopens it).
- On a delta pull, every changed ticket: only transactions newer than the newest one seen (a
  ticket not read yet, all of it).
A ticket whose LastUpdated has not moved since its history was last read is skipped (the
pull's overlap window re-reads recent tickets).

Cost per batch of up to 100 tickets: one transaction search (tickets read whole: a JSON
`ObjectId IN [...]`, which RT does not parse as TicketSQL; tickets read on: TransactionSQL,
each with its own "id > newest seen") and one attachment search per 100 of those transactions
for their text parts, plus one user lookup per RT user not met before in the run. A search of
more than 100 records is pages: the first page tells how many there are and the rest are asked
for side by side (a few at once), as are the attachment searches and the user lookups. All of
it happens before the batch's write transaction; the messages are written in that
transaction, with the ticket fields and the cursor (a pull page) or the marks (a batch of
conversations).

Classification: Comment -> internal_note. Create -> customer (the ticket's opening request;
when an agent opened it for the customer, the requestor is the author). Correspond by a user
known in `agents` or privileged in RT -> reply (agent_id set), by anyone else -> customer.
RT's EmailRecord copies of replies are never read.

Never twice: every transaction seen is recorded in sync_messages. A transaction push claimed
(sync_claims "txn:N") or the Create of a ticket agentdesk created ("ticket:N") is already a
message here: it is mapped to that message, not inserted. A POST push started but has not
confirmed yet (a crash, a blocked op) is held back: the ticket's history stops before it, so
the next pull, after push has claimed it, maps it.

This module is the network half (what to ask RT for, and asking); sync/rt/history_apply.py
writes a page's answer, sync/rt/bodies.py finds the text of a message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from agentdesk.store.stamps import to_db
from agentdesk.store.sync_port import SyncRows
from agentdesk.sync.errors import BadRecord, Rejected
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.mapping import parse_rt_time
from agentdesk.sync.rt.ticketsql import quote

log = logging.getLogger("agentdesk.sync")
T = TypeVar("T")

BACKEND = "rt"
MESSAGE_TYPES = ("Create", "Correspond", "Comment")
# Per search: RT answers 100 records a request at most; fewer and fuller searches make a pull
# fast. 100 conditions keep the GET URL near 4 kB.
TICKETS_PER_SEARCH = 100
TXNS_PER_SEARCH = 100
NO_TEXT = "(This message has no text part; its attachments are in RT.)"


@dataclass(frozen=True)
class Wanted:
    """A ticket of the page whose new transactions are to be read."""

    remote_id: str
    after_txn: int  # 0: the whole history
    updated_at: str  # the ticket's LastUpdated in this page (to_db form)
    requestor: str
    status: str


@dataclass
class RemoteTxn:
    id: int
    remote_ticket: str
    type: str
    creator: str
    created_at: datetime | None
    parts: list[dict[str, Any]] = field(default_factory=list)
    problem: str = ""  # why it cannot be read (set aside in sync_rejects)


@dataclass
class PageHistory:
    """What the network said about a page's tickets, read before the write transaction."""

    wanted: dict[str, Wanted]
    txns: dict[str, list[RemoteTxn]]  # remote ticket id -> transactions, oldest first
    privileged: dict[str, bool]  # RT user name -> privileged


@dataclass
class HistoryReport:
    messages: int = 0  # new messages written
    mapped: int = 0  # transactions found to be ours already
    rejected: int = 0
    tickets: set[int] = field(default_factory=set)  # local ids that got a new message


def _ref_name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return "" if value is None else str(value)


def wanted_for_page(rows: SyncRows, items: Iterable[Any], *, first_sync: bool) -> dict[str, Wanted]:
    """The page's tickets whose history is to be read now (see the module docstring)."""
    wanted: dict[str, Wanted] = {}
    records = [i for i in items if isinstance(i, dict) and str(i.get("id", "")).isdigit()]
    marks = rows.history_marks(str(item["id"]) for item in records)
    for item in records:
        remote_id = str(item["id"])
        try:
            updated = to_db(parse_rt_time(item.get("LastUpdated"), "LastUpdated"))
        except BadRecord:
            continue  # the ticket pull sets it aside
        status = str(item.get("Status", ""))
        requestors = item.get("Requestor")
        requestor = _ref_name(requestors[0]) if isinstance(requestors, list) and requestors else ""
        mark = marks.get(remote_id)
        if mark is not None:
            if mark.remote_updated_at == updated:
                continue  # nothing happened on it since its history was read
            wanted[remote_id] = Wanted(remote_id, mark.last_txn, updated, requestor, status)
        elif not first_sync:
            wanted[remote_id] = Wanted(remote_id, 0, updated, requestor, status)
    return wanted


@dataclass
class HistoryReader:
    """The network half: transactions, their text parts, and who their authors are."""

    client: RtClient
    per_page: int = 100
    # RT user name -> privileged, kept for the run: one lookup per user, not per message.
    privileged: dict[str, bool] = field(default_factory=dict)
    # Requests of one page's history in flight at once (RT's workers answer side by side).
    workers: int = 3

    def read(self, wanted: Mapping[str, Wanted], agents: set[str]) -> PageHistory:
        txns: dict[str, list[RemoteTxn]] = {remote_id: [] for remote_id in wanted}
        by_id: dict[int, RemoteTxn] = {}
        chosen = list(wanted.values())
        with ThreadPoolExecutor(self.workers, thread_name_prefix="rt-history") as pool:
            for start in range(0, len(chosen), TICKETS_PER_SEARCH):
                for txn in self._transactions(pool, chosen[start : start + TICKETS_PER_SEARCH]):
                    if txn.remote_ticket in txns and txn.id not in by_id:
                        txns[txn.remote_ticket].append(txn)
                        by_id[txn.id] = txn
            ids = sorted(by_id)
            chunks = [ids[n : n + TXNS_PER_SEARCH] for n in range(0, len(ids), TXNS_PER_SEARCH)]
            for parts in _all([pool.submit(self._attachments, chunk) for chunk in chunks]):
                for txn_id, part in parts:
                    by_id[txn_id].parts.append(part)
            unknown: set[str] = set()
            for remote_id, found in txns.items():
                found.sort(key=lambda t: t.id)
                requestor = wanted[remote_id].requestor
                unknown.update(
                    t.creator
                    for t in found
                    if t.creator
                    and t.creator not in agents
                    and t.creator != requestor
                    and t.creator not in self.privileged
                )
            names = sorted(unknown)
            answers = _all([pool.submit(self._is_privileged, name) for name in names])
            self.privileged.update(zip(names, answers, strict=True))
        return PageHistory(dict(wanted), txns, dict(self.privileged))

    def _search(self, path: str, params: Mapping[str, Any], page: int) -> _Found:
        response = self.client.call(
            "GET", path, params={**params, "per_page": self.per_page, "page": page}
        )
        body = response.json()
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise BadRecord(f"RT's {path} answer has no items list: {str(body)[:200]}")
        pages = body.get("pages")
        last = len(items) < self.per_page or (isinstance(pages, int) and page >= pages)
        return _Found(
            [item for item in items if isinstance(item, dict)],
            pages if isinstance(pages, int) else None,
            last,
        )

    def _pages(
        self, path: str, params: Mapping[str, Any], pool: ThreadPoolExecutor | None = None
    ) -> list[dict[str, Any]]:
        """Every page of a search. With a pool, the first page tells how many there are and
        the others are asked for side by side (ordered by id, a search's earlier pages do not
        move as RT adds transactions); what a page beyond that count holds is read after."""
        found = self._search(path, params, 1)
        items, number = list(found.items), 1
        if not found.last and pool is not None and found.pages is not None:
            number = found.pages
            for found in _all(
                [pool.submit(self._search, path, params, n) for n in range(2, number + 1)]
            ):
                items.extend(found.items)
        while not found.last:
            number += 1
            found = self._search(path, params, number)
            items.extend(found.items)
        return items

    def _transactions(self, pool: ThreadPoolExecutor, chosen: list[Wanted]) -> list[RemoteTxn]:
        whole = [int(w.remote_id) for w in chosen if not w.after_txn and w.remote_id.isdigit()]
        going_on = [w for w in chosen if w.after_txn]
        out: list[RemoteTxn] = []
        if whole:
            # One IN list as a JSON query: RT's TransactionSQL parser costs ~50% more CPU
            # for the same answer as an OR of a hundred "ObjectId = N".
            limits: list[dict[str, Any]] = [
                {"field": "ObjectType", "value": "RT::Ticket"},
                {"field": "ObjectId", "operator": "IN", "value": whole},
                {"field": "Type", "operator": "IN", "value": list(MESSAGE_TYPES)},
            ]
            out += self._transactions_of(pool, chosen, json.dumps(limits, separators=(",", ":")))
        if going_on:
            tickets = " OR ".join(
                f"(ObjectId = {w.remote_id} AND id > {w.after_txn})" for w in going_on
            )
            types = " OR ".join(f"Type = {quote(kind)}" for kind in MESSAGE_TYPES)
            query = f"ObjectType = 'RT::Ticket' AND ({types}) AND ({tickets})"
            out += self._transactions_of(pool, chosen, query)
        return out

    def _transactions_of(
        self, pool: ThreadPoolExecutor, chosen: list[Wanted], query: str
    ) -> list[RemoteTxn]:
        after = {w.remote_id: w.after_txn for w in chosen}
        out: list[RemoteTxn] = []
        for item in self._pages(
            "/transactions",
            {
                "query": query,
                "fields": "Type,Creator,Created,ObjectId",
                "orderby": "id",
                "order": "ASC",
            },
            pool,
        ):
            raw_id = str(item.get("id", ""))
            ticket = str(item.get("ObjectId", ""))
            if not raw_id.isdigit() or ticket not in after or int(raw_id) <= after[ticket]:
                continue
            txn = RemoteTxn(
                id=int(raw_id),
                remote_ticket=ticket,
                type=str(item.get("Type", "")),
                creator=_ref_name(item.get("Creator")),
                created_at=None,
            )
            try:
                txn.created_at = parse_rt_time(item.get("Created"), "Created")
            except BadRecord as error:
                txn.problem = str(error)
            out.append(txn)
        return out

    def _attachments(self, ids: list[int]) -> list[tuple[int, dict[str, Any]]]:
        """(transaction id, part) of the text parts of these transactions (one search).
        Text parts only: a customer's 5 MB photo is not fetched to show a conversation.
        A GET with the JSON query in the URL (a search is no send: POSTs stay sends only);
        one IN condition, not an OR of a hundred (a URL of ~1 kB, not ~6 kB; the same
        answer: tests/sync/test_rt_history_search.py; RT's CPU for a whole pull measured the
        same either way)."""
        wanted = set(ids)
        limits: list[dict[str, Any]] = [
            {"field": "TransactionId", "operator": "IN", "value": ids},
            {"field": "ContentType", "operator": "LIKE", "value": "text/"},
        ]
        parts: list[tuple[int, dict[str, Any]]] = []
        # REST2 quirk: asking for Parent fails with a 500 on top-level parts.
        for item in self._pages(
            "/attachments",
            {
                "query": json.dumps(limits, separators=(",", ":")),
                "fields": "TransactionId,ContentType,Filename,Headers,Content",
            },
        ):
            txn_id = str(item.get("TransactionId", ""))
            if txn_id.isdigit() and int(txn_id) in wanted:
                parts.append((int(txn_id), item))
        return parts

    def _is_privileged(self, name: str) -> bool:
        try:
            response = self.client.call(
                "GET", f"/user/{name}", params={"fields": "Privileged,Name"}
            )
            return str(response.json().get("Privileged", "0")) == "1"
        except (Rejected, ValueError, AttributeError) as error:
            # Not allowed to see the user: not known as an agent, so a customer.
            log.info("RT user %s unreadable (%s): treated as a customer", name, error)
            return False


@dataclass(frozen=True)
class _Found:
    items: list[dict[str, Any]]
    pages: int | None  # as RT counted them; None when it did not say
    last: bool


def _all(futures: list[Future[T]]) -> list[T]:
    """Every answer, in order; the first failure is raised once all have ended (no request of
    a failed page outlives its read)."""
    wait(futures)
    return [future.result() for future in futures]
