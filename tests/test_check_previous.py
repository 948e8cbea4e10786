"""Tests for checking a roster after earlier periods' rosters (``--previous``): the rules
that carry across the boundary, the coverage a previous night gives, and the reader of
previous rosters with one bad file per failure mode.

The roster checked starts on Monday 2026-12-21; the previous week is 2026-12-14 to 12-20.
tests/data/previous_ok.csv: AG001 works nights M on 12-19 and 12-20 (the last ends
2026-12-21 07:00), AG002 works P from Thursday 12-17 to Sunday 12-20.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callshift.agents import Agent
from callshift.cli import app
from callshift.config import Config, ShiftSpec
from callshift.errors import InputError
from callshift.forecast import Forecast, read_forecast
from callshift.roster.check import CheckReport, RosterRow, check_roster, read_previous
from tests.helpers import assert_every_bad_file_tested, expected_text, write_forecast
from tests.test_check import daily, of_rule, rules, shift, where

DATA = Path(__file__).parent / "data"
MONDAY = date(2026, 12, 21)
SUNDAY = date(2026, 12, 20)
runner = CliRunner()


@pytest.fixture(scope="module")
def forecast(tmp_path_factory: pytest.TempPathFactory) -> Forecast:
    """Two weeks of hourly intervals without calls, from Monday 2026-12-21."""
    path = tmp_path_factory.mktemp("forecast") / "forecast.csv"
    write_forecast(path, [0.0] * 14 * 24, start="2026-12-21 00:00", interval_minutes=60)
    return read_forecast(path)


def run(
    rows: list[RosterRow],
    previous: list[RosterRow],
    forecast: Forecast,
    *,
    config: Config | None = None,
    agents: list[Agent] | None = None,
    days: int = 7,
) -> CheckReport:
    return check_roster(
        rows,
        agents=agents,
        leave=(),
        config=Config() if config is None else config,
        forecast=forecast,
        start=MONDAY,
        days=days,
        previous=previous,
    )


# --------------------------------------------------------------------------- min_rest


def test_min_rest_after_the_previous_rosters_last_night(forecast: Forecast) -> None:
    previous = [shift("AG001", "2026-12-20 23:00", "M")]
    rows = [shift("AG001", "2026-12-21 13:00", "D13")]
    report = run(rows, previous, forecast)
    assert [v.message for v in report.violations] == [
        "AG001 rests 6 h between M (previous roster) ending 2026-12-21 07:00 and D13 starting "
        "2026-12-21 13:00 (min_rest: min_rest_hours = 11)"
    ]
    assert where(of_rule(report, "min_rest")) == [("AG001", MONDAY)]
    assert run(rows, [], forecast).ok  # without the previous roster nothing is wrong


def test_min_rest_after_the_previous_night_accepted(forecast: Forecast) -> None:
    previous = [shift("AG001", "2026-12-20 23:00", "M")]
    assert run([shift("AG001", "2026-12-21 23:00", "M")], previous, forecast).ok  # 16 h
    config = rules(min_rest_hours=6)
    assert run([shift("AG001", "2026-12-21 13:00", "D13")], previous, forecast, config=config).ok


def test_min_rest_overlap_across_the_boundary(forecast: Forecast) -> None:
    config = replace(Config(), shifts=(*Config().shifts, ShiftSpec("E", "Early", "05:00")))
    previous = [shift("AG001", "2026-12-20 23:00", "M")]
    report = run([shift("AG001", "2026-12-21 05:00", "E")], previous, forecast, config=config)
    assert [v.message for v in report.violations] == [
        "AG001's shifts M (previous roster) 2026-12-20 23:00–2026-12-21 07:00 and E "
        "2026-12-21 05:00–2026-12-21 13:00 overlap by 2 h (min_rest: shifts must not overlap)"
    ]
    assert where(report.violations) == [("AG001", MONDAY)]


def test_min_rest_from_the_latest_end_of_all_previous_rosters(forecast: Forecast) -> None:
    """A later-starting previous shift that ends sooner does not hide an earlier long one."""
    config = replace(
        Config(),
        shifts=(*Config().shifts, ShiftSpec("L", "Long", "19:00", length_hours=12)),
    )
    previous = [
        shift("AG001", "2026-12-20 19:00", "L", hours=12),  # ends Monday 07:00
        shift("AG001", "2026-12-20 07:00", "P"),
    ]
    report = run([shift("AG001", "2026-12-21 15:00", "S")], previous, forecast, config=config)
    assert where(of_rule(report, "min_rest")) == [("AG001", MONDAY)]
    assert "rests 8 h between L (previous roster)" in report.violations[0].message


# --------------------------------------------------------------------------- max_consecutive_days


def test_max_consecutive_days_run_from_the_previous_roster(forecast: Forecast) -> None:
    previous = daily("AG002", date(2026, 12, 17), 4)  # Thursday to Sunday
    rows = daily("AG002", MONDAY, 3)  # Monday to Wednesday
    report = run(rows, previous, forecast)
    assert [v.message for v in report.violations] == [
        "AG002 works 7 days in a row, 2026-12-17 to 2026-12-23, 4 of them in the previous "
        "roster (max_consecutive_days = 6)"
    ]
    assert where(of_rule(report, "max_consecutive_days")) == [("AG002", MONDAY)]


def test_max_consecutive_days_without_previous_the_run_is_short(forecast: Forecast) -> None:
    assert run(daily("AG002", MONDAY, 3), [], forecast).ok


def test_max_consecutive_days_six_across_the_boundary_accepted(forecast: Forecast) -> None:
    previous = daily("AG002", date(2026, 12, 18), 3)  # Friday to Sunday
    assert run(daily("AG002", MONDAY, 3), previous, forecast).ok
    gap = daily("AG002", date(2026, 12, 14), 6)  # ends Saturday; Sunday off
    assert run(daily("AG002", MONDAY, 5), gap, forecast).ok


# --------------------------------------------------------------------------- one_shift_per_day


def test_one_shift_per_day_on_a_date_in_both_rosters(forecast: Forecast) -> None:
    """The roster checked has a Sunday shift (outside its horizon) on a previous date."""
    previous = [shift("AG001", "2026-12-20 07:00", "P")]
    rows = [shift("AG001", "2026-12-20 23:00", "M")]
    report = run(rows, previous, forecast, config=rules(min_rest_hours=8))
    assert [v.message for v in of_rule(report, "one_shift_per_day")] == [
        "AG001 has 2 shifts starting on 2026-12-20 (P (previous roster) at 07:00, M at 23:00); "
        "one_shift_per_day allows max_shifts_per_day = 1"
    ]
    assert [v.rule_id for v in report.violations] == ["one_shift_per_day", "shift_definition"]


def test_one_shift_per_day_the_same_shift_in_both_rosters(forecast: Forecast) -> None:
    night = shift("AG001", "2026-12-20 23:00", "M")
    report = run([night], [night], forecast)
    assert [v.rule_id for v in report.violations] == [
        "one_shift_per_day",
        "min_rest",
        "shift_definition",
    ]
    assert [v.message for v in of_rule(report, "min_rest")] == [
        "AG001's shifts M (previous roster) 2026-12-20 23:00–2026-12-21 07:00 and M "
        "2026-12-20 23:00–2026-12-21 07:00 overlap by 8 h (min_rest: shifts must not overlap)"
    ]


# --------------------------------------------------------------------------- what is not carried


def test_violations_wholly_inside_the_previous_roster_are_not_reported(
    forecast: Forecast,
) -> None:
    """The previous week breaks every rule among its own shifts; none of it is reported."""
    previous = [
        *daily("AG001", date(2026, 12, 14), 6),  # Monday to Saturday: 1 day off, 48 h
        shift("AG001", "2026-12-16 23:00", "M"),  # 2 shifts on 12-16, rests of 8 h and 0 h
        shift("AG002", "2026-12-15 23:00", "X"),  # unknown shift code, outside the horizon
        shift("AG002", "2026-12-16 02:00", "X"),  # overlaps the one before
        *daily("AG003", date(2026, 12, 13), 7),  # 7 days in a row, Sunday to Saturday
    ]
    rows = [shift(agent_id, "2026-12-21 07:00", "P") for agent_id in ("AG001", "AG002", "AG003")]
    agents = [Agent("AG001", night_ok=False), Agent("AG002"), Agent("AG003")]
    assert run(rows, previous, forecast, agents=agents).violations == ()


def test_previous_roster_is_considered_once_it_meets_the_roster(forecast: Forecast) -> None:
    """6 P from Tuesday to Sunday are allowed; with Monday's P they are 7, reported."""
    previous = daily("AG001", date(2026, 12, 15), 6)  # Tuesday to Sunday
    report = run([shift("AG001", "2026-12-21 07:00", "P")], previous, forecast)
    assert [v.message for v in report.violations] == [
        "AG001 works 7 days in a row, 2026-12-15 to 2026-12-21, 6 of them in the previous "
        "roster (max_consecutive_days = 6)"
    ]


