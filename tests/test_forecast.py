"""Tests for callshift.forecast: every failure mode names file, line and column exactly."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callshift.errors import InputError
from callshift.forecast import Forecast, read_forecast

DATA = Path(__file__).parent / "data"
UTF8_HINT = "save the file as UTF-8, e.g. in Excel: Save As > 'CSV UTF-8 (Comma delimited)'"
HEADER_EXAMPLE = "interval_start,calls,aht_seconds[,patience_seconds][,required_agents]"
CALLS_HINT = "write 0 for an interval without calls"
AHT_HINT = "average handle time (talk + wrap-up) in seconds, e.g. 240"
PATIENCE_HINT = "mean time before a caller hangs up, in seconds; leave it empty if unknown"
REQUIRED_HINT = "leave it empty to compute agents from calls and aht_seconds"
HOLE_HINT = "add one row per 15-minute interval; use calls 0 where the center is closed"

# (file, line, column, message after "path:line:col: ")
BAD_FILES = [
    (
        "forecast_empty.csv",
        None,
        None,
        f"the file is empty (expected a header line {HEADER_EXAMPLE} and one row per interval)",
    ),
    (
        "forecast_header_only.csv",
        None,
        None,
        "the file has a header but no data rows (add one row per interval below the header)",
    ),
    ("forecast_latin1.csv", 3, 4, f"byte 0xe9 is not valid UTF-8 ({UTF8_HINT})"),
    ("forecast_utf16.csv", 1, None, f"the file is UTF-16, not UTF-8 ({UTF8_HINT})"),
    (
        "forecast_semicolon.csv",
        1,
        1,
        "the file is separated by ';', not ',' (Excel in many locales saves CSV with ';'; save it "
        "as 'CSV UTF-8 (Comma delimited)' or replace ';' with ',')",
    ),
    (
        "forecast_missing_column.csv",
        1,
        2,
        "missing required column 'calls' (or required_agents); found columns: interval_start, "
        "call, aht_seconds (did you mean 'call'? rename it to 'calls')",
    ),
    (
        "forecast_missing_aht_column.csv",
        1,
        None,
        "missing required column 'aht_seconds'; found columns: interval_start, calls, handle "
        f"(the header must be {HEADER_EXAMPLE})",
    ),
    (
        "forecast_aht_column_misnamed.csv",
        1,
        3,
        "missing required column 'aht_seconds'; found columns: interval_start, calls, AHT, x "
        "(did you mean 'AHT'? rename it to 'aht_seconds')",
    ),
    (
        "forecast_no_header.csv",
        1,
        None,
        "missing required column 'interval_start'; found columns: 2026-12-21 09:00, 12, 240 "
        f"(line 1 must be the header: {HEADER_EXAMPLE})",
    ),
    (
        "forecast_duplicate_column.csv",
        1,
        4,
        "duplicate column 'calls' (columns 2 and 4) (keep only one of them)",
    ),
    (
        "forecast_bad_timestamp.csv",
        3,
        1,
        "interval_start must be YYYY-MM-DD HH:MM, got '21/12/2026 09:15' (the dates look "
        "reformatted by a spreadsheet; format the column as yyyy-mm-dd hh:mm before saving)",
    ),
    (
        "forecast_bad_date.csv",
        3,
        1,
        "interval_start '2026-02-29 00:00' is not a real date and time (day is out of range for "
        "month) (e.g. 2026-12-21 09:15)",
    ),
    ("forecast_negative_calls.csv", 3, 2, f"calls must be a number >= 0, got '-3' ({CALLS_HINT})"),
    ("forecast_nan_calls.csv", 2, 2, f"calls must be a finite number, got 'NaN' ({CALLS_HINT})"),
    ("forecast_inf_calls.csv", 3, 2, f"calls must be a finite number, got 'inf' ({CALLS_HINT})"),
    ("forecast_text_calls.csv", 3, 2, f"calls must be a number >= 0, got 'many' ({CALLS_HINT})"),
    (
        "forecast_decimal_comma.csv",
        3,
        2,
        "calls must be a number >= 0, got '12,5' (use '.' as "
        "the decimal mark and no thousands separator)",
    ),
    ("forecast_empty_calls.csv", 3, 2, f"calls is empty; expected a number >= 0 ({CALLS_HINT})"),
    (
        "forecast_blank_lines_bad_calls.csv",
        6,
        2,
        f"calls must be a number >= 0, got 'x' ({CALLS_HINT})",
    ),
    (
        "forecast_zero_aht.csv",
        3,
        3,
        f"aht_seconds must be > 0 where calls > 0, got '0' with calls 15 ({AHT_HINT})",
    ),
    (
        "forecast_negative_aht.csv",
        2,
        3,
        f"aht_seconds must be a number of seconds > 0, got '-240' ({AHT_HINT})",
    ),
    (
        "forecast_missing_aht.csv",
        3,
        3,
        f"aht_seconds is empty but calls is 15; expected a number of seconds > 0 ({AHT_HINT})",
    ),
    (
        "forecast_text_aht.csv",
        2,
        3,
        f"aht_seconds must be a number of seconds > 0, got '4 min' ({AHT_HINT})",
    ),
    (
        "forecast_zero_patience.csv",
        3,
        4,
        f"patience_seconds must be a number of seconds > 0, got '0' ({PATIENCE_HINT})",
    ),
    (
        "forecast_text_patience.csv",
        2,
        4,
        f"patience_seconds must be a number of seconds > 0, got '1 min' ({PATIENCE_HINT})",
    ),
    (
        "forecast_negative_required.csv",
        3,
        2,
        f"required_agents must be a number >= 0, got '-1' ({REQUIRED_HINT})",
    ),
    (
        "forecast_text_required.csv",
        2,
        4,
        f"required_agents must be a number >= 0, got 'four' ({REQUIRED_HINT})",
    ),
    (
        "forecast_empty_required.csv",
        3,
        2,
        "required_agents is empty and there is no calls column (give required_agents in every "
        "row, or add calls and aht_seconds columns)",
    ),
    (
        "forecast_duplicate_interval.csv",
        4,
        1,
        "duplicate interval_start 2026-12-21 09:15: already on line 3 (each interval must appear "
        "once; delete or merge one of the rows)",
    ),
    (
        "forecast_unsorted_duplicate.csv",
        4,
        1,
        "duplicate interval_start 2026-12-21 09:30: already on line 2 (each interval must appear "
        "once; delete or merge one of the rows)",
    ),
    (
        "forecast_hole.csv",
        4,
        1,
        f"missing 2026-12-21 09:30 (and 3 more) between line 3 and line 4 ({HOLE_HINT})",
    ),
    (
        "forecast_hole_single.csv",
        3,
        1,
        f"missing 2026-12-21 09:15 between line 2 and line 3 ({HOLE_HINT})",
    ),
    (
        "forecast_unsorted_hole.csv",
        2,
        1,
        f"missing 2026-12-21 09:45 between line 5 and line 2 ({HOLE_HINT})",
    ),
    (
        "forecast_irregular_gap.csv",
        4,
        1,
        "interval_start 2026-12-21 09:35 is 20 minutes after 2026-12-21 09:15 on line 3; in a "
        "15-minute forecast the gap must be a multiple of 15 (interval starts must lie on the "
        "15-minute grid)",
    ),
    (
        "forecast_bad_interval.csv",
        3,
        1,
        "interval_start 2026-12-21 09:20 is 20 minutes after 2026-12-21 09:00 on line 2; "
        "intervals must be 15, 30 or 60 minutes (fix the time, or resample the forecast to 15, 30 "
        "or 60 minutes)",
    ),
    (
        "forecast_short_row.csv",
        3,
        3,
        "this row has 2 fields but the header has 3 (check for a "
        "missing ',' or a line break inside a value)",
    ),
    (
        "forecast_single_row.csv",
        2,
        None,
        "only one data row, so the interval length cannot be "
        "inferred (add more rows, or give the interval length: 15, 30 or 60 minutes)",
    ),
]


def expected_text(path: Path | str, line: int | None, column: int | None, message: str) -> str:
    where = str(path)
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    return f"{where}: {message}"


def raised(path: Path | str, interval_minutes: int | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        read_forecast(path, interval_minutes)
    return info.value


@pytest.mark.parametrize(
    ("name", "line", "column", "message"), BAD_FILES, ids=[row[0] for row in BAD_FILES]
)
def test_bad_file_message(name: str, line: int | None, column: int | None, message: str) -> None:
    path = DATA / name
    error = raised(path)
    assert str(error) == expected_text(path, line, column, message)
    assert (error.path, error.line, error.column) == (str(path), line, column)
    assert error.exit_code == 2


def test_every_bad_data_file_is_tested() -> None:
    good = {
        "forecast_small_ok.csv",
        "forecast_bom.csv",
        "forecast_unsorted.csv",
        "forecast_extra_columns.csv",
        "forecast_30min.csv",
        "forecast_60min_t.csv",
        "forecast_optional_columns.csv",
        "forecast_required_only.csv",
    }
    on_disk = {path.name for path in DATA.glob("forecast_*.csv")}
    assert on_disk - good == {row[0] for row in BAD_FILES}


def test_missing_file() -> None:
    path = DATA / "forecast_does_not_exist.csv"
    error = raised(path)
    assert str(error) == (
        f"{path}: file not found (check the path; a relative path starts at the current directory)"
    )
    assert (error.line, error.column) == (None, None)


def test_directory_instead_of_file() -> None:
    error = raised(DATA)
    assert str(error) == (
        f"{DATA}: is a directory, not a file (give the path of the forecast CSV file)"
    )


def test_path_is_kept_as_given() -> None:
    error = raised("tests/data/../data/forecast_negative_calls.csv")
    assert str(error).startswith("tests/data/../data/forecast_negative_calls.csv:3:2: ")


def test_unclosed_quote_is_named(tmp_path: Path) -> None:
    path = tmp_path / "forecast.csv"
    path.write_text(
        'interval_start,calls,aht_seconds\n2026-12-21 09:00,"12,240\n2026-12-21 09:15,15,250\n'
    )
    error = raised(path)
    assert str(error) == (
        f"{path}:2:2: calls runs over several lines (a '\"' in this field is never closed)"
    )


def test_csv_error_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "forecast.csv"
    path.write_text("interval_start,calls,aht_seconds\n\n" + "x" * 200_000 + ",1,2\n")
    error = raised(path)
    assert str(error) == (
        f"{path}:3: malformed CSV: field larger than field limit (131072) "
        "(check the quotes on this line)"
    )


def test_only_blank_lines_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "forecast.csv"
    path.write_text("\n , \n\n")
    assert raised(path).message == "the file is empty"


def test_small_ok_values() -> None:
    forecast = read_forecast(DATA / "forecast_small_ok.csv")
    assert isinstance(forecast, Forecast)
    assert len(forecast) == 8
    assert forecast.interval_minutes == 15
    assert forecast.interval_hours == 0.25
    assert forecast.path == str(DATA / "forecast_small_ok.csv")
    expected_starts = np.arange("2026-12-21T09:00", "2026-12-21T11:00", 15, dtype="datetime64[m]")
    assert forecast.starts.dtype == np.dtype("datetime64[m]")
    np.testing.assert_array_equal(forecast.starts, expected_starts)
    np.testing.assert_array_equal(forecast.calls, [12, 15, 0, 20, 18, 0, 7.5, 30])
    np.testing.assert_array_equal(forecast.aht_seconds, [240, 250.5, np.nan, 230, 240, 0, 300, 210])
    assert forecast.calls.dtype == np.float64
    assert forecast.patience_seconds is None
    assert forecast.required_agents is None
    assert forecast.warnings == ()
    np.testing.assert_array_equal(forecast.dates, np.array(["2026-12-21"], dtype="datetime64[D]"))


def test_arrays_are_read_only() -> None:
    forecast = read_forecast(DATA / "forecast_small_ok.csv")
    with pytest.raises(ValueError, match="read-only"):
        forecast.calls[0] = 99.0


def test_bom_and_crlf_are_accepted() -> None:
    forecast = read_forecast(DATA / "forecast_bom.csv")
    assert (DATA / "forecast_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert forecast.interval_minutes == 15
    np.testing.assert_array_equal(forecast.calls, [12, 15, 9])
    np.testing.assert_array_equal(forecast.aht_seconds, [240, 250, 260])
    assert forecast.warnings == ()


def test_unsorted_rows_are_sorted_with_a_warning() -> None:
    path = DATA / "forecast_unsorted.csv"
    forecast = read_forecast(path)
    np.testing.assert_array_equal(
        forecast.starts, np.arange("2026-12-21T09:00", "2026-12-21T10:15", 15, dtype="M8[m]")
    )
    np.testing.assert_array_equal(forecast.calls, [10, 20, 30, 40, 50])
    np.testing.assert_array_equal(forecast.aht_seconds, [200, 220, 210, 230, 240])
    assert forecast.warnings == (
        f"{path}: 1 of 5 rows were out of time order (first at line 3: 2026-12-21 09:00 after "
        "2026-12-21 09:30); they were sorted",
    )


@pytest.mark.parametrize(
    ("hours", "moved"),
    [
        ([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 9),  # reversed: all but one must move
        ([2, 3, 0, 1], 2),  # two blocks swapped: one descent, but two rows must move
        ([1, 2, 3, 0], 1),  # last row at the end of a run
    ],
)
def test_out_of_order_count_is_rows_to_move(tmp_path: Path, hours: list[int], moved: int) -> None:
    path = tmp_path / "forecast.csv"
    rows = [f"2026-12-21 {hour:02d}:00,{hour},200\n" for hour in hours]
    path.write_text("interval_start,calls,aht_seconds\n" + "".join(rows))
    forecast = read_forecast(path)
    np.testing.assert_array_equal(forecast.calls, np.arange(len(hours)))
    assert forecast.warnings[0].startswith(
        f"{path}: {moved} of {len(hours)} rows were out of time order"
    )


def test_extra_columns_and_header_case_are_ignored() -> None:
    forecast = read_forecast(DATA / "forecast_extra_columns.csv")
    assert forecast.interval_minutes == 15
    np.testing.assert_array_equal(forecast.calls, [12, 15, 0])
    np.testing.assert_array_equal(forecast.aht_seconds, [240, 250, np.nan])
    assert forecast.warnings == ()


def test_30_minute_file_across_midnight() -> None:
    forecast = read_forecast(DATA / "forecast_30min.csv")
    assert forecast.interval_minutes == 30
    assert forecast.interval_hours == 0.5
    np.testing.assert_array_equal(
        forecast.dates, np.array(["2026-12-21", "2026-12-22"], dtype="datetime64[D]")
    )
    np.testing.assert_array_equal(forecast.aht_seconds, [300, 310, 320, 330])


def test_60_minute_file_with_t_separator_and_seconds() -> None:
    forecast = read_forecast(DATA / "forecast_60min_t.csv")
    assert forecast.interval_minutes == 60
    assert forecast.interval_hours == 1.0
    np.testing.assert_array_equal(
        forecast.starts,
        np.array(
            ["2026-12-21T22:00", "2026-12-21T23:00", "2026-12-22T00:00"], dtype="datetime64[m]"
        ),
    )
    np.testing.assert_array_equal(forecast.calls, [50, 40, 30])


def test_optional_columns() -> None:
    forecast = read_forecast(DATA / "forecast_optional_columns.csv")
    assert forecast.patience_seconds is not None
    assert forecast.required_agents is not None
    np.testing.assert_array_equal(forecast.calls, [12, 15, 0])
    np.testing.assert_array_equal(forecast.aht_seconds, [240, np.nan, np.nan])
    np.testing.assert_array_equal(forecast.patience_seconds, [60, np.nan, 90])
    np.testing.assert_array_equal(forecast.required_agents, [np.nan, 3, 0])


def test_required_agents_without_calls() -> None:
    forecast = read_forecast(DATA / "forecast_required_only.csv")
    assert forecast.required_agents is not None
    np.testing.assert_array_equal(forecast.required_agents, [4, 5.5, 0])
    assert np.isnan(forecast.calls).all()
    assert np.isnan(forecast.aht_seconds).all()
    assert forecast.patience_seconds is None


@pytest.mark.parametrize("interval_minutes", [15, 60])
def test_single_row_with_given_interval(interval_minutes: int) -> None:
    forecast = read_forecast(DATA / "forecast_single_row.csv", interval_minutes)
    assert forecast.interval_minutes == interval_minutes
    assert len(forecast) == 1
    np.testing.assert_array_equal(forecast.calls, [12])


def test_given_interval_that_matches() -> None:
    assert read_forecast(DATA / "forecast_30min.csv", 30).interval_minutes == 30


@pytest.mark.parametrize(
    ("name", "interval_minutes", "message"),
    [
        (
            "forecast_small_ok.csv",
            30,
            "interval_start 2026-12-21 09:15 is 15 minutes after "
            "2026-12-21 09:00 on line 2, but the interval is set to 30 minutes "
            "(give one row every 30 minutes, or let the interval be inferred)",
        ),
        (
            "forecast_30min.csv",
            15,
            "interval_start 2026-12-21 23:30 is 30 minutes after "
            "2026-12-21 23:00 on line 2, but the interval is set to 15 minutes "
            "(give one row every 15 minutes, or let the interval be inferred)",
        ),
    ],
)
def test_given_interval_that_does_not_match(name: str, interval_minutes: int, message: str) -> None:
    path = DATA / name
    error = raised(path, interval_minutes)
    assert str(error) == expected_text(path, 3, 1, message)


def test_interval_argument_must_be_allowed() -> None:
    error = raised(DATA / "forecast_small_ok.csv", 20)
    assert str(error) == "interval_minutes must be 15, 30 or 60, got 20"


def test_ten_thousand_rows_load(tmp_path: Path) -> None:
    """A year of 15-minute intervals loads whole (its speed is measured in `make bench`)."""
    path = tmp_path / "forecast.csv"
    first = datetime(2026, 1, 1)
    lines = [
        f"{first + timedelta(minutes=15 * i):%Y-%m-%d %H:%M},{i % 97},{180 + i % 60},90"
        for i in range(10_000)
    ]
    path.write_text("interval_start,calls,aht_seconds,patience_seconds\n" + "\n".join(lines))
    forecast = read_forecast(path)
    assert len(forecast) == 10_000
    assert forecast.calls[9_999] == 9_999 % 97
    assert forecast.patience_seconds is not None and forecast.patience_seconds[5] == 90


@st.composite
def forecasts(draw: st.DrawFn) -> tuple[list[datetime], int, list[list[float | None]], bool]:
    interval_minutes = draw(st.sampled_from([15, 30, 60]))
    first = draw(st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1))).replace(
        second=0, microsecond=0
    )
    count = draw(st.integers(2, 40))
    starts = [first + timedelta(minutes=interval_minutes * i) for i in range(count)]
    number = st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
    positive = st.floats(1e-3, 1e5, allow_nan=False, allow_infinity=False)
    with_patience = draw(st.booleans())
    rows = [
        [draw(number), draw(positive), draw(st.none() | positive) if with_patience else None]
        for _ in range(count)
    ]
    return starts, interval_minutes, rows, with_patience


@settings(max_examples=60, deadline=None)
@given(forecasts(), st.sampled_from([" ", "T"]), st.booleans(), st.randoms())
def test_round_trip(
    case: tuple[list[datetime], int, list[list[float | None]], bool],
    separator: str,
    seconds: bool,
    rng: Random,
) -> None:
    starts, interval_minutes, rows, with_patience = case
    order = list(range(len(starts)))
    rng.shuffle(order)
    stamp = f"%Y-%m-%d{separator}%H:%M" + (":00" if seconds else "")
    header = "interval_start,calls,aht_seconds" + (",patience_seconds" if with_patience else "")
    lines = [header]
    for i in order:
        fields = [starts[i].strftime(stamp), *(repr(v) if v is not None else "" for v in rows[i])]
        lines.append(",".join(fields[: 4 if with_patience else 3]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "forecast.csv"
        path.write_text("\n".join(lines) + "\n")
        forecast = read_forecast(path)
    assert forecast.interval_minutes == interval_minutes
    np.testing.assert_array_equal(forecast.starts, np.array(starts, dtype="datetime64[m]"))
    np.testing.assert_array_equal(forecast.calls, [row[0] for row in rows])
    np.testing.assert_array_equal(forecast.aht_seconds, [row[1] for row in rows])
    if with_patience:
        assert forecast.patience_seconds is not None
        np.testing.assert_array_equal(
            forecast.patience_seconds, [np.nan if row[2] is None else row[2] for row in rows]
        )
    else:
        assert forecast.patience_seconds is None
    assert forecast.required_agents is None
    assert bool(forecast.warnings) == (order != sorted(order))
