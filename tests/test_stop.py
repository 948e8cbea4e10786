"""Stopping a solve (what SIGINT and SIGTERM do) and reproducible time limits."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import callshift.plan
from callshift.config import Config, SolverSettings
from callshift.errors import Interrupted
from callshift.plan import make_plan
from callshift.roster.check import CheckReport, Violation, check_roster
from callshift.roster.solve import Progress, StopSearch
from tests.helpers import write_site

CONFIG = replace(Config(), solver=SolverSettings(time_limit_seconds=3, workers=1, seed=7))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site")


def plan_site(site: Path, **kwargs: object) -> callshift.plan.Plan:
    return make_plan(
        site / "forecast.csv",
        CONFIG,
        agents_path=site / "agents.csv",
        leave_path=site / "leave.csv",
        days=2,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_stop_before_any_roster_raises_interrupted_with_its_exit_code(site: Path) -> None:
    stop = StopSearch()
    stop.request("SIGTERM", 143)
    with pytest.raises(Interrupted) as caught:
        plan_site(site, stop=stop)
    assert str(caught.value) == "interrupted (SIGTERM) before a roster was found; nothing written"
    assert caught.value.exit_code == 143


def test_a_stop_during_the_search_keeps_the_best_roster_so_far(site: Path) -> None:
    stop = StopSearch()
    phases: list[str] = []

    def on_progress(progress: Progress) -> None:
        phases.append(progress.phase)
        if progress.objective is not None:  # the first roster: stop here
            stop.request("SIGINT", 130)

    plan = plan_site(site, stop=stop, on_progress=on_progress)
    assert plan.interrupted and plan.check.ok and not plan.roster.empty
    # the coverage step was cut (or had just proved its first roster optimal); the fairness
    # step never started
    assert set(phases) == {"roster, coverage"}


def test_an_uninterrupted_plan_says_so(site: Path) -> None:
    plan = plan_site(site, stop=StopSearch())
    assert not plan.interrupted and plan.deterministic


def test_a_stop_while_sizing_returns_a_roster_of_some_team(site: Path) -> None:
    stop = StopSearch()

    def on_progress(progress: Progress) -> None:
        if progress.objective is not None:
            stop.request("SIGINT", 130)

    plan = make_plan(site / "forecast.csv", CONFIG, days=2, stop=stop, on_progress=on_progress)
    assert plan.interrupted and plan.check.ok and plan.sized
    assert plan.problem.agents[0].agent_id == "A001"


def test_an_interrupted_roster_that_fails_the_check_is_not_written(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_check = check_roster

    def failing_check(*args: object, **kwargs: object) -> CheckReport:
        report = real_check(*args, **kwargs)  # type: ignore[arg-type]
        broken = Violation("min_rest", "N02", None, "N02 rests 7 h between shifts")
        return replace(report, violations=(broken,))

    monkeypatch.setattr(callshift.plan, "check_roster", failing_check)
    stop = StopSearch()

    def on_progress(progress: Progress) -> None:
        if progress.objective is not None:
            stop.request("SIGINT", 130)

    with pytest.raises(Interrupted) as caught:
        plan_site(site, stop=stop, on_progress=on_progress)
    assert str(caught.value) == (
        "interrupted (SIGINT): the best roster found so far fails the check (1 violations: "
        "N02 rests 7 h between shifts); nothing written"
    )
    assert caught.value.exit_code == 130


def test_one_worker_reads_the_limit_as_deterministic_time(site: Path) -> None:
    plan = plan_site(site)  # workers = 1: deterministic unless told otherwise
    assert plan.deterministic
    used = plan.solution.deterministic_seconds
    assert 0 < used <= CONFIG.solver.time_limit_seconds * 1.01
    assert plan_site(site).solution.deterministic_seconds == used


def test_a_solve_leaves_ctrl_c_to_python(tmp_path: Path) -> None:
    """CP-SAT's own SIGINT handler would reset SIGINT to kill-at-once after each solve."""
    code = (
        "import os, signal, sys, time\n"
        "from callshift.config import Config\n"
        "from callshift.forecast import read_forecast\n"
        "from callshift.roster.problem import build_problem\n"
        "from callshift.roster.solve import covering_bound\n"
        "from callshift.staffing import compute_staffing\n"
        "from tests.helpers import write_forecast\n"
        "path = write_forecast(sys.argv[1], [10] * 48, 240, interval_minutes=60)\n"
        "staffing = compute_staffing(read_forecast(path), Config().staffing)\n"
        "covering_bound(build_problem(staffing, Config(), start=None, days=2, agents=None))\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(5)\n"
        "except KeyboardInterrupt:\n"
        "    print('handled by Python')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "f.csv")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[1],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "handled by Python\n"
