"""callshift benchmarks: `make bench` writes BENCHMARKS.md from this script's output.

Protocol: fixed inputs (the bundled sample week, the Anonymous Bank February 1999 call
data from ../shared when present, synthetic scale cases), fixed seeds, and every timing
the median of several runs taken side by side in one process, so that ratios between
tools hold even on a shared, noisy machine.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from callshift.agents import generic_agents
from callshift.config import Config, SolverSettings, StaffingSettings
from callshift.erlang import Targets, erlang_c_metrics, size_erlang_a, size_erlang_c
from callshift.forecast import read_forecast
from callshift.plan import make_plan, roster_frame, roster_rows
from callshift.report import summary
from callshift.roster.check import check_roster
from callshift.roster.problem import RosterProblem, build_problem
from callshift.roster.soft import SOFT_RULES
from callshift.roster.solve import (
    Progress,
    Solution,
    covering_bound,
    size_team,
    solve_roster,
)
from callshift.sample import sample_agents, sample_forecast
from callshift.staffing import compute_staffing

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as bench/run.py
from bench import scale_roster

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
BANK = SHARED / "anonymous_bank"


T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int = 5) -> tuple[float, T]:
    """Median wall seconds over ``repeat`` runs, and the last result."""
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), result


def versions() -> str:
    names = ["numpy", "scipy", "pandas", "ortools", "pyworkforce"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


# --------------------------------------------------------------------------- staffing


def bank_forecast(minutes: int, folder: Path) -> Path | None:
    """The Anonymous Bank's offered calls and handle times as a callshift forecast."""
    source = BANK / f"anonymous_bank_1999-02_{minutes}min.csv"
    if not source.is_file():
        return None
    raw = pd.read_csv(source)
    mean_aht = raw["total_handle_time_s"].sum() / raw["answered"].sum()
    aht = raw["mean_handle_time_s"].fillna(mean_aht).where(raw["answered"] > 0, mean_aht)
    frame = pd.DataFrame(
        {
            "interval_start": raw["date"] + " " + raw["interval_start"],
            "calls": raw["offered"],
            "aht_seconds": aht.round(1),
        }
    )
    path = folder / f"bank_{minutes}.csv"
    frame.to_csv(path, index=False)
    return path


def pyworkforce_agents(
    calls: np.ndarray, aht: np.ndarray, minutes: int, targets: Targets
) -> np.ndarray | None:
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        return None
    out = np.zeros(len(calls), dtype=np.int64)
    for i, (c, h) in enumerate(zip(calls, aht, strict=True)):
        if c <= 0:
            continue
        model = ErlangC(
            transactions=c, aht=h / 60.0, asa=targets.answer_seconds / 60.0, interval=minutes
        )
        out[i] = model.required_positions(targets.service_level, targets.max_occupancy)[
            "raw_positions"
        ]
    return out


