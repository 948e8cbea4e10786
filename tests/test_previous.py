"""Continuity: weekly plans chained with --previous form one legal roster."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from callshift.config import Config, SolverSettings
from callshift.errors import InputError
from callshift.forecast import read_forecast
from callshift.plan import make_plan
from callshift.report import write_plan
from callshift.roster.check import check_roster, read_roster
from tests.helpers import write_forecast

HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 12, 14, 14, 12, 10, 10, 12, 10, 8, 5, 3, 2]
CONFIG = replace(Config(), solver=SolverSettings(time_limit_seconds=1.5, workers=1, seed=7))
START = date(2026, 12, 21)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    write_forecast(tmp_path / "forecast.csv", HOURLY * 28, 240, interval_minutes=60)
    (tmp_path / "agents.csv").write_text(
        "agent_id,contract_hours,night_ok\n"
        + "".join(f"N{i:02d},40,true\n" for i in range(1, 22))
        + "DAY1,40,false\n"
    )
    return tmp_path


def chain(site: Path, weeks: int) -> list[Path]:
    """Plan ``weeks`` weeks one after another, each with the last one's roster."""
    rosters: list[Path] = []
    for week in range(weeks):
        plan = make_plan(
            site / "forecast.csv",
            CONFIG,
            agents_path=site / "agents.csv",
            previous_paths=rosters[-1:],
            start=START + timedelta(days=7 * week),
            days=7,
            deterministic=True,
        )
        assert plan.check.ok
        folder = site / f"week{week + 1}"
        write_plan(plan, folder)
        rosters.append(folder / "roster.csv")
    return rosters


def test_four_chained_weeks_form_one_legal_28_day_roster(site: Path) -> None:
    rosters = chain(site, 4)
    rows = tuple(row for path in rosters for row in read_roster(path))
    forecast = read_forecast(site / "forecast.csv")
    whole = check_roster(
        rows, agents=None, leave=(), config=CONFIG, forecast=forecast, start=START, days=28
    )
    assert whole.violations == ()
    # Every week after the first: its first night's small hours are covered by the
    # previous week's Sunday night, so no shortfall waits on anything.
    coverage = whole.coverage.set_index("interval_start")
    for week in range(1, 4):
        monday = pd.Timestamp(START + timedelta(days=7 * week))
        small_hours = coverage.loc[monday : monday + pd.Timedelta(hours=6), "shortfall"]
        assert small_hours.sum() == 0


def test_a_previous_roster_inside_the_period_is_refused(site: Path) -> None:
    first = chain(site, 1)[0]
    with pytest.raises(InputError, match="earlier periods"):
        make_plan(
            site / "forecast.csv",
            CONFIG,
            agents_path=site / "agents.csv",
            previous_paths=[first],
            start=START + timedelta(days=3),
            days=7,
            deterministic=True,
        )
