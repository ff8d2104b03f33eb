"""Pull: RT's changed tickets into the store, page by page, never over a pending local edit.

The query is TicketSQL on LastUpdated, written as "N seconds ago": RT reads absolute dates in
the user's time zone (which REST2 does not tell us), but relative ones need only the server's
clock, and the Date header gives its offset. One run pages through tickets updated since
(cursor - overlap) ordered by id, each page asked for by key: the tickets after the last id seen
(`id > N`), never by page number. A page number is an offset into a result set that moves while
the run is between pages: a ticket before it that leaves (a colleague moves it to another queue)
would shift every later ticket one place back and one of them would never be seen. By key, a
ticket that leaves or enters elsewhere moves nothing; one that enters behind the key (moved into
the queue, or updated into the window) was changed after the run started, so the next run, from
this run's start, has it. The lower bound never moves later. Each page is applied and the
position (last id, tickets done, run start) saved in one transaction, so an interrupted pull
resumes where it stopped; the cursor moves to the run's start only with the last page.

Each page also brings its tickets' new messages (sync/rt/history.py says which tickets, and how
the first sync keeps its cost down): read before the page's write transaction, written in it.
The stages overlap (RT answers several requests at once; the client is thread-safe): while
page n is written, page n+1's history and links are read and page n+2 is fetched, so a first
sync costs about its slowest stage per page, not their sum.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from agentdesk.core.sync_progress import SyncProgress
from agentdesk.core.ticket import Channel, Region, Status, Tier
from agentdesk.store.engine import Store
from agentdesk.store.stamps import from_db, to_db
from agentdesk.store.sync_port import PulledTicket, SyncPort, SyncRows
from agentdesk.sync.errors import BadRecord
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.history import (
    HistoryReader,
    HistoryReport,
    PageHistory,
    Wanted,
    wanted_for_page,
)
from agentdesk.sync.rt.history_apply import apply_history
from agentdesk.sync.rt.links import RemoteEnd, apply_links, read_links
from agentdesk.sync.rt.mapping import (
    NOBODY,
    RT_FIELD,
    RemoteTicket,
    parse_ticket,
    priority_keeps_local,
    status_from_rt,
)
from agentdesk.sync.rt.settings import RtSettings
from agentdesk.sync.rt.ticket_apply import apply_remote_ticket
from agentdesk.sync.rt.ticketsql import after_id, queue_clause

log = logging.getLogger("agentdesk.sync")

BACKEND = "rt"
FIELDS = "Subject,Status,Priority,Owner,Requestor,Queue,Created,LastUpdated,CustomFields"
# The server's Date header has one-second resolution: start the run a little earlier.
_CLOCK_SLACK = timedelta(seconds=2)


@dataclass(frozen=True)
class _Page:
    number: int
    body: dict[str, Any]
    items: list[Any]
    last: bool
    key: int  # the last id seen: the next page is the tickets after it


@dataclass(frozen=True)
class _Reads:
    """What the network said about a page beside its fields: read before its write."""

    wanted: dict[str, Wanted]
    history: PageHistory
    links: dict[str, set[RemoteEnd]]


@dataclass
class PullReport:
    pulled: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0
    kept_local: int = 0  # fields not overwritten because of a pending edit or open conflict
    pages: int = 0
    links: int = 0  # ticket links added or removed (issue 14)
    history: HistoryReport = field(default_factory=HistoryReport)


@dataclass
class Puller:
    store: Store
    client: RtClient
    settings: RtSettings
    clock: Callable[[], datetime]
    # Tests interrupt a pull between pages with this hook.
    after_page: Callable[[int], None] | None = None
    reader: HistoryReader | None = None
    # A first sync tells how far it has come after each page (the TUI header, the CLI).
    progress: Callable[[SyncProgress], None] | None = None
    # Tests see the overlap: ("fetch", n) as page n's fetch starts (in the fetcher thread),
    # ("history", n) and ("history read", n) around the reads of page n's history.
    events: Callable[[str, int], None] | None = None
    # Off: each page fetched only after the page before it is written (the bench's "before").
    overlap: bool = True

    def run(self) -> PullReport:
        report = PullReport()
        started, bytes_before = time.monotonic(), self.client.traffic.bytes_in
        scope = self.settings.scope
        port = SyncPort(self.store)
        with port.read() as rows:
            cursor = rows.get_cursor(BACKEND, scope) or {}
        self.client.learn_clock()
        since = cursor.get("since")
        lower: datetime | None
        key, done = 0, 0  # the last id seen, the tickets pulled so far in the run
        if "page" in cursor:  # an interrupted run: same bounds, the tickets after the key
            page = int(cursor["page"])
            run_start = from_db(cursor["run_start"])
            lower = None if cursor.get("lower") is None else from_db(cursor["lower"])
            if "after" in cursor:
                key, done = int(cursor["after"]), int(cursor.get("done", 0))
            else:  # saved by page number (an older version): the run read again from its start
                page = 1
        else:
            page = 1
            run_start = self.client.server_now() - _CLOCK_SLACK
            lower = (
                None
                if since is None
                else from_db(since) - timedelta(seconds=self.settings.overlap_seconds)
            )
        # Three stages, each in its own thread, a page apart: the search fetches page n+2
        # while page n+1's history and links are read and page n is written (RT answers
        # several requests at once; SQLite's write is ours). A page is believed only once its
        # fetch returned it validated; a failed fetch or read ends the run after the page
        # before it is written, with the cursor on the page that failed (a resume reads it,
        # nothing lost or twice). Page n+2's key is page n+1's last id, known once page n+1's
        # fetch returned: asking by key costs the pipeline nothing. Reading page n+1 before
        # page n is written is safe: keyed pages hold no ticket twice in a run, and a re-read
        # (a resume, the overlap window) writes each transaction once (apply_history skips
        # what sync_messages has seen).
        fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rt-pull-page")
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rt-pull-history")
        side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rt-pull-links")
        first_sync = lower is None
        opening = fetcher.submit(self._fetch, lower, page, key)
        upcoming: Future[_Page] | None = opening
        reading: Future[_Reads] | None = None
        try:
            current, upcoming = opening.result(), None
            while True:
                page, body, items, last = current.number, current.body, current.items, current.last
                if reading is None:  # not read beside the page before (overlap off, or first)
                    if not last and self.overlap and upcoming is None:
                        upcoming = fetcher.submit(self._fetch, lower, page + 1, current.key)
                    reading = reader.submit(self._read, port, current, first_sync, side)
                reads, reading = reading.result(), None
                following: _Page | None = None
                if upcoming is not None and self.overlap:
                    # Page n+1's reads start now, beside page n's write; a fetch that failed
                    # is told after page n is written.
                    wait([upcoming])
                    if upcoming.exception() is None:
                        following, upcoming = upcoming.result(), None
                        if not following.last:
                            upcoming = fetcher.submit(
                                self._fetch, lower, following.number + 1, following.key
                            )
                        reading = reader.submit(self._read, port, following, first_sync, side)
                with port.write() as rows:
                    for item in items:
                        self._apply(rows, item, report)
                    report.links += apply_links(rows, reads.links, self.clock())
                    apply_history(
                        rows,
                        reads.history,
                        region_of=rows.regions_of_remotes(reads.wanted),
                        now=self.clock(),
                        report=report.history,
                    )
                    if last:
                        rows.set_cursor(BACKEND, scope, {"since": to_db(run_start)})
                    else:
                        rows.set_cursor(
                            BACKEND,
                            scope,
                            {
                                "since": since,
                                "run_start": to_db(run_start),
                                "lower": None if lower is None else to_db(lower),
                                "page": page + 1,
                                "after": current.key,
                                "done": done + len(items),
                            },
                        )
                report.pages += 1
                if self.progress is not None and lower is None:
                    # RT's total counts the tickets after the key: those done before it, too.
                    total = body.get("total")
                    self.progress(
                        SyncProgress(
                            done=done + len(items),
                            total=done + total if isinstance(total, int) and total >= 0 else None,
                            bytes_in=self.client.traffic.bytes_in - bytes_before,
                            seconds=time.monotonic() - started,
                        )
                    )
                done += len(items)
                if self.after_page is not None:
                    self.after_page(page)
                if last:
                    return report
                if following is None:
                    if upcoming is None:  # overlap off: the next page only now
                        upcoming = fetcher.submit(self._fetch, lower, page + 1, current.key)
                    following, upcoming = upcoming.result(), None  # raises a failed fetch
                current = following
        finally:
            # A run that stops early waits for the requests in flight (bounded by the request
            # deadline) and drops their answers: no thread outlives the run using the client.
            for pending in (upcoming, reading):
                if pending is not None and not pending.cancel():
                    with contextlib.suppress(Exception):
                        pending.result()
            fetcher.shutdown(wait=True)
            reader.shutdown(wait=True)
            side.shutdown(wait=True)

    def _read(
        self, port: SyncPort, current: _Page, first_sync: bool, side: ThreadPoolExecutor
    ) -> _Reads:
        """A page's history and links (runs in the history thread, outside any write)."""
        if self.reader is None:
            self.reader = HistoryReader(self.client)
        with port.read() as rows:
            wanted = wanted_for_page(rows, current.items, first_sync=first_sync)
            agents = rows.agent_handles()
        self._event("history", current.number)
        # The page's links are one more search: asked for beside the history.
        linking = side.submit(
            read_links,
            self.client,
            [str(i.get("id", "")) for i in current.items if isinstance(i, dict)],
        )
        try:
            history = self.reader.read(wanted, agents)
        except BaseException:
            # The history's failure is the one told; the links read ends first.
            with contextlib.suppress(Exception):
                linking.result()
            raise
        links = linking.result()
        self._event("history read", current.number)
        return _Reads(wanted, history, links)

    def _fetch(self, lower: datetime | None, page: int, key: int) -> _Page:
        """One page of the ticket search, the tickets after id `key`, validated (runs in the
        fetcher thread). `page` numbers the run's pages for the hooks; RT is asked for its
        first page of what is after the key, always."""
        self._event("fetch", page)
        query = queue_clause(self.settings.queues)
        if key:
            query = f"({query}) AND {after_id(key)}"
        if lower is not None:
            # Rounded up, so the bound only ever moves earlier: never a gap.
            seconds = math.ceil((self.client.server_now() - lower).total_seconds()) + 1
            query += f" AND LastUpdated >= '{max(seconds, 1)} seconds ago'"
        response = self.client.call(
            "GET",
            "/tickets",
            params={
                "query": query,
                "fields": FIELDS,
                "orderby": "id",
                "order": "ASC",
                "per_page": self.settings.page_size,
                "page": 1,
            },
        )
        body = response.json()
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise BadRecord(f"RT's search answer has no items list: {str(body)[:200]}")
        pages = body.get("pages")
        last = len(items) < self.settings.page_size or (isinstance(pages, int) and pages <= 1)
        ids = [_id(item) for item in items]
        if not last and None in ids[-1:]:
            # Without the last ticket's id there is no key to ask for the rest by.
            raise BadRecord(f"RT's search answer ends with an item without an id: {items[-1]}")
        key = max((i for i in ids if i is not None), default=key)
        return _Page(page, body, items, last, max(key, 0))

    def _event(self, what: str, page: int) -> None:
        if self.events is not None:
            self.events(what, page)

    # -- one record ---------------------------------------------------------------------------

    def _apply(self, rows: SyncRows, item: Any, report: PullReport) -> None:
        now = self.clock()
        remote_id = str(item.get("id")) if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise BadRecord(f"a search item is {type(item).__name__}, not an object")
            ticket = parse_ticket(item)
        except BadRecord as error:
            if rows.reject(BACKEND, remote_id, str(error), item, now):
                log.warning("RT ticket %s set aside: %s", remote_id, error)
                report.rejected += 1
            return
        found = rows.ticket_id_for_remote(ticket.remote_id)
        if found is None:
            self._insert(rows, ticket, now)
            report.created += 1
            report.pulled += 1
            return
        applied = apply_remote_ticket(rows, found, ticket, etag=None, now=now)
        report.kept_local += applied.kept_local
        if applied.unchanged:
            report.unchanged += 1  # the overlap window re-reads recent tickets: nothing new
        else:
            report.pulled += 1

    def _insert(self, rows: SyncRows, ticket: RemoteTicket, now: datetime) -> None:
        region = _enum(Region, ticket.custom_fields.get("Region"), self.settings.default_region)
        channel = _enum(Channel, ticket.custom_fields.get("Channel"), self.settings.default_channel)
        tier = _enum(Tier, ticket.custom_fields.get("Tier"), Tier.L1)
        owner = "" if ticket.owner == NOBODY else ticket.owner
        status = status_from_rt(ticket.status, None)
        if status is Status.IN_PROGRESS and owner:
            status = Status.ASSIGNED  # RT's "open" with an owner: assigned, not yet worked on
        ticket_id = rows.insert_pulled_ticket(
            PulledTicket(
                remote_id=ticket.remote_id,
                subject=ticket.subject,
                customer_account=f"rt:{ticket.requestor or 'unknown'}",
                requestor=ticket.requestor,
                owner=owner,
                status=status,
                priority=priority_keeps_local(ticket.priority, None),
                channel=channel,
                region=region,
                tier=tier,
                product_area=ticket.custom_fields.get("Product area", ""),
                issue_type=ticket.custom_fields.get("Issue type", ""),
                created_at=ticket.created_at,
                updated_at=ticket.updated_at,
            ),
            now,
        )
        rows.save_ticket_sync(
            ticket_id,
            BACKEND,
            etag=None,
            remote_updated_at=ticket.updated_at,
            remote_values={f: ticket.rt_value(f) for f in RT_FIELD},
        )


def _id(item: Any) -> int | None:
    raw = str(item.get("id", "")) if isinstance(item, dict) else ""
    return int(raw) if raw.isdigit() else None


def _enum(kind: Any, value: str | None, default: Any) -> Any:
    try:
        return kind(value) if value else default
    except ValueError:
        return default
