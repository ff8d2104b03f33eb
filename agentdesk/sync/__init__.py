"""Sync backends behind one protocol, the outbox, push/pull. httpx is imported only here."""
