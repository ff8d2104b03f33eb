"""The SQLite store. Importing this package is cheap; the engine lives in store.engine."""
