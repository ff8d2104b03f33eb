"""The weekly report (issue 15): one KpiOverview (desk.kpis) as Markdown, HTML or CSV.

Every figure is core.kpi's, formatted by core.kpi_definitions.format_value, so the report,
the KPI board and the supervisor's tiles agree. The HTML is one self-contained file: its
charts are SVG rendered by pygal, inline (no script or style fetched from anywhere, no
JavaScript needed).
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable

from agentdesk.core.kpi import KpiSet
from agentdesk.core.kpi_definitions import DEFINITIONS, Kpi, Unit, format_value
from agentdesk.desk.kpis import KpiOverview

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CARD_KPIS = (
    Kpi.FIRST_RESPONSE_TIME,
    Kpi.AVERAGE_HANDLE_TIME_PHONE,
    Kpi.AVERAGE_HANDLE_TIME_ASYNC,
    Kpi.FIRST_CONTACT_RESOLUTION,
    Kpi.CSAT,
    Kpi.QA_SCORE,
    Kpi.SLA_BREACH_RATE,
    Kpi.SCHEDULE_ADHERENCE,
)


def _verdict(kpis: KpiSet, kpi: Kpi) -> str:
    met = kpis[kpi].met
    return "" if met is None else ("met" if met else "BELOW TARGET")


def _numerator(kpi: Kpi, value: float) -> str:
    """A count as a count; a sum of seconds as a duration."""
    if DEFINITIONS[kpi].unit is Unit.SECONDS:
        return format_value(Unit.SECONDS, value)
    return f"{value:.0f}"


def kpi_rows(overview: KpiOverview) -> list[list[str]]:
    """KPI, value, target, verdict, numerator, denominator, then the trend (oldest first)."""
    rows = []
    for kpi in Kpi:
        value = overview.kpis[kpi]
        definition = DEFINITIONS[kpi]
        trend = " · ".join("-" if s[kpi].value is None else s[kpi].shown for s in overview.trend)
        rows.append(
            [
                definition.name,
                value.shown,
                definition.describe_target(),
                _verdict(overview.kpis, kpi),
                _numerator(kpi, value.numerator),
                str(value.denominator),
                trend,
            ]
        )
    return rows


def _notes(overview: KpiOverview) -> list[str]:
    month = overview.month[Kpi.SLA_BREACH_RATE]
    notes = [
        f"SLA breach rate for {overview.month.period.label}: {month.shown}"
        + (" — above 2 %: a root-cause analysis is due." if overview.root_cause_analysis else ".")
    ]
    for agent, kpis in overview.improvement_plans.items():
        names = ", ".join(DEFINITIONS[k].name for k in kpis)
        notes.append(f"Improvement plan: {agent} below target two months running on {names}.")
    return notes


def _resolution(overview: KpiOverview) -> str:
    return format_value(
        DEFINITIONS[Kpi.FIRST_RESPONSE_TIME].unit, overview.average_resolution_seconds
    )


def render_markdown(overview: KpiOverview) -> str:
    p = overview.period
    out = [
        f"# Weekly report {p.label}",
        "",
        f"{p.start:%a %d %b %Y} to {p.end:%a %d %b %Y} (UTC); "
        f"generated {overview.now:%Y-%m-%d %H:%M} UTC.",
        "",
        "## KPIs against targets",
        "",
        "| KPI | Value | Target | | Of | Out of | Trend (8 weeks) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    out += ["| " + " | ".join(row) + " |" for row in kpi_rows(overview)]
    out += ["", *(f"- {n}" for n in _notes(overview)), ""]
    out += ["## Top 10 issues by volume", "", "| Issue | Tickets |", "| --- | --- |"]
    out += [f"| {name} | {count} |" for name, count in overview.top_issues]
    out += ["", f"Average resolution time: {_resolution(overview)}", ""]
    out += ["## SLA breaches by weekday and hour (UTC)", ""]
    out += ["| | " + " | ".join(f"{h:02d}" for h in range(24)) + " |"]
    out += ["| --- " * 25 + "|"]
    for day, hours in zip(WEEKDAYS, overview.heatmap, strict=True):
        out.append(f"| {day} | " + " | ".join(str(n) if n else "." for n in hours) + " |")
    out += ["", "## Escalations", ""]
    out += [f"- {name}: {count}" for name, count in overview.escalations.items()]
    out += ["", "## Agent scorecards", ""]
    out += ["| Agent | Tickets | " + " | ".join(DEFINITIONS[k].name for k in CARD_KPIS) + " |"]
    out += ["| --- " * (2 + len(CARD_KPIS)) + "|"]
    for card in overview.agents:
        cells = [
            card.kpis[k].shown + ("" if card.kpis[k].met is not False else " !") for k in CARD_KPIS
        ]
        out.append(f"| {card.handle} | {card.tickets} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _plain(value: float) -> str:
    """A number for a spreadsheet: no exponent, at most 4 decimals."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def render_csv(overview: KpiOverview) -> str:
    """One row per KPI for the team, then one per agent and KPI: scope, kpi, value, ..."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "period",
            "scope",
            "kpi",
            "name",
            "value",
            "shown",
            "target",
            "met",
            "numerator",
            "denominator",
        ]
    )

    def rows(scope: str, kpis: KpiSet) -> Iterable[list[str]]:
        for kpi in Kpi:
            v = kpis[kpi]
            d = DEFINITIONS[kpi]
            yield [
                overview.period.label,
                scope,
                kpi.value,
                d.name,
                "" if v.value is None else _plain(v.value),
                v.shown,
                "" if d.target is None else f"{d.target:g}",
                "" if v.met is None else str(v.met).lower(),
                _plain(v.numerator),
                str(v.denominator),
            ]

    writer.writerows(rows("team", overview.kpis))
    for card in overview.agents:
        writer.writerows(rows(f"agent:{card.handle}", card.kpis))
    return buffer.getvalue()


def _config() -> object:
    import pygal

    config = pygal.Config()
    config.js = []  # self-contained: no script fetched from anywhere
    config.disable_xml_declaration = True
    config.width, config.height = 800, 320
    config.explicit_size = True
    return config


def _svg(chart: object) -> str:
    return str(chart.render(is_unicode=True))  # type: ignore[attr-defined]


def charts(overview: KpiOverview) -> dict[str, str]:
    import pygal
    from pygal.style import DefaultStyle

    labels = [s.period.label for s in overview.trend]
    trend = pygal.Line(_config(), style=DefaultStyle, title="Trend (%)", x_labels=labels)
    for kpi in (Kpi.FIRST_CONTACT_RESOLUTION, Kpi.CSAT, Kpi.QA_SCORE, Kpi.SLA_BREACH_RATE):
        values = [s[kpi].value for s in overview.trend]
        trend.add(DEFINITIONS[kpi].name, [None if v is None else round(v * 100, 1) for v in values])
    top = list(reversed(overview.top_issues))
    issues = pygal.HorizontalBar(
        _config(), title="Top 10 issues by volume", x_labels=[n for n, _ in top], show_legend=False
    )
    issues.add("Tickets opened", [c for _, c in top])
    heat = pygal.Dot(
        _config(),
        title="SLA breaches by weekday and hour (UTC)",
        x_labels=[f"{h:02d}" for h in range(24)],
    )
    for day, hours in zip(WEEKDAYS, overview.heatmap, strict=True):
        heat.add(day, hours)
    return {"trend": _svg(trend), "issues": _svg(issues), "heatmap": _svg(heat)}


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
td.below { color: #b00020; font-weight: bold; }
figure { margin: 1em 0; }
"""


