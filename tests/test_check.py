"""Tests for callshift.roster.check: one violating and one compliant roster per hard rule,
the roster.csv reader's errors, and coverage computed by hand.

2026-12-21 is a Monday. Default shifts: P 07:00, S 15:00, M 23:00 (8 h each) and the
flexible D09, D11, D13 (8 h). Default rules: 11 h rest, 6 days in a row, 2 days off and
40 paid hours per week, night 23:00-05:00.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from callshift.agents import Agent, Leave
from callshift.config import Config, RuleSettings, ShiftSpec, StaffingSettings
from callshift.erlang import erlang_a_metrics
from callshift.errors import InputError
from callshift.forecast import Forecast, read_forecast
from callshift.roster.check import (
    COVERAGE_COLUMNS,
    HARD_RULES,
    CheckReport,
    RosterRow,
    Violation,
    check_roster,
    expand_shifts,
    read_roster,
)
from tests.helpers import assert_every_bad_file_tested, write_forecast

DATA = Path(__file__).parent / "data"
MONDAY = date(2026, 12, 21)
LENGTHS = {"P": 8.0, "S": 8.0, "M": 8.0}


@pytest.fixture(scope="module")
def forecast(tmp_path_factory: pytest.TempPathFactory) -> Forecast:
    """Four weeks of hourly intervals without calls, from Monday 2026-12-14."""
    path = tmp_path_factory.mktemp("forecast") / "forecast.csv"
    write_forecast(path, [0.0] * 28 * 24, start="2026-12-14 00:00", interval_minutes=60)
    return read_forecast(path)


def shift(
    agent_id: str,
    start: str,
    code: str,
    *,
    hours: float = 8.0,
    paid: float | None = None,
    night: bool | None = None,
    day: date | None = None,
) -> RosterRow:
    """A roster row; night defaults to true for M, the only default night shift."""
    begin = datetime.strptime(start, "%Y-%m-%d %H:%M")
    return RosterRow(
        agent_id=agent_id,
        date=begin.date() if day is None else day,
        shift=code,
        start=begin,
        end=begin + timedelta(hours=hours),
        paid_hours=hours if paid is None else paid,
        night=code == "M" if night is None else night,
        holiday="",
        line=0,
    )


def daily(agent_id: str, first: date, count: int, code: str = "P") -> list[RosterRow]:
    """``count`` shifts ``code`` on consecutive days from ``first``."""
    clock = {"P": "07:00", "S": "15:00", "M": "23:00", "D09": "09:00"}[code]
    return [shift(agent_id, f"{first + timedelta(days=d)} {clock}", code) for d in range(count)]


def run(
    rows: list[RosterRow],
    forecast: Forecast,
    *,
    config: Config | None = None,
    agents: list[Agent] | None = None,
    leave: tuple[Leave, ...] = (),
    days: int = 7,
) -> CheckReport:
    return check_roster(
        rows,
        agents=agents,
        leave=leave,
        config=Config() if config is None else config,
        forecast=forecast,
        start=MONDAY,
        days=days,
    )


def of_rule(report: CheckReport, rule_id: str) -> list[Violation]:
    return [v for v in report.violations if v.rule_id == rule_id]


def rules(**changes: Any) -> Config:
    return replace(Config(), rules=RuleSettings(**changes))


def where(violations: Sequence[Violation]) -> list[tuple[str, date | None]]:
    return [(v.agent_id, v.date) for v in violations]


# --------------------------------------------------------------------------- registry


def test_hard_rules_registry_order() -> None:
    assert list(HARD_RULES) == [
        "one_shift_per_day",
        "min_rest",
        "max_consecutive_days",
        "weekly_rest",
        "max_weekly_hours",
        "night_ok",
        "leave",
        "shift_definition",
        "known_agent",
    ]
    for rule_id, function in HARD_RULES.items():
        assert function.__name__ == f"check_{rule_id}"


def test_checker_shares_no_code_with_the_solver() -> None:
    """Importing the checker loads neither the model, the solver, the soft rules, the shift
    timeline nor OR-tools, so it can catch their mistakes."""
    solver_side = (
        "callshift.shifts",
        "callshift.roster.model",
        "callshift.roster.solve",
        "callshift.roster.soft",
        "ortools",
    )
    code = (
        "import sys, callshift.roster.check; "
        f"print(sorted(m for m in sys.modules if m.startswith({solver_side!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_hard_rule_has_a_test() -> None:
    names = [name for name in dir(sys.modules[__name__]) if name.startswith("test_")]
    untested = [r for r in HARD_RULES if not any(n.startswith(f"test_{r}") for n in names)]
    assert untested == []


# --------------------------------------------------------------------------- one_shift_per_day


def test_one_shift_per_day_two_starts_on_one_date(forecast: Forecast) -> None:
    rows = [shift("AG001", "2026-12-21 07:00", "P"), shift("AG001", "2026-12-21 23:00", "M")]
    report = run(rows, forecast, config=rules(min_rest_hours=8))
    assert [v.message for v in report.violations] == [
        "AG001 has 2 shifts starting on 2026-12-21 (P at 07:00, M at 23:00); "
        "one_shift_per_day allows max_shifts_per_day = 1"
    ]
    assert where(of_rule(report, "one_shift_per_day")) == [("AG001", MONDAY)]


def test_one_shift_per_day_counts_the_start_date_only(forecast: Forecast) -> None:
    rows = [shift("AG001", "2026-12-21 23:00", "M"), shift("AG001", "2026-12-22 15:00", "S")]
    assert run(rows, forecast, config=rules(min_rest_hours=8)).ok


def test_one_shift_per_day_allows_the_configured_maximum(forecast: Forecast) -> None:
    rows = [shift("AG001", "2026-12-21 07:00", "P"), shift("AG001", "2026-12-21 23:00", "M")]
    assert run(rows, forecast, config=rules(min_rest_hours=8, max_shifts_per_day=2)).ok


# --------------------------------------------------------------------------- min_rest

MINUTE_SHIFTS = replace(
    Config(),
    shifts=(
        ShiftSpec("S", "Late", "15:00"),
        ShiftSpec("E", "Early", "09:00", latest_start="11:00", step_minutes=1),
    ),
)


def test_min_rest_10_h_59_min_rejected(forecast: Forecast) -> None:
    rows = [shift("AG001", "2026-12-21 15:00", "S"), shift("AG001", "2026-12-22 09:59", "E0959")]
    report = run(rows, forecast, config=MINUTE_SHIFTS)
    assert [v.message for v in report.violations] == [
        "AG001 rests 10 h 59 min between S ending 2026-12-21 23:00 and E0959 starting "
        "2026-12-22 09:59 (min_rest: min_rest_hours = 11)"
    ]
    assert where(of_rule(report, "min_rest")) == [("AG001", date(2026, 12, 22))]


def test_min_rest_11_h_accepted(forecast: Forecast) -> None:
    rows = [shift("AG001", "2026-12-21 15:00", "S"), shift("AG001", "2026-12-22 10:00", "E10")]
    assert run(rows, forecast, config=MINUTE_SHIFTS).ok


def test_min_rest_overlapping_shifts_rejected(forecast: Forecast) -> None:
    rows = [shift("AG002", "2026-12-21 07:00", "P"), shift("AG002", "2026-12-21 11:00", "D11")]
    found = of_rule(run(rows, forecast, config=rules(max_shifts_per_day=2)), "min_rest")
    assert [v.message for v in found] == [
        "AG002's shifts P 2026-12-21 07:00–2026-12-21 15:00 and D11 2026-12-21 11:00–"
        "2026-12-21 19:00 overlap by 4 h (min_rest: shifts must not overlap)"
    ]
    assert where(found) == [("AG002", MONDAY)]


def test_min_rest_measured_from_the_latest_end(forecast: Forecast) -> None:
    """A short shift inside a long one must not hide the long one's end."""
    config = replace(
        Config(),
        shifts=(ShiftSpec("L", "Long", "07:00", length_hours=12), ShiftSpec("P", "P", "08:00")),
    )
    rows = [
        shift("AG002", "2026-12-21 07:00", "L", hours=12),
        shift("AG002", "2026-12-22 08:00", "P"),
    ]
    assert run(rows, forecast, config=config).ok  # 13 h rest
    rows.insert(1, shift("AG002", "2026-12-21 08:00", "P"))  # inside L; L still ends at 19:00
    found = of_rule(run(rows, forecast, config=config), "min_rest")
    assert where(found) == [("AG002", MONDAY)]


