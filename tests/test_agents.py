"""Tests for callshift.agents: every failure mode names file, line and column exactly."""

from __future__ import annotations

import csv
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callshift.agents import Agent, Leave, generic_agents, leave_days, read_agents, read_leave
from callshift.errors import InputError
from tests.helpers import assert_every_bad_file_tested, expected_text

DATA = Path(__file__).parent / "data"
UTF8_HINT = "save the file as UTF-8, e.g. in Excel: Save As > 'CSV UTF-8 (Comma delimited)'"
SEMICOLON_HINT = (
    "Excel in many locales saves CSV with ';'; save it as 'CSV UTF-8 (Comma delimited)' or "
    "replace ';' with ','"
)
AGENTS_EXAMPLE = "agent_id[,name][,contract_hours][,night_ok][,night_transport]"
LEAVE_EXAMPLE = "agent_id,date[,end_date][,reason]"
HOURS_HINT = "paid hours per week, e.g. 40 or 37.5; leave it empty for the rules' default"
NOT_POSITIVE_HINT = (
    "leave it empty for the rules' default, or delete the row of an agent who does not work"
)
SHORT_ROW_HINT = "check for a missing ',' or a line break inside a value"
UNCLOSED_HINT = (
    "a '\"' in this field is never closed, or the value has a line break; keep each value on "
    "one line"
)
DUPLICATE_ID_HINT = "each agent must appear once; delete one of the rows or give it another id"
RENAME_HINT = "rename it to '{}'; if it means something else, give it another name"
DATE_EXAMPLE = "e.g. 2026-12-24"
AGENT_IDS = ("A001", "A002", "A003", "A004", "A005")  # those of agents_ok.csv

# (file, line, column, message after "path:line:col: ")
BAD_AGENTS = [
    (
        "agents_empty.csv",
        None,
        None,
        f"the file is empty (expected a header line {AGENTS_EXAMPLE} and one row per agent)",
    ),
    (
        "agents_header_only.csv",
        None,
        None,
        "the file has a header but no agents (add one row per agent below the header, or plan "
        "without an agents file to let callshift size the team)",
    ),
    ("agents_latin1.csv", 3, 2, f"byte 0xe9 is not valid UTF-8 ({UTF8_HINT})"),
    ("agents_utf16.csv", 1, None, f"the file is UTF-16, not UTF-8 ({UTF8_HINT})"),
    ("agents_semicolon.csv", 1, 1, f"the file is separated by ';', not ',' ({SEMICOLON_HINT})"),
    (
        "agents_tab_separated.csv",
        1,
        1,
        "the file is separated by tabs, not ',' (save it as 'CSV UTF-8 (Comma delimited)' or "
        "replace tabs with ',')",
    ),
    (
        "agents_missing_id_column.csv",
        1,
        1,
        "missing required column 'agent_id'; found columns: agent, name, contract_hours (did you "
        "mean 'agent'? rename it to 'agent_id')",
    ),
    (
        "agents_id_column_named_id.csv",
        1,
        2,
        "missing required column 'agent_id'; found columns: name, ID, night_ok (did you mean "
        "'ID'? rename it to 'agent_id')",
    ),
    (
        "agents_missing_id_no_match.csv",
        1,
        None,
        "missing required column 'agent_id'; found columns: name, contract_hours (the header "
        f"must be {AGENTS_EXAMPLE})",
    ),
    (
        "agents_no_header.csv",
        1,
        None,
        "missing required column 'agent_id'; found columns: A001, Ana Silva, 40, true (line 1 "
        f"must be the header: {AGENTS_EXAMPLE})",
    ),
    (
        "agents_duplicate_column.csv",
        1,
        4,
        "duplicate column 'night_ok' (columns 2 and 4) (keep only one of them)",
    ),
    (
        "agents_misnamed_night_ok.csv",
        1,
        3,
        "unknown column 'nights' looks like a misnamed 'night_ok' ("
        + RENAME_HINT.format("night_ok")
        + ")",
    ),
    (
        "agents_misnamed_contract_hours.csv",
        1,
        3,
        "unknown column 'Contract Hours' looks like a misnamed 'contract_hours' ("
        + RENAME_HINT.format("contract_hours")
        + ")",
    ),
    (
        "agents_duplicate_id.csv",
        4,
        1,
        f"duplicate agent_id 'A001': already on line 2 ({DUPLICATE_ID_HINT})",
    ),
    (
        "agents_blank_lines_duplicate_id.csv",
        8,
        1,
        f"duplicate agent_id 'A002': already on line 6 ({DUPLICATE_ID_HINT})",
    ),
    (
        "agents_empty_id.csv",
        3,
        1,
        "agent_id is empty (give every agent an id, or delete this row)",
    ),
    (
        "agents_negative_hours.csv",
        3,
        3,
        f"contract_hours must be > 0, got '-20' ({NOT_POSITIVE_HINT})",
    ),
    ("agents_zero_hours.csv", 2, 2, f"contract_hours must be > 0, got '0' ({NOT_POSITIVE_HINT})"),
    (
        "agents_text_hours.csv",
        2,
        3,
        f"contract_hours must be a number of hours per week, got 'forty' ({HOURS_HINT})",
    ),
    (
        "agents_decimal_comma_hours.csv",
        2,
        3,
        "contract_hours must be a number of hours per week, got '37,5' (use '.' as the decimal "
        "mark, e.g. 37.5)",
    ),
    (
        "agents_too_many_hours.csv",
        3,
        3,
        "contract_hours must be at most 84 hours per week, got '160' (84 is 12 hours a day, 7 "
        "days a week; give paid hours per week, not per month or year)",
    ),
    (
        "agents_nan_hours.csv",
        2,
        2,
        f"contract_hours must be a finite number, got 'nan' ({HOURS_HINT})",
    ),
    (
        "agents_bad_night_ok.csv",
        3,
        3,
        "night_ok must be true or false, got 'maybe' (accepted: true/false, yes/no, y/n, 1/0 in "
        "any case; empty means true)",
    ),
    (
        "agents_bad_night_transport.csv",
        2,
        3,
        "night_transport must be true or false, got 'taxi' (accepted: true/false, yes/no, y/n, "
        "1/0 in any case; empty means false)",
    ),
    (
        "agents_short_row.csv",
        3,
        4,
        f"this row has 3 fields but the header has 4 ({SHORT_ROW_HINT})",
    ),
    (
        "agents_unquoted_comma.csv",
        2,
        5,
        "this row has 5 fields but the header has 4 (a value that contains ',' must be in double "
        'quotes, e.g. "Smith, John")',
    ),
    ("agents_unclosed_quote.csv", 2, 2, f"name runs over several lines ({UNCLOSED_HINT})"),
    (
        "agents_repeated_header.csv",
        3,
        1,
        "the header is repeated here (it is line 1) (delete this line; were two files pasted "
        "together?)",
    ),
]

