"""Report sizes and times at scale: report.html, roster.xlsx and the calendars of 1,000
agents over 28 days (and smaller cases), printed as a table.

The roster is the hand-built one that seeds the solver (covering counts, then agents day by
day under the hard rules), passed through the independent check like a solved one: the
writers' cost depends on the team and the horizon, not on how good the roster is, and a
CP-SAT solve of this size takes many minutes.

    python bench/report_size.py            # 76x7, 300x28, 1000x28
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from callshift.config import Config
from callshift.html_report import render_html
from callshift.ics import roster_calendars, shift_names_of
from callshift.plan import finish_plan, read_plan_inputs, roster_rows
from callshift.report import summary
from callshift.roster.construct import warm_start
from callshift.roster.solve import Solution
from callshift.xlsx_report import render_xlsx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as bench/report_size.py
from bench.scale_roster import scenario

SIZES = ((76, 7), (300, 28), (1000, 28))


def measure(agents: int, days: int) -> dict[str, float]:
    config = Config()
    with tempfile.TemporaryDirectory() as folder:
        paths = scenario(agents, days, Path(folder))
        inputs = read_plan_inputs(
            paths["forecast"],
            config,
            agents_path=paths["agents"],
            leave_path=paths["leave"],
            start=None,
            days=days,
        )
    problem = inputs.problem
    assignments = warm_start(problem)
    solution = Solution(problem, assignments, "FEASIBLE", None, None, 0.0)
    plan = finish_plan(inputs, solution)
    facts = summary(plan)
    began = time.perf_counter()
    html = render_html(plan, facts).encode()
    html_seconds = time.perf_counter() - began
    began = time.perf_counter()
    xlsx = render_xlsx(plan, facts)
    xlsx_seconds = time.perf_counter() - began
    rows = roster_rows(plan.roster)
    began = time.perf_counter()
    calendars = roster_calendars(rows, timezone="Asia/Jakarta", names=shift_names_of(config))
    ics_seconds = time.perf_counter() - began
    return {
        "agents": agents,
        "days": days,
        "shifts": len(rows),
        "html_kb": len(html) / 1024,
        "html_s": html_seconds,
        "xlsx_kb": len(xlsx) / 1024,
        "xlsx_s": xlsx_seconds,
        "ics_kb": sum(len(v) for v in calendars.values()) / 1024,
        "ics_s": ics_seconds,
    }


def main() -> None:
    print(
        "| agents | days | shifts | report.html | time | roster.xlsx | time | .ics (all) | time |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for agents, days in SIZES:
        m = measure(agents, days)
        print(
            f"| {m['agents']:,} | {m['days']} | {m['shifts']:,} | {m['html_kb']:,.0f} KB | "
            f"{m['html_s']:.2f} s | {m['xlsx_kb']:,.0f} KB | {m['xlsx_s']:.2f} s | "
            f"{m['ics_kb']:,.0f} KB | {m['ics_s']:.2f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main()
