"""Direct tests of callshift.csvfile, the CSV reading shared by the input parsers."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from callshift.csvfile import (
    Record,
    check_no_line_breaks,
    check_row_width,
    check_separator,
    csv_records,
    header_columns,
    read_csv_text,
    similar_column,
)
from callshift.errors import InputError

UTF8_HINT = "save the file as UTF-8, e.g. in Excel: Save As > 'CSV UTF-8 (Comma delimited)'"


def written(tmp_path: Path, data: bytes) -> tuple[Path, str]:
    path = tmp_path / "input.csv"
    path.write_bytes(data)
    return path, str(path)


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path, shown = written(tmp_path, codecs.BOM_UTF8 + "a,b\n1,é\n".encode())
    assert read_csv_text(path, shown, "test") == "a,b\n1,é\n"


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_utf16_is_named(tmp_path: Path, bom: bytes) -> None:
    encoding = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    path, shown = written(tmp_path, bom + "a,b\n1,2\n".encode(encoding))
    with pytest.raises(InputError) as caught:
        read_csv_text(path, shown, "test")
    assert str(caught.value) == f"{shown}:1: the file is UTF-16, not UTF-8 ({UTF8_HINT})"


def test_utf16_without_detection_is_a_bad_byte(tmp_path: Path) -> None:
    path, shown = written(tmp_path, codecs.BOM_UTF16_LE + "a,b\n".encode("utf-16-le"))
    with pytest.raises(InputError) as caught:
        read_csv_text(path, shown, "test", detect_utf16=False)
    assert str(caught.value) == f"{shown}:1:1: byte 0xff is not valid UTF-8 ({UTF8_HINT})"


def test_bad_byte_has_line_and_column(tmp_path: Path) -> None:
    path, shown = written(tmp_path, codecs.BOM_UTF8 + b"a,b,c\n\n1,2,caf\xe9\n")
    with pytest.raises(InputError) as caught:
        read_csv_text(path, shown, "test")
    assert str(caught.value) == f"{shown}:3:3: byte 0xe9 is not valid UTF-8 ({UTF8_HINT})"


def test_missing_file_and_directory_hints(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(InputError) as caught:
        read_csv_text(missing, "nope.csv", "test")
    assert str(caught.value) == (
        "nope.csv: file not found (check the path; a relative path starts at the current directory)"
    )
    with pytest.raises(InputError) as caught:
        read_csv_text(tmp_path, "dir", "test")
    assert str(caught.value) == (
        "dir: is a directory, not a file (give the path of the test CSV file)"
    )
    with pytest.raises(InputError) as caught:
        read_csv_text(tmp_path, "dir", "test", directory_hint="give a test.csv file")
    assert str(caught.value) == "dir: is a directory, not a file (give a test.csv file)"


def test_records_keep_physical_lines_and_skip_blank_ones() -> None:
    text = 'a,b\n\n1,2\n , \n"x\ny",3\r\n4,5'
    assert csv_records(text, "f.csv", empty_hint="add rows") == [
        Record(1, ["a", "b"]),
        Record(3, ["1", "2"]),
        Record(5, ["x\ny", "3"]),
        Record(7, ["4", "5"]),
    ]
    assert Record(7, ["4", "5"]).line == 7


def test_records_of_a_blank_file() -> None:
    with pytest.raises(InputError) as caught:
        csv_records("\n , \n\n", "f.csv", empty_hint="add rows")
    assert str(caught.value) == "f.csv: the file is empty (add rows)"


def test_malformed_csv_names_the_line() -> None:
    text = "a,b\n\n" + "x" * 200_000 + ",1\n"
    with pytest.raises(InputError) as caught:
        csv_records(text, "f.csv", empty_hint="", quotes_hint="check the quotes")
    assert str(caught.value) == (
        "f.csv:3: malformed CSV: field larger than field limit (131072) (check the quotes)"
    )


def test_semicolon_and_tab_separators() -> None:
    with pytest.raises(InputError) as caught:
        check_separator(["a;b;c"], 2, "f.csv")
    assert str(caught.value) == (
        "f.csv:2:1: the file is separated by ';', not ',' (Excel in many locales saves CSV "
        "with ';'; save it as 'CSV UTF-8 (Comma delimited)' or replace ';' with ',')"
    )
    with pytest.raises(InputError) as caught:
        check_separator(["a\tb"], 1, "f.csv")
    assert str(caught.value) == (
        "f.csv:1:1: the file is separated by tabs, not ',' "
        "(save it as 'CSV UTF-8 (Comma delimited)' or replace tabs with ',')"
    )
    check_separator(["a\tb"], 1, "f.csv", ";")  # only ';' looked for
    check_separator(["a;b", "c"], 1, "f.csv")  # more than one field: comma-separated


def test_header_columns_case_spaces_and_duplicates() -> None:
    header = [" Date ", "x", "AGENT_ID", "x", ""]
    assert header_columns(header, 1, "f.csv", ("agent_id", "date", "end")) == {
        "date": 0,
        "agent_id": 2,
    }
    with pytest.raises(InputError) as caught:
        header_columns(["date", "id", "DATE "], 4, "f.csv", ("date",))
    assert str(caught.value) == (
        "f.csv:4:3: duplicate column 'date' (columns 1 and 3) (keep only one of them)"
    )
    with pytest.raises(InputError) as caught:
        header_columns(["date", "date"], 1, "f.csv", ("date",), duplicate_hint=None)
    assert str(caught.value) == "f.csv:1:2: duplicate column 'date' (columns 1 and 2)"


def test_similar_column() -> None:
    known = ("interval_start", "calls", "aht_seconds")
    assert similar_column("calls", ["interval_start", "call", "aht_seconds"], known) == 1
    assert similar_column("aht_seconds", ["interval_start", "calls", "aht", "x"], known) == 2
    assert similar_column("aht_seconds", ["interval_start", "calls", "handle"], known) is None


def test_row_width() -> None:
    check_row_width(["1", "2", "", " "], 2, 5, "f.csv", extra_hint="quote it")
    check_row_width(["1", "2", "3"], 2, 5, "f.csv")  # extra values ignored without a hint
    with pytest.raises(InputError) as caught:
        check_row_width(["1"], 3, 5, "f.csv")
    assert str(caught.value) == (
        "f.csv:5:2: this row has 1 fields but the header has 3 "
        "(check for a missing ',' or a line break inside a value)"
    )
    row = ["1", "2", "", "4"]
    with pytest.raises(InputError) as caught:
        check_row_width(row, 2, 5, "f.csv", extra_hint="quote it")
    assert str(caught.value) == "f.csv:5:3: this row has 4 fields but the header has 2 (quote it)"
    with pytest.raises(InputError) as caught:
        check_row_width(row, 2, 5, "f.csv", extra_hint="quote it", extra_column="first_value")
    assert str(caught.value) == "f.csv:5:4: this row has 4 fields but the header has 2 (quote it)"


def test_line_break_in_a_value() -> None:
    check_no_line_breaks(["a", "b\nc"], {"name": 0}, 2, "f.csv", "close it")
    with pytest.raises(InputError) as caught:
        check_no_line_breaks(["a", "b\r\nc"], {"name": 0, "note": 1, "far": 5}, 2, "f.csv", "x")
    assert str(caught.value) == "f.csv:2:2: note runs over several lines (x)"
