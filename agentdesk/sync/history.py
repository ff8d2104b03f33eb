"""History: the conversation of RT tickets (Create, Correspond, Comment) into `messages`.

Which tickets get their history read, page by page of the ticket pull:
- On the first sync (no cursor yet), only tickets RT holds open (new, open, stalled). A big
  queue is mostly resolved tickets nobody will reopen; reading their conversations would make
  the first sync many times slower for nothing. A closed ticket's whole history is read the
  first time it changes later (a customer writes again, a colleague reopens it).
- On a delta pull, every changed ticket: only transactions newer than the newest one seen.
A ticket whose LastUpdated has not moved since its history was last read is skipped (the
pull's overlap window re-reads recent tickets).

Cost per page of up to 100 tickets: one TransactionSQL search (all wanted tickets at once, each
with its own "id > newest seen") and one attachment search for the text parts of those
transactions, plus one user lookup per RT user not met before in the run. All of it happens
before the page's write transaction; the messages are written in that transaction, with the
ticket fields and the cursor.

Classification: Comment -> internal_note. Create -> customer (the ticket's opening request;
when an agent opened it for the customer, the requestor is the author). Correspond by a user
known in `agents` or privileged in RT -> reply (agent_id set), by anyone else -> customer.
RT's EmailRecord copies of replies are never read.

Never twice: every transaction seen is recorded in sync_messages. A transaction push claimed
(sync_claims "txn:N") or the Create of a ticket agentdesk created ("ticket:N") is already a
message here: it is mapped to that message, not inserted. A POST push started but has not
confirmed yet (a crash, a blocked op) is held back: the ticket's history stops before it, so
the next pull, after push has claimed it, maps it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.changes import sla_fields
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.ticket import Region
from agentdesk.store.types import to_db
from agentdesk.store.writes import load_snapshot
from agentdesk.sync import state
from agentdesk.sync.apply import agent_id_for
from agentdesk.sync.mapping import BadRecord, parse_rt_time
from agentdesk.sync.push import normal_body, post_steps
from agentdesk.sync.rt_client import Rejected, RtClient

log = logging.getLogger("agentdesk.sync")

BACKEND = "rt"
MESSAGE_TYPES = ("Create", "Correspond", "Comment")
# RT statuses of a ticket still being worked on: these get their history on the first sync.
ACTIVE_STATUSES = frozenset({"new", "open", "stalled"})
# Per search: RT spends about 0.6 s on any REST2 search here, whatever its size, so fewer and
# fuller searches are what make a pull fast. 100 conditions keep the GET URL near 4 kB.
TICKETS_PER_SEARCH = 100
TXNS_PER_SEARCH = 100
# A page's tickets this close together (ids) are asked for as one range, filtered here.
DENSE = 2
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


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ref_name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return "" if value is None else str(value)


def wanted_for_page(
    connection: Connection, items: Iterable[Any], *, first_sync: bool
) -> dict[str, Wanted]:
    """The page's tickets whose history is to be read now (see the module docstring)."""
    wanted: dict[str, Wanted] = {}
    for item in items:
        if not isinstance(item, dict) or not str(item.get("id", "")).isdigit():
            continue
        remote_id = str(item["id"])
        try:
            updated = to_db(parse_rt_time(item.get("LastUpdated"), "LastUpdated"))
        except BadRecord:
            continue  # the ticket pull sets it aside
        status = str(item.get("Status", ""))
        requestors = item.get("Requestor")
        requestor = _ref_name(requestors[0]) if isinstance(requestors, list) and requestors else ""
        row = connection.execute(
            text(
                "SELECT h.last_txn, h.remote_updated_at FROM tickets t "
                "JOIN sync_history h ON h.ticket_id = t.id WHERE t.remote_id = :r"
            ),
            {"r": remote_id},
        ).one_or_none()
        if row is not None:
            if row.remote_updated_at == updated:
                continue  # nothing happened on it since its history was read
            wanted[remote_id] = Wanted(remote_id, int(row.last_txn), updated, requestor, status)
        elif not first_sync or status in ACTIVE_STATUSES:
            wanted[remote_id] = Wanted(remote_id, 0, updated, requestor, status)
    return wanted


