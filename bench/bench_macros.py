"""Macros at scale: 5,000 files in a temp folder.

Prints the folder's load time (cold: every file parsed; warm: the mtime scan that runs on each
picker refresh), the index build, and per-keystroke search latency while typing a few queries
letter by letter (median and p95; target p95 under 16 ms, one frame at 60 Hz). Asserts nothing.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from _common import median_ms, p95_ms
from agentdesk.core.macros import Category, MacroIndex
from agentdesk.macro_files import MacroCatalog, MacroFolder

COUNT = 5_000
TYPED = ["refund not received", "delivery delayed", "verification", "escalate billing", "csat"]
WORDS = [
    "refund",
    "payment",
    "card",
    "delivery",
    "parcel",
    "order",
    "account",
    "password",
    "login",
    "verify",
    "identity",
    "escalate",
    "billing",
    "invoice",
    "damaged",
    "replacement",
    "delayed",
    "tracking",
    "carrier",
    "survey",
    "thanks",
    "engineering",
    "bug",
    "outage",
    "incident",
    "plan",
    "upgrade",
    "cancel",
    "subscription",
    "address",
    "email",
    "reset",
]


def write_library(folder: Path, count: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    categories = list(Category)
    for number in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).capitalize()
        tags = sorted({rng.choice(WORDS) for _ in range(rng.randint(1, 4))})
        body = "\n".join(
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))) for _ in range(6)
        )
        actions = ""
        if number % 3 == 0:
            actions = (
                '\n[[actions]]\ntype = "send_reply"\n\n'
                '[[actions]]\ntype = "set_status"\nstatus = "pending"\nwaiting_on = "customer"\n\n'
                '[[actions]]\ntype = "add_tags"\ntags = ["bench"]\n'
            )
        (folder / f"macro-{number:05d}.toml").write_text(
            f'title = "{title} {number}"\ncategory = "{rng.choice(categories).value}"\n'
            f"tags = {tags!r}\n".replace("'", '"')
            + f'body = """\nHi {{{{customer.first_name}}}},\n{body}\n{{{{agent.name}}}}\n"""\n'
            + actions,
            encoding="utf-8",
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-macros-") as name:
        folder = Path(name)
        write_library(folder, COUNT)
        catalog = MacroCatalog([MacroFolder(folder, "team")])
        started = time.perf_counter()
        library = catalog.refresh()
        cold = time.perf_counter() - started
        assert not library.problems, library.problems[:3]
        warm: list[float] = []
        for _ in range(20):
            started = time.perf_counter()
            catalog.refresh()
            warm.append(time.perf_counter() - started)
        started = time.perf_counter()
        index = MacroIndex(library.macros)
        build = time.perf_counter() - started
        usage = {macro.id: i % 17 for i, macro in enumerate(library.macros[::7])}
        keystrokes: list[float] = []
        for _ in range(3):
            for query in TYPED:
                for end in range(1, len(query) + 1):
                    started = time.perf_counter()
                    index.search(query[:end], usage)
                    keystrokes.append(time.perf_counter() - started)
        empty: list[float] = []
        for _ in range(20):
            started = time.perf_counter()
            index.search("", usage)
            empty.append(time.perf_counter() - started)
    print(f"macros: {len(library.macros):,} files")
    print(f"  folder load, cold (parse every file): {cold * 1000:.0f} ms")
    print(f"  folder re-check, nothing changed (mtime scan): median {median_ms(warm)}")
    print(f"  search index build: {build * 1000:.0f} ms")
    print(
        f"  per-keystroke search ({len(keystrokes)} keystrokes): median {median_ms(keystrokes)}, "
        f"p95 {p95_ms(keystrokes)}  (target p95 < 16 ms)"
    )
    print(f"  empty query (most used): median {median_ms(empty)}")


if __name__ == "__main__":
    main()
