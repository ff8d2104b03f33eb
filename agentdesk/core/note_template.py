"""The SOP's structured note template: four written sections, the SLA deadline, four tags.

Pure: no IO, no Textual; the SLA deadline is worked out from a ticket, a policy and a `now`
passed in. The allowed tag values come from data/taxonomy.toml (see taxonomy_from_toml).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from agentdesk.core import sla
from agentdesk.core.errors import BadInput
from agentdesk.core.ticket import Channel, Priority

TAXONOMY_SOURCE = "taxonomy.toml"


class Section(StrEnum):
    """The written sections, in the template's order."""

    ISSUE_SUMMARY = "issue_summary"
    STEPS_TAKEN = "steps_taken"
    ROOT_CAUSE = "root_cause"
    NEXT_STEPS = "next_steps"

    @property
    def label(self) -> str:
        return {
            Section.ISSUE_SUMMARY: "Issue summary",
            Section.STEPS_TAKEN: "Steps taken",
            Section.ROOT_CAUSE: "Root cause hypothesis",
            Section.NEXT_STEPS: "Next steps",
        }[self]


SLA_DEADLINE_LABEL = "SLA deadline"


class Tag(StrEnum):
    PRODUCT_AREA = "product_area"
    ISSUE_TYPE = "issue_type"
    PRIORITY = "priority"
    CHANNEL = "channel"

    @property
    def label(self) -> str:
        return self.value


def field_label(key: str) -> str:
    """'issue_summary' -> 'Issue summary', 'product_area' -> 'tag product_area'."""
    if key in Section.__members__.values():
        return Section(key).label
    return f"tag {key}"


class TaxonomyError(BadInput, ValueError):
    """taxonomy.toml cannot be used; the message names the key."""


@dataclass(frozen=True)
class Taxonomy:
    product_areas: tuple[str, ...]
    issue_types: Mapping[str, tuple[str, ...]]
    """Per product area."""
    priorities: tuple[str, ...]
    channels: tuple[str, ...]

    def allowed(self, tag: Tag, product_area: str = "") -> tuple[str, ...]:
        if tag is Tag.PRODUCT_AREA:
            return self.product_areas
        if tag is Tag.ISSUE_TYPE:
            return self.issue_types.get(product_area, ())
        if tag is Tag.PRIORITY:
            return self.priorities
        return self.channels


def taxonomy_from_toml(doc: Mapping[str, Any]) -> Taxonomy:
    def values(table: str, key: str = "values") -> tuple[str, ...]:
        found = doc.get(table)
        if not isinstance(found, Mapping):
            raise TaxonomyError(f"{TAXONOMY_SOURCE} [{table}]: missing table")
        items = found.get(key)
        if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
            raise TaxonomyError(f"{TAXONOMY_SOURCE} [{table}] {key}: must be a list of names")
        return tuple(items)

    areas = values("product_area")
    issue_types = {area: values("issue_type", area) for area in areas}
    priorities = values("priority")
    channels = values("channel")
    for value in priorities:
        if value not in Priority.__members__.values():
            raise TaxonomyError(f"{TAXONOMY_SOURCE} [priority]: {value!r} is not P0..P4")
    for value in channels:
        if value not in Channel.__members__.values():
            raise TaxonomyError(f"{TAXONOMY_SOURCE} [channel]: {value!r} is not a channel")
    return Taxonomy(areas, issue_types, priorities, channels)


@dataclass(frozen=True)
class StructuredNote:
    """What the agent writes (sections) and picks (tags); the SLA deadline is filled in."""

    sections: Mapping[Section, str] = field(default_factory=dict)
    tags: Mapping[Tag, str] = field(default_factory=dict)
    sla_deadline: str = ""

    def text(self, section: Section) -> str:
        return self.sections.get(section, "").strip()

    def tag(self, tag: Tag) -> str:
        return self.tags.get(tag, "").strip()

    @property
    def is_empty(self) -> bool:
        return not any(self.text(s) for s in Section)

    def same_content(self, other: StructuredNote | None) -> bool:
        """Same words and tags (the deadline is derived, so it does not count)."""
        if other is None:
            return False
        return all(self.text(s) == other.text(s) for s in Section) and all(
            self.tag(t) == other.tag(t) for t in Tag
        )


def missing(note: StructuredNote | None, taxonomy: Taxonomy | None = None) -> tuple[str, ...]:
    """The keys (Section and Tag values) that are empty or not allowed, in template order."""
    note = note or StructuredNote()
    found: list[str] = [s.value for s in Section if not note.text(s)]
    area = note.tag(Tag.PRODUCT_AREA)
    for tag in Tag:
        value = note.tag(tag)
        allowed = taxonomy is None or value in taxonomy.allowed(tag, area)
        if not value or not allowed:
            found.append(tag.value)
    return tuple(found)


def with_suggested_tags(
    note: StructuredNote | None, suggested: Mapping[Tag, str], taxonomy: Taxonomy
) -> StructuredNote:
    """The note with each tag not chosen yet set to its suggestion (the ticket's own product
    area, issue type, priority and channel) where the taxonomy allows it. The note form shows
    these pre-selected and a change carries them, so what is shown is what is recorded."""
    note = note or StructuredNote()
    tags = {tag: value for tag, value in note.tags.items() if value.strip()}
    for tag in Tag:  # the product area first: it decides the issue types
        value = suggested.get(tag, "")
        area = tags.get(Tag.PRODUCT_AREA, "")
        if tag not in tags and value and value in taxonomy.allowed(tag, area):
            tags[tag] = value
    return replace(note, tags=tags)


def is_complete(note: StructuredNote | None, taxonomy: Taxonomy | None = None) -> bool:
    return not missing(note, taxonomy)


def describe_missing(keys: tuple[str, ...]) -> str:
    return ", ".join(field_label(key) for key in keys)


def render(note: StructuredNote) -> str:
    """The note as one internal-note text, the template's lines in order."""
    lines = [f"{s.label}: {note.text(s)}" for s in Section]
    lines.append(f"{SLA_DEADLINE_LABEL}: {note.sla_deadline}")
    tags = " ".join(f"{t.value}={note.tag(t)}" for t in Tag if note.tag(t))
    if tags:
        lines.append(f"Tags: {tags}")
    return "\n".join(lines)


def human_time(moment: datetime) -> str:
    return moment.strftime("%a %d %b, %H:%M UTC")


def sla_deadline(ticket: sla.SlaTicket, policy: sla.SlaPolicy, now: datetime) -> str:
    """The deadline the note records, from the SLA engine (never typed by the agent)."""
    readings = sla.clocks(ticket, policy)
    if not ticket.status.is_open:
        found = sla.breaches(ticket, policy, now)
        if found:
            first = min(found, key=lambda b: b.due_at)
            return f"missed: {first.clock.label.lower()} was due {human_time(first.due_at)}"
        return "met"
    if not readings:
        return "no SLA clock running"
    if all(r.paused for r in readings):
        return "paused while Pending"
    resolution = next((r for r in readings if r.clock is sla.Clock.RESOLUTION), None)
    chosen = resolution if resolution is not None and resolution.due_at else readings[0]
    assert chosen.due_at is not None
    return f"{chosen.clock.label.lower()} due {human_time(chosen.due_at)}"