def staffing_rows(folder: Path) -> list[str]:
    settings = StaffingSettings()
    targets = settings.targets()
    rows = [
        "| case | intervals | callshift (ms) | pyworkforce ErlangC (ms) | ratio | "
        "same agents | pyworkforce above / below | callshift misses target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    cases: list[tuple[str, Path]] = [("sample week, 15 min", ROOT / "data" / "forecast.csv")]
    for minutes in (30, 15):
        path = bank_forecast(minutes, folder)
        if path is not None:
            cases.append((f"Anonymous Bank Feb 1999, {minutes} min", path))
    for name, path in cases:
        forecast = read_forecast(path)
        ours_s, result = timed(partial(compute_staffing, forecast, settings))
        table = result.table
        net = table["agents_net"].to_numpy()
        calls = np.nan_to_num(forecast.calls)
        aht = np.nan_to_num(forecast.aht_seconds)
        theirs_s, theirs = timed(
            partial(pyworkforce_agents, calls, aht, forecast.interval_minutes, targets), repeat=3
        )
        check = erlang_c_metrics(net, table["traffic_erlangs"], aht, targets.answer_seconds)
        busy = calls > 0
        misses = int(np.sum(~targets.met_by(check) & busy))
        if theirs is None:
            rows.append(f"| {name} | {len(forecast)} | {ours_s * 1e3:.1f} | n/a | | | | {misses} |")
            continue
        theirs_arr = np.asarray(theirs)
        same = int(np.sum(theirs_arr == net))
        above = int(np.sum(theirs_arr > net))
        below = int(np.sum(theirs_arr < net))
        rows.append(
            f"| {name} | {len(forecast)} | {ours_s * 1e3:.1f} | {theirs_s * 1e3:.1f} | "
            f"{theirs_s / ours_s:.0f}× | {same} | {above} / {below} | {misses} |"
        )
    return rows


def scale_rows() -> list[str]:
    targets = Targets(0.8, 20, 0.85)
    rows = [
        "| load per interval | intervals | Erlang C sizing (ms) | pyworkforce ErlangC (ms) | "
        "ratio | Erlang A sizing (ms) | max agents | finite |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for top in (50.0, 500.0, 5000.0, 20000.0):
        loads = np.linspace(0.0, top, 672)
        c_s, c_agents = timed(partial(size_erlang_c, loads, 240.0, targets), 3)
        a_s, a_agents = timed(partial(size_erlang_a, loads / 240.0, 240.0, 180.0, targets), 3)
        finite = bool(np.all(np.asarray(c_agents) >= 0) and np.all(np.asarray(a_agents) >= 0))
        theirs = "not run"
        ratio = ""
        if top <= 5000:
            calls = loads * 900.0 / 240.0  # 15-minute intervals
            p_s, p_agents = timed(
                partial(pyworkforce_agents, calls, 240.0 + 0 * calls, 15, targets), 1
            )
            if p_agents is not None:
                theirs, ratio = f"{p_s * 1e3:.0f}", f"{p_s / c_s:.0f}×"
        rows.append(
            f"| 0–{top:,.0f} Erlangs | 672 | {c_s * 1e3:.0f} | {theirs} | {ratio} | "
            f"{a_s * 1e3:.0f} | {int(np.max(c_agents)):,} | {finite} |"
        )
    return rows


# --------------------------------------------------------------------------- roster


def coverage_only() -> Config:
    """The rules and coverage alone: every soft rule's weight 0 (issue 3's measurements)."""
    config = Config()
    return replace(config, soft=replace(config.soft, **dict.fromkeys(SOFT_RULES, 0)))


def bench_problem(path: Path, days: int) -> RosterProblem:
    config = coverage_only()
    staffing = compute_staffing(read_forecast(path), config.staffing)
    return build_problem(staffing, config, start=None, days=days, agents=None)


def laid_on_timeline(
    problem: RosterProblem, counts: dict[tuple[int, int], int]
) -> dict[str, float]:
    """Coverage of shift counts per (day, template) on the real timeline, per interval."""
    scheduled = np.zeros(problem.intervals, dtype=np.int64)
    paid_minutes = 0
    for (d, t), n in counts.items():
        span = problem.covered(d, t)
        scheduled[span.start : span.stop] += n
        paid_minutes += n * problem.templates[t].paid_minutes
    reachable = problem.reachable()
    short = np.maximum(problem.required - scheduled, 0)
    return {
        "short_intervals": int(np.sum((short > 0) & reachable)),
        "short_hours": float(short[reachable].sum() * problem.interval_minutes / 60),
        "paid_hours": paid_minutes / 60,
    }


def pyworkforce_counts(problem: RosterProblem, kind: str, seconds: float) -> dict[str, Any] | None:
    """pyworkforce's shift counts; its shifts wrap within one day's periods."""
    try:
        from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources
    except ImportError:
        return None
    periods = 1440 // problem.interval_minutes
    coverage = {
        t.code: [
            int((p * problem.interval_minutes - t.start_minute) % 1440 < t.length_minutes)
            for p in range(periods)
        ]
        for t in problem.templates
    }
    top = int(problem.required.max()) * 3 + 10
    cls = MinRequiredResources if kind == "MinRequiredResources" else MinAbsDifference
    model = cls(
        num_days=problem.days,
        periods=periods,
        shifts_coverage=coverage,
        required_resources=problem.required.reshape(problem.days, periods).tolist(),
        max_period_concurrency=top,
        max_shift_concurrency=top,
        max_search_time=seconds,
        num_search_workers=2,
    )
    began = time.perf_counter()
    solution = model.solve()
    elapsed = time.perf_counter() - began
    codes = [t.code for t in problem.templates]
    counts = {
        (row["day"], codes.index(row["shift"])): row["resources"]
        for row in solution["resources_shifts"]
        if row["day"] >= 0
    }
    return {"counts": counts, "seconds": elapsed, "status": solution["status"]}


def checked(problem: RosterProblem, solution: Solution, path: Path) -> bool:
    """Every hard rule holds, by the independent checker."""
    report = check_roster(
        roster_rows(roster_frame(solution)),
        agents=solution.problem.agents,
        leave=(),
        config=coverage_only(),
        forecast=read_forecast(path),
        start=problem.start,
        days=problem.days,
    )
    return report.ok


def covering_rows(cases: list[tuple[str, Path]], seconds: float) -> list[str]:
    rows = [
        "| week | covering bound (h) | method | agents | intervals short | paid hours | "
        "vs bound | per-agent rules | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    settings = SolverSettings(time_limit_seconds=seconds, workers=2, seed=1)
    for name, path in cases:
        problem = bench_problem(path, 7)
        bound_minutes, proven = covering_bound(problem)
        bound = bound_minutes / 60
        label = f"{bound:,.0f}" + ("" if proven else " (not proven)")

        def row(
            method: str,
            agents: str,
            laid: dict[str, float],
            rules: str,
            secs: float,
            name: str = name,
            label: str = label,
            bound: float = bound,
        ) -> str:
            return (
                f"| {name} | {label} | {method} | {agents} | {laid['short_intervals']} | "
                f"{laid['paid_hours']:,.0f} | {laid['paid_hours'] / bound - 1:+.1%} | {rules} | "
                f"{secs:.1f} |"
            )

        for team in ("sized", 100):
            began = time.perf_counter()
            if team == "sized":
                solution = size_team(problem, settings, max_agents=500)
                agents = f"{len(solution.problem.agents)} (bound {solution.lower_bound_agents})"
            else:
                solution = solve_roster(problem.with_agents(generic_agents(100)), settings)
                agents = "100"
            elapsed = time.perf_counter() - began
            counts: dict[tuple[int, int], int] = {}
            for _, d, t in solution.assignments:
                counts[d, t] = counts.get((d, t), 0) + 1
            ok = "hold (checked)" if checked(problem, solution, path) else "BROKEN"
            rows.append(
                row("callshift plan", agents, laid_on_timeline(problem, counts), ok, elapsed)
            )
        for kind in ("MinRequiredResources", "MinAbsDifference"):
            result = pyworkforce_counts(problem, kind, seconds)
            if result is None:
                rows.append(f"| {name} | {label} | pyworkforce {kind} | not installed |||||")
                continue
            laid = laid_on_timeline(problem, result["counts"])
            rows.append(
                row(f"pyworkforce {kind}", "no named agents", laid, "none", result["seconds"])
            )
    return rows


def speed_rows(path: Path, seconds: float) -> list[str]:
    rows = [
        "| horizon | agents | intervals | variables | time to first legal roster (s) | "
        "time to within 1% of bound (s) | final gap to bound | status |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for days in (7, 28):
        problem = bench_problem(path, days).with_agents(generic_agents(100))
        bound, _ = covering_bound(problem, minimise="surplus")
        seen: list[Progress] = []
        solution = solve_roster(
            problem,
            SolverSettings(time_limit_seconds=seconds, workers=2, seed=1),
            on_progress=seen.append,
        )
        found = [p for p in seen if p.objective is not None]
        first = found[0].elapsed_seconds if found else float("nan")
        close = [
            p.elapsed_seconds
            for p in found
            if p.objective is not None and p.objective <= bound * 1.01 + 1e-9
        ]
        within = f"{close[0]:.1f}" if close else f"not in {seconds:g}"
        final = (solution.objective or 0) / bound - 1 if bound else float("nan")
        variables = problem.days * len(problem.templates) * len(problem.agents)
        rows.append(
            f"| {days} days | 100 | {problem.intervals:,} | {variables:,} | {first:.1f} | "
            f"{within} | {final:+.2%} | {solution.status} |"
        )
    return rows


# --------------------------------------------------------------------------- fairness


def fairness_scenario(folder: Path) -> dict[str, Path]:
    """Four weeks over Christmas and New Year, 64 agents: 6 part-time, 8 not on nights,
    4 with leave over the holidays."""
    forecast = sample_forecast(start="2026-12-14", days=28, scale=0.75)
    agents = sample_agents(64)
    leave = pd.DataFrame(
        {
            "agent_id": ["AG005", "AG012", "AG020", "AG033"],
            "date": ["2026-12-24", "2026-12-28", "2026-12-14", "2027-01-04"],
            "end_date": ["2026-12-26", "2027-01-02", "2026-12-18", "2027-01-08"],
            "reason": ["annual leave"] * 4,
        }
    )
    paths = {"forecast": folder / "f4.csv", "agents": folder / "a4.csv", "leave": folder / "l4.csv"}
    forecast.to_csv(paths["forecast"], index=False)
    agents.to_csv(paths["agents"], index=False)
    leave.to_csv(paths["leave"], index=False)
    return paths


def fairness_rows(folder: Path, seconds: float) -> list[str]:
    paths = fairness_scenario(folder)
    rows = [
        "| variant | status | reachable intervals short | surplus agent-hours | paid hours | "
        "nights (full-time, min-max) | weekend days | holiday shifts | forward rotation | "
        "night blocks | stable shift | single days off | no weekend off |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    base = replace(Config(), solver=SolverSettings(time_limit_seconds=seconds, workers=2, seed=1))
    unfair = replace(
        base,
        soft=replace(base.soft, fair_nights=0, fair_weekends=0, fair_holidays=0, fair_hours=0),
    )
    for name, config in (("with fairness", base), ("without fairness terms", unfair)):
        plan = make_plan(
            paths["forecast"],
            config,
            agents_path=paths["agents"],
            leave_path=paths["leave"],
            days=28,
        )
        facts = summary(plan)
        coverage = plan.check.coverage
        reachable = plan.problem.reachable()
        hours = plan.problem.interval_minutes / 60
        short = int((coverage["shortfall"].to_numpy()[reachable] > 0).sum())
        over = (coverage["scheduled"] - coverage["required"]).clip(lower=0).to_numpy()
        spread = facts["spreads"]
        soft = facts["soft_penalties"]

        def band(measure: str, spread: dict[str, Any] = spread) -> str:
            low, high = spread[measure]["full_time_min"], spread[measure]["full_time_max"]
            return f"{low:g}-{high:g} (spread {high - low:g})"

        surplus = over[reachable].sum() * hours
        rows.append(
            f"| {name} | {facts['solver_status']} | {short} | {surplus:,.0f} | "
            f"{facts['paid_hours']:,.0f} | {band('nights')} | {band('weekend_days')} | "
            f"{band('holidays')} | {soft['forward_rotation']:g} | {soft['night_blocks']:g} | "
            f"{soft['stable_shift']:g} | {soft['off_pairs']:g} | {soft['weekend_off']:g} |"
        )
    return rows


# --------------------------------------------------------------------------- report


SECTIONS = ("staffing", "scale", "roster", "speed", "fairness", "roster-scale")
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        action="append",
        help="run these sections (repeat); the others keep their last results",
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="solver limit per run")
    parser.add_argument(
        "--fairness-seconds", type=float, default=600.0, help="solver limit, fairness scenario"
    )
    parser.add_argument(
        "--assemble",
        action="store_true",
        help="run no section: rebuild BENCHMARKS.md from the last results",
    )
    args = parser.parse_args()
    wanted = set() if args.assemble else set(args.only or SECTIONS)
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in SECTIONS:
            if name in wanted:
                began = time.perf_counter()
                lines = section(name, folder, args)
                if lines:
                    lines.insert(
                        2,
                        f"_Run {time.strftime('%Y-%m-%d')} in "
                        f"{time.perf_counter() - began:,.0f} s._\n",
                    )
                    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    header = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`bench/run.py`); do not edit by hand. Each section says",
        "when it was last run; `make bench` runs them all, `bench/run.py --only NAME`",
        "one of them, keeping the others' last results (bench/results/). The Curtois & Qu",
        "section comes from `make bench-nrp` (bench/nrp_results.md), which takes hours;",
        "`bench/run.py --assemble` rebuilds this file from the last results alone.",
        "",
        f"- machine: {machine()}",
        f"- Python {sys.version.split()[0]}; {versions()}",
        "",
    ]
    parts = [header]
    for name in SECTIONS:
        cached = RESULTS / f"{name}.md"
        if cached.exists():
            parts.append(cached.read_text().splitlines())
    nrp = Path(__file__).resolve().parent / "nrp_results.md"  # `make bench-nrp` (~2 h)
    if nrp.exists():
        parts.append(["", *nrp.read_text().splitlines()])
    print("\n".join(line for part in parts for line in part))


def section(name: str, folder: Path, args: argparse.Namespace) -> list[str]:
    """One section's markdown lines, or none if its data is missing."""
    if name == "staffing":
        return [
            "## Staffing: callshift vs pyworkforce's ErlangC",
            "",
            "80% in 20 s, occupancy ≤ 0.85. Times are medians over repeated runs in one "
            "process. `same agents` counts intervals where both give the same net agents; "
            "`callshift misses target` re-checks callshift's answer with the Erlang C "
            "formulas and must be 0. pyworkforce starts its search at round(A + 1) and can "
            "overshoot by one agent.",
            "",
            *staffing_rows(folder),
            "",
        ]
    if name == "scale":
        return [
            "## Staffing at scale",
            "",
            "672 intervals with loads spread evenly from 0 to the top load; AHT 240 s, "
            "patience 180 s for Erlang A. No overflow at any load (`finite`).",
            "",
            *scale_rows(),
            "",
        ]
    bank_week = bank_forecast(15, folder)
    if name == "roster":
        weeks = [("sample week", ROOT / "data" / "forecast.csv")]
        if bank_week is not None:
            weeks.append(("Anonymous Bank, 1-7 Feb 1999", bank_week))
        return [
            "## Roster: covering bound, callshift and pyworkforce on the real timeline",
            "",
            "Hard rules and coverage only (every soft rule's weight 0; fairness and "
            "rotation are measured in their own section below). "
            "One week at 15-minute intervals (672), default shift templates (P 07-15, "
            "S 15-23, M 23-07, D 09/11/13 for 8 h). The covering bound is the fewest paid "
            "hours any multiset of template shifts needs to cover every interval that a "
            "shift of this week can reach (an integer program, solved to optimality). "
            "callshift rosters named agents under every hard rule (checked by the "
            "independent checker); pyworkforce chooses shift counts only, with night shifts "
            "wrapped into the same day, and its counts are laid here on the real timeline "
            "(a 23:00 shift covers 23:00-07:00 of the next day). `intervals short` counts "
            f"reachable intervals below the requirement. Solver limit {args.seconds:g} s, "
            "2 workers.",
            "",
            *covering_rows(weeks, args.seconds),
            "",
        ]
    if name == "speed":
        if bank_week is None:
            return []
        return [
            "## Roster speed: 100 agents, 15-minute intervals",
            "",
            "Anonymous Bank February 1999 (28 days), 100 generic agents, 2 workers, seed 1, "
            "hard rules and coverage only. "
            "The bound is the covering bound in objective units (fewest surplus "
            "agent-intervals at zero shortfall); 'within 1%' is the first roster whose "
            "objective is at most 1.01 × that bound.",
            "",
            *speed_rows(bank_week, args.seconds * 2),
            "",
        ]
    if name == "fairness":
        return [
            "## Fairness and rotation: four weeks over Christmas and New Year",
            "",
            "2026-12-14 to 2027-01-10 at 15-minute intervals (the sample profile at 75% "
            "volume), 64 agents: 6 on 30 h contracts, 8 who may not work nights, 4 on "
            "leave over the holidays. Spreads are min-max over full-time agents with no "
            "leave (nights: those who may work nights). The soft-rule columns are the "
            "penalties in their own units (docs/rules.md). 'without fairness terms' sets "
            f"the four fair_* weights to 0: the coverage cost of fairness is the "
            f"difference in the coverage columns. Solver limit {args.fairness_seconds:g} s, "
            "2 workers.",
            "",
            *fairness_rows(folder, args.fairness_seconds),
            "",
        ]
    if name == "roster-scale":
        return [
            "## Roster engine at scale: 20 to 1,000 agents, 7 to 28 days",
            "",
            scale_roster.__doc__.split("\n\n", 2)[2].replace("\n", " ").strip(),
            "Each case runs in its own process: `peak memory` is that process's maximum "
            "resident set. `first legal` is the time from the start of the run (reading, "
            "staffing, model building included) to the solver's first roster; every final "
            "roster passes the independent check (`checked`). The covering bound is the "
            "fewest surplus agent-intervals any multiset of shifts needs at zero shortfall "
            "(in objective units); the CP-SAT bound is the solver's own. 2 workers, seed 1.",
            "",
            *scale_roster.rows(),
            "",
        ]
    raise ValueError(name)


if __name__ == "__main__":
    main()