# --------------------------------------------------------------------------- max_consecutive_days

NO_WEEKLY_LIMITS = rules(weekly_rest_days=0, contract_hours=84, max_contract_hours=84)


def test_max_consecutive_days_7_in_a_row_rejected(forecast: Forecast) -> None:
    report = run(daily("AG003", MONDAY, 7), forecast, config=NO_WEEKLY_LIMITS, days=14)
    assert [v.message for v in report.violations] == [
        "AG003 works 7 days in a row, 2026-12-21 to 2026-12-27 (max_consecutive_days = 6)"
    ]
    assert where(of_rule(report, "max_consecutive_days")) == [("AG003", MONDAY)]


def test_max_consecutive_days_6_in_a_row_accepted(forecast: Forecast) -> None:
    assert run(daily("AG003", MONDAY, 6), forecast, config=NO_WEEKLY_LIMITS, days=14).ok


def test_max_consecutive_days_run_across_the_week_boundary(forecast: Forecast) -> None:
    rows = daily("AG003", date(2026, 12, 24), 7)  # Thursday to Wednesday
    found = of_rule(run(rows, forecast, config=NO_WEEKLY_LIMITS, days=14), "max_consecutive_days")
    assert where(found) == [("AG003", date(2026, 12, 24))]
    rows.pop(3)  # a day off on Sunday splits it into 3 + 3
    assert run(rows, forecast, config=NO_WEEKLY_LIMITS, days=14).ok


