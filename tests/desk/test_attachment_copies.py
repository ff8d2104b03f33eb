"""Issue 16: the copy an opened attachment leaves for its viewer is agentdesk's own, owner-only,
and goes: when the ticket closes, when agentdesk exits, after COPY_LIFETIME, at the next
start after a crash, and with `agentdesk purge`. A file saved out is the agent's and stays."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from agentdesk.cli import main
from agentdesk.config import Settings, load_settings
from agentdesk.core.errors import BadInput
from agentdesk.desk import Desk, attachments
from agentdesk.desk.attachments import (
    close_opened_copies,
    opened_folder,
    sweep_opened_copies,
    write_private_copy,
)
from agentdesk.session import open_session
from agentdesk.store.engine import Store
from tests.conftest import FIXED_NOW
from tests.desk.test_ticket_work import TICKET, _one_attachment
from tests.security.memory_keyring import MemoryKeyring, keyring_of


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _open(desk: Desk, attachment_id: int) -> Path:
    return attachments.open_attachment(desk, TICKET, attachment_id, environ={}).path


def test_the_copy_is_owner_only_in_agentdesks_own_cache_and_goes_when_the_ticket_closes(
    desk: Desk, store: Store, now: datetime, tmp_path: Path
) -> None:
    attachment_id = _one_attachment(desk, store, now, tmp_path)
    out = tmp_path / "Downloads"
    out.mkdir()
    saved = attachments.save_attachment(desk, TICKET, attachment_id, str(out))
    copy = _open(desk, attachment_id)
    root = opened_folder(desk.settings.cache_dir)
    assert copy.parent.parent == root and copy.read_bytes().startswith(b"\x89PNG")
    assert _mode(copy) == 0o600
    assert _mode(copy.parent) == _mode(root) == _mode(root.parent) == 0o700
    assert close_opened_copies(desk, TICKET + 1) == 0  # another ticket's close: not this one
    assert copy.exists()
    assert close_opened_copies(desk, TICKET) == 1
    assert not copy.exists() and not copy.parent.exists()
    assert saved.read_bytes().startswith(b"\x89PNG")  # "save as" is the agent's: untouched
    assert sorted(p.name for p in out.iterdir()) == ["screen shot.png"]


def test_a_copy_older_than_its_lifetime_goes_at_the_next_open(
    desk: Desk, store: Store, now: datetime, tmp_path: Path
) -> None:
    attachment_id = _one_attachment(desk, store, now, tmp_path)
    old = _open(desk, attachment_id)
    hours_ago = time.time() - attachments.COPY_LIFETIME_SECONDS - 60
    os.utime(old.parent, (hours_ago, hours_ago))
    fresh = _open(desk, attachment_id)
    assert fresh.exists() and not old.parent.exists()


def test_saving_into_the_copies_folder_is_refused(
    desk: Desk, store: Store, now: datetime, tmp_path: Path
) -> None:
    attachment_id = _one_attachment(desk, store, now, tmp_path)
    copy = _open(desk, attachment_id)
    with pytest.raises(BadInput, match="temporary copies"):
        attachments.save_attachment(desk, TICKET, attachment_id, str(copy.parent / "mine.png"))
    assert sorted(p.name for p in copy.parent.iterdir()) == [copy.name]


_WRITE_AND_END = """
import os, sys
from pathlib import Path
from agentdesk.desk.attachments import write_private_copy
path = write_private_copy(Path(sys.argv[1]), 7, "scan.pdf", b"%PDF customer passport")
print(path, flush=True)
if sys.argv[2] == "crash":
    os._exit(1)  # no atexit: as a kill or a power cut would leave it
"""


def _other_process(cache: Path, how: str) -> Path:
    done = subprocess.run(
        [sys.executable, "-c", _WRITE_AND_END, str(cache), how],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Path(done.stdout.strip())


def test_agentdesk_exiting_removes_its_copies(tmp_path: Path) -> None:
    copy = _other_process(tmp_path / "cache", "exit")
    assert copy.name == "scan.pdf" and copy.parent.parent == opened_folder(tmp_path / "cache")
    assert not copy.exists() and not copy.parent.exists()


def test_a_crash_leaves_the_copy_only_until_the_next_start(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    copy = _other_process(cache, "crash")
    assert copy.read_bytes() == b"%PDF customer passport" and _mode(copy) == 0o600
    mine = write_private_copy(cache, 3, "mine-now.png", b"open in this process")
    not_ours = opened_folder(cache) / "notes"
    not_ours.mkdir()
    settings = Settings(
        profile="test", config_path=None, db_path=tmp_path / "agentdesk.db", cache_dir=cache
    )
    open_session(settings, FIXED_NOW, start_of_day=False).store.close()  # the next start
    assert not copy.parent.exists()
    assert mine.exists() and not_ours.is_dir()  # a live process's copy; a name not ours
    assert sweep_opened_copies(cache, lifetime=-1) == 1  # past its lifetime: it goes too
    assert not mine.exists()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    with keyring_of(MemoryKeyring()):
        yield tmp_path


def test_purge_removes_the_copies_and_never_a_file_saved_out(home: Path) -> None:
    settings = load_settings("work")
    copy = write_private_copy(settings.cache_dir, 9, "id card.jpg", b"\xff\xd8 a customer's id")
    saved = home / "Downloads" / "id card.jpg"
    saved.parent.mkdir()
    saved.write_bytes(b"\xff\xd8 kept by the agent")
    assert main(["purge", "--yes", "--profile", "work"]) == 0
    assert not copy.exists() and not opened_folder(settings.cache_dir).exists()
    assert saved.read_bytes() == b"\xff\xd8 kept by the agent"
