"""roster.xlsx: the roster grid as a planner's spreadsheet.

One sheet per week of the period (`Week 1 2026-12-21`, …) with the shift codes coloured
by shift type, weekends and holidays marked in the header, the header rows and the agent
columns frozen, and a legend beside the grid; then a `Coverage` sheet (per interval) and an
`Agents` sheet (per-agent counts). Cell values are those of roster_grid.csv.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from callshift.palette import Palette, Swatch, grid_palette
from callshift.plan import HOLIDAY_ROW, Plan, grid_frame

COVERAGE_SHEET = "Coverage"
AGENTS_SHEET = "Agents"
GRID_HEADER_ROWS = 2  # dates, then weekday and holiday name
GRID_FIRST_DAY_COLUMN = 3  # after agent_id and name

_BOLD = Font(bold=True)
_CENTER = Alignment(horizontal="center", vertical="center")
_WEEKEND_FILL = PatternFill("solid", fgColor="E2E8F0")
_HOLIDAY_FILL = PatternFill("solid", fgColor="FDE68A")
_HEADER_FILL = PatternFill("solid", fgColor="F3F4F6")
_SHORT_FILL = PatternFill("solid", fgColor="FECACA")
_HOLIDAY_SIDE = Side(style="medium", color="D97706")

AGENT_COLUMNS = (
    ("agent_id", "agent_id"),
    ("name", "name"),
    ("hours", "hours"),
    ("shifts", "shifts"),
    ("nights", "nights"),
    ("weekend_days", "weekend_days"),
    ("holidays", "holidays"),
    ("longest_run", "longest_run"),
    ("off_pairs", "off_pairs"),
    ("preferences_asked", "preferences_asked"),
    ("preferences_granted", "preferences_granted"),
)


class _Rows:
    """Writes rows one after another (``sheet.max_row`` would scan every cell each time)."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.last = 0

    def append(self, values: Sequence[Any]) -> int:
        """Write the next row and return its number; text stays text even when it starts
        with `=` (a name is never a formula)."""
        self.last += 1
        for column, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            cell = self.sheet.cell(row=self.last, column=column, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
        return self.last


def week_sheet_name(week: int, first: date) -> str:
    return f"Week {week} {first.isoformat()}"


def render_xlsx(plan: Plan, facts: Mapping[str, Any]) -> bytes:
    """The workbook as bytes; ``facts`` is the plan's summary.json."""
    p = plan.problem
    palette = grid_palette(p.templates)
    grid = grid_frame(plan)
    if p.holiday_dates:
        grid = grid[grid["agent_id"] != HOLIDAY_ROW]
    names = {a.agent_id: a.name for a in p.agents}
    book = Workbook()
    first_sheet = book.active
    assert first_sheet is not None
    book.remove(first_sheet)
    _add_styles(book, palette)
    for week, start in enumerate(range(0, p.days, 7), start=1):
        days = p.dates[start : start + 7]
        sheet = book.create_sheet(week_sheet_name(week, days[0]))
        _grid_sheet(sheet, grid, days, names, p.holiday_dates, palette)
    _coverage_sheet(book.create_sheet(COVERAGE_SHEET), plan)
    _agents_sheet(book.create_sheet(AGENTS_SHEET), facts, names)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _grid_sheet(
    sheet: Worksheet,
    grid: pd.DataFrame,
    days: Sequence[date],
    names: Mapping[str, str],
    holidays: Mapping[date, str],
    palette: Palette,
) -> None:
    columns = [d.isoformat() for d in days]
    rows = _Rows(sheet)
    rows.append(["agent_id", "name", *columns])
    rows.append(["", "", *(_day_label(d, holidays) for d in days)])
    for row in range(1, GRID_HEADER_ROWS + 1):
        for header in sheet[row]:
            header.font = _BOLD
            header.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
            header.fill = _HEADER_FILL
    for offset, day in enumerate(days):
        column = GRID_FIRST_DAY_COLUMN + offset
        fill = _HOLIDAY_FILL if day in holidays else (_WEEKEND_FILL if day.weekday() >= 5 else None)
        if fill is not None:
            for row in range(1, GRID_HEADER_ROWS + 1):
                sheet.cell(row=row, column=column).fill = fill
    on_holiday = [day in holidays for day in days]
    for record in grid[["agent_id", *columns]].itertuples(index=False):
        agent_id = str(record[0])
        codes = [str(code) for code in record[1:]]
        row = rows.append([agent_id, names.get(agent_id, ""), *codes])
        for offset, code in enumerate(codes):
            cell = sheet.cell(row=row, column=GRID_FIRST_DAY_COLUMN + offset)
            cell.style = _style_name(palette.of(code), on_holiday[offset])
    sheet.freeze_panes = f"{get_column_letter(GRID_FIRST_DAY_COLUMN)}{GRID_HEADER_ROWS + 1}"
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 22
    for offset in range(len(days)):
        sheet.column_dimensions[get_column_letter(GRID_FIRST_DAY_COLUMN + offset)].width = 12
    sheet.row_dimensions[2].height = 30
    _legend(sheet, palette, GRID_FIRST_DAY_COLUMN + len(days) + 1)


def _style_name(swatch: Swatch, holiday: bool) -> str:
    return f"callshift {swatch.key}" + (" holiday" if holiday else "")


def _add_styles(book: Workbook, palette: Palette) -> None:
    """One named style per swatch, plain and in a holiday column (outlined), and the
    coverage sheet's: a cell takes a named style far faster than fill, font and border
    one by one (a 1,000-agent month has 28,000 coloured cells)."""
    for swatch in palette.swatches:
        for holiday in (False, True):
            book.add_named_style(
                NamedStyle(
                    _style_name(swatch, holiday),
                    fill=PatternFill("solid", fgColor=swatch.fill),
                    font=Font(color=swatch.ink),
                    alignment=_CENTER,
                    border=Border(left=_HOLIDAY_SIDE, right=_HOLIDAY_SIDE) if holiday else Border(),
                )
            )
    for short in (False, True):
        fill = _SHORT_FILL if short else PatternFill()
        suffix = " short" if short else ""
        book.add_named_style(
            NamedStyle(f"callshift time{suffix}", number_format="yyyy-mm-dd hh:mm", fill=fill)
        )
        book.add_named_style(NamedStyle(f"callshift count{suffix}", fill=fill))
        book.add_named_style(
            NamedStyle(f"callshift level{suffix}", number_format="0.0%", fill=fill)
        )


def _day_label(day: date, holidays: Mapping[date, str]) -> str:
    name = holidays.get(day)
    return f"{day:%a}" + (f"\n{name}" if name else "")


def _legend(sheet: Worksheet, palette: Palette, column: int) -> None:
    """The legend to the right of the grid: a coloured code cell and what it means."""
    sheet.cell(row=1, column=column, value="Legend").font = _BOLD
    for row, swatch in enumerate(palette.swatches, start=2):
        code = sheet.cell(row=row, column=column, value=swatch.label.split(" ", 1)[0])
        code.fill = PatternFill("solid", fgColor=swatch.fill)
        code.font = Font(color=swatch.ink, bold=True)
        code.alignment = _CENTER
        label = swatch.label.split(" ", 1)[1] if " " in swatch.label else ""
        text = f"{label}: {swatch.detail}" if label else swatch.detail
        described = sheet.cell(row=row, column=column + 1, value=text)
        if text.startswith("="):
            described.data_type = "s"
    sheet.column_dimensions[get_column_letter(column)].width = 9
    sheet.column_dimensions[get_column_letter(column + 1)].width = 44


def _coverage_sheet(sheet: Worksheet, plan: Plan) -> None:
    coverage = plan.check.coverage
    rows = _Rows(sheet)
    rows.append(["interval_start", "required", "scheduled", "shortfall", "service_level"])
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    starts = [pd.Timestamp(t).to_pydatetime() for t in coverage["interval_start"]]
    required = coverage["required"].to_numpy(dtype=int).tolist()
    scheduled = coverage["scheduled"].to_numpy(dtype=int).tolist()
    shortfall = coverage["shortfall"].to_numpy(dtype=int).tolist()
    levels = coverage["service_level"].to_numpy(dtype=float).tolist()
    for start, need, have, short, level in zip(
        starts, required, scheduled, shortfall, levels, strict=True
    ):
        current = rows.append(
            [start, need, have, short, round(level, 4) if level == level else None]
        )
        suffix = " short" if short > 0 else ""
        sheet.cell(row=current, column=1).style = f"callshift time{suffix}"
        sheet.cell(row=current, column=5).style = f"callshift level{suffix}"
        if suffix:
            for column in range(2, 5):
                sheet.cell(row=current, column=column).style = f"callshift count{suffix}"
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 18
    for letter in "BCDE":
        sheet.column_dimensions[letter].width = 13


def _agents_sheet(sheet: Worksheet, facts: Mapping[str, Any], names: Mapping[str, str]) -> None:
    rows = _Rows(sheet)
    rows.append([title for title, _ in AGENT_COLUMNS])
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    for record in facts.get("per_agent") or []:
        values: list[Any] = []
        for _, key in AGENT_COLUMNS:
            if key == "name":
                values.append(names.get(str(record["agent_id"]), ""))
            else:
                values.append(record[key])
        rows.append(values)
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 22
    for index in range(3, len(AGENT_COLUMNS) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 13