# --------------------------------------------------------------------------- weekly_rest


def test_weekly_rest_one_day_off_rejected(forecast: Forecast) -> None:
    report = run(daily("AG002", MONDAY, 6), forecast, config=rules(contract_hours=48))
    assert [v.message for v in report.violations] == [
        "AG002 has 1 of 2 days off needed in the week 2026-12-21 to 2026-12-27 "
        "(weekly_rest: weekly_rest_days = 2)"
    ]
    assert where(of_rule(report, "weekly_rest")) == [("AG002", MONDAY)]


def test_weekly_rest_two_days_off_accepted(forecast: Forecast) -> None:
    assert run(daily("AG002", MONDAY, 5), forecast).ok


def test_weekly_rest_partial_week_pro_rata(forecast: Forecast) -> None:
    """Days 7-12 are a 6-day block: it needs max(0, 2 - (7 - 6)) = 1 day off."""
    second = MONDAY + timedelta(days=7)
    config = rules(contract_hours=84, max_contract_hours=84)
    rows = daily("AG002", MONDAY, 5) + daily("AG002", second + timedelta(days=1), 5)
    assert run(rows, forecast, config=config, days=13).ok
    rows = daily("AG002", MONDAY, 5) + daily("AG002", second, 6)
    report = run(rows, forecast, config=config, days=13)
    assert [v.message for v in of_rule(report, "weekly_rest")] == [
        "AG002 has 0 of 1 days off needed in the 6-day block 2026-12-28 to 2027-01-02 "
        "(weekly_rest: weekly_rest_days = 2, pro rata 1 for 6 of 7 days)"
    ]
    assert where(of_rule(report, "weekly_rest")) == [("AG002", second)]


def test_weekly_rest_short_final_block_needs_none(forecast: Forecast) -> None:
    """Days 7-9 are a 3-day block: max(0, 2 - 4) = 0 days off needed."""
    rows = daily("AG002", MONDAY, 5) + daily("AG002", MONDAY + timedelta(days=7), 3)
    assert run(rows, forecast, config=rules(contract_hours=84, max_contract_hours=84), days=10).ok


# --------------------------------------------------------------------------- max_weekly_hours


def test_max_weekly_hours_over_the_agents_contract(forecast: Forecast) -> None:
    agents = [Agent("AG001", contract_hours=32.0)]
    report = run(daily("AG001", MONDAY, 5), forecast, agents=agents)
    assert [v.message for v in report.violations] == [
        "AG001 is paid 40 h in the week 2026-12-21 to 2026-12-27, over the limit of 32 h "
        "(max_weekly_hours: contract_hours = 32)"
    ]
    assert where(of_rule(report, "max_weekly_hours")) == [("AG001", MONDAY)]


