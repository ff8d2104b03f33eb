"""A deterministic, realistic demo dataset: customers, agents, tickets, conversations, SLA state.

Everything the generator draws from (names, subjects, message texts, the mix) is in
data/demo.toml. The same file, seed and `now` give byte-identical tables: all randomness comes
from one random.Random(seed), consumed in a fixed order, and nothing reads the clock.

The package, by idea:
- config: data/demo.toml, read and checked (DemoConfig).
- people: the team and the customers.
- generator: what each ticket is and how long each step took (generate_demo); spans: how
  long a share of a clock's target takes; summary: the counts a run reports (DemoSummary).
- stories, texts: one ticket told in time order, and the words it is told in.
- writer: the rows, inserted with the columns of store.models.
- answers: the demo customers' verification answers and verifiers.
- draws, times: the random draws and the time texts they all share.

Importing this package must stay light: config.py imports DEMO_AGENT_HANDLE at start-up,
before the first frame, so SQLAlchemy is only imported inside the functions that write.
"""

from __future__ import annotations

from agentdesk.demo.answers import add_demo_verifiers, demo_answers
from agentdesk.demo.config import DemoConfig, load_demo_config
from agentdesk.demo.config import parse_config as _parse_config
from agentdesk.demo.generator import generate_demo
from agentdesk.demo.people import DEMO_AGENT_HANDLE
from agentdesk.demo.summary import DemoSummary
from agentdesk.demo.times import db_stamp as _stamp

__all__ = [
    "DEMO_AGENT_HANDLE",
    "DemoConfig",
    "DemoSummary",
    "_parse_config",
    "_stamp",
    "add_demo_verifiers",
    "demo_answers",
    "generate_demo",
    "load_demo_config",
]