def test_weekly_blocks_count_from_the_rosters_start(forecast: Forecast) -> None:
    """Thursday 12-17 to Wednesday 12-23 hold 7 shifts (56 h, no day off), but the weekly
    blocks run from the roster's Monday: 5 shifts, 40 h and 2 days off."""
    config = rules(max_consecutive_days=10)
    previous = daily("AG001", date(2026, 12, 16), 5)  # Wednesday to Sunday
    assert run(daily("AG001", MONDAY, 5), previous, forecast, config=config).ok


# --------------------------------------------------------------------------- coverage


def test_coverage_counts_the_previous_nights_small_hours(tmp_path: Path) -> None:
    """One agent required every half-hour on Monday: a previous M (Sunday 23:00 to Monday
    07:00) covers 00:00-06:30; the previous Sunday P (ends 15:00 Sunday) covers nothing."""
    path = write_forecast(
        tmp_path / "f.csv",
        [0.0] * 48,
        start="2026-12-21 00:00",
        extra={"required_agents": [1.0] * 48},
    )
    config = replace(Config(), staffing=replace(Config().staffing, shrinkage=0.0))
    rows = [shift("AG002", "2026-12-21 07:00", "P"), shift("AG003", "2026-12-21 15:00", "S")]
    night = shift("AG001", "2026-12-20 23:00", "M")
    sunday = shift("AG004", "2026-12-20 07:00", "P")

    def shortfall(previous: list[RosterRow]) -> list[int]:
        coverage = run(rows, previous, read_forecast(path), config=config, days=1).coverage
        return [int(x) for x in coverage["shortfall"]]

    assert shortfall([]) == [1] * 14 + [0] * 32 + [1] * 2  # 00:00-06:30 and 23:00-23:30
    assert shortfall([night, sunday]) == [0] * 46 + [1] * 2
    coverage = run(rows, [night], read_forecast(path), config=config, days=1).coverage
    assert coverage["scheduled"].tolist()[:15] == [1] * 15