def test_max_weekly_hours_exactly_the_contract_accepted(forecast: Forecast) -> None:
    agents = [Agent("AG001", contract_hours=32.0), Agent("AG002")]
    rows = daily("AG001", MONDAY, 4) + daily("AG002", MONDAY, 5)  # AG002: the rules' 40 h
    assert run(rows, forecast, agents=agents).ok


def test_max_weekly_hours_default_contract_from_the_rules(forecast: Forecast) -> None:
    rows = daily("AG002", MONDAY, 5)
    report = run(rows, forecast, agents=[Agent("AG002")], config=rules(contract_hours=36))
    assert where(of_rule(report, "max_weekly_hours")) == [("AG002", MONDAY)]


def test_max_weekly_hours_partial_week_pro_rata(forecast: Forecast) -> None:
    """Days 7-9 are a 3-day block: 40 × 3/7 = 17.14 h, so 16 h pass and 24 h do not."""
    second = MONDAY + timedelta(days=7)
    rows = daily("AG001", MONDAY, 5) + daily("AG001", second, 2)
    assert run(rows, forecast, days=10).ok
    rows = daily("AG001", MONDAY, 5) + daily("AG001", second, 3)
    report = run(rows, forecast, days=10)
    assert [v.message for v in report.violations] == [
        "AG001 is paid 24 h in the 3-day block 2026-12-28 to 2026-12-30, over the limit of "
        "17.14 h (max_weekly_hours: contract_hours = 40 × 3/7 days)"
    ]
    assert where(of_rule(report, "max_weekly_hours")) == [("AG001", second)]


def test_max_weekly_hours_one_shift_in_a_block_shorter_than_a_shift(forecast: Forecast) -> None:
    """Day 7 is a 1-day block: 40 × 1/7 = 5.7 h, yet one 8 h shift is allowed; not over a
    contract shorter than the shift."""
    last = MONDAY + timedelta(days=7)
    rows = daily("AG001", MONDAY, 5) + daily("AG001", last, 1)
    assert run(rows, forecast, days=8).ok
    short = [Agent("AG001", contract_hours=6.0)]
    report = run(daily("AG001", last, 1), forecast, agents=short, days=8)
    assert where(of_rule(report, "max_weekly_hours")) == [("AG001", last)]


def test_max_weekly_hours_counts_paid_not_worked_hours(forecast: Forecast) -> None:
    config = replace(Config(), shifts=(ShiftSpec("L", "Long", "07:00", 9.0, break_minutes=60),))
    rows = [
        shift("AG001", f"{MONDAY + timedelta(days=d)} 07:00", "L", hours=9, paid=8)
        for d in range(5)
    ]
    assert run(rows, forecast, config=config).ok  # 45 h at work, 40 h paid


# --------------------------------------------------------------------------- night_ok

EARLY_SHIFTS = replace(
    Config(),
    shifts=(
        *Config().shifts,
        ShiftSpec("E", "Early", "04:30", latest_start="05:00", step_minutes=30),
    ),
)


def test_night_ok_false_agent_on_a_night_shift_rejected(forecast: Forecast) -> None:
    agents = [Agent("AG004", night_ok=False)]
    report = run([shift("AG004", "2026-12-21 23:00", "M")], forecast, agents=agents)
    assert [v.message for v in report.violations] == [
        "AG004 may not work nights but works M 2026-12-21 23:00–2026-12-22 07:00, which "
        "overlaps the night_ok window 23:00–07:00 (night_ok = false)"
    ]
    assert where(of_rule(report, "night_ok")) == [("AG004", MONDAY)]


def test_night_ok_false_agent_until_23_accepted(forecast: Forecast) -> None:
    agents = [Agent("AG004", night_ok=False)]
    assert run([shift("AG004", "2026-12-21 15:00", "S")], forecast, agents=agents).ok


def test_night_ok_true_agent_on_a_night_shift_accepted(forecast: Forecast) -> None:
    agents = [Agent("AG004", night_ok=True)]
    assert run([shift("AG004", "2026-12-21 23:00", "M")], forecast, agents=agents).ok


