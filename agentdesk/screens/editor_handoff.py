"""Handing a draft to the agent's $VISUAL or $EDITOR, with the terminal, and taking it back."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported

from agentdesk.security.sanitize import clean_text


def edit_outside(app: App[Any], text: str, *, prefix: str) -> str | None:
    """The text as the agent left it in their editor; None when no editor could run (the
    agent was told why). prefix: names the temporary file ("agentdesk-42-")."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix=prefix, delete=False) as handle:
        handle.write(text)
        path = Path(handle.name)
    try:
        with app.suspend():
            subprocess.run([*shlex.split(editor), str(path)], check=False)
    except SuspendNotSupported:
        app.notify("This terminal cannot hand over to an editor.", severity="warning")
        path.unlink(missing_ok=True)
        return None
    except OSError as error:
        app.notify(f"Could not start {editor}: {error}", severity="error", markup=False)
        path.unlink(missing_ok=True)
        return None
    edited = path.read_text(encoding="utf-8", errors="replace")
    path.unlink(missing_ok=True)
    # An editor (or a file read into it) can leave escape sequences: they never come back.
    return clean_text(edited).rstrip("\n")
