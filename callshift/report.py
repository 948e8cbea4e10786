"""Writers and terminal tables for results. Never solves, never reads inputs.

Files are written atomically: to a temporary file beside the target, then renamed, so a
reader (a spreadsheet, the next cron job) never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from callshift.history import history_csv
from callshift.html_report import coverage_fraction, render_html
from callshift.plan import (
    Plan,
    agent_stats,
    grid_frame,
    night_transport,
    soft_penalties,
    unreachable_hours,
)
from callshift.replan import Replan
from callshift.runs import out_folder, write_folder
from callshift.staffing import Staffing
from callshift.xlsx_report import render_xlsx

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M"

_STAFFING_DECIMALS = {
    "calls": 4,
    "aht_seconds": 2,
    "traffic_erlangs": 4,
    "service_level": 4,
    "asa_seconds": 2,
    "occupancy": 4,
    "abandon_rate": 4,
}


@contextlib.contextmanager
def atomic_writer(path: str | Path) -> Iterator[IO[str]]:
    """Open ``path`` for writing text; it appears whole on success and not at all on error."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes it private; a plain open would not
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def staffing_frame(staffing: Staffing) -> pd.DataFrame:
    """staffing.csv as text-ready columns: timestamps as `YYYY-MM-DD HH:MM`, rounded floats."""
    frame = staffing.table.copy()
    frame["interval_start"] = frame["interval_start"].dt.strftime(TIMESTAMP_FORMAT)
    for column, decimals in _STAFFING_DECIMALS.items():
        if column in frame:
            frame[column] = [format_number(v, decimals) for v in frame[column]]
    return frame


def format_number(value: float, decimals: int) -> str:
    """`3`, `12.75`, `0.8884`: rounded, no trailing zeros; empty for a missing value."""
    if value != value:  # NaN
        return ""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def write_staffing_csv(staffing: Staffing, path: str | Path) -> Path:
    with atomic_writer(path) as handle:
        staffing_frame(staffing).to_csv(handle, index=False, lineterminator="\n")
    return Path(path)


def staffing_table(staffing: Staffing) -> Table:
    """Per day: calls, peak agents and required agent-hours, with a total row."""
    daily = staffing.daily()
    settings = staffing.settings
    title = (
        f"Staffing: {settings.service_level:.0%} in {settings.answer_seconds:g} s, "
        f"occupancy ≤ {settings.max_occupancy:.0%}, shrinkage {settings.shrinkage:.0%}"
    )
    table = Table(title=title, show_footer=True)
    table.add_column("day", footer="total")
    table.add_column("calls", justify="right", footer=f"{daily['calls'].sum():,.0f}")
    table.add_column("peak agents", justify="right", footer=f"{daily['peak_agents'].max():,}")
    table.add_column("agent-hours", justify="right", footer=f"{daily['agent_hours'].sum():,.1f}")
    for day, row in daily.iterrows():
        table.add_row(
            f"{pd.Timestamp(str(day)):%a %Y-%m-%d}",
            f"{row['calls']:,.0f}",
            f"{int(row['peak_agents']):,}",
            f"{row['agent_hours']:,.1f}",
        )
    return table


# --------------------------------------------------------------------------- plan outputs

CONTRACT_FILES = ("staffing.csv", "roster.csv", "roster_grid.csv", "coverage.csv", "summary.json")
REPORT_FILES = ("report.html", "roster.xlsx")  # for people: charts, and a coloured grid
PLAN_FILES = CONTRACT_FILES + REPORT_FILES


def coverage_frame(plan: Plan) -> pd.DataFrame:
    frame = plan.check.coverage.copy()
    frame["interval_start"] = frame["interval_start"].dt.strftime(TIMESTAMP_FORMAT)
    frame["service_level"] = [format_number(v, 4) for v in frame["service_level"]]
    return frame


