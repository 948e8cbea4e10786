"""The main job: forecast → staffing → roster problem → solve → independent check.

``make_plan`` reads the inputs, solves and checks; it never writes or prints. A roster
that fails the independent check is never returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from callshift.agents import Agent, Leave, read_agents, read_leave
from callshift.config import Config
from callshift.errors import CallshiftError, InfeasibleError
from callshift.forecast import read_forecast
from callshift.roster.check import CheckReport, RosterRow, check_roster
from callshift.roster.problem import RosterProblem, build_problem
from callshift.roster.solve import ProgressCallback, Solution, size_team, solve_roster
from callshift.staffing import Staffing, compute_staffing

TIMESTAMP = "%Y-%m-%d %H:%M"


class RosterCheckFailed(CallshiftError):
    """The solver's roster broke a hard rule: a callshift bug. Nothing is written."""

    exit_code = 1


@dataclass(frozen=True)
class Plan:
    config: Config
    staffing: Staffing
    problem: RosterProblem
    solution: Solution
    check: CheckReport
    roster: pd.DataFrame  # the roster.csv rows
    warnings: tuple[str, ...]

    @property
    def sized(self) -> bool:
        return self.solution.lower_bound_agents is not None


def make_plan(
    forecast_path: str | Path,
    config: Config,
    *,
    agents_path: str | Path | None = None,
    leave_path: str | Path | None = None,
    start: date | None = None,
    days: int = 7,
    max_agents: int = 500,
    deterministic: bool = False,
    on_progress: ProgressCallback | None = None,
) -> Plan:
    forecast = read_forecast(forecast_path)
    agents: tuple[Agent, ...] | None = None
    if agents_path is not None:
        agents = read_agents(agents_path)
    leave: tuple[Leave, ...] = ()
    if leave_path is not None:
        ids = [a.agent_id for a in agents] if agents is not None else None
        leave = read_leave(leave_path, ids)
    staffing = compute_staffing(forecast, config.staffing)
    problem = build_problem(staffing, config, start=start, days=days, agents=agents, leave=leave)
    if agents is None:
        solution = size_team(
            problem,
            config.solver,
            max_agents=max_agents,
            deterministic=deterministic,
            on_progress=on_progress,
        )
    else:
        solution = solve_roster(
            problem, config.solver, deterministic=deterministic, on_progress=on_progress
        )
    if solution.status == "INFEASIBLE":
        raise InfeasibleError("the hard rules clash: no roster satisfies them all")
    if not solution.found:
        raise InfeasibleError(
            f"no roster found within {config.solver.time_limit_seconds:g} s (raise --time-limit)"
        )
    roster = roster_frame(solution)
    report = check_roster(
        roster_rows(roster),
        agents=solution.problem.agents,
        leave=leave,
        config=config,
        forecast=forecast,
        start=problem.start,
        days=problem.days,
    )
    if not report.ok:
        listed = "; ".join(v.message for v in report.violations[:5])
        raise RosterCheckFailed(
            f"the solver's roster failed the independent check ({len(report.violations)} "
            f"violations: {listed}); nothing written. This is a callshift bug: please report it"
        )
    return Plan(
        config=config,
        staffing=staffing,
        problem=solution.problem,
        solution=solution,
        check=report,
        roster=roster,
        warnings=forecast.warnings + staffing.warnings,
    )


def roster_frame(solution: Solution) -> pd.DataFrame:
    """One row per worked shift, agents in input order, then by date."""
    p = solution.problem
    origin = pd.Timestamp(p.start)
    rows = []
    for a, d, t in sorted(solution.assignments):
        template = p.templates[t]
        begin, end = template.span(d)
        rows.append(
            {
                "agent_id": p.agents[a].agent_id,
                "date": (origin + pd.Timedelta(days=d)).strftime("%Y-%m-%d"),
                "shift": template.code,
                "start": (origin + pd.Timedelta(minutes=begin)).strftime(TIMESTAMP),
                "end": (origin + pd.Timedelta(minutes=end)).strftime(TIMESTAMP),
                "paid_hours": template.paid_hours,
                "night": template.night,
                "holiday": "",
            }
        )
    columns = ["agent_id", "date", "shift", "start", "end", "paid_hours", "night", "holiday"]
    return pd.DataFrame(rows, columns=columns)


def roster_rows(frame: pd.DataFrame) -> tuple[RosterRow, ...]:
    """The roster rows as the checker reads them from roster.csv."""
    rows = []
    for line, row in enumerate(frame.itertuples(index=False), start=2):
        rows.append(
            RosterRow(
                agent_id=str(row.agent_id),
                date=date.fromisoformat(str(row.date)),
                shift=str(row.shift),
                start=pd.Timestamp(str(row.start)).to_pydatetime(),
                end=pd.Timestamp(str(row.end)).to_pydatetime(),
                paid_hours=float(str(row.paid_hours)),
                night=bool(row.night),
                holiday=str(row.holiday),
                line=line,
            )
        )
    return tuple(rows)


def grid_frame(plan: Plan) -> pd.DataFrame:
    """agent_id, then one column per date: the shift code, OFF or LEAVE."""
    p = plan.problem
    dates = [d.isoformat() for d in p.dates]
    grid = pd.DataFrame("OFF", index=[a.agent_id for a in p.agents], columns=dates)
    for agent in p.agents:
        for day in p.leave.get(agent.agent_id, ()):
            if day.isoformat() in grid.columns:
                grid.loc[agent.agent_id, day.isoformat()] = "LEAVE"
    for row in plan.roster.itertuples(index=False):
        grid.loc[str(row.agent_id), str(row.date)] = str(row.shift)
    grid.index.name = "agent_id"
    return grid.reset_index()


def agent_stats(plan: Plan) -> pd.DataFrame:
    """Per agent: hours, shifts, nights, weekend days and holidays worked."""
    roster = plan.roster
    weekend = pd.to_datetime(roster["date"]).dt.day_of_week >= 5
    frame = roster.assign(weekend=weekend, on_holiday=roster["holiday"] != "")
    stats = frame.groupby("agent_id", sort=False).agg(
        hours=("paid_hours", "sum"),
        shifts=("shift", "count"),
        nights=("night", "sum"),
        weekend_days=("weekend", "sum"),
        holidays=("on_holiday", "sum"),
    )
    ids = [a.agent_id for a in plan.problem.agents]
    stats = stats.reindex(ids, fill_value=0)
    stats.index.name = "agent_id"
    return stats.reset_index()


def unreachable_hours(plan: Plan) -> float:
    """Shortfall agent-hours at the start that only the previous period's shifts can reach."""
    reachable = plan.problem.reachable()
    shortfall = plan.check.coverage["shortfall"].to_numpy()
    hours = plan.problem.interval_minutes / 60
    return float(np.sum(shortfall[~reachable]) * hours)