def test_night_ok_recomputed_from_the_times(forecast: Forecast) -> None:
    """With the night_ok window at 23:00-05:00, a 04:30 start reaches into it; 05:00 not."""
    agents = [Agent("AG004", night_ok=False)]
    early = shift("AG004", "2026-12-21 04:30", "E0430", night=True)
    window = RuleSettings(night_ok_end="05:00")
    config = replace(EARLY_SHIFTS, rules=window)
    report = run([early], forecast, agents=agents, config=config)
    assert where(report.violations) == [("AG004", MONDAY)]
    assert report.violations[0].rule_id == "night_ok"
    # A night column saying false does not hide it: that is a shift_definition error too.
    report = run([replace(early, night=False)], forecast, agents=agents, config=config)
    assert [v.rule_id for v in report.violations] == ["night_ok", "shift_definition"]
    on_time = shift("AG004", "2026-12-21 05:00", "E05")
    assert run([on_time], forecast, agents=agents, config=config).ok


def test_night_ok_window_is_23_to_07_by_default(forecast: Forecast) -> None:
    """UU 13/2003 Pasal 76: a protected worker does not work 23:00-07:00, so a 05:00 start
    (not a night shift by the 23:00-05:00 night window) is refused too."""
    agents = [Agent("AG004", night_ok=False)]
    dawn = shift("AG004", "2026-12-21 05:00", "E05")
    report = run([dawn], forecast, agents=agents, config=EARLY_SHIFTS)
    assert [v.rule_id for v in report.violations] == ["night_ok"]


def test_night_ok_night_window_from_the_rules(forecast: Forecast) -> None:
    agents = [Agent("AG004", night_ok=False)]
    rules = RuleSettings(
        night_start="22:00", night_end="06:00", night_ok_start="22:00", night_ok_end="06:00"
    )
    config = replace(Config(), rules=rules)
    rows = [shift("AG004", "2026-12-21 15:00", "S", night=True)]
    report = run(rows, forecast, agents=agents, config=config)
    assert [v.rule_id for v in report.violations] == ["night_ok"]


# --------------------------------------------------------------------------- leave

LEAVE = (Leave("AG005", date(2026, 12, 22), date(2026, 12, 22), "annual"),)


def test_leave_overnight_shift_into_a_leave_day_rejected(forecast: Forecast) -> None:
    report = run([shift("AG005", "2026-12-21 23:00", "M")], forecast, leave=LEAVE)
    assert [v.message for v in report.violations] == [
        "AG005 is on leave on 2026-12-22 but works M 2026-12-21 23:00–2026-12-22 07:00 (leave)"
    ]
    assert where(of_rule(report, "leave")) == [("AG005", date(2026, 12, 22))]


def test_leave_shift_ending_at_23_before_a_leave_day_accepted(forecast: Forecast) -> None:
    assert run([shift("AG005", "2026-12-21 15:00", "S")], forecast, leave=LEAVE).ok


def test_leave_shift_ending_at_midnight_before_a_leave_day_accepted(forecast: Forecast) -> None:
    config = replace(Config(), shifts=(ShiftSpec("L", "Late", "16:00"),))
    rows = [shift("AG005", "2026-12-21 16:00", "L", night=True)]  # ends 2026-12-22 00:00
    assert run(rows, forecast, leave=LEAVE, config=config).ok
    rows = [shift("AG005", "2026-12-23 16:00", "L", night=True)]  # the day after the leave
    assert run(rows, forecast, leave=LEAVE, config=config).ok


def test_leave_every_day_of_a_range(forecast: Forecast) -> None:
    leave = (Leave("AG005", date(2026, 12, 22), date(2026, 12, 24)),)
    rows = daily("AG005", MONDAY, 5)
    report = run(rows, forecast, leave=leave)
    assert where(report.violations) == [
        ("AG005", date(2026, 12, 22)),
        ("AG005", date(2026, 12, 23)),
        ("AG005", date(2026, 12, 24)),
    ]
    assert run(rows[:1] + rows[4:], forecast, leave=leave).ok
    assert run(rows, forecast, leave=(replace(leave[0], agent_id="AG006"),)).ok


# --------------------------------------------------------------------------- shift_definition

BREAK_SHIFTS = replace(
    Config(),
    shifts=(ShiftSpec("D", "Day", "09:00", 8.0, 30, latest_start="10:00", step_minutes=30),),
)


def test_shift_definition_flexible_codes() -> None:
    assert list(expand_shifts(BREAK_SHIFTS.shifts)) == ["D09", "D0930", "D10"]
    assert list(expand_shifts(Config().shifts)) == ["P", "S", "M", "D09", "D11", "D13"]
    template = expand_shifts(BREAK_SHIFTS.shifts)["D0930"]
    assert (template.start_minute, template.length_minutes, template.paid_hours) == (570, 480, 7.5)


