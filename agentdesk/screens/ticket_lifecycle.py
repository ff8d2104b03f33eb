"""The ticket screen's lifecycle and interaction keys: verify the caller (v), confirm the
resolution (c), clear a verification lock (L), take the ticket, start, pend, resolve, reopen,
change the priority, escalate, and record a survey answer. Each is a desk change run in a
worker (TicketScreen.change). A part of TicketScreen (its base), kept in a file of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.message import Message
from textual.screen import Screen

from agentdesk.core.changes import ChangePlan, PendingReason
from agentdesk.core.note_template import Section, StructuredNote
from agentdesk.core.ticket import MessageKind, Priority
from agentdesk.core.verification import VerificationStatus
from agentdesk.desk import Desk
from agentdesk.desk import ticket_work as work_on
from agentdesk.store.workspace_rows import TicketWorkspace

if TYPE_CHECKING:
    from agentdesk.core.escalation import EscalationMatrix
    from agentdesk.screens.ticket import TicketScreen
    from agentdesk.store.rows import AgentRow


class TicketLifecycle(Screen[None]):
    desk: Desk
    ticket_id: int
    workspace: TicketWorkspace
    escalation: EscalationMatrix
    escalation_agents: tuple[AgentRow, ...]
    escalation_draft: tuple[str, str] | None
    Applied: ClassVar[type[TicketScreen.Applied]]
    Refused: ClassVar[type[TicketScreen.Refused]]

    # TicketScreen provides these (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        def change(self, job: Callable[..., ChangePlan], *args: object) -> None: ...

        def _run(
            self, job: Callable[[], Message | None], *, group: str, exclusive: bool = False
        ) -> None: ...

        def _load(self, *, reset_note: bool = False) -> None: ...

        def _note(self) -> StructuredNote | None: ...

        def verification(self) -> VerificationStatus: ...

    def action_verify(self) -> None:
        from agentdesk.screens.verify import VerifyScreen

        status = self.verification()
        if status.locked:
            self.notify(
                "Verification is locked after failed attempts: a Level 2 agent must clear it "
                "(L) before the customer can try again.",
                title="Verify",
                severity="warning",
                markup=False,
            )
            return
        detail = self.workspace.detail
        screen = VerifyScreen(
            self.desk,
            self.ticket_id,
            detail.account_id,
            customer=detail.customer_name,
            demo_answers=work_on.demo_answers(self.desk, detail.account_id),
        )
        self.app.push_screen(screen, lambda _status: self._load())

    def action_confirm(self) -> None:
        from agentdesk.screens.confirm import ConfirmScreen

        note = self._note()
        summary = note.text(Section.ISSUE_SUMMARY) if note is not None else ""
        said = [m.body for m in self.workspace.detail.messages if m.kind is MessageKind.CUSTOMER]
        screen = ConfirmScreen(
            self.desk, self.ticket_id, summary, customer_said=said[-1] if said else ""
        )
        self.app.push_screen(screen, lambda _done: self._load())

    def action_clear_lock(self) -> None:
        from agentdesk.desk.verification import clear_lock

        def job() -> TicketScreen.Applied:
            clear_lock(self.desk, self.ticket_id)
            return self.Applied("clear_verification_lock", False, False)

        self._run(job, group="ticket-change", exclusive=True)

    def action_assign_to_me(self) -> None:
        if self.desk.actor.agent_id is None:
            self.notify(work_on.NO_AGENT, severity="warning", markup=False)
            return
        holder = self.workspace.detail.assignee
        if holder and holder != self.desk.actor.handle:
            self._ask_to_take(holder)
            return
        self.change(work_on.assign_to_me, self.workspace.snapshot)

    def _ask_to_take(self, holder: str) -> None:
        """Another agent has the ticket: taking it is a choice, not a keystroke."""
        from agentdesk.screens.choice_dialog import Choice, ChoiceDialog

        name = self.workspace.people.of_handle(holder) or holder
        snapshot = self.workspace.snapshot

        def chosen(choice: Choice | None) -> None:
            if choice is not None and choice[0] == "take":
                self.change(work_on.assign_to_me, snapshot)

        dialog = ChoiceDialog(
            f"#{self.ticket_id} is assigned to {name}. Take it?",
            [("keep", f"Leave it with {name}"), ("take", "Take it (the history records it)")],
            selected="keep",
        )
        self.app.push_screen(dialog, chosen)

    def action_start_work(self) -> None:
        self.change(work_on.start_work, self.workspace.snapshot)

    def action_pend(self) -> None:
        from agentdesk.screens.ticket_dialogs import pend_dialog

        self.app.push_screen(pend_dialog(), self._pend_chosen)

    def _pend_chosen(self, chosen: tuple[str, str] | None) -> None:
        if chosen is not None:
            reason = PendingReason(chosen[0])
            self.change(work_on.pend, self.ticket_id, reason, self._note())

    def action_resolve(self) -> None:
        self.change(work_on.resolve, self.ticket_id, self._note())

    def action_reopen(self) -> None:
        self.change(work_on.reopen, self.ticket_id)

    def action_change_priority(self) -> None:
        from agentdesk.screens.ticket_dialogs import priority_dialog

        dialog = priority_dialog(self.workspace.detail.priority)
        self.app.push_screen(dialog, self._priority_chosen)

    def _priority_chosen(self, chosen: tuple[str, str] | None) -> None:
        if chosen is not None:
            self.change(work_on.change_priority, self.ticket_id, Priority(chosen[0]), chosen[1])

    def action_escalate(self) -> None:
        from agentdesk.screens.ticket_dialogs import escalation_dialog

        option, reason = self.escalation_draft or (None, "")
        dialog = escalation_dialog(
            self.escalation,
            self.workspace.detail.tier,
            self.escalation_agents,
            chosen=option,
            reason=reason,
        )
        if dialog is None:
            self.notify("The ticket is already with L3.", severity="warning")
            return
        self.app.push_screen(dialog, self._escalation_chosen)

    def _escalation_chosen(self, chosen: tuple[str, str] | None) -> None:
        from agentdesk.screens.ticket_dialogs import escalation_target

        if chosen is None:
            return
        self.escalation_draft = chosen
        (tier, assignee), reason = escalation_target(chosen[0]), chosen[1]
        note = self._note()

        def job() -> Message:
            try:
                plan = work_on.escalate(self.desk, self.ticket_id, tier, reason, note, assignee)
            except Exception as error:
                refused = self.Refused.of(error)
                refused.kept = "your escalation and its reason are kept: e opens them again"
                return refused
            return self.Applied(plan.outbox_op, plan.message is not None, plan.note is not None)

        self._run(job, group="ticket-change")

    def action_record_survey(self) -> None:
        from agentdesk.screens.survey_dialog import survey_dialog

        self.app.push_screen(survey_dialog(), self._survey_chosen)

    def _survey_chosen(self, chosen: tuple[str, str] | None) -> None:
        from agentdesk.desk.surveys import record_survey
        from agentdesk.screens.survey_dialog import survey_choice

        if chosen is None:
            return
        kind, score = survey_choice(chosen[0])

        def job() -> Message:
            record_survey(self.desk, self.ticket_id, kind, score)
            return self.Applied("record_survey", False, False)

        self._run(job, group="ticket-change")
