"""report.html: one self-contained page a planner opens offline, on screen or on paper.

Everything is inline: CSS, and charts as SVG drawn here (no script, no font, no image, no
link leaves the file). Every text that comes from the inputs (agent names, holiday names,
shift names) is escaped. The roster grid is an HTML table whose cells carry one short
class each, so 1,000 agents x 28 days stays a file a browser opens at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from callshift.palette import LEAVE, OFF, Palette, grid_palette
from callshift.plan import HOLIDAY_ROW, Plan, grid_frame

FAIRNESS = (
    ("nights", "Nights"),
    ("weekend_days", "Weekend days"),
    ("holidays", "Holidays"),
    ("hours", "Hours"),
)

# Chart geometry, in SVG user units (the charts scale to the page's width).
_WIDTH = 1000
_LEFT, _RIGHT, _TOP, _BOTTOM = 46, 12, 12, 36

_CSS = """
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:#111827;margin:0 auto;padding:16px 24px;max-width:1280px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 6px}
p.sub{margin:0 0 12px;color:#4b5563}
section{margin:18px 0 26px}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.tile{border:1px solid #d1d5db;border-radius:6px;padding:8px 12px;min-width:150px}
.tile b{display:block;font-size:20px}.tile span{color:#4b5563;font-size:12px}
.tile.bad b{color:#b91c1c}.tile.good b{color:#166534}
table{border-collapse:collapse}
.facts td,.facts th{padding:2px 10px 2px 0;text-align:left;font-weight:normal}
.facts th{color:#4b5563}
svg.chart{display:block;width:100%;height:auto;border:1px solid #e5e7eb;border-radius:4px}
svg text{font:11px system-ui,sans-serif;fill:#374151}
.axis{stroke:#9ca3af;stroke-width:1}.gridline{stroke:#e5e7eb;stroke-width:1}
.weekend{fill:#f1f5f9}.holiday{fill:#fef3c7}
.required{fill:none;stroke:#111827;stroke-width:1.5}
.scheduled{fill:#93c5fd;stroke:#2563eb;stroke-width:1}
.short{fill:#dc2626}
.level{fill:none;stroke:#2563eb;stroke-width:1.5}
.below{fill:none;stroke:#dc2626;stroke-width:2.5}
.target{stroke:#166534;stroke-width:1.5;stroke-dasharray:6 4}
.key{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:#374151;margin:4px 0}
.key i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:-1px;
border:1px solid #9ca3af}
.wrap{overflow-x:auto}
.grid{font-size:12px}
.grid th,.grid td{border:1px solid #d1d5db;padding:1px 3px;text-align:center;min-width:28px}
.grid thead th{position:sticky;top:0;background:#f9fafb;z-index:1;font-weight:600}
.grid thead tr.hol th{top:34px;font-weight:normal;color:#92400e;font-size:10px;
max-width:60px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.grid thead th.we{background:#e2e8f0}.grid thead th.hd{background:#fde68a}
.grid tbody th{text-align:left;font-weight:600;white-space:nowrap}
.grid td.nm{text-align:left;white-space:nowrap;max-width:180px;overflow:hidden;
text-overflow:ellipsis}
.grid td.o{color:#9ca3af}
.grid td.lv{background-image:repeating-linear-gradient(45deg,transparent 0 4px,
rgba(0,0,0,.08) 4px 6px)}
.fair{font-size:12px}
.fair th,.fair td{border-bottom:1px solid #e5e7eb;padding:1px 6px;text-align:left}
.fair td.b{width:160px;position:relative}
.fair td.b i{display:block;height:10px;background:#2563eb;border-radius:2px}
.fair tr.pt td.b i{background:#9ca3af}
.fair td.n{text-align:right;font-variant-numeric:tabular-nums}
.fair th small{font-weight:normal;color:#4b5563;display:block}
.note{background:#fef3c7;border-left:4px solid #d97706;padding:6px 10px}
@media print{
@page{size:A4 landscape;margin:10mm}
body{max-width:none;padding:0;font-size:11px}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
section{break-inside:avoid-page}
section.long{break-inside:auto}
.grid thead th{position:static}
.wrap{overflow:visible}
tr{break-inside:avoid}
.grid th,.grid td{min-width:0}
}
"""


def render_html(plan: Plan, facts: Mapping[str, Any]) -> str:
    """The whole report as one HTML text; ``facts`` is the plan's summary.json."""
    p = plan.problem
    palette = grid_palette(p.templates)
    dates = p.dates
    last = dates[-1] if dates else p.start
    title = f"callshift plan {p.start.isoformat()} to {last.isoformat()}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        # Nothing may load from anywhere: the report opens offline.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{escape(title)}</title>",
        f"<style>{_CSS}{_width_classes()}{_grid_css(palette, dates, p.holiday_dates)}</style>",
        "</head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{p.days} days, {len(p.agents)} agents, '
        f"{p.interval_minutes}-minute intervals; times are local "
        f"({escape(plan.config.report.timezone)}).</p>",
        _headline(plan, facts),
        _coverage_section(plan),
        _service_level_section(plan, facts),
        _grid_section(plan, palette),
        _fairness_section(plan, facts),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- headline


def coverage_fraction(facts: Mapping[str, Any]) -> float:
    """Share of the required agent-hours that scheduled agents cover (1.0 when none)."""
    required = float(facts["required_agent_hours"])
    if required <= 0:
        return 1.0
    return max(0.0, 1.0 - float(facts["shortfall_agent_hours"]) / required)


def _headline(plan: Plan, facts: Mapping[str, Any]) -> str:
    target = plan.config.staffing.service_level
    level = facts.get("predicted_service_level")
    short = float(facts["shortfall_agent_hours"])
    covered = coverage_fraction(facts)
    tiles = [
        _tile(
            f"{covered:.1%}",
            "of required agent-hours covered",
            "good" if short == 0 else "bad",
        ),
        _tile(
            "n/a" if level is None else f"{level:.1%}",
            f"predicted service level (target {target:.0%})",
            "" if level is None else ("good" if level >= target else "bad"),
        ),
        _tile(
            f"{short:,.1f} h",
            f"shortfall in {facts['shortfall_intervals']} intervals",
            "good" if short == 0 else "bad",
        ),
        _tile(str(facts["solver_status"]), "solver status", ""),
        _tile(
            "hold" if facts.get("hard_rules_hold", True) else "broken",
            "hard rules (independent check)",
            "good" if facts.get("hard_rules_hold", True) else "bad",
        ),
    ]
    rows = [
        ("Required", f"{float(facts['required_agent_hours']):,.1f} agent-hours"),
        ("Scheduled", f"{float(facts['scheduled_agent_hours']):,.1f} agent-hours"),
        ("Paid", f"{float(facts['paid_hours']):,.1f} hours"),
    ]
    holidays = facts.get("holidays") or {}
    if holidays:
        rows.append(("Holidays", "; ".join(f"{d} {n}" for d, n in holidays.items())))
    replan = facts.get("replan")
    if replan:
        absent = ", ".join(
            f"{a['agent_id']} {a['first']} to {a['last']}" for a in replan.get("absent", [])
        )
        rows.append(
            (
                "Replan",
                f"absent {absent}; {replan.get('changed_assignments', 0)} assignments changed; "
                f"shifts before {replan.get('frozen_before', '')} kept",
            )
        )
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    note = f'<p class="note">{escape(str(facts["note"]))}</p>' if facts.get("note") else ""
    spread = _spread_table(facts)
    return (
        f'<section id="headline"><div class="tiles">{"".join(tiles)}</div>'
        f'<table class="facts">{table}</table>{spread}{note}</section>'
    )


def _tile(value: str, label: str, kind: str) -> str:
    cls = f"tile {kind}".strip()
    return f'<div class="{cls}"><b>{escape(value)}</b><span>{escape(label)}</span></div>'


def _spread_table(facts: Mapping[str, Any]) -> str:
    spreads = facts.get("spreads") or {}
    cells = []
    for key, label in FAIRNESS:
        if key in spreads:
            low, high = spreads[key]["full_time_min"], spreads[key]["full_time_max"]
            cells.append(f"<td>{escape(label)} {low:g}-{high:g}</td>")
    if not cells:
        return ""
    return (
        '<table class="facts"><tr><th>Full-time spread (min-max)</th>'
        + "".join(cells)
        + "</tr></table>"
    )


# --------------------------------------------------------------------------- charts


class _Frame:
    """The plot area of one chart: x by interval index, y by value."""

    def __init__(self, intervals: int, top_value: float, height: int) -> None:
        self.n = max(intervals, 1)
        self.top_value = top_value if top_value > 0 else 1.0
        self.height = height
        self.plot_width = _WIDTH - _LEFT - _RIGHT
        self.plot_height = height - _TOP - _BOTTOM

    def x(self, index: float) -> float:
        return _LEFT + self.plot_width * index / self.n

    def y(self, value: float) -> float:
        return _TOP + self.plot_height * (1 - value / self.top_value)

    @property
    def base(self) -> float:
        return self.y(0)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _day_bands(frame: _Frame, plan: Plan) -> str:
    """Weekend and holiday backgrounds, day separators and day labels."""
    p = plan.problem
    per_day = 24 * 60 // p.interval_minutes
    out = []
    short_labels = p.days > 14
    for d, day in enumerate(p.dates):
        x0, x1 = frame.x(d * per_day), frame.x((d + 1) * per_day)
        holiday = p.holiday_dates.get(day)
        if holiday or day.weekday() >= 5:
            cls = "holiday" if holiday else "weekend"
            tip = f"<title>{escape(f'{day} {holiday}')}</title>" if holiday else ""
            out.append(
                f'<rect class="{cls}" x="{_num(x0)}" y="{_TOP}" width="{_num(x1 - x0)}" '
                f'height="{_num(frame.plot_height)}">{tip}</rect>'
            )
        if d:
            out.append(
                f'<line class="gridline" x1="{_num(x0)}" x2="{_num(x0)}" y1="{_TOP}" '
                f'y2="{_num(frame.base)}"/>'
            )
        middle = _num((x0 + x1) / 2)
        weekday = f"{day:%a}"[:1] if short_labels else f"{day:%a}"
        label = f"{day.day}" if short_labels else f"{day.day} {day:%b}"
        out.append(
            f'<text x="{middle}" y="{_num(frame.base + 14)}" text-anchor="middle">'
            f"{weekday}</text>"
            f'<text x="{middle}" y="{_num(frame.base + 27)}" text-anchor="middle">{label}</text>'
        )
    return "".join(out)


def _y_axis(frame: _Frame, ticks: Sequence[float], label: Callable[[float], str]) -> str:
    out = []
    for value in ticks:
        y = _num(frame.y(value))
        out.append(
            f'<line class="gridline" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y}" y2="{y}"/>'
            f'<text x="{_LEFT - 5}" y="{y}" dy="4" text-anchor="end">{label(value)}</text>'
        )
    out.append(
        f'<line class="axis" x1="{_LEFT}" x2="{_LEFT}" y1="{_TOP}" y2="{_num(frame.base)}"/>'
        f'<line class="axis" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{_num(frame.base)}" '
        f'y2="{_num(frame.base)}"/>'
    )
    return "".join(out)


def _nice_ticks(top: float) -> tuple[float, list[float]]:
    """A round axis maximum at or above ``top`` and 3-5 ticks from 0 to it."""
    if top <= 0:
        return 1.0, [0.0, 1.0]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    count = math.ceil(top / step)
    return step * count, [step * i for i in range(count + 1)]


def _step_path(frame: _Frame, values: np.ndarray) -> str:
    """A step line: value i from interval i's start to its end."""
    parts = [f"M{_num(frame.x(0))} {_num(frame.y(float(values[0])))}"]
    for i, value in enumerate(values):
        if i:
            parts.append(f"V{_num(frame.y(float(value)))}")
        parts.append(f"H{_num(frame.x(i + 1))}")
    return "".join(parts)


def _svg(chart_id: str, height: int, label: str, body: str) -> str:
    return (
        f'<svg id="{chart_id}" class="chart" viewBox="0 0 {_WIDTH} {height}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def _coverage_section(plan: Plan) -> str:
    coverage = plan.check.coverage
    required = coverage["required"].to_numpy(dtype=float)
    scheduled = coverage["scheduled"].to_numpy(dtype=float)
    top = float(max(required.max(initial=0), scheduled.max(initial=0)))
    axis_top, ticks = _nice_ticks(top)
    frame = _Frame(len(coverage), axis_top, 280)
    body = [_day_bands(frame, plan), _y_axis(frame, ticks, lambda v: f"{v:g}")]
    if len(coverage):
        area = _step_path(frame, scheduled)
        body.append(f'<path class="scheduled" d="{area}V{_num(frame.base)}H{_num(frame.x(0))}Z"/>')
        shortfall = []
        for i in np.flatnonzero(scheduled < required).tolist():
            shortfall.append(
                f"M{_num(frame.x(i))} {_num(frame.y(scheduled[i]))}H{_num(frame.x(i + 1))}"
                f"V{_num(frame.y(required[i]))}H{_num(frame.x(i))}Z"
            )
        if shortfall:
            short_hours = float((required - scheduled).clip(min=0).sum())
            short_hours *= plan.problem.interval_minutes / 60
            body.append(
                f'<path class="short" d="{"".join(shortfall)}">'
                f"<title>shortfall: {short_hours:,.1f} agent-hours</title></path>"
            )
        body.append(f'<path class="required" d="{_step_path(frame, required)}"/>')
    key = (
        '<div class="key"><span><i style="background:#93c5fd"></i>scheduled agents</span>'
        '<span><i style="background:#111827;height:2px"></i>required agents</span>'
        '<span><i style="background:#dc2626"></i>shortfall</span>'
        '<span><i style="background:#f1f5f9"></i>weekend</span>'
        '<span><i style="background:#fef3c7"></i>holiday</span></div>'
    )
    svg = _svg("coverage-chart", 280, "Required and scheduled agents per interval", "".join(body))
    return f'<section id="coverage"><h2>Required vs scheduled agents</h2>{key}{svg}</section>'


def _service_level_section(plan: Plan, facts: Mapping[str, Any]) -> str:
    coverage = plan.check.coverage
    levels = coverage["service_level"].to_numpy(dtype=float)
    target = plan.config.staffing.service_level
    frame = _Frame(len(coverage), 1.0, 240)
    ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
    body = [_day_bands(frame, plan), _y_axis(frame, ticks, lambda v: f"{v:.0%}")]
    line, below = [], []
    previous_finite = False
    for i, level in enumerate(levels):
        if not np.isfinite(level):
            previous_finite = False
            continue
        x0, x1, y = _num(frame.x(i)), _num(frame.x(i + 1)), _num(frame.y(float(level)))
        line.append(f"{'V' if previous_finite else f'M{x0} '}{y}H{x1}")
        previous_finite = True
        if level < target - 1e-9:
            below.append(f"M{x0} {y}H{x1}")
    if line:
        body.append(f'<path class="level" d="{"".join(line)}"/>')
    if below:
        body.append(
            f'<path class="below" d="{"".join(below)}">'
            f"<title>{len(below)} intervals below the target</title></path>"
        )
    target_y = _num(frame.y(target))
    body.append(
        f'<line class="target" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{target_y}" '
        f'y2="{target_y}"><title>target {target:.0%}</title></line>'
    )
    if not line:
        body.append(
            f'<text x="{_WIDTH / 2}" y="{_num(frame.y(0.5))}" text-anchor="middle">'
            "no calls in this period</text>"
        )
    level = facts.get("predicted_service_level")
    overall = "" if level is None else f" (calls-weighted over the period: {level:.1%})"
    key = (
        '<div class="key"><span><i style="background:#2563eb;height:2px"></i>'
        "predicted service level</span>"
        '<span><i style="background:#dc2626;height:3px"></i>below target</span>'
        f'<span><i style="background:#166534;height:2px"></i>target {target:.0%}</span></div>'
    )
    svg = _svg(
        "service-level-chart",
        240,
        "Predicted service level per interval against the target",
        "".join(body),
    )
    return (
        f'<section id="service-level"><h2>Predicted service level{escape(overall)}</h2>'
        f"{key}{svg}</section>"
    )


# --------------------------------------------------------------------------- grid


def _grid_css(palette: Palette, dates: Sequence[date], holidays: Mapping[date, str]) -> str:
    rules = [
        f".grid td.{s.key},.key i.{s.key}{{background-color:#{s.fill};color:#{s.ink}}}"
        for s in palette.swatches
    ]
    # Weekend and holiday columns, by position: the agent and name columns come first.
    weekend = [i + 3 for i, day in enumerate(dates) if day.weekday() >= 5 and day not in holidays]
    holiday = [i + 3 for i, day in enumerate(dates) if day in holidays]
    if weekend:
        cells = ",".join(f".grid tbody td.o:nth-child({n})" for n in weekend)
        rules.append(f"{cells}{{background-color:#eef2f7}}")
    if holiday:
        cells = ",".join(f".grid tbody td:nth-child({n})" for n in holiday)
        rules.append(f"{cells}{{border-left:2px solid #d97706;border-right:2px solid #d97706}}")
    return "\n".join(rules)


def _width_classes() -> str:
    """Bar widths as classes (w0 … w100), so no cell repeats an inline style."""
    return "".join(f".w{i}{{width:{i}%}}" for i in range(101))


def _grid_section(plan: Plan, palette: Palette) -> str:
    p = plan.problem
    grid = grid_frame(plan)
    grid = grid[grid["agent_id"] != HOLIDAY_ROW] if p.holiday_dates else grid
    names = {a.agent_id: a.name for a in p.agents}
    head = ["<tr><th>agent</th><th>name</th>"]
    for day in p.dates:
        cls = "hd" if day in p.holiday_dates else ("we" if day.weekday() >= 5 else "")
        attr = f' class="{cls}"' if cls else ""
        head.append(f"<th{attr}>{day:%a}<br>{day.day:d}/{day.month:d}</th>")
    head.append("</tr>")
    if p.holiday_dates:
        head.append('<tr class="hol"><th colspan="2">holiday</th>')
        for day in p.dates:
            name = p.holiday_dates.get(day, "")
            head.append(f'<th title="{escape(name)}">{escape(name)}</th>')
        head.append("</tr>")
    rows = []
    columns = [d.isoformat() for d in p.dates]
    for record in grid.itertuples(index=False):
        agent_id = str(record[0])
        cells = [f"<tr><th>{escape(agent_id)}</th><td class=nm>{escape(names.get(agent_id, ''))}"]
        for code in record[1 : len(columns) + 1]:
            code = str(code)
            swatch = palette.of(code)
            shown = "" if code == OFF else ("LV" if code == LEAVE else escape(code))
            cells.append(f"<td class={swatch.key}>{shown}")
        rows.append("".join(cells))
    key = "".join(
        f'<span><i class="{s.key}"></i>{escape(s.label)}: {escape(s.detail)}</span>'
        for s in palette.swatches
        if s.key != "o"
    )
    key += "<span>blank: off; LV: leave</span>"
    return (
        '<section id="grid" class="long"><h2>Roster</h2>'
        f'<div class="key">{key}</div><div class="wrap"><table class="grid">'
        f"<thead>{''.join(head)}</thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table></div>"
        "</section>"
    )


# --------------------------------------------------------------------------- fairness


def _fairness_section(plan: Plan, facts: Mapping[str, Any]) -> str:
    p = plan.problem
    per_agent = pd.DataFrame(facts.get("per_agent") or [])
    if per_agent.empty:
        return '<section id="fairness"><h2>Fairness</h2><p>No agents.</p></section>'
    full_time = {
        a.agent_id
        for a in p.agents
        if p.contract_hours(a) == p.rules.contract_hours and not p.leave.get(a.agent_id)
    }
    names = {a.agent_id: a.name for a in p.agents}
    spreads = facts.get("spreads") or {}
    head = ["<tr><th>agent</th><th>name</th>"]
    for key, label in FAIRNESS:
        spread = spreads.get(key)
        note = (
            f"<small>full-time {spread['full_time_min']:g}-{spread['full_time_max']:g}</small>"
            if spread
            else ""
        )
        head.append(f'<th colspan="2">{escape(label)}{note}</th>')
    head.append("</tr>")
    tops = {key: float(per_agent[key].max()) for key, _ in FAIRNESS}
    rows = []
    for record in per_agent.to_dict("records"):
        agent_id = str(record["agent_id"])
        cls = "" if agent_id in full_time else ' class="pt"'
        cells = [f"<tr{cls}><td>{escape(agent_id)}<td>{escape(names.get(agent_id, ''))}"]
        for key, _ in FAIRNESS:
            value = float(record[key])
            width = round(100 * value / tops[key]) if tops[key] > 0 else 0
            cells.append(f'<td class="b"><i class="w{width}"></i><td class="n">{value:g}')
        rows.append("".join(cells))
    return (
        '<section id="fairness" class="long"><h2>Fairness per agent</h2>'
        '<div class="key"><span><i style="background:#2563eb"></i>full-time, no leave</span>'
        '<span><i style="background:#9ca3af"></i>part-time or on leave (smaller fair share)'
        "</span></div>"
        f'<table class="fair"><thead>{"".join(head)}</thead><tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table></section>"
    )
