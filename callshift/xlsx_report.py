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
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from callshift.palette import Palette, grid_palette
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


def _append(sheet: Worksheet, values: Sequence[Any]) -> int:
    """Append a row; text stays text even when it starts with `=` (a name is never a
    formula). Returns the row's number."""
    sheet.append(list(values))
    row = sheet.max_row
    for cell in sheet[row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"
    return row


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
    _append(sheet, ["agent_id", "name", *columns])
    _append(sheet, ["", "", *(_day_label(d, holidays) for d in days)])
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
    fills = {s.key: PatternFill("solid", fgColor=s.fill) for s in palette.swatches}
    fonts = {s.key: Font(color=s.ink) for s in palette.swatches}
    holiday_columns = {GRID_FIRST_DAY_COLUMN + i for i, day in enumerate(days) if day in holidays}
    border = Border(left=_HOLIDAY_SIDE, right=_HOLIDAY_SIDE)
    for record in grid[["agent_id", *columns]].itertuples(index=False):
        agent_id = str(record[0])
        codes = [str(code) for code in record[1:]]
        row = _append(sheet, [agent_id, names.get(agent_id, ""), *codes])
        for offset, code in enumerate(codes):
            cell = sheet.cell(row=row, column=GRID_FIRST_DAY_COLUMN + offset)
            swatch = palette.of(code)
            cell.fill = fills[swatch.key]
            cell.font = fonts[swatch.key]
            cell.alignment = _CENTER
            if cell.column in holiday_columns:
                cell.border = border
    sheet.freeze_panes = f"{get_column_letter(GRID_FIRST_DAY_COLUMN)}{GRID_HEADER_ROWS + 1}"
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 22
    for offset in range(len(days)):
        sheet.column_dimensions[get_column_letter(GRID_FIRST_DAY_COLUMN + offset)].width = 12
    sheet.row_dimensions[2].height = 30
    _legend(sheet, palette, GRID_FIRST_DAY_COLUMN + len(days) + 1)


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
    _append(sheet, ["interval_start", "required", "scheduled", "shortfall", "service_level"])
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
        current = _append(
            sheet, [start, need, have, short, round(level, 4) if level == level else None]
        )
        sheet.cell(row=current, column=1).number_format = "yyyy-mm-dd hh:mm"
        sheet.cell(row=current, column=5).number_format = "0.0%"
        if short > 0:
            for column in range(1, 6):
                sheet.cell(row=current, column=column).fill = _SHORT_FILL
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 18
    for letter in "BCDE":
        sheet.column_dimensions[letter].width = 13


def _agents_sheet(sheet: Worksheet, facts: Mapping[str, Any], names: Mapping[str, str]) -> None:
    _append(sheet, [title for title, _ in AGENT_COLUMNS])
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
        _append(sheet, values)
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 22
    for index in range(3, len(AGENT_COLUMNS) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 13
