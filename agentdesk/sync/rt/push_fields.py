"""Field steps: PUTs of absolute values with If-Match, rebased field by field on 412 (see
sync/rt/push.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agentdesk.core.ticket import Priority, Status
from agentdesk.security.sanitize import clean_text
from agentdesk.store.sync_port import Op
from agentdesk.sync.errors import Ambiguous, Rejected
from agentdesk.sync.rt.mapping import (
    RT_FIELD,
    RemoteTicket,
    parse_rt_time,
    priority_keeps_local,
    status_from_rt,
    to_rt,
)
from agentdesk.sync.rt.push_base import PushBase, log


class FieldPush(PushBase):
    def _who_changed(self, remote_id: str, rt_field: str) -> tuple[str, datetime | None]:
        try:
            response = self.client.call(
                "GET",
                f"/ticket/{remote_id}/history",
                params={
                    "fields": "Field,Creator,Created",
                    "orderby": "id",
                    "order": "DESC",
                    "per_page": 50,
                },
            )
            for item in response.json().get("items", []):
                if item.get("Field") == rt_field:
                    creator = item.get("Creator") or {}
                    return str(creator.get("id", "")), parse_rt_time(item.get("Created"), "Created")
        except (Rejected, ValueError, AttributeError) as error:
            log.info("history of ticket %s unreadable: %s", remote_id, error)
        return "", None

    # -- fields -------------------------------------------------------------------------------

    def _wanted(
        self, fields: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, tuple[str | None, str | None]]:
        """{status|priority|assignee: (from, to)} in local words; assignee as a handle."""
        wanted: dict[str, tuple[str | None, str | None]] = {}
        with self.port.read() as rows:
            for name, change in fields.items():
                old, new = change.get("from"), change.get("to")
                if name == "assignee_id":
                    name = "assignee"
                    old, new = rows.handle_for(old), rows.handle_for(new)
                if name in RT_FIELD:
                    wanted[name] = (old, new)
        return wanted

    def _fields(self, op: Op, remote_id: str, fields: Mapping[str, Mapping[str, Any]]) -> None:
        wanted = {
            name: (old, new)
            for name, (old, new) in self._wanted(fields).items()
            if to_rt(name, old) != to_rt(name, new)  # RT cannot tell them apart: nothing to send
        }
        with self.port.read() as rows:
            etag = rows.ticket_sync(op.ticket_id).etag
        for _round in range(4):
            if etag is None:
                remote, etag = self.get_ticket(remote_id)
                self._save_remote(op.ticket_id, remote, etag)
                wanted = self._rebase(op, remote_id, remote, wanted)
            if not wanted:
                return
            body = {
                RT_FIELD[name]: clean_text(to_rt(name, new)) for name, (_old, new) in wanted.items()
            }
            if "Priority" in body:
                body["Priority"] = int(body["Priority"])  # type: ignore[assignment]
            response = self.client.call(
                "PUT", f"/ticket/{remote_id}", json=body, headers={"If-Match": f'"{etag}"'}
            )
            if response.status_code == 412:
                log.info("ticket %s changed in RT since it was read; rebasing", remote_id)
                etag = None
                continue
            # RT answers 200 even when it refused a value: read back and compare.
            remote, etag = self.get_ticket(remote_id)
            refused = [
                name
                for name, (_old, new) in wanted.items()
                if remote.rt_value(name) != to_rt(name, new)
            ]
            self._save_remote(op.ticket_id, remote, etag)
            if refused:
                raise Rejected(response.status_code, _messages(response) or f"{refused} refused")
            return
        raise Ambiguous(f"ticket {remote_id} kept changing while agentdesk pushed to it")

    def _rebase(
        self,
        op: Op,
        remote_id: str,
        remote: RemoteTicket,
        wanted: dict[str, tuple[str | None, str | None]],
    ) -> dict[str, tuple[str | None, str | None]]:
        still: dict[str, tuple[str | None, str | None]] = {}
        for name, (old, new) in wanted.items():
            now_remote = remote.rt_value(name)
            # Compared in agentdesk's words: RT's 90 is P0, so a colleague's 90 agrees with P0.
            if _local_word(name, now_remote, new) == (new or ""):
                continue  # already there (our earlier send, or someone agreed)
            if _local_word(name, now_remote, old) == (old or ""):
                still[name] = (old, new)  # nobody else moved it, in our words: send it again
                continue
            actor, at = self._who_changed(remote_id, RT_FIELD[name])
            with self.port.write() as rows:
                rows.record_conflict(
                    ticket_id=op.ticket_id,
                    outbox_id=op.id,
                    field=name,
                    base_value=old,
                    local_value=new,
                    remote_value=_local_word(name, now_remote, new),
                    remote_actor=actor,
                    remote_at=at,
                    now=self.clock(),
                )
            log.warning("conflict on ticket #%s %s: RT has %r", op.ticket_id, name, now_remote)
            self.report.conflicts += 1
        return still


def _messages(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, list):
        return "; ".join(str(line) for line in body)
    return ""


def _local_word(name: str, rt_value: str, local: str | None) -> str:
    """RT's value in agentdesk's words, for the conflict row."""
    if name == "status":
        return status_from_rt(rt_value, Status(local) if local else None).value
    if name == "priority":
        return priority_keeps_local(int(rt_value), Priority(local) if local else None).value
    return "" if rt_value == "Nobody" else rt_value
