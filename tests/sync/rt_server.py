"""A real Request Tracker 5 on loopback, for the sync integration tests and the bench.

Debian's request-tracker5 + rt5-db-sqlite + rt5-standalone give everything: the site config goes
to a temp folder (RT_SITE_CONFIG / RT_SITE_CONFIG_DIR), the database is a copy of the pristine
SQLite file the package made (or a fresh one from rt-setup-database), and rt-server listens on
127.0.0.1 only. A fresh install accepts root:password; an auth token is made for root so the
tests use the same token path as agents.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
RT_LIB = Path("/usr/share/request-tracker5/lib")
PRISTINE_DB = Path("/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb")
SETUP_DATABASE = Path("/usr/sbin/rt-setup-database-5")

COLLEAGUES = ("amara.okafor", "li.wei")

SITE_CONFIG = """\
Set($rtname, 'agentdesk-test');
Set($Organization, 'agentdesk.test');
Set($Timezone, 'UTC');
Set($WebPath, "");
Set($WebDomain, "127.0.0.1");
Set($WebPort, {port});
Set($WebBaseURL, "http://127.0.0.1:{port}");
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{db}');
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($LogToSTDERR, 'error');
# Replies (correspond) would mail the requestors: send them nowhere.
Set($MailCommand, 'sendmailpipe');
Set($SendmailPath, '/bin/true');
Set($CorrespondAddress, 'rt@agentdesk.test');
Set($CommentAddress, 'rt-comment@agentdesk.test');
1;
"""

_MAKE_TOKEN = r"""
RT::LoadConfig(); RT::Init();
my $user = RT::User->new(RT->SystemUser); $user->Load($ARGV[0]);
my $token = RT::AuthToken->new(RT::CurrentUser->new($user));
my ($ok, $msg, $string) = $token->Create(Owner => $user->id, Description => 'agentdesk tests');
die "token: $msg\n" unless $ok;
print $string;
"""

_MAKE_USER = r"""
RT::LoadConfig(); RT::Init();
for my $name (@ARGV) {
    my $user = RT::User->new(RT->SystemUser);
    my ($ok, $msg) = $user->Create(
        Name => $name, Privileged => 1, EmailAddress => "$name\@agentdesk.test");
    die "user $name: $msg\n" unless $ok;
    my ($granted, $why) = $user->PrincipalObj->GrantRight(
        Right => 'SuperUser', Object => $RT::System);
    die "right $name: $why\n" unless $granted;
}
"""


# RT's scrips (notifications, auto-replies) cost ~200 ms a ticket; bulk fixtures switch them
# off for the load and back on after, which brings a ticket down to ~25 ms.
_BULK_CREATE = r"""
RT::LoadConfig(); RT::Init();
my ($queue, $count, $prefix) = @ARGV;
my $q = RT::Queue->new(RT->SystemUser); $q->Load($queue);
unless ($q->id) { my ($ok, $msg) = $q->Create(Name => $queue); die "queue: $msg\n" unless $ok; }
my @priorities = (0, 25, 50, 75, 100);
$RT::Handle->BeginTransaction;
for my $n (0 .. $count - 1) {
    my $ticket = RT::Ticket->new(RT->SystemUser);
    my ($id, undef, $msg) = $ticket->Create(
        Queue => $queue, Subject => "$prefix $n", Priority => $priorities[$n % 5]);
    die "ticket $n: $msg\n" unless $id;
}
$RT::Handle->Commit;
"""


def rt_installed() -> str | None:
    """None when RT can run here, else why not (the tests' skip reason)."""
    if not RT_SERVER.exists():
        return (
            f"Request Tracker 5 is not installed ({RT_SERVER} missing): "
            "apt-get install request-tracker5 rt5-db-sqlite rt5-standalone rt5-clients"
        )
    if not PRISTINE_DB.exists() and not SETUP_DATABASE.exists():
        return f"no RT database to copy ({PRISTINE_DB}) and no {SETUP_DATABASE}"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RtServer:
    folder: Path
    port: int
    token: str = ""  # root's
    tokens: dict[str, str] = field(default_factory=dict)  # colleagues' (amara.okafor, li.wei)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RT_SITE_CONFIG": str(self.folder / "RT_SiteConfig.pm"),
            "RT_SITE_CONFIG_DIR": str(self.folder / "RT_SiteConfig.d"),
        }

    def perl(self, script: str, *args: str) -> str:
        result = subprocess.run(
            ["perl", f"-I{RT_LIB}", "-MRT", "-e", script, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if result.returncode != 0:
            raise RuntimeError(f"RT perl failed: {result.stderr.strip()[-2000:]}")
        return result.stdout

    def bulk_create(self, queue: str, count: int, prefix: str = "Order", age_days: int = 2) -> None:
        """count tickets "prefix 0".. in queue (made if missing), priorities 0, 25, .. 100,
        created and last updated age_days ago (older than any pull's overlap window)."""
        import sqlite3

        db = sqlite3.connect(self.folder / "rtdb", timeout=60)
        try:
            enabled = [row[0] for row in db.execute("SELECT id FROM Scrips WHERE Disabled = 0")]
            db.execute("UPDATE Scrips SET Disabled = 1")
            db.commit()
            try:
                self.perl(_BULK_CREATE, queue, str(count), prefix)
                db.execute(
                    "UPDATE Tickets SET Created = datetime(Created, ?), "
                    "LastUpdated = datetime(LastUpdated, ?) WHERE Queue = "
                    "(SELECT id FROM Queues WHERE Name = ?)",
                    (f"-{age_days} days", f"-{age_days} days", queue),
                )
                db.commit()
            finally:
                db.executemany(
                    "UPDATE Scrips SET Disabled = 0 WHERE id = ?", [(i,) for i in enabled]
                )
                db.commit()
        finally:
            db.close()

    def start(self, timeout: float = 90.0) -> None:
        log = (self.folder / "rt-server.log").open("ab")
        self.process = subprocess.Popen(
            [str(RT_SERVER), "--port", str(self.port), "--host", "127.0.0.1"],
            cwd=self.folder,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends all its workers
        )
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                tail = (self.folder / "rt-server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"rt-server exited with {self.process.returncode}: {tail}")
            try:
                answer = httpx.get(
                    f"{self.url}/REST/2.0/queues/all", auth=("root", "password"), timeout=5
                )
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"RT did not answer on {self.url}/REST/2.0 within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def make_rt(folder: Path, port: int | None = None, database: Path | None = None) -> RtServer:
    """Write the config, lay down a fresh database (or a copy of `database`), start RT and
    make tokens for root and the colleagues."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "RT_SiteConfig.d").mkdir(exist_ok=True)
    port = port or free_port()
    db = folder / "rtdb"
    (folder / "RT_SiteConfig.pm").write_text(SITE_CONFIG.format(port=port, db=db))
    server = RtServer(folder=folder, port=port)
    if database is not None:
        shutil.copyfile(database, db)
    elif PRISTINE_DB.exists() and os.access(PRISTINE_DB, os.R_OK):
        shutil.copyfile(PRISTINE_DB, db)
    else:
        subprocess.run(
            [str(SETUP_DATABASE), "--action", "init", "--skip-create"],
            env=server.env,
            check=True,
            capture_output=True,
            timeout=600,
        )
    server.token = server.perl(_MAKE_TOKEN, "root").strip()
    if database is None:
        server.perl(_MAKE_USER, *COLLEAGUES)
    server.tokens = {name: server.perl(_MAKE_TOKEN, name).strip() for name in COLLEAGUES}
    server.start()
    return server