def known_agents(connection: Connection) -> set[str]:
    return set(connection.execute(text("SELECT handle FROM agents")).scalars())


@dataclass
class HistoryReader:
    """The network half: transactions, their text parts, and who their authors are."""

    client: RtClient
    per_page: int = 100
    # RT user name -> privileged, kept for the run: one lookup per user, not per message.
    privileged: dict[str, bool] = field(default_factory=dict)

    def read(self, wanted: Mapping[str, Wanted], agents: set[str]) -> PageHistory:
        txns: dict[str, list[RemoteTxn]] = {remote_id: [] for remote_id in wanted}
        by_id: dict[int, RemoteTxn] = {}
        chosen = list(wanted.values())
        for start in range(0, len(chosen), TICKETS_PER_SEARCH):
            for txn in self._transactions(chosen[start : start + TICKETS_PER_SEARCH]):
                if txn.remote_ticket in txns:
                    txns[txn.remote_ticket].append(txn)
                    by_id[txn.id] = txn
        if by_id:
            self._attachments(by_id)
        for remote_id, found in txns.items():
            found.sort(key=lambda t: t.id)
            requestor = wanted[remote_id].requestor
            for txn in found:
                name = txn.creator
                if (
                    name
                    and name not in agents
                    and name != requestor
                    and name not in self.privileged
                ):
                    self.privileged[name] = self._is_privileged(name)
        return PageHistory(dict(wanted), txns, dict(self.privileged))

    def _pages(self, method: str, path: str, params: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
        page = 1
        while True:
            response = self.client.call(
                method, path, params={**params, "per_page": self.per_page, "page": page}
            )
            body = response.json()
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise BadRecord(f"RT's {path} answer has no items list: {str(body)[:200]}")
            yield from (item for item in items if isinstance(item, dict))
            pages = body.get("pages")
            if len(items) < self.per_page or (isinstance(pages, int) and page >= pages):
                return
            page += 1

    def _transactions(self, chosen: list[Wanted]) -> Iterable[RemoteTxn]:
        numbers = [int(w.remote_id) for w in chosen if w.remote_id.isdigit()]
        if numbers and max(numbers) - min(numbers) < DENSE * len(chosen):
            # A first sync pages through tickets by id: one short range query, not an OR
            # of a hundred; the other tickets in the range and older transactions are
            # dropped below.
            tickets = f"ObjectId >= {min(numbers)} AND ObjectId <= {max(numbers)}"
            floor = min(w.after_txn for w in chosen)
            if floor:
                tickets += f" AND id > {floor}"
        else:
            tickets = " OR ".join(
                f"(ObjectId = {w.remote_id} AND id > {w.after_txn})"
                if w.after_txn
                else f"ObjectId = {w.remote_id}"
                for w in chosen
            )
        after = {w.remote_id: w.after_txn for w in chosen}
        types = " OR ".join(f"Type = {_quote(kind)}" for kind in MESSAGE_TYPES)
        query = f"ObjectType = 'RT::Ticket' AND ({types}) AND ({tickets})"
        for item in self._pages(
            "GET",
            "/transactions",
            {
                "query": query,
                "fields": "Type,Creator,Created,ObjectId",
                "orderby": "id",
                "order": "ASC",
            },
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
            yield txn

    def _attachments(self, by_id: dict[int, RemoteTxn]) -> None:
        # Text parts only: a customer's 5 MB photo is not fetched to show a conversation.
        # A GET with the JSON query in the URL (a search is no send: POSTs stay sends only).
        ids = sorted(by_id)
        for start in range(0, len(ids), TXNS_PER_SEARCH):
            limits: list[dict[str, Any]] = [
                {"field": "TransactionId", "value": txn_id}
                for txn_id in ids[start : start + TXNS_PER_SEARCH]
            ]
            limits.append({"field": "ContentType", "operator": "LIKE", "value": "text/"})
            # REST2 quirk: asking for Parent fails with a 500 on top-level parts.
            for item in self._pages(
                "GET",
                "/attachments",
                {
                    "query": json.dumps(limits, separators=(",", ":")),
                    "fields": "TransactionId,ContentType,Filename,Headers,Content",
                },
            ):
                txn_id = str(item.get("TransactionId", ""))
                if txn_id.isdigit() and int(txn_id) in by_id:
                    by_id[int(txn_id)].parts.append(item)

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


# -- bodies ---------------------------------------------------------------------------------


class _TextOfHtml(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(self._skip - 1, 0)
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail: tags dropped, blocks on their own lines."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_file(part: Mapping[str, Any]) -> bool:
    if part.get("Filename"):
        return True
    headers = str(part.get("Headers", ""))
    return bool(re.search(r"^Content-Disposition:\s*attachment", headers, re.I | re.M))


def message_body(txn: RemoteTxn) -> str | None:
    """The text of a transaction: its text/plain parts, else its HTML as text, else None.
    Raises BadRecord when a text part's content is unreadable."""
    plain: list[str] = []
    html: list[str] = []
    for part in sorted(txn.parts, key=lambda p: int(str(p.get("id", 0)) or 0)):
        if _is_file(part):
            continue
        kind = str(part.get("ContentType", "")).split(";")[0].strip().lower()
        if kind not in ("text/plain", "text/html"):
            continue
        content = part.get("Content")
        if not isinstance(content, str):
            raise BadRecord(f"attachment {part.get('id')} ({kind}) has no readable text")
        if "\x00" in content:
            raise BadRecord(f"attachment {part.get('id')} ({kind}) is binary, not text")
        (plain if kind == "text/plain" else html).append(content)
    if any(p.strip() for p in plain):
        return "\n\n".join(p.replace("\r\n", "\n").strip() for p in plain if p.strip())
    if html:
        try:
            converted = "\n\n".join(html_to_text(h) for h in html)
        except Exception as error:  # html.parser is lenient; a bug there must not stop sync
            raise BadRecord(f"HTML body unreadable: {error}") from error
        if converted.strip():
            return converted
    return None


# -- the write half -------------------------------------------------------------------------


def apply_history(
    connection: Connection,
    history: PageHistory,
    *,
    region_of: Mapping[str, Region],
    now: datetime,
    report: HistoryReport,
    policy: SlaPolicy,
) -> None:
    """Inside the page's write transaction: new messages, mappings and per-ticket marks; and
    a colleague's reply made in RT counts for the SLA as one made here would."""
    for remote_id, wanted in history.wanted.items():
        ticket_id = connection.execute(
            text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote_id}
        ).scalar_one_or_none()
        if ticket_id is None:
            continue  # the ticket itself was set aside: its history waits with it
        ticket_id = int(ticket_id)
        region = region_of.get(remote_id, Region.EMEA)
        held = _unconfirmed_posts(connection, ticket_id)
        last = wanted.after_txn
        complete = True
        for txn in history.txns.get(remote_id, []):
            seen = connection.execute(
                text("SELECT 1 FROM sync_messages WHERE backend = :b AND remote_ref = :r"),
                {"b": BACKEND, "r": f"txn:{txn.id}"},
            ).one_or_none()
            if seen is None:
                kind = _one(connection, ticket_id, txn, wanted, history, region, held, now, report)
                if kind is None:
                    complete = False
                    break  # held back: read again from here on the next pull
                if kind == "reply" and txn.created_at is not None:
                    _answered(connection, ticket_id, txn.created_at, policy, now)
            last = max(last, txn.id)
        connection.execute(
            text(
                "INSERT INTO sync_history (ticket_id, backend, last_txn, remote_updated_at) "
                "VALUES (:t, :b, :l, :u) ON CONFLICT (ticket_id) DO UPDATE "
                "SET last_txn = :l, remote_updated_at = :u"
            ),
            # Held back: keep the old LastUpdated so the ticket is read again.
            {"t": ticket_id, "b": BACKEND, "l": last, "u": wanted.updated_at if complete else ""},
        )


def _map(connection: Connection, ticket_id: int, txn_id: int, message_id: int | None) -> None:
    connection.execute(
        text(
            "INSERT INTO sync_messages (backend, remote_ref, ticket_id, message_id) "
            "VALUES (:b, :r, :t, :m)"
        ),
        {"b": BACKEND, "r": f"txn:{txn_id}", "t": ticket_id, "m": message_id},
    )


def _one(
    connection: Connection,
    ticket_id: int,
    txn: RemoteTxn,
    wanted: Wanted,
    history: PageHistory,
    region: Region,
    held: set[str],
    now: datetime,
    report: HistoryReport,
) -> str | None:
    """One unseen transaction: mapped, inserted, or set aside. Returns the kind of message
    inserted ("" when none was), None when it is held back for later."""
    owner = _claim_owner(connection, f"txn:{txn.id}")
    if owner is not None:
        _map(connection, ticket_id, txn.id, _our_message(connection, ticket_id, owner, txn))
        report.mapped += 1
        return ""
    if txn.type == "Create" and _claim_owner(connection, f"ticket:{wanted.remote_id}"):
        first = connection.execute(
            text(
                "SELECT m.id FROM messages m WHERE m.ticket_id = :t AND m.kind = 'customer' "
                "AND NOT EXISTS (SELECT 1 FROM sync_messages s WHERE s.message_id = m.id) "
                "ORDER BY m.created_at, m.id LIMIT 1"
            ),
            {"t": ticket_id},
        ).scalar_one_or_none()
        _map(connection, ticket_id, txn.id, None if first is None else int(first))
        report.mapped += 1
        return ""
    try:
        if txn.problem:
            raise BadRecord(txn.problem)
        body = message_body(txn)
    except BadRecord as error:
        record = {"transaction": txn.id, "ticket": txn.remote_ticket, "type": txn.type}
        reason = f"transaction {txn.id} of ticket {txn.remote_ticket}: {error}"
        state.reject(connection, BACKEND, f"txn:{txn.id}", reason, record, now)
        log.warning("RT %s set aside", reason)
        _map(connection, ticket_id, txn.id, None)
        report.rejected += 1
        return ""
    if body is not None and normal_body(body) in held:
        log.info("transaction %s looks like an unconfirmed post of ours: held back", txn.id)
        return None
    if body is None:
        if txn.type == "Create":
            _map(connection, ticket_id, txn.id, None)  # a ticket opened without text
            return ""
        body = NO_TEXT
    creator = txn.creator
    agent_id: int | None = None
    if txn.type == "Comment":
        kind = "internal_note"
        if _is_agent(creator, wanted, history, connection):
            agent_id = agent_id_for(connection, creator, region)
        author = creator
    elif txn.type == "Create":
        kind = "customer"
        agent_made = creator != wanted.requestor and _is_agent(creator, wanted, history, connection)
        author = wanted.requestor if agent_made and wanted.requestor else creator
    elif _is_agent(creator, wanted, history, connection):
        kind = "reply"
        agent_id = agent_id_for(connection, creator, region)
        author = creator
    else:
        kind = "customer"
        author = creator or wanted.requestor
    if agent_id is not None:
        name = connection.execute(
            text("SELECT name FROM agents WHERE id = :id"), {"id": agent_id}
        ).scalar_one()
        author = str(name)
    assert txn.created_at is not None
    message_id = connection.execute(
        text(
            "INSERT INTO messages (ticket_id, kind, author, agent_id, body, created_at) "
            "VALUES (:t, :kind, :author, :agent, :body, :at) RETURNING id"
        ),
        {
            "t": ticket_id,
            "kind": kind,
            "author": author or "unknown",
            "agent": agent_id,
            "body": body,
            "at": to_db(txn.created_at),
        },
    ).scalar_one()
    _map(connection, ticket_id, txn.id, int(message_id))
    report.messages += 1
    report.tickets.add(ticket_id)
    return kind


def _answered(
    connection: Connection, ticket_id: int, at: datetime, policy: SlaPolicy, now: datetime
) -> None:
    """A reply pulled from RT: the first response and the latest public update move as they
    would for a reply sent here, and the SLA clock with them."""
    before = load_snapshot(connection, ticket_id)
    first = before.first_response_at
    first = at if first is None or at < first else first
    latest = before.last_update_at
    latest = at if latest is None or at > latest else latest
    if (first, latest) == (before.first_response_at, before.last_update_at):
        return
    clock = sla_fields(replace(before, first_response_at=first, last_update_at=latest), policy)
    connection.execute(
        text(
            "UPDATE tickets SET first_response_at = :first, last_update_at = :latest, "
            "sla_clock = :clock, sla_due_at = :due, sla_at_risk_at = :risk WHERE id = :t"
        ),
        {
            "t": ticket_id,
            "first": to_db(first),
            "latest": to_db(latest),
            "clock": None if clock.clock is None else clock.clock.value,
            "due": None if clock.due_at is None else to_db(clock.due_at),
            "risk": None if clock.at_risk_at is None else to_db(clock.at_risk_at),
        },
    )
    if first != before.first_response_at:
        connection.execute(
            text(
                "INSERT INTO audit (ticket_id, actor, action, field, old_value, new_value, at) "
                "VALUES (:t, 'sync', 'sync_pull', 'first_response_at', :old, :new, :at)"
            ),
            {
                "t": ticket_id,
                "old": None
                if before.first_response_at is None
                else to_db(before.first_response_at),
                "new": to_db(first),
                "at": to_db(now),
            },
        )


def _is_agent(name: str, wanted: Wanted, history: PageHistory, connection: Connection) -> bool:
    if not name:
        return False
    if connection.execute(
        text("SELECT 1 FROM agents WHERE handle = :h"), {"h": name}
    ).one_or_none():
        return True
    if name == wanted.requestor:
        return False
    return history.privileged.get(name, False)


def _claim_owner(connection: Connection, remote_ref: str) -> int | None:
    owner = connection.execute(
        text("SELECT outbox_id FROM sync_claims WHERE backend = :b AND remote_ref = :r"),
        {"b": BACKEND, "r": remote_ref},
    ).scalar_one_or_none()
    return None if owner is None else int(owner)


def _our_message(
    connection: Connection, ticket_id: int, outbox_id: int, txn: RemoteTxn
) -> int | None:
    """The local message a claimed transaction is (None: ours but not a message, e.g. the
    escalation comment): same ticket, same text, not mapped yet, the op's own stamp first."""
    row = connection.execute(
        text("SELECT payload, created_at FROM outbox WHERE id = :id"), {"id": outbox_id}
    ).one_or_none()
    if row is None:
        return None
    progress = connection.execute(
        text("SELECT progress FROM sync_ops WHERE outbox_id = :id"), {"id": outbox_id}
    ).scalar_one_or_none()
    steps = post_steps(json.loads(row.payload))
    done = json.loads(progress) if progress else {}
    step = next(
        (name for name in steps if str((done.get(name) or {}).get("txn")) == str(txn.id)), None
    )
    if step is None or step == "tier":
        return None
    body = normal_body(steps[step][1])
    candidates = connection.execute(
        text(
            "SELECT m.id, m.body, m.created_at FROM messages m WHERE m.ticket_id = :t "
            "AND NOT EXISTS (SELECT 1 FROM sync_messages s WHERE s.message_id = m.id) "
            "ORDER BY (m.created_at = :at) DESC, m.id"
        ),
        {"t": ticket_id, "at": row.created_at},
    )
    for candidate in candidates:
        if normal_body(candidate.body) == body:
            return int(candidate.id)
    return None


def _unconfirmed_posts(connection: Connection, ticket_id: int) -> set[str]:
    """Bodies of this ticket's POSTs push started and has not confirmed (no txn yet)."""
    held: set[str] = set()
    rows = connection.execute(
        text(
            "SELECT o.payload, s.progress FROM outbox o JOIN sync_ops s ON s.outbox_id = o.id "
            "WHERE o.ticket_id = :t AND o.state IN ('pending', 'parked')"
        ),
        {"t": ticket_id},
    )
    for payload, progress in rows:
        done = json.loads(progress)
        for step, (_kind, body) in post_steps(json.loads(payload)).items():
            mark = done.get(step) or {}
            if mark.get("started_at") and not mark.get("txn"):
                held.add(normal_body(body))
    return held