BAD_LEAVE = [
    (
        "leave_empty.csv",
        None,
        None,
        f"the file is empty (expected a header line {LEAVE_EXAMPLE}; a file with only the header "
        "means no leave)",
    ),
    ("leave_latin1.csv", 2, 4, f"byte 0xe9 is not valid UTF-8 ({UTF8_HINT})"),
    ("leave_semicolon.csv", 1, 1, f"the file is separated by ';', not ',' ({SEMICOLON_HINT})"),
    (
        "leave_missing_date_column.csv",
        1,
        2,
        "missing required column 'date'; found columns: agent_id, start_date, end_date (did you "
        "mean 'start_date'? rename it to 'date')",
    ),
    (
        "leave_missing_agent_column.csv",
        1,
        1,
        "missing required column 'agent_id'; found columns: employee, date (did you mean "
        "'employee'? rename it to 'agent_id')",
    ),
    (
        "leave_no_header.csv",
        1,
        None,
        "missing required column 'agent_id'; found columns: A001, 2026-12-24, 2026-12-26 (line 1 "
        f"must be the header: {LEAVE_EXAMPLE})",
    ),
    (
        "leave_misnamed_end_date.csv",
        1,
        3,
        "unknown column 'until' looks like a misnamed 'end_date' ("
        + RENAME_HINT.format("end_date")
        + ")",
    ),
    (
        "leave_unknown_agent.csv",
        3,
        1,
        "unknown agent_id 'A03' (did you mean 'A003'? ids must match the agents file exactly)",
    ),
    (
        "leave_unknown_agent_case.csv",
        2,
        1,
        "unknown agent_id 'a002' (did you mean 'A002'? ids must match the agents file exactly)",
    ),
    (
        "leave_unknown_agent_no_match.csv",
        2,
        1,
        "unknown agent_id 'Zoe' (every agent_id must be in the agents file; add the agent there "
        "or delete this row)",
    ),
    (
        "leave_empty_agent.csv",
        2,
        1,
        "agent_id is empty (name the agent on leave, or delete this row)",
    ),
    (
        "leave_bad_date.csv",
        3,
        2,
        "date must be YYYY-MM-DD, got '24/12/2026' (the dates look reformatted by a spreadsheet; "
        "format the column as yyyy-mm-dd before saving)",
    ),
    ("leave_text_date.csv", 2, 2, f"date must be YYYY-MM-DD, got 'Christmas' ({DATE_EXAMPLE})"),
    (
        "leave_not_a_date.csv",
        2,
        2,
        f"date '2026-02-30' is not a real date (day is out of range for month) ({DATE_EXAMPLE})",
    ),
    ("leave_empty_date.csv", 2, 2, f"date is empty; expected YYYY-MM-DD ({DATE_EXAMPLE})"),
    (
        "leave_bad_end_date.csv",
        2,
        3,
        "end_date '2026-12-32' is not a real date (day is out of range for month) "
        f"({DATE_EXAMPLE})",
    ),
    (
        "leave_end_before_start.csv",
        2,
        3,
        "end_date 2026-12-20 is before date 2026-12-24 (end_date is the last day of leave, "
        "inclusive; leave it empty for a one-day leave)",
    ),
    (
        "leave_too_long.csv",
        3,
        3,
        "leave from 2026-12-24 to 2028-01-02 is 375 days; at most 366 days in one row (check the "
        "year of end_date; split a longer absence into several rows)",
    ),
    (
        "leave_short_row.csv",
        2,
        3,
        f"this row has 2 fields but the header has 4 ({SHORT_ROW_HINT})",
    ),
    ("leave_unclosed_quote.csv", 2, 4, f"reason runs over several lines ({UNCLOSED_HINT})"),
]