def test_shift_definition_compliant_rows_accepted(forecast: Forecast) -> None:
    rows = [
        shift("AG001", "2026-12-21 09:30", "D0930", paid=7.5),
        shift("AG001", "2026-12-22 10:00", "D10", paid=7.5),
        shift("AG001", "2026-12-23 09:00", "D09", paid=7.5),
        shift("AG001", "2026-12-27 09:00", "D09", paid=7.5),  # the last day of the horizon
    ]
    assert run(rows, forecast, config=BREAK_SHIFTS).ok


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            shift("AG001", "2026-12-22 10:00", "D10"),
            "AG001's shift D10 on 2026-12-22: unknown shift code 'D10'; known: D09, D11, D13, "
            "M, P, S (shift_definition)",
        ),
        (
            shift("AG001", "2026-12-22 08:00", "P"),
            "AG001's shift P on 2026-12-22 starts at 08:00, but P starts at 07:00 "
            "(shift_definition)",
        ),
        (
            shift("AG001", "2026-12-22 07:00", "P", hours=9, paid=8),
            "AG001's shift P on 2026-12-22 lasts 9 h, but P lasts 8 h (shift_definition)",
        ),
        (
            shift("AG001", "2026-12-22 07:00", "P", paid=7.5),
            "AG001's shift P on 2026-12-22 has paid_hours 7.5, but P pays 8 h (shift_definition)",
        ),
        (
            shift("AG001", "2026-12-22 23:00", "M", day=date(2026, 12, 23)),
            "AG001's shift M on 2026-12-23 starts on 2026-12-22, not on its date "
            "(shift_definition)",
        ),
        (
            shift("AG001", "2026-12-22 07:00", "P", night=True),
            "AG001's shift P on 2026-12-22 (2026-12-22 07:00–2026-12-22 15:00) has night = "
            "true, but it does not overlap the night window 23:00–05:00 (shift_definition)",
        ),
        (
            shift("AG001", "2026-12-22 23:00", "M", night=False),
            "AG001's shift M on 2026-12-22 (2026-12-22 23:00–2026-12-23 07:00) has night = "
            "false, but it overlaps the night window 23:00–05:00 (shift_definition)",
        ),
        (
            shift("AG001", "2026-12-20 23:00", "M"),
            "AG001's shift M on 2026-12-20 starts at 2026-12-20 23:00, outside the roster "
            "horizon 2026-12-21 to 2026-12-27 (shift_definition)",
        ),
        (
            shift("AG001", "2026-12-28 07:00", "P"),
            "AG001's shift P on 2026-12-28 starts at 2026-12-28 07:00, outside the roster "
            "horizon 2026-12-21 to 2026-12-27 (shift_definition)",
        ),
    ],
)
def test_shift_definition_violations(forecast: Forecast, row: RosterRow, message: str) -> None:
    report = run([row], forecast)
    assert [v.message for v in report.violations] == [message]
    assert where(of_rule(report, "shift_definition")) == [("AG001", row.date)]


def test_shift_definition_message_names_the_line(forecast: Forecast) -> None:
    row = replace(shift("AG001", "2026-12-22 08:00", "P"), line=5)
    (violation,) = run([row], forecast).violations
    assert violation.message.endswith("(shift_definition, line 5)")


# --------------------------------------------------------------------------- known_agent


def test_known_agent_not_in_the_agents_file_rejected(forecast: Forecast) -> None:
    rows = [shift("AG001", "2026-12-21 07:00", "P"), shift("AG009", "2026-12-22 07:00", "P")]
    report = run(rows, forecast, agents=[Agent("AG001")])
    assert [v.message for v in report.violations] == [
        "AG009 works 1 shifts but is not in the agents file (known_agent)"
    ]
    assert where(of_rule(report, "known_agent")) == [("AG009", date(2026, 12, 22))]


def test_known_agent_listed_or_no_agents_file_accepted(forecast: Forecast) -> None:
    rows = [shift("AG001", "2026-12-21 07:00", "P"), shift("AG009", "2026-12-22 07:00", "P")]
    assert run(rows, forecast, agents=[Agent("AG001"), Agent("AG009")]).ok
    assert run(rows, forecast, agents=None).ok