# --------------------------------------------------------------------------- read_previous

AGENT_IDS = ["AG001", "AG002", "AG003"]

BAD_FILES: list[tuple[str, int | None, int | None, str]] = [
    (
        "previous_dated_on_start.csv",
        3,
        2,
        "AG002's shift P is dated 2026-12-21, not before 2026-12-21, the first day of the roster "
        "checked (--previous takes earlier periods' rosters)",
    ),
    (
        "previous_starts_on_start.csv",
        2,
        4,
        "AG001's shift P starts 2026-12-21 07:00, not before 2026-12-21, the first day of the "
        "roster checked (--previous takes earlier periods' rosters)",
    ),
    (
        "previous_unknown_agent.csv",
        3,
        1,
        "unknown agent_id 'AG01' (did you mean 'AG001'? ids must match the agents file exactly)",
    ),
    (
        "previous_unknown_agent_no_match.csv",
        2,
        1,
        "unknown agent_id 'Zoe' (every agent of a previous roster must be in the agents file; "
        "add the agent there, or delete the rows of an agent who has left)",
    ),
    (
        "previous_overlap.csv",
        2,
        4,
        "AG001's shift D09 2026-12-20 09:00–2026-12-20 17:00 overlaps their shift P "
        "2026-12-20 07:00–2026-12-20 15:00 on line 4 (one agent works one shift at a time; "
        "was a period given twice?)",
    ),
    ("previous_bad_date.csv", 2, 2, "date must be YYYY-MM-DD, got '20/12/2026'"),
    (
        "previous_bad_end.csv",
        2,
        5,
        "end '2026-12-20 24:00' is not a real date and time (hour must be in 0..23)",
    ),
]


