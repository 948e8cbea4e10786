"""Roster engine at scale: 20 to 1,000 named agents, 7 to 28 days, 15-minute intervals.

Each case runs in its own process (``python bench/scale_roster.py case ...``) so that
its peak memory is its own; the parent collects one JSON line per case.

The scenario: the sample 24/7 profile scaled until covering it takes 85% of the shifts
the team can work, one agent in ten on a 30-hour contract, one in eight not on nights, one in
twenty on leave for four days, from 2026-12-14 (28 days: Christmas and New Year) or
2026-12-21 (7 days: Christmas). Hard rules and coverage only: the soft rules' weights are
0, as in the other roster sections, so the gap is measured against the covering bound.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from callshift.config import Config, SolverSettings
from callshift.forecast import read_forecast
from callshift.plan import make_plan
from callshift.roster.construct import shift_counts
from callshift.roster.problem import build_problem
from callshift.roster.soft import SOFT_RULES
from callshift.roster.solve import Progress, covering_bound
from callshift.sample import SAMPLE_AGENTS, sample_agents, sample_forecast
from callshift.staffing import compute_staffing

SIZES: tuple[tuple[int, int], ...] = (
    (20, 7),
    (20, 28),
    (100, 7),
    (100, 28),
    (300, 28),
    (1000, 7),
    (1000, 28),
)


UTILISATION = 0.85  # shifts the demand needs, as a share of the shifts the team can work


def scenario(agents: int, days: int, folder: Path) -> dict[str, Path]:
    start = date(2026, 12, 14) if days > 7 else date(2026, 12, 21)
    team = sample_agents(agents)
    forecast = calibrated_forecast(team, start, days)
    on_leave = team["agent_id"].iloc[7::20]
    leave = pd.DataFrame(
        {
            "agent_id": on_leave,
            "date": [
                (start + timedelta(days=(3 * k) % max(days - 4, 1))).isoformat()
                for k in range(len(on_leave))
            ],
        }
    )
    leave["end_date"] = [
        (date.fromisoformat(d) + timedelta(days=3)).isoformat() for d in leave["date"]
    ]
    leave["reason"] = "annual leave"
    paths = {
        "forecast": folder / "forecast.csv",
        "agents": folder / "agents.csv",
        "leave": folder / "leave.csv",
    }
    forecast.to_csv(paths["forecast"], index=False)
    team.to_csv(paths["agents"], index=False)
    leave.to_csv(paths["leave"], index=False)
    return paths


def calibrated_forecast(team: pd.DataFrame, start: date, days: int) -> pd.DataFrame:
    """The sample profile scaled (by bisection on the call volume) until the fewest shifts
    covering it are ``UTILISATION`` of what the team can work: small teams get as much
    slack as large ones, whatever Erlang's economies of scale."""
    per_week = sum(5 if hours >= 40 else 3 for hours in team["contract_hours"])
    capacity = per_week * days / 7
    low, high = 0.01, 4.0 * len(team) / SAMPLE_AGENTS
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "forecast.csv"
        for _ in range(12):
            middle = (low + high) / 2
            sample_forecast(start=start.isoformat(), days=days, scale=middle).to_csv(
                path, index=False
            )
            config = Config()
            staffing = compute_staffing(read_forecast(path), config.staffing)
            problem = build_problem(staffing, config, start=None, days=days, agents=None)
            if sum(shift_counts(problem).values()) > UTILISATION * capacity:
                high = middle
            else:
                low = middle
    return sample_forecast(start=start.isoformat(), days=days, scale=low)


def coverage_config(seconds: float) -> Config:
    config = Config()
    return replace(
        config,
        soft=replace(config.soft, **dict.fromkeys(SOFT_RULES, 0)),
        solver=SolverSettings(time_limit_seconds=seconds, workers=2, seed=1),
    )


