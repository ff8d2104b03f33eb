"""History, the write half: inside a pull page's write transaction, the page's new
transactions become messages (or are mapped to ours), once each. See sync/rt/history.py.

A page is written with what it needs read once (store/history_rows.py): which of its
transactions were seen, which are claimed by a push, its tickets' local ids, the agents, which
tickets have a push in flight; its mappings and marks are written together at the end, and
each ticket's SLA takes its replies at once. A mapping that a later step reads back (a claimed
transaction matched to a message not yet mapped) is written before that read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from agentdesk.core.ticket import Region
from agentdesk.store.sync_port import PulledMessage, SyncRows
from agentdesk.sync.errors import BadRecord
from agentdesk.sync.rt.bodies import message_body
from agentdesk.sync.rt.history import (
    BACKEND,
    NO_TEXT,
    HistoryReport,
    PageHistory,
    RemoteTxn,
    Wanted,
)
from agentdesk.sync.rt.history_match import TXN_TYPE, normal_body, post_steps

log = logging.getLogger("agentdesk.sync")


@dataclass
class _Page:
    """What one page's write knows: read once, kept up to date as the page is written."""

    rows: SyncRows
    history: PageHistory
    now: datetime
    report: HistoryReport
    seen: set[str]
    owners: dict[str, int]
    agents: dict[str, tuple[int, str]]  # handle -> (local id, name)
    mappings: list[tuple[str, int, int | None]] = field(default_factory=list)

    def map(self, ticket_id: int, txn_id: int, message_id: int | None) -> None:
        ref = f"txn:{txn_id}"
        self.mappings.append((ref, ticket_id, message_id))
        self.seen.add(ref)

    def flush(self) -> None:
        """The mappings so far into sync_messages (before a read that looks for unmapped
        messages, and at the end of the page)."""
        self.rows.map_remote_messages(BACKEND, self.mappings)
        self.mappings.clear()

    def agent(self, handle: str, region: Region) -> tuple[int, str]:
        found = self.agents.get(handle)
        if found is None:
            agent_id = self.rows.agent_id_for(handle, region)
            assert agent_id is not None  # handle is not ""
            found = self.agents[handle] = (agent_id, self.rows.agent_name(agent_id))
        return found


def apply_history(
    rows: SyncRows,
    history: PageHistory,
    *,
    region_of: Mapping[str, Region],
    now: datetime,
    report: HistoryReport,
) -> None:
    """Inside the page's write transaction: new messages, mappings and per-ticket marks; and
    a colleague's reply made in RT counts for the SLA as one made here would."""
    refs = [f"txn:{t.id}" for found in history.txns.values() for t in found]
    page = _Page(
        rows,
        history,
        now,
        report,
        seen=rows.seen_remote_refs(BACKEND, refs),
        owners=rows.claim_owners(
            BACKEND, refs + [f"ticket:{remote_id}" for remote_id in history.wanted]
        ),
        agents=rows.agents_by_handle(),
    )
    local = rows.ticket_ids_for_remotes(history.wanted)
    in_flight = rows.tickets_with_unsent_ops(local.values())
    marks: list[tuple[int, int, str]] = []
    for remote_id, wanted in history.wanted.items():
        ticket_id = local.get(remote_id)
        if ticket_id is None:
            continue  # the ticket itself was set aside: its history waits with it
        region = region_of.get(remote_id, Region.EMEA)
        held = _unconfirmed_posts(rows, ticket_id) if ticket_id in in_flight else set()
        last = wanted.after_txn
        complete = True
        replies: list[datetime] = []
        for txn in history.txns.get(remote_id, []):
            if f"txn:{txn.id}" not in page.seen:
                kind = _one(page, ticket_id, txn, wanted, region, held)
                if kind is None:
                    complete = False
                    break  # held back: read again from here on the next pull
                if kind == "reply" and txn.created_at is not None:
                    replies.append(txn.created_at)
            last = max(last, txn.id)
        if replies:
            rows.record_remote_replies(ticket_id, min(replies), max(replies), now)
        # Held back: keep the old LastUpdated so the ticket is read again.
        marks.append((ticket_id, last, wanted.updated_at if complete else ""))
    page.flush()
    rows.save_history_marks(BACKEND, marks)


