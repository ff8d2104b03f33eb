"""Finding a POST of ours in RT after an ambiguous failure: which transaction is ours, and how
long to keep looking before concluding it never landed.

What makes a transaction ours (RT keeps no idempotency key, and REST2 takes no header of ours
into the transaction; a marker in the text would reach the customer):
- its Creator is the RT user of our token: the search says `Creator = '__CurrentUser__'`, which
  TransactionSQL resolves on the server, so a colleague's transaction never even comes back;
- its Type is the op's kind: Correspond for a reply, Comment for a note (a colleague's comment
  with the reply's words is not the reply the customer was to get);
- its text is the op's text (text/plain parts, line ends and outer blank space normalised);
- it was created after the op was first sent (less a slack for clock skew);
- no other op has claimed it (two ops with the same words each get their own transaction;
  the caller checks that, in the same store transaction that records the find).

When to conclude "not there": RT may still be working on the request when the link fails (a
reset reaches the client at once; RT commits a reply with its scrips a second or more later).
So a lookup that finds nothing before `settle_seconds` have passed since the send is not an
answer: look again, every few seconds, until the bound has passed; only a lookup that starts
after it may conclude. A find ends the wait at once, so the bound costs time only when the
request really was lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from agentdesk.core.text import clean_text
from agentdesk.sync.errors import BadRecord
from agentdesk.sync.rt.bodies import message_body
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.mapping import parse_rt_time

T = TypeVar("T")

# RT transaction types of the two kinds of POST.
TXN_TYPE = {"correspond": "Correspond", "comment": "Comment"}
# The longest pause between two lookups while RT may still be working on a request.
POLL_SECONDS = 2.0


def normal_body(body: str) -> str:
    # Sanitised as what we send is, line ends as LF.
    return clean_text(body).strip()


def post_steps(payload: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """An op's POSTs in order: {step: (comment | correspond, body)}. The pull's history reads
    these too, to know a transaction of ours that push sent but has not confirmed yet."""
    steps: dict[str, tuple[str, str]] = {}
    tier = (payload.get("fields") or {}).get("tier")
    if tier and tier.get("from") != tier.get("to"):
        note = f"agentdesk: escalated from {tier.get('from')} to {tier.get('to')}"
        if payload.get("reason"):
            note += f"\nReason: {payload['reason']}"
        steps["tier"] = ("comment", clean_text(note))
    structured = payload.get("note")
    if structured and structured.get("body"):
        # The structured note travels as one RT comment, in the template's own words.
        steps["note"] = ("comment", clean_text(str(structured["body"])))
    message = payload.get("message")
    if message:
        kind = "correspond" if message.get("kind") == "reply" else "comment"
        # The writer's own sanitiser: an op queued before it existed is cleaned on the way.
        steps["message"] = (kind, clean_text(str(message["body"])))
    return steps


@dataclass
class Settle:
    """Look until found, or until a look that started after the bound found nothing."""

    seconds: float
    wait: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic

    def look(self, sent_at: datetime, now: datetime, look: Callable[[], T | None]) -> T | None:
        # Time since the send, by the wall clock it was stamped with (it may be from a run
        # before a crash); within this run the monotonic clock counts, so a frozen or stepped
        # wall clock can neither skip the wait nor make it endless.
        elapsed = (now - sent_at).total_seconds()
        remaining = min(max(self.seconds - elapsed, 0.0), self.seconds)
        deadline = self.monotonic() + remaining
        pause = min(POLL_SECONDS, max(self.seconds / 4, 0.05))
        while True:
            conclusive = self.monotonic() >= deadline
            found = look()
            if found is not None or conclusive:
                return found
            self.wait(min(pause, max(deadline - self.monotonic(), 0.0)))


def our_transactions(client: RtClient, remote_id: str, kind: str, since: datetime) -> list[str]:
    """Ids of the ticket's transactions of this kind by our RT user, created since `since`,
    oldest first."""
    if not remote_id.isdigit():
        return []
    query = (
        f"ObjectType = 'RT::Ticket' AND ObjectId = {int(remote_id)} "
        f"AND Type = '{TXN_TYPE[kind]}' AND Creator = '__CurrentUser__'"
    )
    response = client.call(
        "GET",
        "/transactions",
        params={
            "query": query,
            "fields": "Type,Creator,Created",
            "orderby": "id",
            "order": "DESC",
            "per_page": 100,
        },
    )
    body = response.json()
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise BadRecord(f"RT's transaction search answered without items: {str(body)[:200]}")
    found: list[int] = []
    for item in items:
        if not isinstance(item, dict) or item.get("Type") != TXN_TYPE[kind]:
            continue
        txn = str(item.get("id", ""))
        try:
            created = parse_rt_time(item.get("Created"), "Created")
        except BadRecord:
            continue
        if txn.isdigit() and created >= since:
            found.append(int(txn))
    return [str(txn) for txn in sorted(found)]


def transaction_text(client: RtClient, txn: str) -> str | None:
    """The text of one transaction (its text parts, as a pull reads them), None if none."""
    response = client.call(
        "GET",
        f"/transaction/{txn}/attachments",
        params={"fields": "ContentType,Filename,Headers,Content", "per_page": 100},
    )
    body = response.json()
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise BadRecord(f"RT's attachments of transaction {txn} came without items")
    try:
        return message_body(item for item in items if isinstance(item, dict))
    except BadRecord:
        return None
