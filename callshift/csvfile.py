"""Reading a CSV input file: its text, its records with physical line numbers, its header.

Domain-free helpers shared by the parsers of `forecast.csv` (`callshift.forecast`), `agents.csv`
and `leave.csv` (`callshift.agents`) and `roster.csv` (`callshift.roster.check`). They know
nothing about which columns a file has or which values are valid: the callers say that, and
word the hints that differ between files. Every problem raises `InputError` naming the file,
the physical line (header = line 1) and, where there is one, the 1-based column.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import difflib
import io
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from callshift.errors import InputError

UTF8_HINT = "save the file as UTF-8, e.g. in Excel: Save As > 'CSV UTF-8 (Comma delimited)'"
NOT_FOUND_HINT = "check the path; a relative path starts at the current directory"
QUOTES_HINT = "check the quotes on this line"
DUPLICATE_HINT = "keep only one of them"
SHORT_ROW_HINT = "check for a missing ',' or a line break inside a value"
# separator -> (its name in messages, the start of the hint before "'CSV UTF-8 (...)'")
_SEPARATORS = {
    ";": ("';'", "Excel in many locales saves CSV with ';'; save it as "),
    "\t": ("tabs", "save it as "),
}


class Record(NamedTuple):
    """One non-blank CSV record and the physical line it starts on (header = line 1)."""

    line: int
    fields: list[str]


def read_csv_text(
    path: Path,
    shown: str,
    kind: str,
    *,
    not_found_hint: str = NOT_FOUND_HINT,
    directory_hint: str | None = None,
    detect_utf16: bool = True,
) -> str:
    """The text of `path`, decoded as UTF-8; a UTF-8 byte order mark is dropped.

    `shown` names the file in messages and `kind` in the default hint for a directory
    ("give the path of the {kind} CSV file"). A file starting with a UTF-16 byte order mark is
    reported as UTF-16 unless `detect_utf16` is false (then it fails like any non-UTF-8 file).
    An undecodable byte is reported at its line and column, counting the commas before it.
    """
    if not path.exists():
        raise InputError("file not found", path=shown, hint=not_found_hint)
    if path.is_dir():
        if directory_hint is None:
            directory_hint = f"give the path of the {kind} CSV file"
        raise InputError("is a directory, not a file", path=shown, hint=directory_hint)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path=shown) from exc
    if detect_utf16 and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("the file is UTF-16, not UTF-8", path=shown, line=1, hint=UTF8_HINT)
    body = data.removeprefix(codecs.BOM_UTF8)  # i.e. utf-8-sig, keeping byte offsets exact
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = body.rfind(b"\n", 0, exc.start) + 1
        raise InputError(
            f"byte 0x{body[exc.start]:02x} is not valid UTF-8",
            path=shown,
            line=body.count(b"\n", 0, exc.start) + 1,
            column=body.count(b",", line_start, exc.start) + 1,
            hint=UTF8_HINT,
        ) from exc


def csv_records(
    text: str, shown: str, *, empty_hint: str, quotes_hint: str = QUOTES_HINT
) -> list[Record]:
    """The CSV records of `text` that have a non-blank field, each with its first physical line.

    Blank lines are skipped but counted. A file without such records raises "the file is empty"
    with `empty_hint`; malformed CSV (the csv module's own errors) is reported with `quotes_hint`.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[Record] = []
    next_line = 1
    try:
        for row in reader:
            if any(field.strip() for field in row):
                records.append(Record(next_line, row))
            next_line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            f"malformed CSV: {exc}", path=shown, line=reader.line_num, hint=quotes_hint
        ) from exc
    if not records:
        raise InputError("the file is empty", path=shown, hint=empty_hint)
    return records


def check_separator(header: Sequence[str], line: int, shown: str, separators: str = ";\t") -> None:
    """Reject a header that is one field containing one of `separators` (each ';' or a tab):
    the file is separated by that character instead of ','."""
    if len(header) != 1:
        return
    for separator in separators:
        called, hint = _SEPARATORS[separator]
        if separator in header[0]:
            raise InputError(
                f"the file is separated by {called}, not ','",
                path=shown,
                line=line,
                column=1,
                hint=f"{hint}'CSV UTF-8 (Comma delimited)' or replace {called} with ','",
            )


def header_columns(
    header: Sequence[str],
    line: int,
    shown: str,
    known: Collection[str],
    *,
    duplicate_hint: str | None = DUPLICATE_HINT,
) -> dict[str, int]:
    """Each name of `known` (lower-case) that is in `header`, mapped to its 0-based position.

    Header fields are compared stripped and lower-cased. A known name given twice is an error;
    other columns may repeat. Checking that the required columns are there is left to the caller.
    """
    found: dict[str, int] = {}
    for position, name in enumerate(value.strip().lower() for value in header):
        if name in found:
            raise InputError(
                f"duplicate column '{name}' (columns {found[name] + 1} and {position + 1})",
                path=shown,
                line=line,
                column=position + 1,
                hint=duplicate_hint,
            )
        if name in known:
            found[name] = position
    return found


