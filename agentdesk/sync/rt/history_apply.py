"""History, the write half: inside a pull page's write transaction, the page's new
transactions become messages (or are mapped to ours), once each. See sync/rt/history.py."""

from __future__ import annotations

import logging
from collections.abc import Mapping
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
    for remote_id, wanted in history.wanted.items():
        found = rows.ticket_id_for_remote(remote_id)
        if found is None:
            continue  # the ticket itself was set aside: its history waits with it
        ticket_id = found
        region = region_of.get(remote_id, Region.EMEA)
        held = _unconfirmed_posts(rows, ticket_id)
        last = wanted.after_txn
        complete = True
        for txn in history.txns.get(remote_id, []):
            if not rows.remote_message_seen(BACKEND, f"txn:{txn.id}"):
                kind = _one(rows, ticket_id, txn, wanted, history, region, held, now, report)
                if kind is None:
                    complete = False
                    break  # held back: read again from here on the next pull
                if kind == "reply" and txn.created_at is not None:
                    rows.record_remote_reply(ticket_id, txn.created_at, now)
            last = max(last, txn.id)
        # Held back: keep the old LastUpdated so the ticket is read again.
        rows.save_history_mark(ticket_id, BACKEND, last, wanted.updated_at if complete else "")


def _map(rows: SyncRows, ticket_id: int, txn_id: int, message_id: int | None) -> None:
    rows.map_remote_message(BACKEND, f"txn:{txn_id}", ticket_id, message_id)


def _one(
    rows: SyncRows,
    ticket_id: int,
    txn: RemoteTxn,
    wanted: Wanted,
    history: PageHistory,
    region: Region,
    held: set[tuple[str, str]],
    now: datetime,
    report: HistoryReport,
) -> str | None:
    """One unseen transaction: mapped, inserted, or set aside. Returns the kind of message
    inserted ("" when none was), None when it is held back for later."""
    owner = rows.claim_owner(BACKEND, f"txn:{txn.id}")
    if owner is not None:
        _map(rows, ticket_id, txn.id, _our_message(rows, ticket_id, owner, txn))
        report.mapped += 1
        return ""
    if txn.type == "Create" and rows.claim_owner(BACKEND, f"ticket:{wanted.remote_id}"):
        _map(rows, ticket_id, txn.id, rows.first_unmapped_customer_message(ticket_id))
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
        if rows.reject(BACKEND, f"txn:{txn.id}", reason, record, now):
            log.warning("RT %s set aside", reason)
            report.rejected += 1
        _map(rows, ticket_id, txn.id, None)
        return ""
    if body is not None and (txn.type, normal_body(body)) in held:
        log.info("transaction %s looks like an unconfirmed post of ours: held back", txn.id)
        return None
    if body is None:
        if txn.type == "Create":
            _map(rows, ticket_id, txn.id, None)  # a ticket opened without text
            return ""
        body = NO_TEXT
    creator = txn.creator
    agent_id: int | None = None
    if txn.type == "Comment":
        kind = "internal_note"
        if _is_agent(creator, wanted, history, rows):
            agent_id = rows.agent_id_for(creator, region)
        author = creator
    elif txn.type == "Create":
        kind = "customer"
        agent_made = creator != wanted.requestor and _is_agent(creator, wanted, history, rows)
        author = wanted.requestor if agent_made and wanted.requestor else creator
    elif _is_agent(creator, wanted, history, rows):
        kind = "reply"
        agent_id = rows.agent_id_for(creator, region)
        author = creator
    else:
        kind = "customer"
        author = creator or wanted.requestor
    if agent_id is not None:
        author = rows.agent_name(agent_id)
    assert txn.created_at is not None
    message_id = rows.insert_pulled_message(
        PulledMessage(ticket_id, kind, author or "unknown", agent_id, body, txn.created_at)
    )
    _map(rows, ticket_id, txn.id, message_id)
    report.messages += 1
    report.tickets.add(ticket_id)
    return kind


def _is_agent(name: str, wanted: Wanted, history: PageHistory, rows: SyncRows) -> bool:
    if not name:
        return False
    if rows.is_agent_handle(name):
        return True
    if name == wanted.requestor:
        return False
    return history.privileged.get(name, False)


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