GOOD_FILES = {
    "agents_ok.csv",
    "agents_only_ids.csv",
    "agents_extra_columns.csv",
    "agents_bom.csv",
    "leave_ok.csv",
    "leave_header_only.csv",
    "leave_minimal.csv",
    "leave_bom.csv",
}


def agents_error(path: Path | str) -> InputError:
    with pytest.raises(InputError) as info:
        read_agents(path)
    return info.value


def leave_error(path: Path | str, agent_ids: tuple[str, ...] | None = AGENT_IDS) -> InputError:
    with pytest.raises(InputError) as info:
        read_leave(path, agent_ids)
    return info.value


def check(
    error: InputError, path: Path, line: int | None, column: int | None, message: str
) -> None:
    assert str(error) == expected_text(path, line, column, message)
    assert (error.path, error.line, error.column) == (str(path), line, column)
    assert error.exit_code == 2


@pytest.mark.parametrize(
    ("name", "line", "column", "message"), BAD_AGENTS, ids=[row[0] for row in BAD_AGENTS]
)
def test_bad_agents_file(name: str, line: int | None, column: int | None, message: str) -> None:
    path = DATA / name
    check(agents_error(path), path, line, column, message)


@pytest.mark.parametrize(
    ("name", "line", "column", "message"), BAD_LEAVE, ids=[row[0] for row in BAD_LEAVE]
)
def test_bad_leave_file(name: str, line: int | None, column: int | None, message: str) -> None:
    path = DATA / name
    check(leave_error(path), path, line, column, message)


def test_every_bad_data_file_is_tested() -> None:
    assert_every_bad_file_tested(
        DATA, ("agents_", "leave_"), GOOD_FILES, [row[0] for row in BAD_AGENTS + BAD_LEAVE]
    )


def test_good_files_are_good() -> None:
    for name in sorted(GOOD_FILES):
        if name.startswith("agents_"):
            assert read_agents(DATA / name)
        else:
            read_leave(DATA / name, AGENT_IDS)


# --- agents.csv ------------------------------------------------------------------------------


def test_agents_ok_values() -> None:
    agents = read_agents(DATA / "agents_ok.csv")
    assert agents == (
        Agent("A001", "Ana Silva", 40.0, night_ok=True, night_transport=False),
        Agent("A002", "Brown, Ben", 20.0, night_ok=False, night_transport=False),
        Agent("A003", "Chen Wei", None, night_ok=True, night_transport=True),
        Agent("A004", "Dana Okafor", 37.5, night_ok=False, night_transport=True),
        Agent("A005", "Eli Novak", 40.0, night_ok=True, night_transport=False),
    )
    assert tuple(agent.agent_id for agent in agents) == AGENT_IDS
    assert all(isinstance(agent.contract_hours, float) for agent in agents if agent.contract_hours)