def summary(plan: Plan) -> dict[str, Any]:
    """summary.json: the run at a glance, per-agent counts included."""
    coverage = plan.check.coverage
    hours = plan.problem.interval_minutes / 60
    calls = plan.staffing.table.set_index("interval_start")["calls"]
    weights = calls.reindex(coverage["interval_start"]).fillna(0.0).to_numpy()
    levels = coverage["service_level"].to_numpy(dtype=float)
    busy = weights > 0
    predicted = (
        float(np.average(np.nan_to_num(levels[busy]), weights=weights[busy]))
        if busy.any()
        else None
    )
    solution = plan.solution
    stats = agent_stats(plan)
    short = coverage["shortfall"].to_numpy()
    waiting = unreachable_hours(plan)
    result: dict[str, Any] = {
        "start": plan.problem.start.isoformat(),
        "days": plan.problem.days,
        "interval_minutes": plan.problem.interval_minutes,
        "agents": len(plan.problem.agents),
        "team_sized": plan.sized,
        "team_lower_bound": solution.lower_bound_agents,
        "solver_status": solution.status,
        "objective": solution.objective,
        "best_bound": solution.best_bound,
        "gap": solution.gap,
        "solve_seconds": round(solution.solve_seconds, 3),
        "time_limit_seconds": plan.config.solver.time_limit_seconds,
        "time_limit_kind": "deterministic" if plan.deterministic else "wall-clock",
        "deterministic_seconds": round(solution.deterministic_seconds, 3),
        "interrupted": plan.interrupted,
        "shortfall_agent_hours": float(short.sum() * hours),
        "shortfall_intervals": int((short > 0).sum()),
        "shortfall_waiting_on_previous_period_agent_hours": waiting,
        "scheduled_agent_hours": float(coverage["scheduled"].sum() * hours),
        "required_agent_hours": float(coverage["required"].sum() * hours),
        "paid_hours": float(plan.roster["paid_hours"].sum()),
        "predicted_service_level": predicted,
        "hard_rules_hold": plan.check.ok,
        "holidays": {day.isoformat(): name for day, name in plan.problem.holiday_dates.items()},
        "soft_penalties": soft_penalties(plan),
        "spreads": spreads(plan, stats),
        "night_transport": night_transport(plan),
        "per_agent": [
            {
                "agent_id": str(row["agent_id"]),
                "hours": float(row["hours"]),
                "shifts": int(row["shifts"]),
                "nights": int(row["nights"]),
                "weekend_days": int(row["weekend_days"]),
                "holidays": int(row["holidays"]),
                "longest_run": int(row["longest_run"]),
                "off_pairs": int(row["off_pairs"]),
                "preferences_asked": int(row["preferences_asked"]),
                "preferences_granted": int(row["preferences_granted"]),
            }
            for row in stats.to_dict("records")
        ],
    }
    if waiting > 0:
        result["note"] = (
            f"{waiting:g} agent-hours short at the start of the first day wait on the previous "
            "period's roster (its night shift covers them)"
        )
    return result


SPREAD_MEASURES = ("hours", "nights", "weekend_days", "holidays", "longest_run", "off_pairs")


def spreads(plan: Plan, stats: pd.DataFrame | None = None) -> dict[str, dict[str, float]]:
    """Min and max of each measure over the full-time agents with no leave (the ones whose
    fair share is the same), and over all agents."""
    stats = agent_stats(plan) if stats is None else stats
    p = plan.problem
    full = {
        a.agent_id
        for a in p.agents
        if p.contract_hours(a) == p.rules.contract_hours and not p.leave.get(a.agent_id)
    }
    night_ok = {a.agent_id for a in p.agents if a.night_ok}
    result: dict[str, dict[str, float]] = {}
    for measure in SPREAD_MEASURES:
        group = stats[stats["agent_id"].isin(full)]
        if measure == "nights":
            group = group[group["agent_id"].isin(night_ok)]
        values = group[measure] if len(group) else stats[measure]
        result[measure] = {
            "full_time_min": float(values.min()) if len(values) else 0.0,
            "full_time_max": float(values.max()) if len(values) else 0.0,
            "all_min": float(stats[measure].min()) if len(stats) else 0.0,
            "all_max": float(stats[measure].max()) if len(stats) else 0.0,
        }
    return result


