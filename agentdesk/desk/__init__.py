"""The use-case layer: one module per job of an agent or a supervisor.

Screens, the CLI, reports and tests call these functions; they never open a transaction
themselves. Each function takes a Desk and plain values, asks the core what is allowed, lets
the store do the one write, and returns plain objects. It raises Refused (the SOP says no, and
what is missing) or DeskError (the store or the remote failed), both written for the agent.
A read-only Desk refuses every write: monitoring mode is this, not hidden buttons.

No Textual here (the import contracts hold it), and nothing heavy at import time: the store's
modules are imported inside the functions, so a screen can import desk before its first frame.
"""

from agentdesk.core.errors import AgentdeskError, DeskError, ReadOnly, Refused, agent_message
from agentdesk.desk.base import Actor, Desk

__all__ = ["Actor", "AgentdeskError", "Desk", "DeskError", "ReadOnly", "Refused", "agent_message"]