def test_only_the_id_column_gives_defaults() -> None:
    assert read_agents(DATA / "agents_only_ids.csv") == (Agent("A1"), Agent("B2"))
    assert Agent("A1") == Agent("A1", "", None, True, False)


def test_extra_columns_header_case_and_spaces() -> None:
    assert read_agents(DATA / "agents_extra_columns.csv") == (
        Agent("K7", "Kim Lee", night_ok=True),
        Agent("K8", "Lou Park", night_ok=False),
        Agent("K9", "", night_ok=True),
    )


def test_bom_and_crlf_are_accepted() -> None:
    assert (DATA / "agents_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_agents(DATA / "agents_bom.csv") == (
        Agent("A001", "Ana Silva", night_ok=False),
        Agent("A002", "Ben Brown", night_ok=True),
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("True", True),
        ("yes", True),
        ("YES", True),
        ("y", True),
        ("Y", True),
        ("1", True),
        (" yes ", True),
        ("false", False),
        ("FALSE", False),
        ("no", False),
        ("No", False),
        ("n", False),
        ("N", False),
        ("0", False),
    ],
)
def test_boolean_spellings(tmp_path: Path, text: str, value: bool) -> None:
    path = tmp_path / "agents.csv"
    path.write_text(f"agent_id,night_ok,night_transport\nA1,{text},{text}\n")
    assert read_agents(path) == (Agent("A1", night_ok=value, night_transport=value),)


def test_empty_booleans_take_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,night_ok,night_transport\nA1, , \n")
    (agent,) = read_agents(path)
    assert agent.night_ok is True
    assert agent.night_transport is False


@pytest.mark.parametrize("text", ["2", "t", "f", "ok", "nope", "-1", "1.0"])
def test_other_boolean_spellings_are_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "agents.csv"
    path.write_text(f"agent_id,night_ok\nA1,{text}\n")
    assert agents_error(path).message == f"night_ok must be true or false, got '{text}'"


@pytest.mark.parametrize(("text", "hours"), [("84", 84.0), ("0.5", 0.5), (" 37.5 ", 37.5)])
def test_contract_hours_limits_accepted(tmp_path: Path, text: str, hours: float) -> None:
    path = tmp_path / "agents.csv"
    path.write_text(f"agent_id,contract_hours\nA1,{text}\n")
    assert read_agents(path)[0].contract_hours == hours


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("84.01", "contract_hours must be at most 84 hours per week, got '84.01'"),
        ("-0.5", "contract_hours must be > 0, got '-0.5'"),
        ("-0", "contract_hours must be > 0, got '-0'"),
        ("inf", "contract_hours must be a finite number, got 'inf'"),
        ("40h", "contract_hours must be a number of hours per week, got '40h'"),
    ],
)
def test_contract_hours_limits_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "agents.csv"
    path.write_text(f"agent_id,contract_hours\nA1,{text}\n")
    error = agents_error(path)
    assert (error.message, error.line, error.column) == (message, 2, 2)


def test_trailing_empty_fields_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,name\nA1,Ann,,\nA2,Bo,\n")
    assert read_agents(path) == (Agent("A1", "Ann"), Agent("A2", "Bo"))


