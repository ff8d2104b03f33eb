"""The structured note template as a form: four written sections, the SLA deadline (shown,
never typed) and the four tags, each a choice from the taxonomy.

show_missing() writes each gap under its field and focuses the first one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Label, Select, Static, TextArea

from agentdesk.core.note_template import (
    SLA_DEADLINE_LABEL,
    Section,
    StructuredNote,
    Tag,
    Taxonomy,
    missing,
    with_suggested_tags,
)
from agentdesk.widgets.safe_text_area import SafeTextArea

_HINTS = {
    Section.ISSUE_SUMMARY: "What the customer needs, in one or two sentences",
    Section.STEPS_TAKEN: "What you checked and did, in order",
    Section.ROOT_CAUSE: "Your best explanation so far",
    Section.NEXT_STEPS: "Who does what next, and by when",
}


def note_to_json(note: StructuredNote) -> str:
    return json.dumps(
        {
            "sections": {s.value: note.sections.get(s, "") for s in Section},
            "tags": {t.value: note.tags.get(t, "") for t in Tag},
        },
        sort_keys=True,
    )


def note_from_json(text: str) -> StructuredNote:
    doc = json.loads(text)
    return StructuredNote(
        sections={Section(k): v for k, v in doc.get("sections", {}).items()},
        tags={Tag(k): v for k, v in doc.get("tags", {}).items() if v},
    )


class NoteForm(VerticalScroll):
    # Built while hidden, laid out and painted on its first show (the `2` the agent waits
    # for): few widgets, and nothing that changes width once shown. The tags' names are the
    # titles of their boxes, as the sections' are (no label widgets); two tags a row in plain
    # rows (a grid of auto rows measures every cell twice); the scrollbar's gutter is kept
    # whether or not the form overflows, so its appearing re-wraps no text area.
    DEFAULT_CSS = """
    NoteForm {
        height: 1fr;
        padding: 0 1;
        scrollbar-gutter: stable;
        & #note-title { margin-bottom: 1; }
        & .note-label { text-style: bold; }
        & .-missing { color: $text-error; }
        & TextArea { height: 4; border-title-color: $text-primary; }
        & TextArea.-missing { border: tall $error; border-title-color: $text-error; }
        & .note-error { color: $text-error; height: auto; }
        & .note-error.-empty { display: none; }
        & #note-deadline { color: $text-muted; }
        & .note-tag-row { height: auto; }
        & .note-tag { width: 1fr; height: auto; }
        & .note-tag:first-child { margin-right: 2; }
        & SelectCurrent { border-title-color: $text-primary; }
        & SelectCurrent.-missing { border: tall $error; border-title-color: $text-error; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,ctrl+j", "save", "Save note", id="note_form.save"),
    ]

    DRAFT_SECONDS: ClassVar[float] = 0.5

    @dataclass
    class SaveWanted(Message):
        """The agent asked to save the note as it stands."""

    @dataclass
    class DraftChanged(Message):
        body: str
        """The form as JSON; "" when it matches the stored note."""

    def __init__(self, taxonomy: Taxonomy, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.taxonomy = taxonomy
        self.stored: StructuredNote | None = None
        self._loading = False
        self._draft_timer: Timer | None = None
        self._missing_shown: set[str] = set()
        # What the form held when last loaded or drafted: the Changed events of a load arrive
        # after it, and a form that still holds it has nothing new to draft. (The screen
        # builds the form when a ticket opens: its suggested tags are no draft of the agent's.)
        self._written: StructuredNote | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("Structured note", "bold"),
                ("  needed to pend, resolve, escalate · ctrl+s saves", "$text-muted"),
            ),
            id="note-title",
        )
        for section in Section:
            area = SafeTextArea(
                id=f"note-{section.value}",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder=_HINTS[section],
            )
            area.border_title = section.label
            yield area
            yield Static("", classes="note-error -empty", id=f"error-{section.value}")
        yield Label(SLA_DEADLINE_LABEL, classes="note-label")
        yield Static("filled in from the SLA engine when saved", id="note-deadline")
        yield Label("Tags", classes="note-label")
        tags = list(Tag)
        for row in (tags[:2], tags[2:]):
            with Horizontal(classes="note-tag-row"):
                for tag in row:
                    with Vertical(classes="note-tag"):
                        yield Select[str](
                            [(v, v) for v in self._allowed(tag, "")],
                            prompt=f"choose {tag.value}",
                            id=f"note-{tag.value}",
                        )
                        yield Static("", classes="note-error -empty", id=f"error-{tag.value}")

    def on_mount(self) -> None:
        for tag in Tag:
            self._tag_box(tag).border_title = tag.label

    def expect_width(self, width: int) -> None:
        """The width the form will be shown at: its text areas wrap for it while hidden."""
        styles = self.styles
        width -= styles.gutter.width
        if styles.scrollbar_gutter == "stable" or styles.overflow_y == "scroll":
            width -= styles.scrollbar_size_vertical
        for area in self.query(SafeTextArea):
            area.expect_width(width - area.styles.margin.width)

    def _tag_box(self, tag: Tag) -> Widget:
        """The box a Select draws (its SelectCurrent): it carries the tag's name."""
        return self._select(tag).query_one("SelectCurrent")

    def action_save(self) -> None:
        self.post_message(self.SaveWanted())
        self.leave_field()

    def leave_field(self) -> None:
        """Leave edit mode: the form keeps the focus (arrows scroll it), no field does, so
        the keys typed next (`c`, `d`) are the screen's commands, not text."""
        if self.screen.focused is not self:
            self.screen.set_focus(self)

    def _allowed(self, tag: Tag, area: str) -> tuple[str, ...]:
        if tag is Tag.ISSUE_TYPE and not area:
            return tuple(v for values in self.taxonomy.issue_types.values() for v in values)
        return self.taxonomy.allowed(tag, area)

    def field(self, key: str) -> Widget:
        return self.query_one(f"#note-{key}")

    def _select(self, tag: Tag) -> Select[str]:
        return self.query_one(f"#note-{tag.value}", Select)

    def value(self) -> StructuredNote:
        sections = {s: self.query_one(f"#note-{s.value}", TextArea).text for s in Section}
        tags: dict[Tag, str] = {}
        for tag in Tag:
            chosen = self._select(tag).value
            if isinstance(chosen, str):
                tags[tag] = chosen
        return StructuredNote(sections=sections, tags=tags)

    def load(
        self,
        note: StructuredNote | None,
        *,
        stored: StructuredNote | None,
        suggested_tags: Mapping[Tag, str],
        deadline: str,
    ) -> None:
        """Fill the form: a draft or the stored note; tags not chosen yet are suggested."""
        self.stored = stored
        self._loading = True
        try:
            for section in Section:
                area = self.query_one(f"#note-{section.value}", TextArea)
                text = "" if note is None else note.sections.get(section, "")
                if area.text != text:
                    area.load_text(text)
            # The same rule a change uses when the form is not built (ticket_panes.note_as_shown).
            tags = with_suggested_tags(note, suggested_tags, self.taxonomy).tags
            area_value = tags.get(Tag.PRODUCT_AREA, "")
            self._fill_issue_types(area_value)
            for tag in Tag:
                chosen = tags.get(tag, "")
                select = self._select(tag)
                allowed = self._allowed(tag, area_value)
                select.value = chosen if chosen in allowed else Select.NULL
        finally:
            self.call_after_refresh(self._done_loading)
        self._written = self.value()
        self.show_deadline(deadline)
        self.clear_errors()

    def _done_loading(self) -> None:
        self._loading = False

    def show_deadline(self, text: str) -> None:
        self.query_one("#note-deadline", Static).update(
            Content.assemble(text, ("  (from the SLA engine)", "$text-muted"))
        )

    def _fill_issue_types(self, area: str) -> None:
        select = self._select(Tag.ISSUE_TYPE)
        current = select.value
        allowed = self._allowed(Tag.ISSUE_TYPE, area)
        select.set_options([(v, v) for v in allowed])
        if isinstance(current, str) and current in allowed:
            select.value = current

    def set_tags(self, tags: Mapping[Tag, str]) -> None:
        """Choose tag values (the product area first: it decides the issue types)."""
        if Tag.PRODUCT_AREA in tags:
            self._select(Tag.PRODUCT_AREA).value = tags[Tag.PRODUCT_AREA]
            self._fill_issue_types(tags[Tag.PRODUCT_AREA])
        for tag, value in tags.items():
            self._select(tag).value = value

    @on(Select.Changed, "#note-product_area")
    def _area_changed(self) -> None:
        # The select's value now, not the event's: a late event must not undo a newer choice.
        chosen = self._select(Tag.PRODUCT_AREA).value
        self._fill_issue_types(chosen if isinstance(chosen, str) else "")

    def _marked(self, key: str) -> Widget:
        """What turns red for a gap: the section's box, or the tag's."""
        if key in Section.__members__.values():
            return self.field(key)
        return self._tag_box(Tag(key))

    def clear_errors(self) -> None:
        for key in [*(s.value for s in Section), *(t.value for t in Tag)]:
            self._clear_error(key)

    def _clear_error(self, key: str) -> None:
        error = self.query_one(f"#error-{key}", Static)
        error.update("")
        error.add_class("-empty")
        self._marked(key).remove_class("-missing")
        self._missing_shown.discard(key)

    def show_missing(self, keys: tuple[str, ...]) -> None:
        """Name each gap under its field and focus the first one."""
        self.clear_errors()
        for key in keys:
            text = (
                "Required: write this section."
                if key in Section.__members__.values()
                else "Required: choose an allowed value."
            )
            error = self.query_one(f"#error-{key}", Static)
            error.update(Content(f"✗ {text}"))
            error.remove_class("-empty")
            self._marked(key).add_class("-missing")
            self._missing_shown.add(key)
        if keys:
            first = self.field(keys[0])
            first.focus()
            self.scroll_to_widget(first, top=True, animate=False)

    @on(TextArea.Changed)
    @on(Select.Changed)
    def _edited(self, event: Message) -> None:
        if self._loading:
            return
        self._revalidate()
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(self.DRAFT_SECONDS, self.flush_draft)

    def _revalidate(self) -> None:
        """A gap named by a refusal stops being shown once the agent has filled it."""
        if not self._missing_shown:
            return
        still = set(missing(self.value(), self.taxonomy))
        for key in sorted(self._missing_shown - still):
            self._clear_error(key)

    def flush_draft(self) -> None:
        if self._draft_timer is None:
            return
        self._draft_timer.stop()
        self._draft_timer = None
        note = self.value()
        if note == self._written:
            return
        self._written = note
        same = note.same_content(self.stored) or (self.stored is None and _blank(note))
        self.post_message(self.DraftChanged("" if same else note_to_json(note)))


def _blank(note: StructuredNote) -> bool:
    return note.is_empty and not any(note.tag(t) for t in Tag)