def _one(
    page: _Page,
    ticket_id: int,
    txn: RemoteTxn,
    wanted: Wanted,
    region: Region,
    held: set[tuple[str, str]],
) -> str | None:
    """One unseen transaction: mapped, inserted, or set aside. Returns the kind of message
    inserted ("" when none was), None when it is held back for later."""
    rows, report = page.rows, page.report
    owner = page.owners.get(f"txn:{txn.id}")
    if owner is not None:
        page.flush()  # _our_message looks for messages no transaction is yet
        page.map(ticket_id, txn.id, _our_message(rows, ticket_id, owner, txn))
        report.mapped += 1
        return ""
    if txn.type == "Create" and page.owners.get(f"ticket:{wanted.remote_id}"):
        page.flush()
        page.map(ticket_id, txn.id, rows.first_unmapped_customer_message(ticket_id))
        report.mapped += 1
        return ""
    try:
        if txn.problem:
            raise BadRecord(txn.problem)
        body = message_body(txn.parts)
    except BadRecord as error:
        record = {"transaction": txn.id, "ticket": txn.remote_ticket, "type": txn.type}
        reason = f"transaction {txn.id} of ticket {txn.remote_ticket}: {error}"
        # Counted once: a re-read (the pull's overlap window) finds it already set aside.
        if rows.reject(BACKEND, f"txn:{txn.id}", reason, record, page.now):
            log.warning("RT %s set aside", reason)
            report.rejected += 1
        page.map(ticket_id, txn.id, None)
        return ""
    if body is not None and (txn.type, normal_body(body)) in held:
        log.info("transaction %s looks like an unconfirmed post of ours: held back", txn.id)
        return None
    if body is None:
        if txn.type == "Create":
            page.map(ticket_id, txn.id, None)  # a ticket opened without text
            return ""
        body = NO_TEXT
    creator = txn.creator
    agent: tuple[int, str] | None = None
    if txn.type == "Comment":
        kind = "internal_note"
        if _is_agent(creator, wanted, page):
            agent = page.agent(creator, region)
        author = creator
    elif txn.type == "Create":
        kind = "customer"
        agent_made = creator != wanted.requestor and _is_agent(creator, wanted, page)
        author = wanted.requestor if agent_made and wanted.requestor else creator
    elif _is_agent(creator, wanted, page):
        kind = "reply"
        agent = page.agent(creator, region)
        author = creator
    else:
        kind = "customer"
        author = creator or wanted.requestor
    agent_id: int | None = None
    if agent is not None:
        agent_id, author = agent
    assert txn.created_at is not None
    message_id = rows.insert_pulled_message(
        PulledMessage(ticket_id, kind, author or "unknown", agent_id, body, txn.created_at)
    )
    page.map(ticket_id, txn.id, message_id)
    report.messages += 1
    report.tickets.add(ticket_id)
    return kind


def _is_agent(name: str, wanted: Wanted, page: _Page) -> bool:
    if not name:
        return False
    if name in page.agents:
        return True
    if name == wanted.requestor:
        return False
    return page.history.privileged.get(name, False)


def _our_message(rows: SyncRows, ticket_id: int, outbox_id: int, txn: RemoteTxn) -> int | None:
    """The local message a claimed transaction is (None: ours but not a message, e.g. the
    escalation comment): same ticket, same text, not mapped yet, the op's own stamp first."""
    op = rows.op_record(outbox_id)
    if op is None:
        return None
    steps = post_steps(op.payload)
    done = op.progress
    step = next(
        (name for name in steps if str((done.get(name) or {}).get("txn")) == str(txn.id)), None
    )
    if step is None or step == "tier":
        return None
    body = normal_body(steps[step][1])
    for message_id, text in rows.unmapped_messages(ticket_id, op.created_at):
        if normal_body(text) == body:
            return message_id
    return None


def _unconfirmed_posts(rows: SyncRows, ticket_id: int) -> set[tuple[str, str]]:
    """(RT transaction type, body) of this ticket's POSTs push started and has not confirmed
    (no txn yet): a colleague's comment with a reply's words is not held back for it."""
    held: set[tuple[str, str]] = set()
    for op in rows.unsent_ops(ticket_id):
        for step, (kind, body) in post_steps(op.payload).items():
            mark = op.progress.get(step) or {}
            if mark.get("started_at") and not mark.get("txn"):
                held.add((TXN_TYPE[kind], normal_body(body)))
    return held
