"""agentdesk: the support SOP inside a terminal workstation."""

__version__ = "0.1.0"