def agents_table(plan: Plan) -> Table:
    """Per agent: the burden and rotation measures, with min / max rows per measure."""
    stats = agent_stats(plan)
    table = Table(title="Agents")
    columns = [
        ("agent", "agent_id"),
        ("hours", "hours"),
        ("nights", "nights"),
        ("weekend", "weekend_days"),
        ("holidays", "holidays"),
        ("longest run", "longest_run"),
        ("off pairs", "off_pairs"),
        ("prefs granted", "preferences_granted"),
    ]
    for title, _ in columns:
        table.add_column(title, justify="left" if title == "agent" else "right")
    for row in stats.to_dict("records"):
        cells = [str(row["agent_id"])]
        for _, key in columns[1:]:
            value = row[key]
            if key == "preferences_granted":
                cells.append(
                    f"{value}/{row['preferences_asked']}" if row["preferences_asked"] else ""
                )
            else:
                cells.append(f"{value:g}")
        table.add_row(*cells)
    spread = spreads(plan, stats)
    for label, key in (("min FT", "full_time_min"), ("max FT", "full_time_max")):
        cells = [label] + [f"{spread[k][key]:g}" if k in spread else "" for _, k in columns[1:]]
        table.add_row(*cells, style="bold")
    return table


def default_out_dir(plan: Plan) -> Path:
    return out_folder(None, plan.problem.start)


