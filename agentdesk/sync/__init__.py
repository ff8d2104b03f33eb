"""Sync: the generic engine and the Backend protocol here, one folder per helpdesk (sync/rt/).
httpx is imported only here; SQL never (the store port, agentdesk.store.sync_port, does it)."""
