"""The team's figures leaving as a file (desk.team_report.export_report, used by `report
--out` and the KPI board's Export key): the weekly report's own text, the export audited
(who, what, where to) before the file is written, and a user's file never replaced unless
asked; a bad path is told and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core import kpi
from agentdesk.core.errors import BadInput
from agentdesk.desk.attachments import TargetExists
from agentdesk.desk.kpis import kpi_overview
from agentdesk.desk.team_report import export_report, format_of
from agentdesk.store.engine import Store
from agentdesk.weekly_report import render
from tests.desk.conftest import make_desk
from tests.desk.kpi_fixtures import REPORT_NOW, WEEK, fill_kpi_week


def _exports(store: Store) -> list[tuple[str, str, str, str]]:
    with store.read() as connection:
        rows = connection.execute(
            text("SELECT actor, event, resource, detail FROM security_audit ORDER BY id")
        ).all()
    return [(r.actor, r.event, r.resource, r.detail) for r in rows]


def test_an_export_is_the_reports_text_and_is_audited(store: Store, tmp_path: Path) -> None:
    fill_kpi_week(store)
    desk = make_desk(store, REPORT_NOW)
    overview = kpi_overview(desk, kpi.week(WEEK))
    out = tmp_path / "week.csv"
    done = export_report(desk, overview, "csv", str(out))
    assert out.read_text(encoding="utf-8") == render(overview, "csv")
    assert (done.path, done.format, done.bytes) == (out, "csv", out.stat().st_size)
    assert _exports(store) == [("amara.okafor", "export", "weekly report csv", f"{WEEK} to {out}")]


def test_a_users_file_is_replaced_only_when_asked(store: Store, tmp_path: Path) -> None:
    fill_kpi_week(store)
    desk = make_desk(store, REPORT_NOW)
    overview = kpi_overview(desk, kpi.week(WEEK), agent="amara.okafor")
    mine = tmp_path / "notes.md"
    mine.write_text("my notes\n")
    with pytest.raises(TargetExists):
        export_report(desk, overview, "md", mine, what="KPI board", agent="amara.okafor")
    assert mine.read_text() == "my notes\n"
    assert _exports(store) == []  # nothing left: nothing audited
    export_report(
        desk, overview, "md", mine, what="KPI board", agent="amara.okafor", overwrite=True
    )
    assert mine.read_text(encoding="utf-8") == render(overview, "md")
    assert _exports(store) == [
        ("amara.okafor", "export", "KPI board md", f"{WEEK} of amara.okafor to {mine}")
    ]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "type a file path first"),
        ("{tmp}", "is a folder: name the file"),
        ("{tmp}/no/such/week.md", "no folder at"),
    ],
)
def test_a_bad_path_is_told_and_nothing_is_written(
    store: Store, tmp_path: Path, typed: str, said: str
) -> None:
    fill_kpi_week(store)
    desk = make_desk(store, REPORT_NOW)
    overview = kpi_overview(desk, kpi.week(WEEK))
    with pytest.raises(BadInput, match=said):
        export_report(desk, overview, "md", typed.format(tmp=tmp_path))
    assert _exports(store) == []


def test_the_suffix_picks_the_format() -> None:
    assert format_of(Path("w.CSV")) == "csv"
    assert format_of(Path("w.md"), ("md", "csv")) == "md"
    with pytest.raises(BadInput, match=r"w.html: name a .md, .csv file"):
        format_of(Path("w.html"), ("md", "csv"))