def render_html(overview: KpiOverview) -> str:
    e = html.escape
    p = overview.period
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Weekly report {e(p.label)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Weekly report {e(p.label)}</h1>",
        f"<p>{p.start:%a %d %b %Y} to {p.end:%a %d %b %Y} (UTC); generated "
        f"{overview.now:%Y-%m-%d %H:%M} UTC.</p>",
        "<h2>KPIs against targets</h2>",
        '<table id="kpis"><tr><th>KPI</th><th>Value</th><th>Target</th><th></th>'
        "<th>Of</th><th>Out of</th><th>Trend (8 weeks)</th></tr>",
    ]
    for kpi, row in zip(Kpi, kpi_rows(overview), strict=True):
        below = ' class="below"' if overview.kpis[kpi].met is False else ""
        parts.append(
            f'<tr data-kpi="{kpi.value}"><td>{e(row[0])}</td>'
            f'<td class="value"{below}>{e(row[1])}</td>'
            + "".join(f"<td>{e(cell)}</td>" for cell in row[2:])
            + "</tr>"
        )
    parts.append("</table><ul>" + "".join(f"<li>{e(n)}</li>" for n in _notes(overview)) + "</ul>")
    svg = charts(overview)
    parts.append(f'<figure id="trend-chart">{svg["trend"]}</figure>')
    parts.append(
        '<h2>Top 10 issues by volume</h2><table id="issues"><tr><th>Issue</th><th>Tickets</th></tr>'
    )
    parts += [f"<tr><td>{e(n)}</td><td>{c}</td></tr>" for n, c in overview.top_issues]
    parts.append("</table>")
    parts.append(f'<figure id="issues-chart">{svg["issues"]}</figure>')
    parts.append(f'<p id="resolution">Average resolution time: {e(_resolution(overview))}</p>')
    parts.append("<h2>SLA breach heatmap</h2>")
    parts.append(f'<figure id="heatmap-chart">{svg["heatmap"]}</figure>')
    parts.append("<h2>Escalations</h2><ul>")
    parts += [
        f'<li data-escalation="{e(n)}">{e(n)}: {c}</li>' for n, c in overview.escalations.items()
    ]
    parts.append(
        '</ul><h2>Agent scorecards</h2><table id="agents"><tr><th>Agent</th><th>Tickets</th>'
    )
    parts += [f"<th>{e(DEFINITIONS[k].name)}</th>" for k in CARD_KPIS]
    parts.append("</tr>")
    for card in overview.agents:
        cells = "".join(
            f'<td data-kpi="{k.value}"'
            + (' class="below"' if card.kpis[k].met is False else "")
            + f">{e(card.kpis[k].shown)}</td>"
            for k in CARD_KPIS
        )
        parts.append(
            f'<tr data-agent="{e(card.handle)}"><td>{e(card.handle)}</td>'
            f"<td>{card.tickets}</td>{cells}</tr>"
        )
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"


def render(overview: KpiOverview, fmt: str) -> str:
    return {"md": render_markdown, "html": render_html, "csv": render_csv}[fmt](overview)
