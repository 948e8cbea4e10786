"""The main job: forecast → staffing → roster problem → solve → independent check.

``make_plan`` reads the inputs (``read_plan_inputs``), solves and checks (``solve_plan``);
it never writes or prints. A roster that fails the independent check is never returned.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

import numpy as np
import pandas as pd

from callshift.agents import Agent, Leave, read_agents, read_leave
from callshift.config import Config
from callshift.errors import CallshiftError, InfeasibleError, InputError, Interrupted
from callshift.forecast import Forecast, read_forecast
from callshift.history import History, read_history, updated_history
from callshift.preferences import Preference, read_preferences
from callshift.roster.check import CheckReport, RosterRow, check_roster, read_previous
from callshift.roster.problem import PriorShift, RosterProblem, build_problem
from callshift.roster.soft import Roster, longest_run, measure_all, off_day_pairs
from callshift.roster.soft import preference_days as preference_days_of
from callshift.roster.solve import (
    ProgressCallback,
    Solution,
    StopSearch,
    size_team,
    solve_roster,
)
from callshift.shifts import ShiftTemplate, expand_templates
from callshift.staffing import Staffing, compute_staffing

TIMESTAMP = "%Y-%m-%d %H:%M"
HOLIDAY_ROW = "(holiday)"  # the first row of roster_grid.csv when the period has holidays


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
    history: History | None = None  # the cumulative counts after this period
    deterministic: bool = False  # the time limit counted CP-SAT deterministic seconds
    interrupted: bool = False  # stopped early (a signal): the best roster found by then

    @property
    def sized(self) -> bool:
        return self.solution.lower_bound_agents is not None


@dataclass(frozen=True)
class PlanInputs:
    """Everything a plan is made from, read and checked: what ``solve_plan`` solves."""

    config: Config
    forecast: Forecast
    staffing: Staffing
    problem: RosterProblem  # the named team, or no agents when the team is to be sized
    leave: tuple[Leave, ...]
    history: History | None
    size_team: bool
    previous: tuple[RosterRow, ...] = ()  # earlier periods' shifts (``--previous``)


def read_plan_inputs(
    forecast_path: str | Path,
    config: Config,
    *,
    agents_path: str | Path | None = None,
    leave_path: str | Path | None = None,
    preferences_path: str | Path | None = None,
    history_path: str | Path | None = None,
    previous_paths: Sequence[str | Path] = (),
    start: date | None = None,
    days: int = 7,
) -> PlanInputs:
    """Read and check every input, compute staffing and build the roster problem (the start
    date and the horizon are known from here on)."""
    forecast = read_forecast(forecast_path)
    agents: tuple[Agent, ...] | None = None
    if agents_path is not None:
        agents = read_agents(agents_path)
    ids = [a.agent_id for a in agents] if agents is not None else None
    leave: tuple[Leave, ...] = ()
    if leave_path is not None:
        leave = read_leave(leave_path, ids)
    _check_contracts(agents, config)
    preferences: tuple[Preference, ...] = ()
    if preferences_path is not None:
        codes = sorted({t.code for t in _templates(config)} | {s.code for s in config.shifts})
        preferences = read_preferences(preferences_path, ids, codes)
    history = read_history(history_path) if history_path is not None else None
    begin = start or forecast.starts[0].astype("datetime64[D]").astype(date)
    previous: tuple[RosterRow, ...] | None = None
    if previous_paths:
        previous = read_previous(previous_paths, start=begin, agent_ids=ids)
    staffing = compute_staffing(forecast, config.staffing)
    problem = build_problem(
        staffing,
        config,
        start=start,
        days=days,
        agents=agents,
        leave=leave,
        preferences=preferences,
        history=_history_counts(history),
        previous=None if previous is None else prior_shifts(previous, begin),
    )
    return PlanInputs(
        config, forecast, staffing, problem, leave, history, agents is None, previous or ()
    )


def solve_plan(
    inputs: PlanInputs,
    *,
    max_agents: int = 500,
    deterministic: bool | None = None,
    on_progress: ProgressCallback | None = None,
    stop: StopSearch | None = None,
    started: float | None = None,
) -> Plan:
    """Solve (sizing the team if none was given), then check the roster independently.

    ``deterministic`` (default: when the solver has one worker) reads the time limit as
    CP-SAT deterministic seconds, so that the run is reproducible. Otherwise the limit is
    wall-clock time since ``started`` (a ``time.monotonic()`` value, default now): the
    time spent reading the inputs counts. ``stop``: once requested, the search ends and the
    best roster found so far is returned if it passes the check; else ``Interrupted``.
    """
    config = inputs.config
    if deterministic is None:
        deterministic = config.solver.workers == 1
    limit = config.solver.time_limit_seconds
    if not deterministic and started is not None:
        limit = max(limit - (time.monotonic() - started), limit / 10)
    problem = inputs.problem
    if inputs.size_team:
        solution = size_team(
            problem,
            config.solver,
            max_agents=max_agents,
            time_limit=limit,
            deterministic=deterministic,
            on_progress=on_progress,
            stop=stop,
        )
    else:
        solution = solve_roster(
            problem,
            config.solver,
            time_limit=limit,
            deterministic=deterministic,
            on_progress=on_progress,
            stop=stop,
        )
    return finish_plan(inputs, solution, deterministic=deterministic, stop=stop)


def finish_plan(
    inputs: PlanInputs,
    solution: Solution,
    *,
    leave: tuple[Leave, ...] | None = None,
    deterministic: bool = False,
    stop: StopSearch | None = None,
) -> Plan:
    """The solver's roster as a Plan, once it passes the independent check (``leave``:
    instead of the inputs', e.g. with a replan's absences)."""
    config = inputs.config
    problem = solution.problem
    interrupted = stop is not None and stop.requested
    if stop is not None and stop.requested and not solution.found:
        raise Interrupted(
            f"interrupted ({stop.reason}) before a roster was found; nothing written",
            stop.exit_code,
        )
    if solution.status == "INFEASIBLE":
        raise InfeasibleError("the hard rules clash: no roster satisfies them all")
    if not solution.found:
        raise InfeasibleError(
            f"no roster found within {config.solver.time_limit_seconds:g} s (raise --time-limit)"
        )
    roster = roster_frame(solution)
    history = inputs.history
    if history is not None:
        history = _next_history(history, roster, solution.problem)
    report = check_roster(
        roster_rows(roster),
        agents=solution.problem.agents,
        leave=inputs.leave if leave is None else leave,
        config=config,
        forecast=inputs.forecast,
        start=problem.start,
        days=problem.days,
        previous=inputs.previous,
    )
    if not report.ok:
        listed = "; ".join(v.message for v in report.violations[:5])
        if stop is not None and stop.requested:
            raise Interrupted(
                f"interrupted ({stop.reason}): the best roster found so far fails the check "
                f"({len(report.violations)} violations: {listed}); nothing written",
                stop.exit_code,
            )
        raise RosterCheckFailed(
            f"the solver's roster failed the independent check ({len(report.violations)} "
            f"violations: {listed}); nothing written. This is a callshift bug: please report it"
        )
    return Plan(
        config=config,
        staffing=inputs.staffing,
        problem=solution.problem,
        solution=solution,
        check=report,
        roster=roster,
        warnings=inputs.forecast.warnings + inputs.staffing.warnings + _estimated_warning(problem),
        history=history,
        deterministic=deterministic,
        interrupted=interrupted,
    )


def make_plan(
    forecast_path: str | Path,
    config: Config,
    *,
    agents_path: str | Path | None = None,
    leave_path: str | Path | None = None,
    preferences_path: str | Path | None = None,
    history_path: str | Path | None = None,
    previous_paths: Sequence[str | Path] = (),
    start: date | None = None,
    days: int = 7,
    max_agents: int = 500,
    deterministic: bool | None = None,
    on_progress: ProgressCallback | None = None,
    stop: StopSearch | None = None,
) -> Plan:
    """Read the inputs, solve and check: ``read_plan_inputs`` then ``solve_plan``."""
    started = time.monotonic()
    inputs = read_plan_inputs(
        forecast_path,
        config,
        agents_path=agents_path,
        leave_path=leave_path,
        preferences_path=preferences_path,
        history_path=history_path,
        previous_paths=previous_paths,
        start=start,
        days=days,
    )
    return solve_plan(
        inputs,
        max_agents=max_agents,
        deterministic=deterministic,
        on_progress=on_progress,
        stop=stop,
        started=started,
    )


def prior_shifts(rows: Iterable[RosterRow], start: date) -> tuple[PriorShift, ...]:
    """Previous-period roster rows on the timeline of a period starting ``start``."""
    origin = datetime.combine(start, clock())

    def minutes(moment: datetime) -> int:
        return round((moment - origin).total_seconds() / 60)

    return tuple(
        PriorShift(
            row.agent_id,
            (row.date - start).days,
            minutes(row.start),
            minutes(row.end),
            row.night,
            row.shift,
        )
        for row in rows
    )


def _templates(config: Config) -> list[ShiftTemplate]:
    try:
        return list(expand_templates(config.shifts, config.rules))
    except ValueError as exc:
        raise InputError(str(exc), path=config.source) from None


def _check_contracts(agents: tuple[Agent, ...] | None, config: Config) -> None:
    limit = config.rules.max_contract_hours
    for agent in agents or ():
        if agent.contract_hours is not None and agent.contract_hours > limit:
            raise InputError(
                f"agent {agent.agent_id} has contract_hours {agent.contract_hours:g}, above "
                f"max_contract_hours = {limit:g} of the {config.rules.preset!r} rules "
                "(40 h + 18 h overtime a week under PP 35/2021; 48 h under the EU directive)"
            )


def _history_counts(history: History | None) -> dict[str, tuple[int, int, int]]:
    if history is None:
        return {}
    return {
        agent_id: (row.nights, row.weekend_days, row.holidays)
        for agent_id, row in history.rows.items()
    }


def _next_history(history: History, roster: pd.DataFrame, problem: RosterProblem) -> History:
    worked: dict[str, tuple[int, int, int]] = {}
    weekend = pd.to_datetime(roster["date"]).dt.day_of_week >= 5
    frame = roster.assign(weekend=weekend, on_holiday=roster["holiday"] != "")
    for agent in problem.agents:
        rows = frame[frame["agent_id"] == agent.agent_id]
        worked[agent.agent_id] = (
            int(rows["night"].sum()),
            int(rows["weekend"].sum()),
            int(rows["on_holiday"].sum()),
        )
    last = problem.dates[-1]
    try:
        return updated_history(history, worked, last)
    except ValueError as exc:
        raise InputError(f"--history: {exc}") from None


def _estimated_warning(problem: RosterProblem) -> tuple[str, ...]:
    estimated = [
        f"{day} {name}"
        for day, name in sorted(problem.holiday_dates.items())
        if "estimated" in name.lower() or "perkiraan" in name.lower()
    ]
    if not estimated:
        return ()
    return ("holiday dates estimated, not yet announced (they may move): " + ", ".join(estimated),)


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
                "holiday": p.holiday_shifts.get((d, t), ""),
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
    ids = [a.agent_id for a in p.agents]
    column_of = {day: j for j, day in enumerate(dates)}
    cells = np.full((len(ids), len(dates)), "OFF", dtype=object)
    for i, agent_id in enumerate(ids):
        for day in p.leave.get(agent_id, ()):
            if day.isoformat() in column_of:
                cells[i, column_of[day.isoformat()]] = "LEAVE"
    row_of = {agent_id: i for i, agent_id in enumerate(ids)}
    roster = plan.roster
    for agent_id, day, shift in zip(
        roster["agent_id"], roster["date"], roster["shift"], strict=True
    ):
        cells[row_of[str(agent_id)], column_of[str(day)]] = str(shift)
    grid = pd.DataFrame(cells, index=ids, columns=dates)
    if p.holiday_dates:
        marks = pd.DataFrame(
            [[p.holiday_dates.get(d, "") for d in p.dates]], index=[HOLIDAY_ROW], columns=dates
        )
        grid = pd.concat([marks, grid])
    grid.index.name = "agent_id"
    return grid.reset_index()


def agent_stats(plan: Plan) -> pd.DataFrame:
    """Per agent: hours, shifts, nights, weekend days and holidays worked, the longest run of
    working days, blocks of two or more days off, and preferences granted."""
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
    p = plan.problem
    ids = [a.agent_id for a in p.agents]
    stats = stats.reindex(ids, fill_value=0)
    worked = Roster.of(p, plan.solution.assignments).days_of
    stats["longest_run"] = [longest_run(worked[a]) for a in range(len(ids))]
    stats["off_pairs"] = [
        off_day_pairs(set(worked[a]), p.dates, p.leave.get(ids[a], frozenset()))
        for a in range(len(ids))
    ]
    asked = [0] * len(ids)
    granted = [0] * len(ids)
    for a, d, _, grants in preference_days_of(p):
        asked[a] += 1
        shift = worked[a].get(d)
        granted[a] += int(shift is None if grants is None else shift in grants)
    stats["preferences_asked"] = asked
    stats["preferences_granted"] = granted
    stats.index.name = "agent_id"
    return stats.reset_index()


def soft_penalties(plan: Plan) -> dict[str, float]:
    """Every soft rule's penalty in its own units (see callshift.roster.soft)."""
    return measure_all(plan.problem, plan.solution.assignments)


def night_transport(plan: Plan) -> list[dict[str, str]]:
    """Shifts starting or ending 23:00-05:00 of agents with night_transport: the site
    arranges their food and transport."""
    wanted = {a.agent_id for a in plan.problem.agents if a.night_transport}
    rows = []
    for row in plan.roster.itertuples(index=False):
        if str(row.agent_id) not in wanted:
            continue
        times = (pd.Timestamp(str(row.start)), pd.Timestamp(str(row.end)))
        if any(
            t.hour * 60 + t.minute >= 23 * 60 or t.hour * 60 + t.minute <= 5 * 60 for t in times
        ):
            rows.append(
                {"agent_id": str(row.agent_id), "start": str(row.start), "end": str(row.end)}
            )
    return rows


def unreachable_hours(plan: Plan) -> float:
    """Shortfall agent-hours at the start that only the previous period's shifts can reach
    (none when the previous period's roster was given: its shifts count there)."""
    if plan.problem.previous is not None:
        return 0.0
    reachable = plan.problem.reachable()
    shortfall = plan.check.coverage["shortfall"].to_numpy()
    hours = plan.problem.interval_minutes / 60
    return float(np.sum(shortfall[~reachable]) * hours)
