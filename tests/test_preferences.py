"""Tests for callshift.preferences: every failure mode names file, line and column exactly."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from callshift.errors import InputError
from callshift.preferences import WEEKDAYS, Preference, read_preferences, weekday_number
from tests.helpers import assert_every_bad_file_tested, expected_text

DATA = Path(__file__).parent / "data"
AGENT_IDS = ("A001", "A002", "A003", "A004", "A005")
SHIFT_CODES = ("P", "D09", "D11", "D13", "D", "N", "S")  # D is the family of D09, D11, D13
EXAMPLE = "agent_id,date_or_weekday,shift_or_OFF[,weight]"
UTF8_HINT = "save the file as UTF-8, e.g. in Excel: Save As > 'CSV UTF-8 (Comma delimited)'"
SEMICOLON_HINT = (
    "Excel in many locales saves CSV with ';'; save it as 'CSV UTF-8 (Comma delimited)' or "
    "replace ';' with ','"
)
FORMS = (
    "accepted: YYYY-MM-DD (e.g. 2026-12-24), Mon/Tue/Wed/Thu/Fri/Sat/Sun, "
    "Monday/Tuesday/Wednesday/Thursday/Friday/Saturday/Sunday, Sen/Sel/Rab/Kam/Jum/Sab/Min or "
    "Senin/Selasa/Rabu/Kamis/Jumat/Sabtu/Minggu, in any case"
)
KNOWN = "known: D, D09, D11, D13, N, P, S, or OFF for a day off"
WEIGHT_HINT = "how much the agent cares, 1 = a little, 100 = very much; empty means 1"
UNKNOWN_ID_HINT = "did you mean '{}'? ids must match the agents file exactly"

# (file, line, column, message after "path:line:col: ")
BAD_FILES = [
    (
        "preferences_empty.csv",
        None,
        None,
        f"the file is empty (expected a header line {EXAMPLE}; a file with only the header "
        "means no preferences)",
    ),
    ("preferences_latin1.csv", 4, 1, f"byte 0xe9 is not valid UTF-8 ({UTF8_HINT})"),
    ("preferences_utf16.csv", 1, None, f"the file is UTF-16, not UTF-8 ({UTF8_HINT})"),
    (
        "preferences_semicolon.csv",
        1,
        1,
        f"the file is separated by ';', not ',' ({SEMICOLON_HINT})",
    ),
    (
        "preferences_missing_shift_column.csv",
        1,
        3,
        "missing required column 'shift_or_OFF'; found columns: agent_id, date_or_weekday, "
        "shift, weight (did you mean 'shift'? rename it to 'shift_or_OFF')",
    ),
    (
        "preferences_missing_day_column.csv",
        1,
        2,
        "missing required column 'date_or_weekday'; found columns: agent_id, day, shift_or_OFF "
        "(did you mean 'day'? rename it to 'date_or_weekday')",
    ),
    (
        "preferences_missing_agent_column.csv",
        1,
        1,
        "missing required column 'agent_id'; found columns: employee, date_or_weekday, "
        "shift_or_OFF (did you mean 'employee'? rename it to 'agent_id')",
    ),
    (
        "preferences_missing_column_no_match.csv",
        1,
        None,
        "missing required column 'date_or_weekday'; found columns: agent_id, shift_or_OFF, "
        f"weight (the header must be {EXAMPLE})",
    ),
    (
        "preferences_no_header.csv",
        1,
        None,
        "missing required column 'agent_id'; found columns: A001, Mon, P, 5 (line 1 must be the "
        f"header: {EXAMPLE})",
    ),
    (
        "preferences_misnamed_weight.csv",
        1,
        4,
        "unknown column 'priority' looks like a misnamed 'weight' (rename it to 'weight'; if it "
        "means something else, give it another name)",
    ),
    (
        "preferences_duplicate_column.csv",
        1,
        5,
        "duplicate column 'weight' (columns 4 and 5) (keep only one of them)",
    ),
    (
        "preferences_unknown_agent.csv",
        3,
        1,
        "unknown agent_id 'A03' (" + UNKNOWN_ID_HINT.format("A003") + ")",
    ),
    (
        "preferences_unknown_agent_case.csv",
        2,
        1,
        "unknown agent_id 'a002' (" + UNKNOWN_ID_HINT.format("A002") + ")",
    ),
    (
        "preferences_unknown_agent_no_match.csv",
        2,
        1,
        "unknown agent_id 'Zoe' (every agent_id must be in the agents file; add the agent there "
        "or delete this row)",
    ),
    (
        "preferences_empty_agent.csv",
        3,
        1,
        "agent_id is empty (name the agent who asks, or delete this row)",
    ),
    (
        "preferences_bad_weekday.csv",
        2,
        2,
        "date_or_weekday must be a date YYYY-MM-DD or a weekday, got 'Wednsday' (did you mean "
        f"'Wednesday'? {FORMS})",
    ),
    (
        "preferences_text_day.csv",
        2,
        2,
        f"date_or_weekday must be a date YYYY-MM-DD or a weekday, got 'Christmas' ({FORMS})",
    ),
    (
        "preferences_spreadsheet_date.csv",
        3,
        2,
        "date_or_weekday must be a date YYYY-MM-DD or a weekday, got '25/12/2026' (the dates "
        "look reformatted by a spreadsheet; format the column as yyyy-mm-dd before saving)",
    ),
    (
        "preferences_not_a_date.csv",
        2,
        2,
        "date_or_weekday '2026-02-30' is not a real date (day is out of range for month) (e.g. "
        "2026-12-24)",
    ),
    ("preferences_empty_day.csv", 2, 2, f"date_or_weekday is empty ({FORMS})"),
    (
        "preferences_unknown_shift.csv",
        2,
        3,
        f"unknown shift code 'D9' (did you mean 'D09'? {KNOWN})",
    ),
    ("preferences_unknown_shift_no_match.csv", 2, 3, f"unknown shift code 'Lunch' ({KNOWN})"),
    ("preferences_empty_shift.csv", 2, 3, f"shift_or_OFF is empty ({KNOWN})"),
    (
        "preferences_text_weight.csv",
        2,
        4,
        f"weight must be a whole number from 1 to 100, got 'high' ({WEIGHT_HINT})",
    ),
    (
        "preferences_zero_weight.csv",
        3,
        4,
        f"weight must be a whole number from 1 to 100, got '0' ({WEIGHT_HINT})",
    ),
    (
        "preferences_weight_too_big.csv",
        2,
        4,
        f"weight must be a whole number from 1 to 100, got '500' ({WEIGHT_HINT})",
    ),
    (
        "preferences_decimal_weight.csv",
        2,
        4,
        f"weight must be a whole number from 1 to 100, got '2.5' ({WEIGHT_HINT})",
    ),
    (
        "preferences_negative_weight.csv",
        2,
        4,
        f"weight must be a whole number from 1 to 100, got '-3' ({WEIGHT_HINT})",
    ),
    (
        "preferences_short_row.csv",
        3,
        3,
        "this row has 2 fields but the header has 4 (check for a missing ',' or a line break "
        "inside a value)",
    ),
    (
        "preferences_unquoted_comma.csv",
        2,
        5,
        "this row has 5 fields but the header has 4 (a value that contains ',' must be in double "
        'quotes, e.g. "Smith, John")',
    ),
    (
        "preferences_unclosed_quote.csv",
        2,
        3,
        "shift_or_OFF runs over several lines (a '\"' in this field is never closed, or the "
        "value has a line break; keep each value on one line)",
    ),
    (
        "preferences_repeated_header.csv",
        3,
        1,
        "the header is repeated here (it is line 1) (delete this line; were two files pasted "
        "together?)",
    ),
    (
        "preferences_duplicate.csv",
        4,
        1,
        "duplicate preference: A001 Monday P is already on line 2 (delete one of the rows; to "
        "make a wish count more, raise its weight)",
    ),
]

GOOD_FILES = {
    "preferences_ok.csv",
    "preferences_no_weight.csv",
    "preferences_header_only.csv",
    "preferences_bom.csv",
}


def raised(path: Path | str, agent_ids: tuple[str, ...] | None = AGENT_IDS) -> InputError:
    with pytest.raises(InputError) as info:
        read_preferences(path, agent_ids, SHIFT_CODES)
    return info.value


@pytest.mark.parametrize(
    ("name", "line", "column", "message"), BAD_FILES, ids=[row[0] for row in BAD_FILES]
)
def test_bad_preferences_file(
    name: str, line: int | None, column: int | None, message: str
) -> None:
    path = DATA / name
    error = raised(path)
    assert str(error) == expected_text(path, line, column, message)
    assert (error.path, error.line, error.column) == (str(path), line, column)
    assert error.exit_code == 2


def test_every_bad_data_file_is_tested() -> None:
    assert_every_bad_file_tested(DATA, ("preferences_",), GOOD_FILES, [row[0] for row in BAD_FILES])


def test_good_files_are_good() -> None:
    for name in sorted(GOOD_FILES):
        assert isinstance(read_preferences(DATA / name, AGENT_IDS, SHIFT_CODES), tuple)


def test_missing_file() -> None:
    path = DATA / "preferences_does_not_exist.csv"
    assert str(raised(path)) == (
        f"{path}: file not found (check the path; a relative path starts at the current directory)"
    )


def test_directory_instead_of_file() -> None:
    assert str(raised(DATA)) == (
        f"{DATA}: is a directory, not a file (give the path of the preferences CSV file)"
    )


# --- good files --------------------------------------------------------------------------------


def test_ok_file_values() -> None:
    def weekly(agent_id: str, weekday: int, shift: str, weight: int = 1) -> Preference:
        return Preference(agent_id, None, weekday, shift, weight)

    def dated(agent_id: str, day: date, shift: str, weight: int = 1) -> Preference:
        return Preference(agent_id, day, None, shift, weight)

    preferences = read_preferences(DATA / "preferences_ok.csv", AGENT_IDS, SHIFT_CODES)
    assert preferences == (
        weekly("A001", 0, "P", 5),  # Mon
        dated("A001", date(2026, 12, 25), "OFF", 100),
        weekly("A002", 0, "D"),  # senin, family code in lower case, empty weight
        weekly("A002", 5, "OFF", 3),  # Saturday
        weekly("A003", 4, "N", 1),  # JUMAT
        weekly("A003", 6, "OFF", 20),  # Min, 'off'
        dated("A004", date(2026, 12, 31), "D09"),
        weekly("A005", 3, "D11", 7),  # Kam, 'd11'
        weekly("A005", 2, "P", 50),  # wednesday
        weekly("A001", 1, "S", 2),  # Selasa
        weekly("A002", 6, "D"),  # sun
        weekly("A004", 2, "OFF"),  # Rabu
        weekly("A005", 3, "N"),  # THU
    )
    # physical lines, counting the blank line 5
    assert [p.line for p in preferences] == [2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    assert all(type(p.weight) is int for p in preferences)


def test_without_weight_column_every_weight_is_one() -> None:
    preferences = read_preferences(DATA / "preferences_no_weight.csv", AGENT_IDS, SHIFT_CODES)
    assert preferences == (
        Preference("A001", None, 1, "P", 1),
        Preference("A002", None, 5, "OFF", 1),
    )


def test_header_only_means_no_preferences() -> None:
    assert read_preferences(DATA / "preferences_header_only.csv", AGENT_IDS, SHIFT_CODES) == ()


def test_byte_order_mark_is_dropped() -> None:
    assert read_preferences(DATA / "preferences_bom.csv", AGENT_IDS, SHIFT_CODES) == (
        Preference("A001", None, 0, "P", 5),
    )


def test_any_agent_id_without_agents_file() -> None:
    preferences = read_preferences(
        DATA / "preferences_unknown_agent_no_match.csv", None, SHIFT_CODES
    )
    assert preferences == (Preference("Zoe", None, 1, "OFF", 1),)


@pytest.mark.parametrize(
    ("text", "weekday"),
    [
        *((name, number) for number, name in enumerate(WEEKDAYS)),
        *(
            (name, number)
            for number, name in enumerate(
                ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
            )
        ),
        *(
            (name, number)
            for number, name in enumerate(("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"))
        ),
        *(
            (name, number)
            for number, name in enumerate(
                ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
            )
        ),
        ("mon", 0),
        ("MONDAY", 0),
        ("sEnIn", 0),
        (" minggu ", 6),
        ("Jum'at", 4),
    ],
)
def test_weekday_names(text: str, weekday: int, tmp_path: Path) -> None:
    assert weekday_number(text) == weekday
    path = tmp_path / "preferences.csv"
    path.write_text(f"agent_id,date_or_weekday,shift_or_OFF\nA001,{text},OFF\n", encoding="utf-8")
    assert read_preferences(path, AGENT_IDS, SHIFT_CODES) == (
        Preference("A001", None, weekday, "OFF"),
    )


@pytest.mark.parametrize("text", ["", "Mo", "Week", "2026-12-24", "Sunday2", "Minggu,"])
def test_not_weekday_names(text: str) -> None:
    assert weekday_number(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("OFF", "OFF"), ("off", "OFF"), ("Off", "OFF"), ("d09", "D09"), ("p", "P"), ("D", "D")],
)
def test_shift_codes_are_canonical(text: str, code: str, tmp_path: Path) -> None:
    path = tmp_path / "preferences.csv"
    path.write_text(f"agent_id,date_or_weekday,shift_or_OFF\nA001,Mon,{text}\n", encoding="utf-8")
    assert read_preferences(path, AGENT_IDS, SHIFT_CODES)[0].shift == code


def test_exact_case_wins_and_two_codes_in_other_cases_are_ambiguous(tmp_path: Path) -> None:
    path = tmp_path / "preferences.csv"
    path.write_text("agent_id,date_or_weekday,shift_or_OFF\nA001,Mon,d\nA001,Tue,D\nA001,Wed,e\n")
    assert [p.shift for p in read_preferences(path, AGENT_IDS, ("d", "D", "E"))] == ["d", "D", "E"]
    path.write_text("agent_id,date_or_weekday,shift_or_OFF\nA001,Mon,d\nA001,Tue,Ee\n")
    with pytest.raises(InputError) as info:
        read_preferences(path, AGENT_IDS, ("d", "ee", "EE"))
    assert str(info.value) == (
        f"{path}:3:3: shift_or_OFF 'Ee' matches several shift codes: EE, ee (write the code "
        "exactly as the shift templates spell it)"
    )


def test_no_shift_codes_means_only_off(tmp_path: Path) -> None:
    path = tmp_path / "preferences.csv"
    path.write_text("agent_id,date_or_weekday,shift_or_OFF\nA001,Mon,off\nA001,Tue,P\n")
    with pytest.raises(InputError) as info:
        read_preferences(path, AGENT_IDS, ())
    assert str(info.value) == (
        f"{path}:3:3: unknown shift code 'P' (known: OFF for a day off (no shift codes are "
        "defined))"
    )


def test_same_day_different_shifts_are_not_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "preferences.csv"
    path.write_text(
        "agent_id,date_or_weekday,shift_or_OFF,weight\n"
        "A001,Mon,P,5\nA001,Mon,OFF,2\nA001,2026-12-21,P,3\nA002,Mon,P,5\n"
    )
    assert len(read_preferences(path, AGENT_IDS, SHIFT_CODES)) == 4


@pytest.mark.parametrize(("text", "weight"), [("1", 1), ("100", 100), ("007", 7), ("+3", 3)])
def test_weight_bounds(text: str, weight: int, tmp_path: Path) -> None:
    path = tmp_path / "preferences.csv"
    path.write_text(f"agent_id,date_or_weekday,shift_or_OFF,weight\nA001,Mon,P,{text}\n")
    assert read_preferences(path, AGENT_IDS, SHIFT_CODES)[0].weight == weight


@pytest.mark.parametrize("text", ["101", "1e2", "1_0", "٣", "five"])
def test_weight_not_accepted(text: str, tmp_path: Path) -> None:
    path = tmp_path / "preferences.csv"
    path.write_text(
        f"agent_id,date_or_weekday,shift_or_OFF,weight\nA001,Mon,P,{text}\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        read_preferences(path, AGENT_IDS, SHIFT_CODES)
    assert (info.value.line, info.value.column) == (2, 4)
    assert info.value.message == f"weight must be a whole number from 1 to 100, got '{text}'"


def test_columns_in_any_order_and_extra_columns_ignored(tmp_path: Path) -> None:
    path = tmp_path / "preferences.csv"
    path.write_text(
        "note,Weight,SHIFT_OR_OFF,Date_Or_Weekday,agent_id\n"
        "wants mornings,9,p,Senin,A003\n"
        ",,off,2027-01-01,A004\n"
    )
    assert read_preferences(path, AGENT_IDS, SHIFT_CODES) == (
        Preference("A003", None, 0, "P", 9),
        Preference("A004", date(2027, 1, 1), None, "OFF", 1),
    )


def test_errors_point_at_the_column_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "preferences.csv"
    path.write_text("weight,shift_or_OFF,date_or_weekday,agent_id\n3,P,Funday,A001\n")
    with pytest.raises(InputError) as info:
        read_preferences(path, AGENT_IDS, SHIFT_CODES)
    assert str(info.value) == (
        f"{path}:2:3: date_or_weekday must be a date YYYY-MM-DD or a weekday, got 'Funday' (did "
        f"you mean 'Sunday'? {FORMS})"
    )


# --- Preference --------------------------------------------------------------------------------


def test_applies_to_a_date() -> None:
    christmas = Preference("A001", date(2026, 12, 25), None, "OFF", 10)
    assert christmas.applies_to(date(2026, 12, 25))
    assert not christmas.applies_to(date(2026, 12, 24))
    assert not christmas.applies_to(date(2027, 12, 25))
    assert not christmas.applies_to(date(2026, 12, 25) + timedelta(days=7))  # same weekday


def test_applies_to_every_such_weekday() -> None:
    monday = date(2026, 12, 21)
    assert monday.weekday() == 0
    for weekday in range(7):
        preference = Preference("A001", None, weekday, "P")
        applies = [d for d in range(28) if preference.applies_to(monday + timedelta(days=d))]
        assert applies == [weekday, weekday + 7, weekday + 14, weekday + 21]


@pytest.mark.parametrize(
    ("day", "weekday", "weight"),
    [
        (None, None, 1),
        (date(2026, 12, 25), 4, 1),
        (None, 7, 1),
        (None, -1, 1),
        (None, 0, 0),
        (None, 0, 101),
    ],
)
def test_invalid_preference(day: date | None, weekday: int | None, weight: int) -> None:
    with pytest.raises(ValueError):
        Preference("A001", day, weekday, "P", weight)


def test_line_is_not_compared() -> None:
    assert Preference("A001", None, 0, "P", 1, line=2) == Preference("A001", None, 0, "P", 1)
