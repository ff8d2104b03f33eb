"""A fast bulk loader for bench RT databases: tickets with a conversation each, in seconds.

Creating 2,000 tickets with history through REST2 took ~15 minutes on a loaded box (each
ticket, comment and reply runs RT's scrips and its whole web stack). This loader splits the
work by what is hard to get right:
- the tickets themselves (queue, requestor users, role groups, ACL caches) are made by RT's
  own Perl API in one database transaction, scrips off, as `RtServer.bulk_create` does;
- their conversations (the Create's text, then customer replies, agent replies and internal
  notes) are plain rows in RT's Transactions and Attachments tables, written with SQL into
  the bench's own RT SQLite file: that is all REST2 reads for a history and its text parts.
Texts, subjects and the kind of each message come from the demo generator (agentdesk/demo),
so bodies are as long and as compressible as the demo's.

Only for a bench's own rt-server made from scratch (make_rt with a fresh folder): never point
it at an RT someone uses.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.sync.rt_server import COLLEAGUES, RtServer

# One line per ticket in, one RT id per line out.
_CREATE = r"""
RT::LoadConfig(); RT::Init();
my ($queue, $path) = @ARGV;
my $q = RT::Queue->new(RT->SystemUser); $q->Load($queue);
unless ($q->id) { my ($ok, $msg) = $q->Create(Name => $queue); die "queue: $msg\n" unless $ok; }
open(my $in, '<:encoding(UTF-8)', $path) or die "$path: $!\n";
$RT::Handle->BeginTransaction;
while (my $line = <$in>) {
    chomp $line;
    my ($subject, $requestor, $status, $priority) = split /\t/, $line;
    my $ticket = RT::Ticket->new(RT->SystemUser);
    my ($id, undef, $msg) = $ticket->Create(
        Queue => $queue, Subject => $subject, Requestor => [$requestor],
        Status => $status, Priority => $priority);
    die "ticket $subject: $msg\n" unless $id;
    print "$id\n";
}
$RT::Handle->Commit;
"""

# The demo's statuses, in RT's words (sync/rt/mapping.py reads them back).
_RT_STATUS = {
    "new": "new",
    "assigned": "open",
    "in_progress": "open",
    "pending": "stalled",
    "resolved": "resolved",
    "closed": "resolved",
}
_RT_PRIORITY = {"P0": 100, "P1": 75, "P2": 50, "P3": 25, "P4": 0}
# RT refuses some statuses on a new ticket: made as these, then set to the real one in SQL.
_CREATED_AS = {"new": "new"}
_KIND = {"customer": "Correspond", "reply": "Correspond", "internal_note": "Comment"}


@dataclass(frozen=True)
class DemoTicket:
    subject: str
    requestor: str
    status: str  # RT's
    priority: int
    messages: tuple[tuple[str, str], ...]  # (demo kind, body), oldest first; the first opens it


@dataclass(frozen=True)
class Loaded:
    tickets: int
    transactions: int  # Create + Correspond + Comment rows


def demo_tickets(count: int, *, seed: int = 1, open_only: bool = False) -> list[DemoTicket]:
    """count tickets' words from the demo generator (a throwaway store), conversations capped
    at 5 messages. open_only: every ticket new, open or stalled in RT (the history bench)."""
    from agentdesk.demo import generate_demo
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    with tempfile.TemporaryDirectory(prefix="agentdesk-bulk-") as folder:
        store = open_store(Path(folder) / "demo.db", load_sla_policy())
        generate_demo(store, tickets=count, seed=seed, now=datetime(2026, 11, 23, 14, tzinfo=UTC))
        with store.read() as connection:
            tickets = connection.exec_driver_sql(
                "SELECT t.id, t.subject, c.email, t.status, t.priority FROM tickets t "
                "JOIN customers c ON c.id = t.customer_id ORDER BY t.id"
            ).all()
            bodies: dict[int, list[tuple[str, str]]] = {}
            for ticket_id, kind, body in connection.exec_driver_sql(
                "SELECT ticket_id, kind, body FROM messages ORDER BY ticket_id, created_at, id"
            ):
                bodies.setdefault(ticket_id, []).append((kind, body))
        store.close()
    out = []
    for ticket_id, subject, email, status, priority in tickets:
        thread = bodies.get(ticket_id) or [("customer", subject)]
        rt_status = _RT_STATUS.get(status, "open")
        if open_only and rt_status == "resolved":
            rt_status = "open"
        out.append(
            DemoTicket(
                subject=subject,
                requestor=email,
                status=rt_status,
                priority=_RT_PRIORITY.get(priority, 25),
                messages=tuple(thread[:5]),
            )
        )
    return out


def _headers(subject: str, author: str) -> str:
    return (
        "Content-Type: text/plain; charset=utf-8\n"
        f"Subject: {subject}\n"
        f"From: {author}\n"
        "Content-Transfer-Encoding: 8bit\n"
    )


def load(
    server: RtServer,
    queue: str,
    tickets: list[DemoTicket],
    *,
    age_days: int = 2,
) -> Loaded:
    """Make these tickets in queue (made if missing) with their conversations, created and
    last updated age_days ago (older than any pull's overlap window)."""
    lines = "".join(
        f"{t.subject.replace(chr(9), ' ')}\t{t.requestor}\t{_CREATED_AS.get(t.status, 'open')}"
        f"\t{t.priority}\n"
        for t in tickets
    )
    db = sqlite3.connect(server.folder / "rtdb", timeout=60)
    try:
        enabled = [row[0] for row in db.execute("SELECT id FROM Scrips WHERE Disabled = 0")]
        db.execute("UPDATE Scrips SET Disabled = 1")
        db.commit()
        try:
            with tempfile.NamedTemporaryFile("w", suffix=".tsv", encoding="utf-8") as listing:
                listing.write(lines)
                listing.flush()
                ids = [int(x) for x in server.perl(_CREATE, queue, listing.name).split()]
        finally:
            db.executemany("UPDATE Scrips SET Disabled = 0 WHERE id = ?", [(i,) for i in enabled])
            db.commit()
        if len(ids) != len(tickets):
            raise RuntimeError(f"RT made {len(ids)} of {len(tickets)} tickets")
        transactions = _conversations(db, ids, tickets, age_days)
        db.commit()
    finally:
        db.close()
    return Loaded(tickets=len(ids), transactions=transactions)


def _conversations(
    db: sqlite3.Connection, ids: list[int], tickets: list[DemoTicket], age_days: int
) -> int:
    users = dict(db.execute("SELECT lower(EmailAddress), id FROM Users WHERE EmailAddress != ''"))
    names = dict(db.execute("SELECT Name, id FROM Users"))
    agents = [names["root"], *(names[n] for n in COLLEAGUES if n in names)]
    creates = dict(
        db.execute(
            "SELECT ObjectId, id FROM Transactions WHERE ObjectType = 'RT::Ticket' "
            f"AND Type = 'Create' AND ObjectId >= {min(ids)} AND ObjectId <= {max(ids)}"
        )
    )
    base = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(days=age_days)
    txn_rows: list[tuple[object, ...]] = []
    attachment_rows: list[tuple[object, ...]] = []
    next_txn = (db.execute("SELECT max(id) FROM Transactions").fetchone()[0] or 0) + 1
    stamps: list[tuple[str, str, int]] = []
    opener: list[tuple[int, int]] = []
    count = 0
    for n, (remote, ticket) in enumerate(zip(ids, tickets, strict=True)):
        customer = users[ticket.requestor.lower()]
        agent = agents[n % len(agents)]
        opened = base - timedelta(minutes=len(ids) - n)
        when = opened
        for index, (kind, body) in enumerate(ticket.messages):
            when = opened + timedelta(minutes=7 * index)
            stamp = when.strftime("%Y-%m-%d %H:%M:%S")
            author = customer if kind == "customer" else agent
            if index == 0:
                txn = creates[remote]  # the Create RT wrote: its text becomes the first message
                author = customer
                opener.append((customer, txn))
            else:
                txn = next_txn
                next_txn += 1
                txn_rows.append((txn, remote, _KIND.get(kind, "Comment"), author, stamp))
            subject = ticket.subject if index == 0 else f"Re: {ticket.subject}"
            attachment_rows.append(
                (txn, subject, body, _headers(subject, str(author)), author, stamp)
            )
            count += 1
        stamps.append(
            (
                opened.strftime("%Y-%m-%d %H:%M:%S"),
                when.strftime("%Y-%m-%d %H:%M:%S"),
                remote,
            )
        )
    db.executemany(
        "INSERT INTO Transactions (id, ObjectType, ObjectId, TimeTaken, Type, Creator, Created) "
        "VALUES (?, 'RT::Ticket', ?, 0, ?, ?, ?)",
        txn_rows,
    )
    db.executemany(
        "INSERT INTO Attachments (TransactionId, Parent, Subject, ContentType, ContentEncoding, "
        "Content, Headers, Creator, Created) VALUES (?, 0, ?, 'text/plain', 'none', ?, ?, ?, ?)",
        attachment_rows,
    )
    db.executemany("UPDATE Tickets SET Created = ?, LastUpdated = ? WHERE id = ?", stamps)
    db.executemany("UPDATE Transactions SET Creator = ? WHERE id = ?", opener)
    db.executemany(
        "UPDATE Tickets SET Status = ? WHERE id = ?",
        [(t.status, remote) for remote, t in zip(ids, tickets, strict=True)],
    )
    db.executemany(
        "UPDATE Transactions SET Created = ? WHERE ObjectType = 'RT::Ticket' AND ObjectId = ? "
        "AND Type != 'Correspond' AND Type != 'Comment'",
        [(opened, remote) for opened, _, remote in stamps],
    )
    return count
