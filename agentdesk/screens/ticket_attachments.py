"""The ticket screen's attachments: f attaches a file (the dialog stays open on an error),
and on the attachments tab Enter/o opens one, w saves it to a folder, x removes it. A part of
TicketScreen (its base), kept in a file of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message
from textual.screen import Screen

from agentdesk.core.attachments import NewAttachment
from agentdesk.widgets.attachment_table import AttachmentTable

if TYPE_CHECKING:
    from agentdesk.core.changes import ChangePlan
    from agentdesk.desk import Desk
    from agentdesk.store.workspace_rows import AttachmentRow


class TicketAttachments(Screen[None]):
    desk: Desk
    ticket_id: int
    last_refusal: str

    @dataclass
    class AttachmentDone(Message):
        """Opened, saved or removed: say so (and read the ticket again after a removal)."""

        notice: str
        removed: bool = False

    # TicketScreen provides these (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        def change(self, job: Callable[..., ChangePlan], *args: object) -> None: ...

        def _run(
            self, job: Callable[[], Message | None], *, group: str, exclusive: bool = False
        ) -> None: ...

        def _load(self, *, reset_note: bool = False) -> None: ...

    COPY_SWEEP_SECONDS = 600.0
    """Issue 16: on a ticket left open, an opened copy outlives its hour by this at most."""

    async def on_mount(self) -> None:  # Textual calls TicketScreen's as well as this
        self.set_interval(self.COPY_SWEEP_SECONDS, self._sweep_copies)

    def _sweep_copies(self) -> None:
        from agentdesk.desk.attachments import sweep_opened_copies

        self.run_worker(
            partial(sweep_opened_copies, self.desk.settings.cache_dir),
            thread=True,
            group="attachment-sweep",
            exit_on_error=False,
            description="remove old copies of opened attachments",
        )

    def on_unmount(self) -> None:
        """Issue 16: the ticket closed, so the copies opened from it go. File work, so in a
        thread; on the app, whose workers outlive this screen (its own are cancelled now)."""
        from agentdesk.desk.attachments import close_opened_copies

        self.app.run_worker(
            partial(close_opened_copies, self.desk, self.ticket_id),
            thread=True,
            group=f"attachment-close-{self.ticket_id}",
            exit_on_error=False,
            description="remove the copies opened from a closed ticket",
        )

    # f: attach

    def action_attach(self) -> None:
        from agentdesk.screens.attach_dialog import AttachDialog

        self.app.push_screen(AttachDialog(), self._attach_chosen)

    def _attach_chosen(self, attachment: NewAttachment | None) -> None:
        if attachment is not None:
            from agentdesk.desk.attachments import add_attachment

            self.change(add_attachment, self.ticket_id, attachment)

    def attach(self, path: str) -> None:
        """Attach the file at path (the dialog's work without the dialog)."""
        from agentdesk.desk.attachments import attach_file

        self.change(attach_file, self.ticket_id, path)

    # The attachments tab

    def on_attachment_table_wanted(self, message: AttachmentTable.Wanted) -> None:
        row = message.attachment
        if message.what == "open":
            self.open_attachment(row)
        elif message.what == "save":
            self.save_attachment(row)
        elif message.what == "remove":
            self.remove_attachment(row)

    def open_attachment(self, row: AttachmentRow) -> None:
        from agentdesk.desk.attachments import open_attachment

        def job() -> TicketAttachments.AttachmentDone:
            opened = open_attachment(self.desk, self.ticket_id, row.id)
            if opened.opened_with:
                return self.AttachmentDone(
                    f"Opened {opened.path.name} with {opened.opened_with} (a copy at "
                    f"{opened.path}, removed when the ticket closes)."
                )
            return self.AttachmentDone(
                f"Saved a copy to {opened.path} ({opened.why_not_opened}): open it from there; "
                "it is removed when the ticket closes."
            )

        self._run(job, group="ticket-attachment")

    def save_attachment(self, row: AttachmentRow) -> None:
        from agentdesk.screens.path_dialog import PathDialog

        downloads = Path.home() / "Downloads"
        folder = downloads if downloads.is_dir() else Path.home()
        dialog: PathDialog[Path] = PathDialog(
            partial(self._save_to, row),
            title=f"Save {row.filename}",
            hint="A folder (the file keeps its name) or a file path. → completes it.",
            ok_label="Save",
            value=str(folder) + "/",
        )
        self.app.push_screen(dialog, self._saved)

    def _save_to(self, row: AttachmentRow, typed: str, again: bool) -> Path:
        """The dialog's check: a file that exists is replaced only when asked twice."""
        from agentdesk.desk.attachments import TargetExists, save_attachment
        from agentdesk.screens.path_dialog import AskAgain

        try:
            return save_attachment(self.desk, self.ticket_id, row.id, typed, overwrite=again)
        except TargetExists as error:
            raise AskAgain(
                f"{error.path} already exists: Enter again replaces it, or change the path."
            ) from None

    def _saved(self, path: Path | None) -> None:
        if path is not None:
            self.notify(f"Saved {path}.", title=f"#{self.ticket_id}", markup=False)

    def remove_attachment(self, row: AttachmentRow) -> None:
        from agentdesk.screens.choice_dialog import Choice, ChoiceDialog

        def chosen(choice: Choice | None) -> None:
            if choice is not None and choice[0] == "remove":
                self._remove(row)

        self.app.push_screen(
            ChoiceDialog(
                f"Remove {row.filename} from the ticket?",
                [
                    ("keep", "Keep it"),
                    ("remove", "Remove it (the history keeps its name and size)"),
                ],
                selected="keep",
            ),
            chosen,
        )

    def _remove(self, row: AttachmentRow) -> None:
        from agentdesk.desk.attachments import remove_attachment

        def job() -> TicketAttachments.AttachmentDone:
            name = remove_attachment(self.desk, self.ticket_id, row.id)
            return self.AttachmentDone(f"Removed {name} from the ticket.", removed=True)

        self._run(job, group="ticket-attachment", exclusive=True)

    def on_ticket_attachments_attachment_done(self, message: AttachmentDone) -> None:
        self.notify(message.notice, title=f"#{self.ticket_id}", markup=False)
        if message.removed:
            self.last_refusal = ""
            self._load()