def similar_column(name: str, names: Sequence[str], known: Collection[str]) -> int | None:
    """The position in `names` (stripped, lower-case header fields) of an unknown column that is
    probably `name` misspelled: a close spelling first, else the first name of at least 3
    characters that contains `name` or is contained in it ('aht' for 'aht_seconds')."""
    unused = [value for value in names if value and value not in known]
    close = difflib.get_close_matches(name, unused, n=1)
    close += [value for value in unused if len(value) >= 3 and (value in name or name in value)]
    return names.index(close[0]) if close else None


def check_no_line_breaks(
    row: Sequence[str], index: Mapping[str, int], line: int, shown: str, hint: str
) -> None:
    """Reject a line break inside the value of a column of `index` (name -> 0-based position),
    the trace of a '"' that is never closed."""
    for name, position in index.items():
        if position < len(row) and ("\n" in row[position] or "\r" in row[position]):
            raise InputError(
                f"{name} runs over several lines",
                path=shown,
                line=line,
                column=position + 1,
                hint=hint,
            )


def check_row_width(
    row: Sequence[str],
    width: int,
    line: int,
    shown: str,
    *,
    extra_hint: str | None = None,
    extra_column: Literal["after_header", "first_value"] = "after_header",
) -> None:
    """Reject a row with fewer fields than the header's `width`.

    With `extra_hint`, also reject a row with a non-blank value beyond the header; the column
    reported is the first past the header, or with "first_value" that of the first such value.
    Without it, extra fields are ignored.
    """
    filled = [position for position in range(width, len(row)) if row[position].strip()]
    if len(row) < width:
        column, hint = len(row), SHORT_ROW_HINT
    elif extra_hint is not None and filled:
        column, hint = (filled[0] if extra_column == "first_value" else width), extra_hint
    else:
        return
    raise InputError(
        f"this row has {len(row)} fields but the header has {width}",
        path=shown,
        line=line,
        column=column + 1,
        hint=hint,
    )


DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
DATE_LIKE_RE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")  # 24/12/2026, 2026.12.24 …
SPREADSHEET_DATE_HINT = (
    "the dates look reformatted by a spreadsheet; format the column as yyyy-mm-dd before saving"
)


def missing_column(
    name: str,
    written: Sequence[str],
    line: int,
    shown: str,
    *,
    position: int | None,
    header_is_data: bool,
    example: str,
) -> InputError:
    """The error for a required column that is not in the header: the column that looks
    like it (``position``) if any, else whether the first line looks like data."""
    if position is not None:
        hint = f"did you mean '{written[position]}'? rename it to '{name}'"
    elif header_is_data:
        hint = f"line {line} must be the header: {example}"
    else:
        hint = f"the header must be {example}"
    return InputError(
        f"missing required column '{name}'; found columns: "
        + ", ".join(value for value in written if value),
        path=shown,
        line=line,
        column=None if position is None else position + 1,
        hint=hint,
    )


UNCLOSED_LINE_HINT = (
    "a '\"' in this field is never closed, or the value has a line break; keep each value on "
    "one line"
)
QUOTE_COMMA_HINT = "a value that contains ',' must be in double quotes, e.g. \"Smith, John\""


@dataclass(frozen=True)
class Columns:
    """A checked header: where each known column is, for reading and checking data rows."""

    path: str
    line: int
    names: tuple[str, ...]  # the header fields, stripped and lower-cased
    index: Mapping[str, int]  # known column name -> 0-based position
    shown: Mapping[str, str] = field(default_factory=dict)  # names as messages spell them

    @property
    def width(self) -> int:
        return len(self.names)

    def get(self, row: Sequence[str], name: str) -> str:
        """The stripped value of column `name` in `row`; '' when the file has no such column."""
        return row[self.index[name]].strip() if name in self.index else ""

    def error(self, message: str, line: int, name: str, hint: str) -> InputError:
        return InputError(
            message, path=self.path, line=line, column=self.index[name] + 1, hint=hint
        )

    def date(self, row: Sequence[str], line: int, name: str, example: str) -> datetime.date:
        """The non-empty `YYYY-MM-DD` value of column `name` as a date."""
        text = self.get(row, name)
        match = DATE_RE.fullmatch(text)
        if match is None:
            hint = SPREADSHEET_DATE_HINT if DATE_LIKE_RE.fullmatch(text) else example
            raise self.error(f"{name} must be YYYY-MM-DD, got '{text}'", line, name, hint)
        year, month, day = (int(part) for part in match.groups())
        try:
            return datetime.date(year, month, day)
        except ValueError as exc:
            raise self.error(
                f"{name} '{text}' is not a real date ({exc})", line, name, example
            ) from None

    def check_row(self, line: int, row: Sequence[str]) -> None:
        """Reject a repeated header, a value with an unclosed quote and too few or many fields."""
        if tuple(value.strip().lower() for value in row) == self.names:
            raise InputError(
                f"the header is repeated here (it is line {self.line})",
                path=self.path,
                line=line,
                column=1,
                hint="delete this line; were two files pasted together?",
            )
        named = {self.shown.get(name, name): position for name, position in self.index.items()}
        check_no_line_breaks(row, named, line, self.path, UNCLOSED_LINE_HINT)
        check_row_width(row, self.width, line, self.path, extra_hint=QUOTE_COMMA_HINT)
