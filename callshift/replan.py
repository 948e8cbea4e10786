"""Re-planning after an absence (a sick call): the same period, the absent agent off, the
past frozen, and as few other assignments changed as the best coverage allows.

``make_replan`` reads the original roster and inputs, solves and checks; it never writes or
prints. The absent agent is never a candidate for any shift on the absent days.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from callshift.agents import Agent, Leave, leave_days
from callshift.config import Config
from callshift.errors import InfeasibleError, InputError
from callshift.plan import Plan, finish_plan, read_plan_inputs
from callshift.roster.check import RosterRow, check_roster, read_roster
from callshift.roster.model import Key
from callshift.roster.problem import RosterProblem
from callshift.roster.solve import ProgressCallback, StopSearch, replan_roster

ABSENT_RE = re.compile(r"^([^:]+):(\d{4}-\d{2}-\d{2})(?::(\d{4}-\d{2}-\d{2}))?$")
CHANGE_COLUMNS = ["agent_id", "date", "old_shift", "new_shift"]


@dataclass(frozen=True)
class Absence:
    agent_id: str
    first: date
    last: date


def parse_absence(text: str) -> Absence:
    """``AGENT:YYYY-MM-DD[:YYYY-MM-DD]`` (first and last day, inclusive)."""
    match = ABSENT_RE.match(text.strip())
    hint = "write --absent AGENT:YYYY-MM-DD or AGENT:YYYY-MM-DD:YYYY-MM-DD"
    if not match:
        raise InputError(f"--absent {text!r} is not AGENT:DATE[:END_DATE]", hint=hint)
    agent_id, first_text, last_text = match.groups()
    try:
        first = date.fromisoformat(first_text)
        last = date.fromisoformat(last_text or first_text)
    except ValueError:
        raise InputError(f"--absent {text!r} has a date that does not exist", hint=hint) from None
    if last < first:
        raise InputError(f"--absent {text!r} ends ({last}) before it starts ({first})", hint=hint)
    return Absence(agent_id, first, last)


@dataclass(frozen=True)
class Replan:
    plan: Plan
    changes: pd.DataFrame  # agent_id,date,old_shift,new_shift ("" = off)
    absences: tuple[Absence, ...]
    frozen_before: datetime


def make_replan(
    roster_path: str | Path,
    absences: Sequence[Absence],
    forecast_path: str | Path,
    config: Config,
    *,
    agents_path: str | Path | None = None,
    leave_path: str | Path | None = None,
    preferences_path: str | Path | None = None,
    previous_paths: Sequence[str | Path] = (),
    frozen_from: datetime | None = None,
    deterministic: bool | None = None,
    on_progress: ProgressCallback | None = None,
    stop: StopSearch | None = None,
) -> Replan:
    if not absences:
        raise InputError("replan needs at least one --absent AGENT:DATE[:END_DATE]")
    original = read_roster(roster_path)
    start, days = _period(Path(roster_path), original)
    inputs = read_plan_inputs(
        forecast_path,
        config,
        agents_path=agents_path,
        leave_path=leave_path,
        preferences_path=preferences_path,
        previous_paths=previous_paths,
        start=start,
        days=days,
    )
    agents = _agents_of(original) if inputs.size_team else inputs.problem.agents
    _check_agents(Path(roster_path), original, agents)
    ids = {a.agent_id for a in agents}
    end = start + timedelta(days=days - 1)
    for absence in absences:
        if absence.agent_id not in ids:
            raise InputError(
                f"--absent names agent {absence.agent_id!r}, who is not in the roster's team",
                hint="use an agent_id from agents.csv or the roster",
            )
        if absence.last < start or absence.first > end:
            raise InputError(
                f"--absent {absence.agent_id}:{absence.first}:{absence.last} is outside the "
                f"roster's period {start} to {end}"
            )
    report = check_roster(
        original,
        agents=agents,
        leave=inputs.leave,
        config=config,
        forecast=inputs.forecast,
        start=start,
        days=days,
        previous=inputs.previous,
    )
    if not report.ok:
        listed = "; ".join(v.message for v in report.violations[:5])
        raise InfeasibleError(
            f"{roster_path} already breaks hard rules before the absence "
            f"({len(report.violations)} violations: {listed}); replan keeps its past as it "
            "is, so fix or re-plan it with `callshift plan` first"
        )
    before = inputs.problem.with_agents(agents)
    keys = _keys(Path(roster_path), original, before)
    sick = tuple(Leave(a.agent_id, a.first, a.last, "absent") for a in absences)
    leave = inputs.leave + sick
    problem = replace(before, leave={k: frozenset(v) for k, v in leave_days(leave).items()})
    origin = datetime.combine(start, time())
    frozen = frozen_from or datetime.combine(min(a.first for a in absences), time())
    if deterministic is None:
        deterministic = config.solver.workers == 1
    solution = replan_roster(
        problem,
        config.solver,
        keys,
        frozen_before=round((frozen - origin).total_seconds() / 60),
        deterministic=deterministic,
        on_progress=on_progress,
        stop=stop,
    )
    plan = finish_plan(inputs, solution, leave=leave, deterministic=deterministic, stop=stop)
    return Replan(plan, changes_frame(problem, keys, solution.assignments), tuple(absences), frozen)


def _period(path: Path, rows: tuple[RosterRow, ...]) -> tuple[date, int]:
    """The roster's period: from summary.json beside it (a callshift plan), else from the
    first to the last date in it."""
    summary = path.parent / "summary.json"
    if summary.is_file():
        try:
            facts = json.loads(summary.read_text(encoding="utf-8"))
            return date.fromisoformat(facts["start"]), int(facts["days"])
        except (ValueError, KeyError, TypeError):
            pass  # not ours: fall back on the roster's dates
    if not rows:
        raise InputError("the roster has no shifts and no summary.json beside it", path=path)
    first = min(r.date for r in rows)
    last = max(r.date for r in rows)
    return first, (last - first).days + 1


def _agents_of(rows: tuple[RosterRow, ...]) -> tuple[Agent, ...]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.setdefault(row.agent_id, None)
    return tuple(Agent(agent_id) for agent_id in seen)


def _check_agents(path: Path, rows: tuple[RosterRow, ...], agents: tuple[Agent, ...]) -> None:
    ids = {a.agent_id for a in agents}
    for row in rows:
        if row.agent_id not in ids:
            raise InputError(
                f"agent {row.agent_id!r} is not in agents.csv",
                path=path,
                line=row.line,
                column=_column(path, "agent_id"),
                hint="replan the roster with the team it was planned for",
            )


def _keys(path: Path, rows: tuple[RosterRow, ...], problem: RosterProblem) -> tuple[Key, ...]:
    """The roster's shifts as (agent, day, template); each must be a configured template."""
    index = {a.agent_id: i for i, a in enumerate(problem.agents)}
    keys = []
    for row in rows:
        day = (row.date - problem.start).days
        if not 0 <= day < problem.days:
            raise InputError(
                f"shift dated {row.date} is outside the period {problem.start} to "
                f"{problem.dates[-1]} (from summary.json or the roster's dates)",
                path=path,
                line=row.line,
                column=_column(path, "date"),
            )
        minute = row.start.hour * 60 + row.start.minute
        match = [
            t
            for t, template in enumerate(problem.templates)
            if template.code == row.shift and template.start_minute == minute
        ]
        if not match:
            known = ", ".join(
                f"{t.code} {t.start_minute // 60:02d}:{t.start_minute % 60:02d}"
                for t in problem.templates
            )
            raise InputError(
                f"shift {row.shift} starting {row.start:%H:%M} is not a shift template of "
                f"the config ({known})",
                path=path,
                line=row.line,
                column=_column(path, "shift"),
                hint="replan with the config the roster was planned with",
            )
        keys.append((index[row.agent_id], day, match[0]))
    return tuple(keys)


def _column(path: Path, name: str) -> int | None:
    """1-based column of ``name`` in the CSV header of ``path`` (already read once)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    names = [field.strip().lower() for field in header]
    return names.index(name) + 1 if name in names else None


def changes_frame(
    problem: RosterProblem, before: Sequence[Key], after: Sequence[Key]
) -> pd.DataFrame:
    """Every agent-day whose shift differs: old and new shift codes, empty for off."""
    old = {(a, d): problem.templates[t].code for a, d, t in before}
    new = {(a, d): problem.templates[t].code for a, d, t in after}
    rows = [
        {
            "agent_id": problem.agents[a].agent_id,
            "date": problem.dates[d].isoformat(),
            "old_shift": old.get((a, d), ""),
            "new_shift": new.get((a, d), ""),
        }
        for d in range(problem.days)
        for a in range(len(problem.agents))
        if old.get((a, d), "") != new.get((a, d), "")
    ]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)