# --------------------------------------------------------------------------- read_roster


def test_read_roster_ok() -> None:
    rows = read_roster(DATA / "roster_ok.csv")
    assert len(rows) == 5
    assert rows[2] == RosterRow(
        agent_id="AG002",
        date=MONDAY,
        shift="M",
        start=datetime(2026, 12, 21, 23),
        end=datetime(2026, 12, 22, 7),
        paid_hours=8.0,
        night=True,
        holiday="",
        line=4,
    )
    assert (rows[3].line, rows[4].holiday) == (6, "Christmas Day")  # line 5 is blank


def test_read_roster_ok_passes_check(forecast: Forecast) -> None:
    rows = read_roster(DATA / "roster_ok.csv")
    agents = [Agent("AG001"), Agent("AG002"), Agent("AG003")]
    assert run(list(rows), forecast, agents=agents).violations == ()


def test_read_roster_bom_and_case_accepted(tmp_path: Path) -> None:
    text = (DATA / "roster_ok.csv").read_text(encoding="utf-8").replace("night", "Night")
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("false", "FALSE").encode())
    assert read_roster(path) == read_roster(DATA / "roster_ok.csv")


def test_read_roster_without_holiday_column(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "agent_id,date,shift,start,end,paid_hours,night\n"
        "AG001,2026-12-21,P,2026-12-21 07:00,2026-12-21 15:00,8,false\n"
    )
    assert read_roster(path)[0].holiday == ""


HEADER = "agent_id,date,shift,start,end,paid_hours,night,holiday"


BAD_ROSTER_FILES = [
    (
        "roster_empty.csv",
        "",
        f"the file is empty (expected a header line {HEADER} and one row per shift)",
    ),
    (
        "roster_missing_column.csv",
        ":1:6",
        "missing required column 'paid_hours'; found columns: agent_id, date, shift, start, "
        f"end, paid, night, holiday (did you mean 'paid'? the header must be {HEADER})",
    ),
    ("roster_bad_date.csv", ":3:2", "date must be YYYY-MM-DD, got '22/12/2026'"),
    (
        "roster_bad_datetime.csv",
        ":3:4",
        "start must be YYYY-MM-DD HH:MM, got '2026-12-22 7am' (e.g. 2026-12-21 07:00)",
    ),
    (
        "roster_end_not_after_start.csv",
        ":2:5",
        "end 2026-12-21 07:00 is not after start 2026-12-21 23:00 "
        "(a night shift ends on the next day)",
    ),
    (
        "roster_bad_paid_hours.csv",
        ":3:6",
        "paid_hours must be a number of hours >= 0, got 'eight' "
        "(use '.' as the decimal mark, e.g. 7.5)",
    ),
    ("roster_bad_night.csv", ":2:7", "night must be true or false, got 'yes'"),
    (
        "roster_short_row.csv",
        ":4:5",
        "this row has 4 fields but the header has 8 "
        "(check for a missing ',' or a line break inside a value)",
    ),
    ("roster_empty_agent_id.csv", ":2:1", "agent_id is empty"),
]


@pytest.mark.parametrize(
    ("name", "where_", "message"), BAD_ROSTER_FILES, ids=[row[0] for row in BAD_ROSTER_FILES]
)
def test_read_roster_errors(name: str, where_: str, message: str) -> None:
    path = DATA / name
    with pytest.raises(InputError) as caught:
        read_roster(path)
    assert str(caught.value) == f"{path}{where_}: {message}"


def test_every_bad_roster_file_is_tested() -> None:
    bad = [row[0] for row in BAD_ROSTER_FILES]
    assert_every_bad_file_tested(DATA, ("roster_",), {"roster_ok.csv"}, bad)


def test_read_roster_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(InputError) as caught:
        read_roster(path)
    assert str(caught.value) == f"{path}: file not found (check the path of the roster)"


