"""Ticket links and merges with Request Tracker 5 (issue 14).

Pushing. A link is a PUT of the ticket with AddRefersTo / AddDependsOn / AddMemberOf (REST2's
record update adds links: RT::REST2::Resource::Record::Writable, _update_links). A merge is a
PUT with MergeInto: RT 5 on this machine takes it on the ticket update
(RT::REST2::Resource::Ticket, update_record), so REST 1.0's /REST/1.0/ticket/<id>/merge/<into>
is not needed. RT answers 200 with a list of messages whether or not it did it, so each push
reads the ticket back and believes only what it then shows: the link among its _hyperlinks,
or the duplicate's id loading the target (RT loads a merged ticket as the one it went into).
Both PUTs are idempotent: a link already there or a merge already done is found by the read
before the PUT, and not sent again.

Pulling. For the tickets of a pull page, one search asks RT for those that have any link
(`LinkedTo IS NOT NULL OR LinkedFrom IS NOT NULL`, with `_hyperlinks`), and the store makes
the local links of each page ticket what RT has. A merge made in RT is not pulled (RT's
searches no longer return the duplicate).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from agentdesk.store.link_rows import LinkEnd
from agentdesk.store.sync_port import Op, SyncPort, SyncRows
from agentdesk.sync.errors import BadRecord, Rejected
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.ticketsql import after_id

log = logging.getLogger("agentdesk.sync")

# Our kind -> RT's link type, and the ref REST2's _hyperlinks names it by on each side.
RT_TYPE = {"refers_to": "RefersTo", "depends_on": "DependsOn", "parent_incident": "MemberOf"}
OUTGOING_REF = {"refers-to": "refers_to", "depends-on": "depends_on", "parent": "parent_incident"}
INCOMING_REF = {
    "referred-to-by": "refers_to",
    "depended-on-by": "depends_on",
    "child": "parent_incident",
}

RemoteEnd = tuple[str, str, bool]
"""(kind, the other ticket's RT id, outgoing)."""


def hyperlinked(record: Mapping[str, Any], where: str) -> set[RemoteEnd]:
    """The ticket-to-ticket links among a REST2 record's _hyperlinks (links to other things,
    or to URLs, are not ours). Raises BadRecord when the list is not what RT sends."""
    links = record.get("_hyperlinks")
    if not isinstance(links, list):
        raise BadRecord(f"{where}: _hyperlinks is {type(links).__name__}, not a list")
    found: set[RemoteEnd] = set()
    for entry in links:
        if not isinstance(entry, dict) or entry.get("type") != "ticket":
            continue
        ref, other = entry.get("ref"), str(entry.get("id", ""))
        if not other.isdigit():
            continue
        if ref in OUTGOING_REF:
            found.add((OUTGOING_REF[ref], other, True))
        elif ref in INCOMING_REF:
            found.add((INCOMING_REF[ref], other, False))
    return found


def _messages(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return "; ".join(str(line) for line in body) if isinstance(body, list) else ""


def _record(client: RtClient, remote_id: str) -> dict[str, Any]:
    body = client.call("GET", f"/ticket/{remote_id}").json()
    assert isinstance(body, dict)  # the client checked that a GET of a record is an object
    return body


def _other_remote(port: SyncPort, op: Op, ticket_id: int) -> str:
    with port.read() as rows:
        remote = rows.remote_id_of(ticket_id)
    if remote is None:
        raise Rejected(0, f"ticket #{ticket_id} is not in RT yet (its create has not been sent)")
    return remote


def push_link(port: SyncPort, client: RtClient, op: Op, remote_id: str) -> None:
    link = op.payload.get("link") or {}
    kind = str(link.get("kind", ""))
    if kind not in RT_TYPE:
        raise Rejected(0, f"a link of kind {kind!r} (not one RT has)")
    other = _other_remote(port, op, int(link.get("other_ticket_id", 0)))
    wanted = (kind, other, True)
    if wanted in hyperlinked(_record(client, remote_id), f"RT's ticket {remote_id}"):
        return  # there already: an earlier send, or a colleague
    response = client.call("PUT", f"/ticket/{remote_id}", json={f"Add{RT_TYPE[kind]}": other})
    if wanted not in hyperlinked(_record(client, remote_id), f"RT's ticket {remote_id}"):
        said = _messages(response) or "no link after the update"
        raise Rejected(response.status_code, f"{RT_TYPE[kind]} {other}: {said}")


def _loads_as(client: RtClient, remote_id: str) -> str:
    record = _record(client, remote_id)
    loaded = str(record.get("id", ""))
    if not loaded.isdigit():
        raise BadRecord(f"RT's ticket {remote_id}: id is {record.get('id')!r}, not a number")
    return loaded


def push_merge(port: SyncPort, client: RtClient, op: Op, remote_id: str) -> None:
    into = _other_remote(port, op, int((op.payload.get("merge") or {}).get("into_ticket_id", 0)))
    now = _loads_as(client, remote_id)
    if now == into:
        return  # merged already (an earlier send)
    if now != remote_id:
        raise Rejected(0, f"RT's ticket {remote_id} is already merged into {now}, not {into}")
    response = client.call("PUT", f"/ticket/{remote_id}", json={"MergeInto": into})
    if _loads_as(client, remote_id) != into:
        said = _messages(response) or "the ticket is not merged after the update"
        raise Rejected(response.status_code, f"merge into {into}: {said}")


def read_links(
    client: RtClient, remote_ids: Iterable[str], per_page: int = 100
) -> dict[str, set[RemoteEnd]]:
    """RT's ticket links of each of these tickets (an empty set: none).

    The search spans the tickets' id range in every queue, so it may run to several pages:
    each is asked for by key (the tickets after the last id seen), in id order. By page
    number, a ticket before the page losing its last link meanwhile (a colleague) shifted a
    later one out of the answer, and that one's local links were then removed."""
    wanted = {r for r in remote_ids if r.isdigit()}
    found: dict[str, set[RemoteEnd]] = {r: set() for r in wanted}
    asked = set(wanted)
    if not wanted:
        return found
    numbers = sorted(int(r) for r in wanted)
    query = (
        f"id >= {numbers[0]} AND id <= {numbers[-1]} "
        "AND (LinkedTo IS NOT NULL OR LinkedFrom IS NOT NULL)"
    )
    key = 0
    while True:
        body = client.call(
            "GET",
            "/tickets",
            params={
                "query": f"{query} AND {after_id(key)}" if key else query,
                "fields": "_hyperlinks",
                "orderby": "id",
                "order": "ASC",
                "per_page": per_page,
                "page": 1,
            },
        ).json()
        items = [item for item in body.get("items", []) if isinstance(item, dict)]
        for item in items:
            remote = str(item.get("id", ""))
            if remote not in asked:
                continue
            try:
                found[remote] = hyperlinked(item, f"RT's ticket {remote}")
            except BadRecord as error:
                # Not believed: this ticket's local links stay as they are.
                log.warning("links of RT ticket %s not read: %s", remote, error)
                del found[remote]
        pages = body.get("pages")
        seen = [int(i) for i in (str(item.get("id", "")) for item in items) if i.isdigit()]
        if len(items) < per_page or (isinstance(pages, int) and pages <= 1) or not seen:
            if not isinstance(pages, int | float):  # RT 5 counts an empty answer as 0.0
                # RT did not count (UseSQLForACLChecks off, a user who cannot see every
                # queue): it drops what the user may not see after its SQL limit, so a short
                # page need not be the last. Beyond what it showed, nothing is believed: those
                # tickets' local links stay, none is removed on the strength of a gap.
                last = max(seen, default=key)
                for remote in [r for r in found if int(r) > last]:
                    del found[remote]
            return found
        key = max(seen)


def apply_links(rows: SyncRows, links: Mapping[str, set[RemoteEnd]], now: Any) -> int:
    """RT's links into the store, ticket by ticket; returns the rows added or removed."""
    changed = 0
    for remote, ends in links.items():
        ticket_id = rows.ticket_id_for_remote(remote)
        if ticket_id is None or rows.link_op_pending(ticket_id):
            continue  # not here, or a local link on its way: the next pull settles it
        local: set[LinkEnd] = set()
        for kind, other_remote, outgoing in ends:
            other = rows.ticket_id_for_remote(other_remote)
            if other is not None:
                local.add((kind, other, outgoing))
        changed += rows.replace_links(ticket_id, local, now)
    return changed
