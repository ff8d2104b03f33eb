"""The shift record as the team reads it in the helpdesk: one ticket per shift, whose opening
text says whose shift it is and its planned and actual start, and whose comments are the
checklist ticks, presence changes, handovers, the wrap-up and the end.

Each text is written for a person reading the ticket in RT's web UI, and read back by a
teammate's agentdesk: its first line is "agentdesk shift: <what>", then "Key: value" lines
(stamps in ISO 8601 UTC), then, for a handover or the wrap-up, the free text. A comment a
supervisor adds by hand (any other first line) is kept as a note and otherwise ignored.
Pure: no IO; the texts come in as strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agentdesk.core.shift import Interval, Presence

HEAD = "agentdesk shift: "


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_stamp(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_breaks(value: str) -> tuple[tuple[datetime, datetime], ...]:
    spans = []
    for part in value.split(","):
        start, sep, end = part.partition(" to ")
        begin, until = _parse_stamp(start), _parse_stamp(end)
        if sep and begin is not None and until is not None and until > begin:
            spans.append((begin, until))
    return tuple(spans)


def _text(what: str, fields: Mapping[str, str], free: str = "") -> str:
    lines = [HEAD + what, *(f"{key}: {value}" for key, value in fields.items())]
    if free.strip():
        lines += ["", free.strip()]
    return "\n".join(lines)


def shift_subject(handle: str, started_at: datetime) -> str:
    """Unique per shift (an agent starts one shift at a time): push finds its own create by it."""
    return f"Shift of {handle} from {stamp(started_at)}"


def opening_text(
    handle: str,
    started_at: datetime,
    planned_start: datetime | None,
    planned_end: datetime | None,
    offset: str,
    planned_breaks: Iterable[tuple[datetime, datetime]] = (),
) -> str:
    fields = {"Agent": handle}
    if planned_start is not None and planned_end is not None:
        fields["Planned start"] = stamp(planned_start)
        fields["Planned end"] = stamp(planned_end)
        # The supervisor's adherence needs them: a break taken in a planned break is allowed.
        breaks = ", ".join(f"{stamp(s)} to {stamp(e)}" for s, e in planned_breaks)
        if breaks:
            fields["Planned breaks"] = breaks
    fields["Started"] = stamp(started_at)
    if offset:
        fields["Start"] = offset
    return _text("started", fields)


def item_text(label: str, item_id: str, at: datetime | None, result: str = "") -> str:
    fields = {"Item": f"{label} [{item_id}]"}
    fields["Ticked" if at is not None else "Unticked"] = stamp(at) if at else "yes"
    if result:
        fields["Result"] = result
    return _text("checklist", fields)


def presence_text(state: Presence, at: datetime) -> str:
    return _text("presence", {"State": state.value, "Since": stamp(at)})


def handover_text(subject: str, remote_id: str | None, to: str, note: str, at: datetime) -> str:
    fields = {"Ticket": subject if remote_id is None else f"RT #{remote_id}: {subject}"}
    fields["To"] = to
    fields["At"] = stamp(at)
    return _text("handover", fields, note)


def wrap_up_text(wrap_up: str, at: datetime) -> str:
    return _text("wrap-up", {"At": stamp(at)}, wrap_up)


def ended_text(at: datetime, adherence: float | None) -> str:
    fields = {"Ended": stamp(at)}
    if adherence is not None:
        fields["Adherence"] = f"{adherence:.1%}"
    return _text("ended", fields)


@dataclass(frozen=True)
class TeamHandover:
    ticket: str
    to: str
    note: str
    at: datetime | None


@dataclass(frozen=True)
class TeamShift:
    """A teammate's shift as read back from the helpdesk."""

    remote_id: str
    agent: str
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    presence: Presence | None = None
    presence_since: datetime | None = None
    ticked: tuple[tuple[str, datetime], ...] = ()
    handovers: tuple[TeamHandover, ...] = ()
    wrap_up: str = ""
    adherence: str = ""
    notes: tuple[str, ...] = field(default=())
    """Texts in the ticket that are not agentdesk's (a supervisor's comment)."""
    planned_breaks: tuple[tuple[datetime, datetime], ...] = ()
    intervals: tuple[Interval, ...] = ()
    """Presence over the shift: available from the start (agentdesk opens a shift available
    without a presence text), then one interval per presence text, closed by the end."""

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


def _split(text: str) -> tuple[str, dict[str, str], str] | None:
    lines = text.strip().splitlines()
    if not lines or not lines[0].startswith(HEAD):
        return None
    fields: dict[str, str] = {}
    rest = lines[1:]
    while rest and rest[0].strip():
        key, sep, value = rest.pop(0).partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return lines[0][len(HEAD) :].strip(), fields, "\n".join(rest).strip()


def read_shift(remote_id: str, texts: Iterable[str]) -> TeamShift | None:
    """The record from the ticket's texts, oldest first; None when it has no opening text
    of ours (a ticket someone filed in the shift queue by hand)."""
    agent = ""
    values: dict[str, object] = {}
    ticked: dict[str, datetime] = {}
    handovers: list[TeamHandover] = []
    notes: list[str] = []
    intervals: list[Interval] = []

    def move_to(state: Presence | None, at: datetime | None) -> None:
        if at is None:
            return
        if intervals and intervals[-1].end is None:
            last = intervals[-1]
            intervals[-1] = Interval(last.state, last.start, max(at, last.start))
        if state is not None:
            intervals.append(Interval(state, at))

    for text in texts:
        parts = _split(text)
        if parts is None:
            if text.strip():
                notes.append(text.strip())
            continue
        what, fields, free = parts
        if what == "started":
            agent = fields.get("Agent", "")
            values["planned_start"] = _parse_stamp(fields.get("Planned start", ""))
            values["planned_end"] = _parse_stamp(fields.get("Planned end", ""))
            values["started_at"] = _parse_stamp(fields.get("Started", ""))
            values["planned_breaks"] = _parse_breaks(fields.get("Planned breaks", ""))
            move_to(Presence.AVAILABLE, values["started_at"])  # type: ignore[arg-type]
        elif what == "checklist":
            item = fields.get("Item", "")
            at = _parse_stamp(fields.get("Ticked", ""))
            if at is None:
                ticked.pop(item, None)
            else:
                ticked[item] = at
        elif what == "presence":
            try:
                values["presence"] = Presence(fields.get("State", ""))
            except ValueError:
                continue
            values["presence_since"] = _parse_stamp(fields.get("Since", ""))
            move_to(values["presence"], values["presence_since"])  # type: ignore[arg-type]
        elif what == "handover":
            handovers.append(
                TeamHandover(
                    fields.get("Ticket", ""),
                    fields.get("To", ""),
                    free,
                    _parse_stamp(fields.get("At", "")),
                )
            )
        elif what == "wrap-up":
            values["wrap_up"] = free
        elif what == "ended":
            values["ended_at"] = _parse_stamp(fields.get("Ended", ""))
            values["adherence"] = fields.get("Adherence", "")
            values["presence"] = None
            move_to(None, values["ended_at"])  # type: ignore[arg-type]
    if not agent:
        return None
    return TeamShift(
        remote_id=remote_id,
        agent=agent,
        ticked=tuple(ticked.items()),
        handovers=tuple(handovers),
        notes=tuple(notes),
        intervals=tuple(intervals),
        **values,  # type: ignore[arg-type]
    )
