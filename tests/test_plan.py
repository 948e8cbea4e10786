"""End to end: forecast → roster, every solve passed through the independent check."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from callshift.cli import app
from callshift.config import Config, ShiftSpec, SolverSettings
from callshift.errors import InputError
from callshift.forecast import read_forecast
from callshift.history import history_csv
from callshift.plan import Plan, make_plan, roster_rows
from callshift.report import PLAN_FILES, summary, write_plan
from callshift.roster.check import check_roster, read_roster
from tests.helpers import write_forecast

runner = CliRunner()
HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 12, 14, 14, 12, 10, 10, 12, 10, 8, 5, 3, 2]
CONFIG = replace(Config(), solver=SolverSettings(time_limit_seconds=1.5, workers=1, seed=7))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    write_forecast(tmp_path / "forecast.csv", HOURLY * 4, 240, interval_minutes=60)
    (tmp_path / "agents.csv").write_text(
        "agent_id,name,contract_hours,night_ok\n"
        + "".join(f"N{i:02d},Agent {i},40,true\n" for i in range(1, 21))
        + "DAY1,Day only,40,false\nPT1,Part time,24,true\n"
    )
    (tmp_path / "leave.csv").write_text("agent_id,date,end_date,reason\nN01,2026-12-22,,sick\n")
    return tmp_path


def plan_site(site: Path, **kwargs: object) -> Plan:
    return make_plan(
        site / "forecast.csv",
        CONFIG,
        agents_path=site / "agents.csv",
        leave_path=site / "leave.csv",
        days=3,
        deterministic=True,
        **kwargs,  # type: ignore[arg-type]
    )


def test_named_team_plan_passes_the_independent_check(site: Path) -> None:
    plan = plan_site(site)
    assert plan.check.ok
    roster = plan.roster
    assert not roster[roster["agent_id"] == "DAY1"]["night"].any()
    assert roster[(roster["agent_id"] == "N01") & (roster["date"] == "2026-12-22")].empty
    # Coverage after the first night's small hours is met in full.
    coverage = plan.check.coverage
    after_first_night = coverage["interval_start"] >= pd.Timestamp("2026-12-21 07:00")
    assert coverage.loc[after_first_night, "shortfall"].sum() == 0


def test_same_inputs_one_worker_fixed_seed_give_the_same_roster(site: Path) -> None:
    first = plan_site(site).roster
    second = plan_site(site).roster
    pd.testing.assert_frame_equal(first, second)


def test_sized_team_is_generic_and_no_smaller_than_the_bound(site: Path) -> None:
    plan = make_plan(site / "forecast.csv", CONFIG, days=3, deterministic=True)
    ids = [a.agent_id for a in plan.problem.agents]
    assert ids[0] == "A001" and len(ids) >= (plan.solution.lower_bound_agents or 0)
    assert plan.check.ok
    reachable = plan.problem.reachable()
    assert plan.check.coverage["shortfall"].to_numpy()[reachable].sum() == 0
    # One agent fewer could not cover the requirement with these shift templates.
    assert plan.solution.lower_bound_agents == len(ids)


def test_written_files_read_back_and_recheck(site: Path, tmp_path: Path) -> None:
    plan = plan_site(site)
    out = tmp_path / "out"
    write_plan(plan, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(PLAN_FILES)
    rows = read_roster(out / "roster.csv")
    assert rows == roster_rows(plan.roster)
    again = check_roster(
        rows,
        agents=plan.problem.agents,
        leave=(),
        config=CONFIG,
        forecast=read_forecast(site / "forecast.csv"),
        start=plan.problem.start,
        days=3,
    )
    assert [v.rule_id for v in again.violations] == []
    grid = pd.read_csv(out / "roster_grid.csv")
    assert list(grid.columns) == ["agent_id", "2026-12-21", "2026-12-22", "2026-12-23"]
    assert grid.set_index("agent_id").loc["N01", "2026-12-22"] == "LEAVE"
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "start",
        "days",
        "agents",
        "solver_status",
        "objective",
        "best_bound",
        "solve_seconds",
        "shortfall_agent_hours",
        "scheduled_agent_hours",
        "required_agent_hours",
        "predicted_service_level",
        "per_agent",
    ):
        assert key in summary
    worked = pd.read_csv(out / "roster.csv").groupby("agent_id")["paid_hours"].sum()
    for agent in summary["per_agent"]:
        assert agent["hours"] == worked.get(agent["agent_id"], 0)
    assert summary["shortfall_waiting_on_previous_period_agent_hours"] > 0


def test_cli_plan_then_check(site: Path) -> None:
    out = site / "out"
    result = runner.invoke(
        app,
        [
            "plan",
            str(site / "forecast.csv"),
            "--agents",
            str(site / "agents.csv"),
            "--leave",
            str(site / "leave.csv"),
            "--days",
            "1",
            "--out",
            str(out),
            "--time-limit",
            "10",
            "--workers",
            "1",
            "--seed",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Every hard rule holds" in result.output
    # a 1-day block's pro-rata hours (5.7 h) are less than a shift; one is allowed
    roster = pd.read_csv(out / "roster.csv")
    assert len(roster) > 0 and roster.groupby("agent_id").size().max() == 1
    checked = runner.invoke(
        app,
        [
            "check",
            str(out / "roster.csv"),
            "--forecast",
            str(site / "forecast.csv"),
            "--agents",
            str(site / "agents.csv"),
            "--leave",
            str(site / "leave.csv"),
            "--start",
            "2026-12-21",
            "--days",
            "1",
        ],
    )
    assert checked.exit_code == 0, checked.output
    assert "Every hard rule holds." in checked.output


def test_cli_check_exits_1_on_a_broken_roster(site: Path) -> None:
    roster = site / "roster.csv"
    roster.write_text(
        "agent_id,date,shift,start,end,paid_hours,night,holiday\n"
        "DAY1,2026-12-21,M,2026-12-21 23:00,2026-12-22 07:00,8,true,\n"
    )
    result = runner.invoke(
        app,
        [
            "check",
            str(roster),
            "--forecast",
            str(site / "forecast.csv"),
            "--agents",
            str(site / "agents.csv"),
        ],
    )
    assert result.exit_code == 1
    assert "night_ok: " in result.stderr


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("agents.csv", "agent_id,night_ok\nA,maybe\n", "agents.csv:2:2:"),
        ("leave.csv", "agent_id,date\nNOBODY,2026-12-21\n", "leave.csv:2:1:"),
    ],
)
def test_cli_plan_bad_team_input_exits_2_and_writes_nothing(
    site: Path, name: str, text: str, message: str
) -> None:
    (site / name).write_text(text)
    out = site / "out"
    result = runner.invoke(
        app,
        [
            "plan",
            str(site / "forecast.csv"),
            "--agents",
            str(site / "agents.csv"),
            "--leave",
            str(site / "leave.csv"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_cli_plan_start_outside_the_forecast_exits_2(site: Path) -> None:
    result = runner.invoke(
        app,
        ["plan", str(site / "forecast.csv"), "--start", "2027-01-05", "--out", str(site / "out")],
    )
    assert result.exit_code == 2
    assert "the forecast has no intervals for 2027-01-05" in result.stderr


# --------------------------------------------------------------------------- issue 4


@pytest.fixture
def christmas(tmp_path: Path) -> Path:
    write_forecast(
        tmp_path / "forecast.csv", HOURLY * 3, 240, start="2026-12-24 00:00", interval_minutes=60
    )
    (tmp_path / "agents.csv").write_text(
        "agent_id,contract_hours,night_ok,night_transport\n"
        + "".join(f"N{i:02d},40,true,{'true' if i == 1 else 'false'}\n" for i in range(1, 21))
    )
    (tmp_path / "prefs.csv").write_text(
        "agent_id,date_or_weekday,shift_or_OFF,weight\nN02,2026-12-25,OFF,50\nN03,Fri,P,20\n"
    )
    return tmp_path


def plan_christmas(site: Path, **kwargs: object) -> Plan:
    return make_plan(
        site / "forecast.csv",
        CONFIG,
        agents_path=site / "agents.csv",
        days=3,
        deterministic=True,
        **kwargs,  # type: ignore[arg-type]
    )


def test_holiday_shifts_are_named_and_marked(christmas: Path, tmp_path: Path) -> None:
    plan = plan_christmas(christmas)
    on_christmas = plan.roster[plan.roster["date"] == "2026-12-25"]
    assert not on_christmas.empty
    assert set(on_christmas["holiday"]) == {"Hari Raya Natal"}
    eve = plan.roster[(plan.roster["date"] == "2026-12-24") & (plan.roster["shift"] == "P")]
    assert set(eve["holiday"]) == {""}  # cuti bersama is off by default
    write_plan(plan, tmp_path / "out")
    grid = pd.read_csv(tmp_path / "out" / "roster_grid.csv", keep_default_na=False)
    assert grid.iloc[0]["agent_id"] == "(holiday)"
    assert grid.iloc[0]["2026-12-25"] == "Hari Raya Natal"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["holidays"] == {"2026-12-25": "Hari Raya Natal"}
    worked = sum(a["holidays"] for a in summary["per_agent"])
    assert worked == len(plan.roster[plan.roster["holiday"] != ""])


def test_preferences_are_weighed_and_reported(christmas: Path) -> None:
    plan = plan_christmas(christmas, preferences_path=christmas / "prefs.csv")
    roster = plan.roster
    assert roster[(roster["agent_id"] == "N02") & (roster["date"] == "2026-12-25")].empty
    n03 = roster[(roster["agent_id"] == "N03") & (roster["date"] == "2026-12-25")]
    assert list(n03["shift"]) == ["P"]
    stats = summary(plan)["per_agent"]
    by_id = {a["agent_id"]: a for a in stats}
    assert (by_id["N02"]["preferences_asked"], by_id["N02"]["preferences_granted"]) == (1, 1)
    assert (by_id["N03"]["preferences_asked"], by_id["N03"]["preferences_granted"]) == (1, 1)
    assert summary(plan)["soft_penalties"]["preferences"] == 0


def test_night_transport_lists_late_shifts_of_those_agents(christmas: Path) -> None:
    flagged = {f"N{i:02d}" for i in range(1, 11)}  # half the team: some surely work late
    (christmas / "agents.csv").write_text(
        "agent_id,contract_hours,night_ok,night_transport\n"
        + "".join(f"N{i:02d},40,true,{str(i <= 10).lower()}\n" for i in range(1, 21))
    )
    plan = plan_christmas(christmas)
    listed = summary(plan)["night_transport"]

    def small_hours(stamp: str) -> bool:  # 23:00 to 05:00, both ends included
        return stamp[11:] >= "23:00" or stamp[11:] <= "05:00"

    roster = plan.roster
    late = sorted(
        (str(a), str(s))
        for a, s, e in zip(roster["agent_id"], roster["start"], roster["end"], strict=True)
        if a in flagged and (small_hours(s) or small_hours(e))
    )
    assert sorted((row["agent_id"], row["start"]) for row in listed) == late
    assert late and {a for a, _ in late} <= flagged


def test_history_is_carried_and_refuses_the_same_period_twice(christmas: Path) -> None:
    empty = christmas / "history.csv"
    empty.write_text("agent_id,periods,nights,weekend_days,holidays,last_end\n")
    plan = plan_christmas(christmas, history_path=empty)
    assert plan.history is not None
    nights = {a.agent_id: 0 for a in plan.problem.agents}
    for row in plan.roster[plan.roster["night"]].itertuples():
        nights[str(row.agent_id)] += 1
    assert {k: v.nights for k, v in plan.history.rows.items()} == nights
    again = christmas / "history2.csv"
    again.write_text(history_csv(plan.history))
    with pytest.raises(InputError, match="not after it"):
        plan_christmas(christmas, history_path=again)


def test_history_steers_the_next_holidays_to_others(christmas: Path) -> None:
    heavy = christmas / "history.csv"
    heavy.write_text(
        "agent_id,periods,nights,weekend_days,holidays,last_end\n"
        + "".join(f"N{i:02d},10,0,0,5,2026-12-20\n" for i in range(1, 5))
    )
    plan = plan_christmas(christmas, history_path=heavy)
    holiday_workers = set(plan.roster[plan.roster["holiday"] != ""]["agent_id"])
    veterans = {f"N{i:02d}" for i in range(1, 5)}
    assert holiday_workers and not holiday_workers & veterans
    without = plan_christmas(christmas)  # with no history the four are not spared
    assert set(without.roster[without.roster["holiday"] != ""]["agent_id"]) & veterans


def test_a_shift_longer_than_the_preset_allows_is_refused(site: Path) -> None:
    long_shift = replace(Config(), shifts=(ShiftSpec("L", "Long", "07:00", length_hours=13),))
    with pytest.raises(InputError, match="longer than max_shift_hours = 12"):
        make_plan(site / "forecast.csv", long_shift, days=1)


def test_an_agent_above_the_weekly_maximum_is_refused(site: Path) -> None:
    (site / "agents.csv").write_text("agent_id,contract_hours\nBIG,60\n")
    with pytest.raises(InputError, match="BIG has contract_hours 60, above max_contract_hours"):
        make_plan(site / "forecast.csv", CONFIG, agents_path=site / "agents.csv", days=1)


def test_a_sized_team_gets_its_history_too(christmas: Path) -> None:
    empty = christmas / "history.csv"
    empty.write_text("agent_id,periods,nights,weekend_days,holidays,last_end\n")
    plan = make_plan(
        christmas / "forecast.csv", CONFIG, days=3, deterministic=True, history_path=empty
    )
    assert plan.history is not None
    assert set(plan.history.rows) == {a.agent_id for a in plan.problem.agents}
    assert "A001" in plan.history.rows