def previous_error(*paths: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_previous(paths, start=MONDAY, agent_ids=AGENT_IDS)
    return caught.value


@pytest.mark.parametrize(
    ("name", "line", "column", "message"), BAD_FILES, ids=[row[0] for row in BAD_FILES]
)
def test_bad_previous_file(name: str, line: int | None, column: int | None, message: str) -> None:
    path = DATA / name
    error = previous_error(path)
    assert str(error) == expected_text(path, line, column, message)
    assert (error.path, error.line, error.column, error.exit_code) == (str(path), line, column, 2)


def test_bad_previous_overlap_across_files() -> None:
    """Each file is fine alone; the second repeats the first's last night."""
    first, second = DATA / "previous_ok.csv", DATA / "previous_overlaps_ok.csv"
    assert len(read_previous([second], start=MONDAY)) == 1
    error = previous_error(first, second)
    assert str(error) == expected_text(
        second,
        2,
        4,
        "AG001's shift M 2026-12-20 23:00–2026-12-21 07:00 overlaps their shift M "
        f"2026-12-20 23:00–2026-12-21 07:00 on line 6 of {first} (one agent works one shift at "
        "a time; was a period given twice?)",
    )


def test_every_bad_previous_file_is_tested() -> None:
    bad = [row[0] for row in BAD_FILES] + ["previous_overlaps_ok.csv"]
    assert_every_bad_file_tested(DATA, ("previous_",), {"previous_ok.csv"}, bad)


def test_read_previous_ok() -> None:
    rows = read_previous([DATA / "previous_ok.csv"], start=MONDAY, agent_ids=AGENT_IDS)
    assert [(r.agent_id, r.date, r.shift, r.line) for r in rows[-2:]] == [
        ("AG001", SUNDAY, "M", 6),
        ("AG002", SUNDAY, "P", 7),
    ]
    assert rows[-2].end.isoformat(" ") == "2026-12-21 07:00:00"


def test_read_previous_without_agents_accepts_any_agent() -> None:
    path = DATA / "previous_unknown_agent_no_match.csv"
    assert read_previous([path], start=MONDAY)[0].agent_id == "Zoe"


def test_read_previous_a_chain_of_weeks(tmp_path: Path) -> None:
    header = "agent_id,date,shift,start,end,paid_hours,night,holiday\n"
    older = tmp_path / "week50.csv"
    older.write_text(header + "AG001,2026-12-13,M,2026-12-13 23:00,2026-12-14 07:00,8,true,\n")
    rows = read_previous([older, DATA / "previous_ok.csv"], start=MONDAY)
    assert [r.date for r in rows[:2]] == [date(2026, 12, 13), date(2026, 12, 17)]
    assert read_previous([], start=MONDAY) == ()
    empty = tmp_path / "empty.csv"
    empty.write_text(header)
    assert read_previous([empty], start=MONDAY) == ()


def test_read_previous_the_same_file_twice() -> None:
    path = DATA / "previous_ok.csv"
    error = previous_error(path, DATA / ".." / "data" / "previous_ok.csv")
    assert str(error) == (
        f"{DATA / '..' / 'data' / 'previous_ok.csv'}: given twice as a previous roster "
        f"(also as {path}) (give each earlier period's roster once)"
    )
    assert str(previous_error(path, path)) == (
        f"{path}: given twice as a previous roster (give each earlier period's roster once)"
    )


def test_read_previous_the_start_is_the_rosters_not_the_files() -> None:
    """previous_ok.csv ends on Sunday: for a roster from that Sunday it is not earlier."""
    path = DATA / "previous_ok.csv"
    with pytest.raises(InputError) as caught:
        read_previous([path], start=SUNDAY)
    assert (caught.value.line, caught.value.column) == (6, 2)
    assert len(read_previous([path], start=date(2026, 12, 22))) == 6


# --------------------------------------------------------------------------- the check command


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """A week's forecast from Monday and a roster where AG001 starts D13 after the previous
    roster's night and AG002 works Monday to Wednesday after four days."""
    write_forecast(
        tmp_path / "forecast.csv", [0.0] * 7 * 48, start="2026-12-21 00:00", interval_minutes=30
    )
    (tmp_path / "roster.csv").write_text(
        "agent_id,date,shift,start,end,paid_hours,night,holiday\n"
        "AG001,2026-12-21,D13,2026-12-21 13:00,2026-12-21 21:00,8,false,\n"
        "AG002,2026-12-21,P,2026-12-21 07:00,2026-12-21 15:00,8,false,\n"
        "AG002,2026-12-22,P,2026-12-22 07:00,2026-12-22 15:00,8,false,\n"
        "AG002,2026-12-23,P,2026-12-23 07:00,2026-12-23 15:00,8,false,\n"
    )
    (tmp_path / "agents.csv").write_text("agent_id\nAG001\nAG002\n")
    return tmp_path


def check_cli(site: Path, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app,
        [
            "check",
            str(site / "roster.csv"),
            "--forecast",
            str(site / "forecast.csv"),
            "--agents",
            str(site / "agents.csv"),
            "--days",
            "7",
            *extra,
        ],
    )
    return result.exit_code, result.stdout, result.stderr


def test_cli_check_previous_carries_rest_and_runs(site: Path) -> None:
    code, out, err = check_cli(site, "--previous", str(DATA / "previous_ok.csv"))
    assert code == 1
    assert err.splitlines() == [
        "min_rest: AG001 rests 6 h between M (previous roster) ending 2026-12-21 07:00 and D13 "
        "starting 2026-12-21 13:00 (min_rest: min_rest_hours = 11)",
        "max_consecutive_days: AG002 works 7 days in a row, 2026-12-17 to 2026-12-23, 4 of "
        "them in the previous roster (max_consecutive_days = 6)",
    ]
    assert "4 shifts after 6 previous shifts, 2026-12-21 + 7 days" in out
    assert "2 hard-rule violations" in out


def test_cli_check_without_previous_is_fine(site: Path) -> None:
    code, out, err = check_cli(site)
    assert (code, err) == (0, "")
    assert "Every hard rule holds." in out


def test_cli_check_previous_repeated_for_a_chain(site: Path) -> None:
    """Two weeks back: the older one's last night ends on the 14th; order does not matter."""
    older = site / "week50.csv"
    older.write_text(
        "agent_id,date,shift,start,end,paid_hours,night,holiday\n"
        "AG001,2026-12-13,M,2026-12-13 23:00,2026-12-14 07:00,8,true,\n"
    )
    week51 = str(DATA / "previous_ok.csv")
    for order in ([str(older), week51], [week51, str(older)]):
        code, out, _ = check_cli(site, *(arg for path in order for arg in ("--previous", path)))
        assert code == 1
        assert "after 7 previous shifts" in out


def test_cli_check_bad_previous_exits_2_with_location(site: Path) -> None:
    bad = DATA / "previous_dated_on_start.csv"
    code, _, err = check_cli(
        site, "--previous", str(DATA / "previous_ok.csv"), "--previous", str(bad)
    )
    assert code == 2
    assert err.startswith(f"Error: {bad}:3:2: AG002's shift P is dated 2026-12-21")
    assert "Traceback" not in err


def test_cli_check_previous_agent_not_in_agents_file(site: Path) -> None:
    (site / "agents.csv").write_text("agent_id\nAG001\n")
    (site / "roster.csv").write_text(
        "agent_id,date,shift,start,end,paid_hours,night,holiday\n"
        "AG001,2026-12-21,D13,2026-12-21 13:00,2026-12-21 21:00,8,false,\n"
    )
    code, _, err = check_cli(site, "--previous", str(DATA / "previous_ok.csv"))
    assert code == 2
    path = DATA / "previous_ok.csv"
    assert err.startswith(f"Error: {path}:2:1: unknown agent_id 'AG002'")
