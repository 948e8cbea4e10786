"""Burden counts carried across planning periods: `history.csv`.

So that the same people do not get Lebaran or the New Year night every year, each plan can read
how many nights, weekend days and public holidays every agent has worked in earlier periods,
and write the counts with this period's added. The file is append-only in time: a period is
added once, after the last one it holds for that agent.

`read_history` raises `InputError` naming the file, the physical line (header = line 1), the
1-based column of the offending field, the bad value and what to do about it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType

from callshift import csvfile

HISTORY_COLUMNS = ("agent_id", "periods", "nights", "weekend_days", "holidays", "last_end")
_COUNTS = HISTORY_COLUMNS[1:5]
# what each count is, for hints
_MEANING = {
    "periods": "the number of planning periods counted so far",
    "nights": "the number of night shifts worked in earlier periods",
    "weekend_days": "the number of weekend days worked in earlier periods",
    "holidays": "the number of public holidays worked in earlier periods",
}
_EXAMPLE = ",".join(HISTORY_COLUMNS)
_DATE_LIKE_RE = csvfile.DATE_LIKE_RE
_COUNT_RE = re.compile(r"\+?[0-9]+")


@dataclass(frozen=True)
class HistoryRow:
    """One agent's counts over the periods planned so far."""

    periods: int = 0
    nights: int = 0
    weekend_days: int = 0
    holidays: int = 0
    last_end: date | None = None  # the last day of the last period counted; None: none yet

    def __post_init__(self) -> None:
        for name in _COUNTS:
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")


@dataclass(frozen=True)
class History:
    """agent_id -> counts; an agent who is not in it has worked nothing yet."""

    rows: Mapping[str, HistoryRow] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a read-only copy in agent_id order, so that the caller's dict can change freely
        object.__setattr__(self, "rows", MappingProxyType(dict(sorted(self.rows.items()))))

    def counts(self, agent_id: str) -> HistoryRow:
        """The counts of `agent_id`; zeros for an unknown agent (a new joiner starts at zero)."""
        return self.rows.get(agent_id, _ZERO)


_ZERO = HistoryRow()


def updated_history(
    history: History, worked: Mapping[str, tuple[int, int, int]], period_end: date
) -> History:
    """`history` with one more period: for every agent of `worked`, its (nights, weekend_days,
    holidays) of this period added, periods + 1 and last_end = `period_end`. Agents absent from
    `worked` keep their rows unchanged.

    Raises `ValueError` when `period_end` is not after an agent's last_end (the period, or a
    later one, is already counted: adding it would count it twice) or a count is negative.
    """
    stale = sorted(
        agent_id
        for agent_id in worked
        if (last_end := history.counts(agent_id).last_end) is not None and period_end <= last_end
    )
    if stale:
        first = stale[0]
        others = f" (and {len(stale) - 1} other agents)" if len(stale) > 1 else ""
        raise ValueError(
            f"the history already counts a period ending {history.counts(first).last_end} for "
            f"agent '{first}'{others}; this period ends {period_end}, which is not after it: "
            "adding it would count days twice (the history only moves forward in time; use the "
            "history file from before this period was added)"
        )
    rows = dict(history.rows)
    for agent_id, (nights, weekend_days, holidays) in worked.items():
        if min(nights, weekend_days, holidays) < 0:
            raise ValueError(
                f"counts worked must be >= 0, got nights={nights}, weekend_days={weekend_days}, "
                f"holidays={holidays} for agent '{agent_id}'"
            )
        old = history.counts(agent_id)
        rows[agent_id] = HistoryRow(
            periods=old.periods + 1,
            nights=old.nights + nights,
            weekend_days=old.weekend_days + weekend_days,
            holidays=old.holidays + holidays,
            last_end=period_end,
        )
    return History(rows)


def history_csv(history: History) -> str:
    """The text of `history.csv`: header HISTORY_COLUMNS, one row per agent sorted by agent_id,
    last_end as YYYY-MM-DD or empty, '\\n' line endings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for agent_id in sorted(history.rows):
        row = history.rows[agent_id]
        counts = [getattr(row, name) for name in _COUNTS]
        last_end = "" if row.last_end is None else row.last_end.isoformat()
        writer.writerow([agent_id, *counts, last_end])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Reading history.csv
# ---------------------------------------------------------------------------------------------


_Columns = csvfile.Columns


def read_history(path: str | Path) -> History:
    """Read and check `history.csv`. A header without rows is an empty history; columns past
    HISTORY_COLUMNS are ignored."""
    shown = str(path)
    records = csvfile.csv_records(
        csvfile.read_csv_text(Path(path), shown, "history"),
        shown,
        empty_hint=f"expected a header line {_EXAMPLE}; a file with only the header means no "
        "history",
    )
    header_line, header = records[0]
    columns = _columns(header, header_line, shown)
    rows: dict[str, HistoryRow] = {}
    lines: dict[str, int] = {}
    for line, row in records[1:]:
        columns.check_row(line, row)
        agent_id = columns.get(row, "agent_id")
        if not agent_id:
            raise columns.error(
                "agent_id is empty", line, "agent_id", "give the agent's id, or delete this row"
            )
        if agent_id in lines:
            raise columns.error(
                f"duplicate agent_id '{agent_id}': already on line {lines[agent_id]}",
                line,
                "agent_id",
                "each agent must appear once; keep the row with the latest last_end",
            )
        counts = {name: _count(columns, line, row, name) for name in _COUNTS}
        rows[agent_id] = HistoryRow(**counts, last_end=_last_end(columns, line, row))
        lines[agent_id] = line
    return History(rows)


def _columns(header: Sequence[str], line: int, shown: str) -> _Columns:
    csvfile.check_separator(header, line, shown)
    index = csvfile.header_columns(header, line, shown, HISTORY_COLUMNS)
    written = [value.strip() for value in header]
    names = tuple(value.lower() for value in written)
    for name in HISTORY_COLUMNS:
        if name in index:
            continue
        raise csvfile.missing_column(
            name,
            written,
            line,
            shown,
            position=csvfile.similar_column(name, names, HISTORY_COLUMNS),
            header_is_data=any(
                _COUNT_RE.fullmatch(value) or _DATE_LIKE_RE.fullmatch(value) for value in names
            ),
            example=_EXAMPLE,
        )
    return _Columns(shown, line, names, index)


def _count(columns: _Columns, line: int, row: Sequence[str], name: str) -> int:
    text = columns.get(row, name)
    hint = f"{_MEANING[name]}; write 0 for none"
    if not text:
        raise columns.error(f"{name} is empty", line, name, hint)
    if _COUNT_RE.fullmatch(text) is None:
        raise columns.error(
            f"{name} must be a whole number, 0 or more, got '{text}'", line, name, hint
        )
    return int(text)


def _last_end(columns: _Columns, line: int, row: Sequence[str]) -> date | None:
    name = "last_end"
    text = columns.get(row, name)
    if not text:
        return None
    example = "the last day of the last period counted, e.g. 2026-12-27; empty if none"
    return columns.date(row, line, name, example)