def run_case(agents: int, days: int, seconds: float) -> dict[str, object]:
    """One case in this process: the facts of the solve, as a dict."""
    began = time.perf_counter()
    seen: list[tuple[float, float | None, float | None]] = []

    def progress(p: Progress) -> None:
        seen.append((time.perf_counter() - began, p.objective, p.best_bound))

    with tempfile.TemporaryDirectory() as tmp:
        paths = scenario(agents, days, Path(tmp))
        config = coverage_config(seconds)
        plan = make_plan(
            paths["forecast"],
            config,
            agents_path=paths["agents"],
            leave_path=paths["leave"],
            days=days,
            on_progress=progress,
        )
    total = time.perf_counter() - began
    problem = plan.problem
    bound_value, proven = covering_bound(problem, minimise="surplus", time_limit=60)
    coverage = plan.check.coverage
    reachable = problem.reachable()
    short = coverage["shortfall"].to_numpy()[reachable]
    over = (coverage["scheduled"] - coverage["required"]).clip(lower=0).to_numpy()[reachable]
    found = [(t, obj) for t, obj, _ in seen if obj is not None]
    objective = plan.solution.objective or 0.0
    within = {
        pct: next((t for t, obj in found if obj <= bound_value * (1 + pct / 100) + 1e-9), None)
        for pct in (1, 3)
    }
    return {
        "agents": agents,
        "days": days,
        "intervals": problem.intervals,
        "variables": len(problem.agents) * problem.days * len(problem.templates),
        "status": plan.solution.status,
        "checked": plan.check.ok,
        "seconds": total,
        "first_legal_seconds": found[0][0] if found else None,
        "within_1pct_seconds": within[1],
        "within_3pct_seconds": within[3],
        "short_intervals": int((short > 0).sum()),
        "surplus_agent_intervals": int(over.sum()),
        "objective": objective,
        "covering_bound": bound_value,
        "bound_proven": proven,
        "gap_to_covering_bound": objective / bound_value - 1 if bound_value else None,
        "cpsat_bound": plan.solution.best_bound,
        "gap_to_cpsat_bound": plan.solution.gap,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(agents: int, days: int, seconds: float) -> dict[str, object]:
    """Run one case in a child process and return its facts."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "case",
            "--agents",
            str(agents),
            "--days",
            str(days),
            "--seconds",
            str(seconds),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return {"agents": agents, "days": days, "error": out.stderr.strip().splitlines()[-1:]}
    facts: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return facts


def seconds_for(agents: int, days: int) -> float:
    """Time limits of the protocol: 60 s up to 100 agents, 120 s for 300, 600 s for 1,000."""
    if agents <= 100:
        return 60.0
    if agents <= 300:
        return 120.0
    return 600.0 if days > 7 else 120.0


def rows(sizes: tuple[tuple[int, int], ...] = SIZES) -> list[str]:
    def fmt(value: object, pattern: str = "{:.1f}") -> str:
        return "-" if value is None else pattern.format(value)

    lines = [
        "| agents | days | variables | limit (s) | status | checked | first legal (s) | "
        "within 3% (s) | within 1% (s) | short | surplus (agent-h) | gap to covering bound "
        "| gap to CP-SAT bound | total (s) | peak memory (MB) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for agents, days in sizes:
        limit = seconds_for(agents, days)
        facts = measure(agents, days, limit)
        if "error" in facts:
            lines.append(f"| {agents} | {days} | | {limit:g} | error: {facts['error']} |")
            continue
        lines.append(
            f"| {agents:,} | {days} | {facts['variables']:,} | {limit:g} | {facts['status']} | "
            f"{'yes' if facts['checked'] else 'NO'} | {fmt(facts['first_legal_seconds'])} | "
            f"{fmt(facts['within_3pct_seconds'])} | {fmt(facts['within_1pct_seconds'])} | "
            f"{facts['short_intervals']} | {float(facts['surplus_agent_intervals']) / 4:,.0f} | "  # type: ignore[arg-type]
            f"{fmt(facts['gap_to_covering_bound'], '{:+.2%}')} | "
            f"{fmt(facts['gap_to_cpsat_bound'], '{:.2%}')} | {fmt(facts['seconds'])} | "
            f"{fmt(facts['peak_mb'], '{:,.0f}')} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    case = sub.add_parser("case", help="run one case here and print its facts as JSON")
    case.add_argument("--agents", type=int, required=True)
    case.add_argument("--days", type=int, required=True)
    case.add_argument("--seconds", type=float, required=True)
    table = sub.add_parser("table", help="run every case, each in a child process")
    table.add_argument("--sizes", default="", help="e.g. 100x28,1000x28 (default: all)")
    args = parser.parse_args()
    if args.command == "case":
        print(json.dumps(run_case(args.agents, args.days, args.seconds)))
    else:
        sizes = SIZES
        if args.sizes:
            sizes = tuple(
                (int(a), int(d)) for a, d in (s.split("x") for s in args.sizes.split(","))
            )
        print("\n".join(rows(sizes)))


if __name__ == "__main__":
    main()