def test_read_roster_not_a_real_date(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(f"{HEADER}\nAG001,2026-02-30,P,2026-12-21 07:00,2026-12-21 15:00,8,false,\n")
    with pytest.raises(InputError) as caught:
        read_roster(path)
    assert str(caught.value) == (
        f"{path}:2:2: date '2026-02-30' is not a real date (day is out of range for month)"
    )


def test_read_roster_header_only_is_an_empty_roster(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "\n")
    assert read_roster(path) == ()


# --------------------------------------------------------------------------- coverage


def test_coverage_by_hand(tmp_path: Path) -> None:
    """Half-hour intervals on Monday. Shrinkage 0.25: required_agents 1 → 2, 3 → 4.

    Shifts: Sunday M 23:00-07:00 (counts Monday 00:00-07:00), P 07:00-15:00,
    D09 09:00-17:00, an odd 10:15-18:15 (covers 10:30-18:00 only: an interval must be
    covered whole) and Monday M 23:00-07:00.
    """
    required_agents = [1.0] * 96
    required_agents[48 + 20 : 48 + 22] = [3.0, 3.0]  # Monday 10:00 and 10:30
    calls = [0.0] * 96
    calls[48 + 21] = 10.0  # Monday 10:30: 10 calls × 180 s / 1800 s = 1 Erlang
    path = write_forecast(
        tmp_path / "f.csv",
        calls,
        start="2026-12-20 00:00",
        extra={"required_agents": required_agents},
    )
    rows = [
        shift("AG001", "2026-12-20 23:00", "M"),
        shift("AG002", "2026-12-21 07:00", "P"),
        shift("AG003", "2026-12-21 09:00", "D09"),
        shift("AG004", "2026-12-21 10:15", "X"),
        shift("AG005", "2026-12-21 23:00", "M"),
    ]
    config = replace(Config(), staffing=StaffingSettings(shrinkage=0.25))
    coverage = run(rows, read_forecast(path), config=config, days=1).coverage
    assert list(coverage.columns) == list(COVERAGE_COLUMNS)
    assert len(coverage) == 48
    assert str(coverage["interval_start"].dtype).startswith("datetime64")
    table = coverage.set_index(coverage["interval_start"].dt.strftime("%H:%M"))
    expected = {  # time: (required, scheduled, shortfall)
        "00:00": (2, 1, 1),
        "06:30": (2, 1, 1),
        "07:00": (2, 1, 1),
        "09:00": (2, 2, 0),
        "10:00": (4, 2, 2),
        "10:30": (4, 3, 1),
        "14:30": (2, 3, 0),
        "15:00": (2, 2, 0),
        "17:30": (2, 1, 1),
        "18:00": (2, 0, 2),
        "22:30": (2, 0, 2),
        "23:00": (2, 1, 1),
        "23:30": (2, 1, 1),
    }
    for time, numbers in expected.items():
        row = table.loc[time]
        assert (row["required"], row["scheduled"], row["shortfall"]) == numbers, time
    # 10:30: floor(3 × 0.75) = 2 agents, 1 Erlang: C(2, 1) = 1/3, SL = 1 - e^(-20/180)/3.
    assert table.loc["10:30", "service_level"] == pytest.approx(1 - math.exp(-1 / 9) / 3)
    assert table["service_level"].drop("10:30").isna().all()


def test_coverage_erlang_a_where_patience_is_given(tmp_path: Path) -> None:
    path = write_forecast(
        tmp_path / "f.csv",
        [20.0] * 48,
        start="2026-12-21 00:00",
        extra={"patience_seconds": [120.0] * 48},
    )
    rows = [shift(f"AG00{i}", "2026-12-21 07:00", "P") for i in range(1, 6)]
    coverage = run(rows, read_forecast(path), days=1).coverage
    level = coverage.set_index(coverage["interval_start"].dt.strftime("%H:%M"))["service_level"]
    # 5 scheduled, shrinkage 0.30: floor(3.5) = 3 on the phones.
    expected = erlang_a_metrics(3, 20 / 1800, 180.0, 120.0, 20.0).service_level
    assert level["08:00"] == pytest.approx(float(np.asarray(expected)))
    assert level["06:00"] == 0.0  # nobody on the phones


def test_coverage_forecast_missing_days(tmp_path: Path) -> None:
    path = write_forecast(tmp_path / "f.csv", [0.0] * 48, start="2026-12-21 00:00")
    with pytest.raises(InputError) as caught:
        run([], read_forecast(path), days=2)
    text = str(caught.value)
    assert text.startswith(f"{path}: ")
    assert "first missing date: 2026-12-22" in text
    assert "2026-12-21 to 2026-12-22" in text