def test_quoted_ids_keep_commas_and_inner_spaces(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text('agent_id,name\n"  Smith, J ",x\nA 2,y\n')
    assert [agent.agent_id for agent in read_agents(path)] == ["Smith, J", "A 2"]


def test_ids_are_case_sensitive(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("agent_id\na1\nA1\n")
    assert [agent.agent_id for agent in read_agents(path)] == ["a1", "A1"]


def test_misnamed_optional_column_is_fine_when_the_real_one_exists(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,night_ok,nights\nA1,no,3\n")
    assert read_agents(path) == (Agent("A1", night_ok=False),)


def test_unrelated_extra_columns_are_not_taken_for_misnamed_ones(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,team,skill,contract,site\nA1,blue,fr,full-time,Lyon\n")
    assert read_agents(path) == (Agent("A1"),)


def test_missing_file() -> None:
    path = DATA / "agents_does_not_exist.csv"
    error = agents_error(path)
    assert str(error) == (
        f"{path}: file not found (check the path; a relative path starts at the current directory)"
    )
    assert (error.line, error.column) == (None, None)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert str(agents_error(tmp_path)) == (
        f"{tmp_path}: is a directory, not a file (give the path of the agents CSV file)"
    )
    assert str(leave_error(tmp_path)) == (
        f"{tmp_path}: is a directory, not a file (give the path of the leave CSV file)"
    )


def test_path_is_kept_as_given() -> None:
    error = agents_error("tests/data/../data/agents_duplicate_id.csv")
    assert str(error).startswith("tests/data/../data/agents_duplicate_id.csv:4:1: ")


def test_only_blank_lines_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("\n , \n\n")
    assert agents_error(path).message == "the file is empty"


def test_malformed_csv_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,name\n\n" + "x" * 200_000 + ",1\n")
    assert str(agents_error(path)) == (
        f"{path}:3: malformed CSV: field larger than field limit (131072) "
        "(check the quotes on this line)"
    )


# --- leave.csv -------------------------------------------------------------------------------


def test_leave_ok_values() -> None:
    leaves = read_leave(DATA / "leave_ok.csv", AGENT_IDS)
    assert leaves == (
        Leave("A001", date(2026, 12, 24), date(2026, 12, 26), "annual leave"),
        Leave("A002", date(2026, 12, 21), date(2026, 12, 21), "training"),
        Leave("A001", date(2026, 12, 26), date(2026, 12, 27), "extended"),
        Leave("A005", date(2026, 12, 31), date(2027, 1, 2), "sick, flu"),
    )
    assert [leave.line for leave in leaves] == [2, 3, 4, 6]


def test_leave_ok_days_are_expanded_and_merged() -> None:
    days = leave_days(read_leave(DATA / "leave_ok.csv", AGENT_IDS))
    assert days == {
        "A001": {date(2026, 12, day) for day in (24, 25, 26, 27)},
        "A002": {date(2026, 12, 21)},
        "A005": {date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)},
    }


def test_header_only_leave_is_no_leave() -> None:
    assert read_leave(DATA / "leave_header_only.csv", AGENT_IDS) == ()
    assert read_leave(DATA / "leave_header_only.csv", None) == ()
    assert leave_days(()) == {}


def test_leave_minimal_columns_any_order_duplicates_fine() -> None:
    leaves = read_leave(DATA / "leave_minimal.csv", AGENT_IDS)
    assert [(leave.agent_id, leave.first, leave.last, leave.reason) for leave in leaves] == [
        ("A003", date(2026, 12, 22), date(2026, 12, 22), ""),
    ] * 2
    assert leave_days(leaves) == {"A003": {date(2026, 12, 22)}}


def test_leave_bom_and_utf8_reason() -> None:
    assert read_leave(DATA / "leave_bom.csv", AGENT_IDS) == (
        Leave("A004", date(2026, 12, 28), date(2026, 12, 29), "férias", line=2),
    )


def test_any_id_is_accepted_without_agent_ids() -> None:
    leaves = read_leave(DATA / "leave_unknown_agent.csv", None)
    assert [(leave.agent_id, leave.line) for leave in leaves] == [("A001", 2), ("A03", 3)]
    assert read_leave(DATA / "leave_unknown_agent_no_match.csv", None)[0].agent_id == "Zoe"


def test_empty_agent_id_is_an_error_even_without_agent_ids() -> None:
    path = DATA / "leave_empty_agent.csv"
    assert str(leave_error(path, None)) == expected_text(
        path, 2, 1, "agent_id is empty (name the agent on leave, or delete this row)"
    )


def test_agent_ids_may_be_any_collection() -> None:
    path = DATA / "leave_unknown_agent.csv"
    for ids in (["A001", "A03"], {"A001", "A03"}, {"A001": 1, "A03": 2}.keys()):
        assert len(read_leave(path, ids)) == 2
    error = leave_error(path, ())
    assert (error.line, error.message) == (2, "unknown agent_id 'A001'")


def test_leave_for_generic_agents() -> None:
    ids = tuple(agent.agent_id for agent in generic_agents(5))
    assert len(read_leave(DATA / "leave_ok.csv", ids)) == 4


def test_a_366_day_leave_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "leave.csv"
    path.write_text("agent_id,date,end_date\nA1,2028-01-01,2028-12-31\n")
    (leave,) = read_leave(path, None)
    assert len(leave_days([leave])["A1"]) == 366


def test_leave_only_blank_lines_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "leave.csv"
    path.write_text("")
    assert leave_error(path).message == "the file is empty"


def test_missing_leave_file() -> None:
    path = DATA / "leave_does_not_exist.csv"
    assert leave_error(path).message == "file not found"


def test_leave_line_is_not_part_of_equality() -> None:
    first = Leave("A1", date(2026, 1, 1), date(2026, 1, 2), "x", line=5)
    assert first == Leave("A1", date(2026, 1, 1), date(2026, 1, 2), "x", line=9)
    assert hash(first) == hash(Leave("A1", date(2026, 1, 1), date(2026, 1, 2), "x"))


def test_leave_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="ends on 2026-01-01, before it starts on 2026-01-02"):
        Leave("A1", date(2026, 1, 2), date(2026, 1, 1))


def test_leave_days_of_hand_made_leave() -> None:
    leaves = [
        Leave("B", date(2026, 2, 27), date(2026, 3, 2)),
        Leave("A", date(2026, 1, 1), date(2026, 1, 1)),
        Leave("B", date(2026, 3, 1), date(2026, 3, 3)),
    ]
    assert leave_days(iter(leaves)) == {
        "A": {date(2026, 1, 1)},
        "B": {date(2026, 2, 27), date(2026, 2, 28), *(date(2026, 3, d) for d in (1, 2, 3))},
    }


# --- generic agents --------------------------------------------------------------------------


def test_generic_agents_naming() -> None:
    assert generic_agents(0) == ()
    assert generic_agents(3) == (Agent("A001"), Agent("A002"), Agent("A003"))
    many = generic_agents(1000)
    assert [agent.agent_id for agent in many[8:11]] == ["A009", "A010", "A011"]
    assert (many[98].agent_id, many[99].agent_id) == ("A099", "A100")
    assert (many[998].agent_id, many[999].agent_id) == ("A999", "A1000")
    assert len({agent.agent_id for agent in many}) == 1000
    assert many[:999] == generic_agents(999)
    assert all(agent == Agent(agent.agent_id) for agent in many)


def test_generic_agents_count_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="count must be >= 0, got -1"):
        generic_agents(-1)


# --- round trips -----------------------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=0, max_size=12).map(
    str.strip
)
_TRUE_SPELLINGS = ("true", "True", "yes", "Y", "1")
_FALSE_SPELLINGS = ("false", "FALSE", "no", "n", "0")


