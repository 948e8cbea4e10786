"""Tests for callshift.history: reading, updating and writing the burden counts of history.csv."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callshift.errors import InputError
from callshift.history import (
    HISTORY_COLUMNS,
    History,
    HistoryRow,
    history_csv,
    read_history,
    updated_history,
)
from tests.helpers import assert_every_bad_file_tested, expected_text

DATA = Path(__file__).parent / "data"
EXAMPLE = "agent_id,periods,nights,weekend_days,holidays,last_end"
UTF8_HINT = "save the file as UTF-8, e.g. in Excel: Save As > 'CSV UTF-8 (Comma delimited)'"
LAST_END_HINT = "the last day of the last period counted, e.g. 2026-12-27; empty if none"
OK_ROWS = {
    "A001": HistoryRow(3, 6, 8, 1, date(2026, 12, 27)),
    "A002": HistoryRow(1, 0, 2, 0, date(2026, 12, 27)),
    "A003": HistoryRow(0, 0, 0, 0, None),
    "B-7": HistoryRow(12, 30, 40, 5, date(2026, 6, 30)),
}

# (file, line, column, message after "path:line:col: ")
BAD_FILES = [
    (
        "history_empty.csv",
        None,
        None,
        f"the file is empty (expected a header line {EXAMPLE}; a file with only the header means "
        "no history)",
    ),
    ("history_latin1.csv", 2, 1, f"byte 0xe9 is not valid UTF-8 ({UTF8_HINT})"),
    (
        "history_semicolon.csv",
        1,
        1,
        "the file is separated by ';', not ',' (Excel in many locales saves CSV with ';'; save it "
        "as 'CSV UTF-8 (Comma delimited)' or replace ';' with ',')",
    ),
    (
        "history_missing_column.csv",
        1,
        3,
        "missing required column 'nights'; found columns: agent_id, periods, night, weekend_days, "
        "holidays, last_end (did you mean 'night'? rename it to 'nights')",
    ),
    (
        "history_missing_column_no_match.csv",
        1,
        None,
        "missing required column 'holidays'; found columns: agent_id, periods, nights, "
        f"weekend_days, last_end (the header must be {EXAMPLE})",
    ),
    (
        "history_no_header.csv",
        1,
        None,
        "missing required column 'agent_id'; found columns: A001, 3, 6, 8, 1, 2026-12-27 (line 1 "
        f"must be the header: {EXAMPLE})",
    ),
    (
        "history_duplicate_column.csv",
        1,
        7,
        "duplicate column 'nights' (columns 3 and 7) (keep only one of them)",
    ),
    (
        "history_negative_count.csv",
        3,
        3,
        "nights must be a whole number, 0 or more, got '-2' (the number of night shifts worked "
        "in earlier periods; write 0 for none)",
    ),
    (
        "history_text_count.csv",
        2,
        2,
        "periods must be a whole number, 0 or more, got 'three' (the number of planning periods "
        "counted so far; write 0 for none)",
    ),
    (
        "history_decimal_count.csv",
        2,
        4,
        "weekend_days must be a whole number, 0 or more, got '8.5' (the number of weekend days "
        "worked in earlier periods; write 0 for none)",
    ),
    (
        "history_empty_count.csv",
        2,
        5,
        "holidays is empty (the number of public holidays worked in earlier periods; write 0 for "
        "none)",
    ),
    (
        "history_not_a_date.csv",
        2,
        6,
        f"last_end '2026-13-01' is not a real date (month must be in 1..12) ({LAST_END_HINT})",
    ),
    (
        "history_spreadsheet_date.csv",
        2,
        6,
        "last_end must be YYYY-MM-DD, got '27/12/2026' (the dates look reformatted by a "
        "spreadsheet; format the column as yyyy-mm-dd before saving)",
    ),
    (
        "history_text_last_end.csv",
        2,
        6,
        f"last_end must be YYYY-MM-DD, got 'last week' ({LAST_END_HINT})",
    ),
    (
        "history_duplicate_agent.csv",
        4,
        1,
        "duplicate agent_id 'A001': already on line 2 (each agent must appear once; keep the row "
        "with the latest last_end)",
    ),
    (
        "history_empty_agent.csv",
        2,
        1,
        "agent_id is empty (give the agent's id, or delete this row)",
    ),
    (
        "history_short_row.csv",
        2,
        6,
        "this row has 5 fields but the header has 6 (check for a missing ',' or a line break "
        "inside a value)",
    ),
    (
        "history_extra_value.csv",
        2,
        7,
        "this row has 7 fields but the header has 6 (a value that contains ',' must be in double "
        'quotes, e.g. "Smith, John")',
    ),
    (
        "history_repeated_header.csv",
        3,
        1,
        "the header is repeated here (it is line 1) (delete this line; were two files pasted "
        "together?)",
    ),
    (
        "history_unclosed_quote.csv",
        2,
        6,
        "last_end runs over several lines (a '\"' in this field is never closed, or the value has "
        "a line break; keep each value on one line)",
    ),
]

GOOD_FILES = {"history_ok.csv", "history_header_only.csv", "history_extra_column.csv"}


def raised(path: Path | str) -> InputError:
    with pytest.raises(InputError) as info:
        read_history(path)
    return info.value


@pytest.mark.parametrize(
    ("name", "line", "column", "message"), BAD_FILES, ids=[row[0] for row in BAD_FILES]
)
def test_bad_history_file(name: str, line: int | None, column: int | None, message: str) -> None:
    path = DATA / name
    error = raised(path)
    assert str(error) == expected_text(path, line, column, message)
    assert (error.path, error.line, error.column) == (str(path), line, column)
    assert error.exit_code == 2


def test_every_bad_data_file_is_tested() -> None:
    assert_every_bad_file_tested(DATA, ("history_",), GOOD_FILES, [row[0] for row in BAD_FILES])


def test_missing_file() -> None:
    path = DATA / "history_does_not_exist.csv"
    assert str(raised(path)) == (
        f"{path}: file not found (check the path; a relative path starts at the current directory)"
    )


# --- reading -----------------------------------------------------------------------------------


def test_ok_file_values() -> None:
    history = read_history(DATA / "history_ok.csv")
    assert history == History(OK_ROWS)
    assert dict(history.rows) == OK_ROWS
    assert list(history.rows) == ["A001", "A002", "A003", "B-7"]
    assert all(
        type(getattr(row, name)) is int
        for row in history.rows.values()
        for name in HISTORY_COLUMNS[1:5]
    )


def test_header_only_is_an_empty_history() -> None:
    history = read_history(DATA / "history_header_only.csv")
    assert history == History()
    assert dict(history.rows) == {}


def test_extra_columns_are_ignored() -> None:
    assert read_history(DATA / "history_extra_column.csv") == History(
        {"A001": HistoryRow(3, 6, 8, 1, date(2026, 12, 27))}
    )


def test_counts_of_an_unknown_agent_are_zero() -> None:
    history = read_history(DATA / "history_ok.csv")
    assert history.counts("A001") == HistoryRow(3, 6, 8, 1, date(2026, 12, 27))
    assert history.counts("NEW") == HistoryRow(0, 0, 0, 0, None)
    assert History().counts("A001") == HistoryRow()


def test_rows_are_a_read_only_copy() -> None:
    rows = {"A001": HistoryRow(1, 2, 3, 4, date(2026, 12, 27))}
    history = History(rows)
    rows["A002"] = HistoryRow()
    assert list(history.rows) == ["A001"]
    with pytest.raises(TypeError):
        history.rows["A003"] = HistoryRow()  # type: ignore[index]


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^periods must be >= 0, got -1$"):
        HistoryRow(periods=-1)
    with pytest.raises(ValueError, match=r"^nights must be >= 0, got -2$"):
        HistoryRow(nights=-2)
    with pytest.raises(ValueError, match=r"^weekend_days must be >= 0, got -3$"):
        HistoryRow(weekend_days=-3)
    with pytest.raises(ValueError, match=r"^holidays must be >= 0, got -4$"):
        HistoryRow(1, 1, 1, -4)


# --- writing -----------------------------------------------------------------------------------


def test_history_csv_text() -> None:
    history = History(
        {
            "B-7": HistoryRow(12, 30, 40, 5, date(2026, 6, 30)),
            "A002": HistoryRow(1, 0, 2, 0, date(2026, 12, 27)),
            "A003": HistoryRow(),
            "Brown, Ben": HistoryRow(2, 1, 1, 0, date(2026, 12, 27)),
        }
    )
    assert history_csv(history) == (
        "agent_id,periods,nights,weekend_days,holidays,last_end\n"
        "A002,1,0,2,0,2026-12-27\n"
        "A003,0,0,0,0,\n"
        "B-7,12,30,40,5,2026-06-30\n"
        '"Brown, Ben",2,1,1,0,2026-12-27\n'
    )
    assert history_csv(History()) == ",".join(HISTORY_COLUMNS) + "\n"


def test_round_trip_of_the_ok_file(tmp_path: Path) -> None:
    history = read_history(DATA / "history_ok.csv")
    path = tmp_path / "history.csv"
    path.write_text(history_csv(history), encoding="utf-8")
    assert read_history(path) == history


_ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1
).filter(lambda text: text.strip() == text and text.lower() != "agent_id")
_rows = st.builds(
    HistoryRow,
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2100, 12, 31))),
)


@given(st.dictionaries(_ids, _rows, max_size=8))
def test_round_trip(rows: dict[str, HistoryRow]) -> None:
    history = History(rows)
    text = history_csv(history)
    assert "\r" not in text
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "history.csv"
        path.write_text(text, encoding="utf-8", newline="")
        assert read_history(path) == history


# --- updating ----------------------------------------------------------------------------------


def test_updated_history_adds_this_period() -> None:
    history = read_history(DATA / "history_ok.csv")
    end = date(2027, 1, 3)
    updated = updated_history(
        history, {"A001": (2, 2, 1), "A003": (0, 1, 0), "NEW": (1, 0, 3)}, end
    )
    assert dict(updated.rows) == {
        "A001": HistoryRow(4, 8, 10, 2, end),
        "A002": HistoryRow(1, 0, 2, 0, date(2026, 12, 27)),  # absent from worked: unchanged
        "A003": HistoryRow(1, 0, 1, 0, end),  # had no last_end
        "B-7": HistoryRow(12, 30, 40, 5, date(2026, 6, 30)),
        "NEW": HistoryRow(1, 1, 0, 3, end),  # a new joiner starts at zero
    }
    assert history == read_history(DATA / "history_ok.csv")  # the input is left as it was


def test_updated_history_chains_periods() -> None:
    history = History()
    end = date(2026, 12, 27)
    for week in range(4):
        history = updated_history(history, {"A001": (1, 2, 0)}, end + timedelta(days=7 * week))
    assert history.counts("A001") == HistoryRow(4, 4, 8, 0, date(2027, 1, 17))


@pytest.mark.parametrize("period_end", [date(2026, 12, 27), date(2026, 12, 20)])
def test_updated_history_refuses_a_period_already_counted(period_end: date) -> None:
    history = read_history(DATA / "history_ok.csv")
    with pytest.raises(ValueError) as info:
        updated_history(history, {"A001": (1, 1, 1), "B-7": (0, 0, 0)}, period_end)
    assert str(info.value) == (
        f"the history already counts a period ending 2026-12-27 for agent 'A001'; this period "
        f"ends {period_end}, which is not after it: adding it would count days twice (the "
        "history only moves forward in time; use the history file from before this period was "
        "added)"
    )


def test_updated_history_names_how_many_agents_are_stale() -> None:
    history = read_history(DATA / "history_ok.csv")
    with pytest.raises(ValueError) as info:
        updated_history(history, {"A002": (0, 0, 0), "A001": (0, 0, 0)}, date(2026, 12, 1))
    assert str(info.value).startswith(
        "the history already counts a period ending 2026-12-27 for agent 'A001' (and 1 other "
        "agents); this period ends 2026-12-01"
    )


def test_only_agents_who_worked_are_checked_for_the_date() -> None:
    history = read_history(DATA / "history_ok.csv")
    updated = updated_history(history, {"B-7": (1, 0, 0)}, date(2026, 12, 27))
    assert updated.counts("B-7") == HistoryRow(13, 31, 40, 5, date(2026, 12, 27))
    assert updated.counts("A001") == history.counts("A001")


def test_updated_history_refuses_negative_counts() -> None:
    with pytest.raises(ValueError) as info:
        updated_history(History(), {"A001": (1, -1, 0)}, date(2026, 12, 27))
    assert str(info.value) == (
        "counts worked must be >= 0, got nights=1, weekend_days=-1, holidays=0 for agent 'A001'"
    )


def test_updated_then_written_then_read(tmp_path: Path) -> None:
    history = updated_history(
        read_history(DATA / "history_ok.csv"), {"A002": (3, 2, 1)}, date(2027, 1, 3)
    )
    path = tmp_path / "history.csv"
    path.write_text(history_csv(history), encoding="utf-8")
    assert read_history(path) == history
    assert read_history(path).counts("A002") == HistoryRow(2, 3, 4, 1, date(2027, 1, 3))