def write_plan(
    plan: Plan,
    out_dir: str | Path,
    *,
    extra: Mapping[str, str] | None = None,
    facts: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Every plan output (and ``extra`` files: name → text) into ``out_dir``, all or nothing
    (see ``callshift.runs.write_folder``): a reader never sees half a file, and a new
    folder appears whole or not at all."""
    everything = {**summary(plan), **(facts or {})}
    texts: dict[str, str | bytes] = {
        "staffing.csv": staffing_frame(plan.staffing).to_csv(index=False, lineterminator="\n"),
        "roster.csv": _roster_csv(plan.roster),
        "roster_grid.csv": grid_frame(plan).to_csv(index=False, lineterminator="\n"),
        "coverage.csv": coverage_frame(plan).to_csv(index=False, lineterminator="\n"),
        "summary.json": json.dumps(everything, indent=2) + "\n",
        "report.html": render_html(plan, everything),
        "roster.xlsx": render_xlsx(plan, everything),
    }
    if plan.history is not None:
        texts["history.csv"] = history_csv(plan.history)
    texts.update(extra or {})
    return write_folder(out_dir, texts)


def _roster_csv(roster: pd.DataFrame) -> str:
    frame = roster.copy()
    frame["paid_hours"] = [format_number(v, 2) for v in frame["paid_hours"]]
    frame["night"] = frame["night"].map({True: "true", False: "false"})
    return str(frame.to_csv(index=False, lineterminator="\n"))


def replan_facts(replan: Replan) -> dict[str, Any]:
    """What summary.json adds for a replan."""
    return {
        "replan": {
            "absent": [
                {"agent_id": a.agent_id, "first": a.first.isoformat(), "last": a.last.isoformat()}
                for a in replan.absences
            ],
            "frozen_before": replan.frozen_before.strftime(TIMESTAMP_FORMAT),
            "changed_assignments": len(replan.changes),
        }
    }


def changes_table(replan: Replan) -> Table:
    """Every changed assignment of a replan: agent, date, old and new shift."""
    table = Table(title=f"Changes: {len(replan.changes)}")
    for name in ("agent", "date", "was", "now"):
        table.add_column(name)
    for row in replan.changes.itertuples(index=False):
        table.add_row(
            str(row.agent_id),
            str(row.date),
            str(row.old_shift) or "off",
            str(row.new_shift) or "off",
        )
    return table


def plan_table(plan: Plan) -> Table:
    """Per day: required and scheduled agent-hours, shortfall, shifts by type."""
    coverage = plan.check.coverage.assign(date=plan.check.coverage["interval_start"].dt.date)
    hours = plan.problem.interval_minutes / 60
    daily = coverage.groupby("date").agg(
        required=("required", "sum"), scheduled=("scheduled", "sum"), short=("shortfall", "sum")
    )
    shifts = plan.roster.groupby("date").size()
    nights = plan.roster[plan.roster["night"].astype(bool)].groupby("date").size()
    table = Table(title=f"Roster: {len(plan.problem.agents)} agents, {plan.problem.days} days")
    for name in ("day", "shifts", "nights", "required h", "scheduled h", "short h"):
        table.add_column(name, justify="left" if name == "day" else "right")
    for day, row in daily.iterrows():
        key = pd.Timestamp(str(day)).strftime("%Y-%m-%d")
        table.add_row(
            f"{pd.Timestamp(str(day)):%a %Y-%m-%d}",
            str(int(shifts.get(key, 0))),
            str(int(nights.get(key, 0))),
            f"{row['required'] * hours:,.1f}",
            f"{row['scheduled'] * hours:,.1f}",
            f"{row['short'] * hours:,.1f}",
        )
    return table


def coverage_totals(coverage: pd.DataFrame, interval_minutes: int) -> dict[str, float]:
    """Required, scheduled and short agent-hours, and the count of short intervals."""
    hours = interval_minutes / 60
    return {
        "required": float(coverage["required"].sum() * hours),
        "scheduled": float(coverage["scheduled"].sum() * hours),
        "shortfall": float(coverage["shortfall"].sum() * hours),
        "short_intervals": int((coverage["shortfall"] > 0).sum()),
    }


_FILE_ROLES = {
    "report.html": "report (open in a browser)",
    "roster.xlsx": "spreadsheet",
    "roster.csv": "roster",
    "roster_grid.csv": "grid",
    "coverage.csv": "coverage",
    "staffing.csv": "staffing",
    "summary.json": "summary",
    "history.csv": "history (next --history)",
    "changes.csv": "changes",
}


def plan_panel(plan: Plan, facts: Mapping[str, Any], written: list[Path]) -> Panel:
    """The run at a glance for the terminal: coverage, service level, shortfall, fairness
    spreads over the full-time agents, and where each file is."""
    target = plan.config.staffing.service_level
    level = facts.get("predicted_service_level")
    short = float(facts["shortfall_agent_hours"])
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row(
        "coverage",
        f"{coverage_fraction(facts):.1%} of {float(facts['required_agent_hours']):,.1f} "
        "required agent-hours",
    )
    if level is None:
        grid.add_row("service level", "no calls to predict")
    else:
        mark = "[green]meets[/]" if level >= target else "[red]below[/]"
        grid.add_row("service level", f"{level:.1%} predicted, {mark} the {target:.0%} target")
    grid.add_row(
        "shortfall",
        ("[green]none[/]" if short == 0 else f"[red]{short:,.1f}[/] agent-hours")
        + (f" in {facts['shortfall_intervals']} intervals" if short else ""),
    )
    spread = facts.get("spreads") or {}
    parts = [
        f"{label} {spread[key]['full_time_min']:g}-{spread[key]['full_time_max']:g}"
        for key, label in (
            ("nights", "nights"),
            ("weekend_days", "weekend days"),
            ("holidays", "holidays"),
            ("hours", "hours"),
        )
        if key in spread
    ]
    grid.add_row("fairness", "full-time min-max: " + ", ".join(parts))
    files = Table.grid(padding=(0, 2))
    files.add_column(style="dim", no_wrap=True)
    files.add_column(overflow="fold")
    ordered = sorted(
        written,
        key=lambda path: (
            list(_FILE_ROLES).index(path.name) if path.name in _FILE_ROLES else len(_FILE_ROLES)
        ),
    )
    for path in ordered:
        files.add_row(_FILE_ROLES.get(path.name, path.name), str(path))
    title = f"Plan {plan.problem.start.isoformat()}, {plan.problem.days} days"
    return Panel(Group(grid, "", files), title=title, title_align="left", expand=False)