@st.composite
def teams(draw: st.DrawFn) -> list[Agent]:
    ids = draw(st.lists(_text.filter(bool), min_size=1, max_size=8, unique=True))
    hours = st.none() | st.floats(0.01, 84.0, allow_nan=False)
    return [
        Agent(agent_id, draw(_text), draw(hours), draw(st.booleans()), draw(st.booleans()))
        for agent_id in ids
    ]


def _flag_text(value: bool, spelling: int) -> str:
    spellings = _TRUE_SPELLINGS if value else _FALSE_SPELLINGS
    return spellings[spelling % len(spellings)]


@given(teams(), st.integers(0, 9))
def test_agents_round_trip(team: list[Agent], spelling: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "agents.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["agent_id", "name", "contract_hours", "night_ok", "night_transport"])
            for agent in team:
                writer.writerow(
                    [
                        agent.agent_id,
                        agent.name,
                        "" if agent.contract_hours is None else repr(agent.contract_hours),
                        _flag_text(agent.night_ok, spelling),
                        _flag_text(agent.night_transport, spelling + 1),
                    ]
                )
        assert read_agents(path) == tuple(team)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(AGENT_IDS),
            st.dates(date(2000, 1, 1), date(2090, 1, 1)),
            st.integers(0, 365),
            _text,
        ),
        max_size=10,
    )
)
def test_leave_round_trip(rows: list[tuple[str, date, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leave.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["agent_id", "date", "end_date", "reason"])
            for agent_id, first, length, reason in rows:
                end = "" if length == 0 else (first + timedelta(days=length)).isoformat()
                writer.writerow([agent_id, first.isoformat(), end, reason])
        leaves = read_leave(path, AGENT_IDS)
    assert leaves == tuple(
        Leave(agent_id, first, first + timedelta(days=length), reason)
        for agent_id, first, length, reason in rows
    )
    assert [leave.line for leave in leaves] == list(range(2, len(rows) + 2))
    expected: dict[str, set[date]] = {}
    for agent_id, first, length, _ in rows:
        expected.setdefault(agent_id, set()).update(
            first + timedelta(days=offset) for offset in range(length + 1)
        )
    assert leave_days(leaves) == expected
