"""report.html, roster.xlsx and the calendar export, read back through their libraries.

One small plan (tests.helpers.solve_report_site) is solved once for the whole session.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import openpyxl
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from callshift.cli import app
from callshift.html_report import render_html
from callshift.ics import calendar_file_names, event_title, roster_calendars
from callshift.palette import LEAVE, OFF, grid_palette
from callshift.plan import HOLIDAY_ROW, grid_frame
from callshift.report import PLAN_FILES, summary
from callshift.roster.check import read_roster
from callshift.xlsx_report import AGENTS_SHEET, COVERAGE_SHEET, week_sheet_name
from tests.helpers import (
    COMPANY_HOLIDAY,
    FORMULA_NAME,
    TRICKY_NAME,
    ReportSite,
    expected_text,
)

runner = CliRunner()
DATA = Path(__file__).parent / "data"


def test_the_plan_folder_holds_the_contract_files_and_the_reports(report_site: ReportSite) -> None:
    assert sorted(p.name for p in report_site.out.iterdir()) == sorted(PLAN_FILES)
    assert {"staffing.csv", "roster.csv", "roster_grid.csv", "coverage.csv", "summary.json"} < set(
        PLAN_FILES
    )


# --------------------------------------------------------------------------- report.html


class _Tags(HTMLParser):
    """Every start tag with its attributes, and whether the nesting closes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _html(site: ReportSite) -> str:
    return (site.out / "report.html").read_text(encoding="utf-8")


def test_report_html_loads_nothing_from_anywhere(report_site: ReportSite) -> None:
    text = _html(report_site)
    parser = _Tags()
    parser.feed(text)
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed"}
    for _, attrs in parser.tags:
        assert "src" not in attrs and "href" not in attrs
    # The only URL is the SVG namespace, which names and loads nothing.
    assert set(re.findall(r"https?://[^\s\"')]+", text)) == {"http://www.w3.org/2000/svg"}
    assert "url(" not in text and "@import" not in text
    assert "default-src 'none'" in text  # and the page forbids it any loading anyway


def test_report_html_has_the_charts_grid_and_fairness(report_site: ReportSite) -> None:
    text = _html(report_site)
    parser = _Tags()
    parser.feed(text)
    ids = {attrs.get("id") for _, attrs in parser.tags}
    assert {"coverage-chart", "service-level-chart", "grid", "fairness"} <= ids
    classes = [attrs.get("class") or "" for _, attrs in parser.tags]
    assert "required" in classes and "scheduled" in classes and "target" in classes
    # The first night's small hours are short (no --previous): highlighted in red.
    assert report_site.plan.check.coverage["shortfall"].sum() > 0
    assert "short" in classes
    agents = report_site.plan.problem.agents
    grid_rows = re.search(r'<table class="grid">.*?<tbody>(.*?)</tbody>', text, re.S)
    assert grid_rows is not None
    assert grid_rows.group(1).count("<tr>") == len(agents)
    fair_rows = re.search(r'<table class="fair">.*?<tbody>(.*?)</tbody>', text, re.S)
    assert fair_rows is not None
    assert fair_rows.group(1).count("<tr") == len(agents)
    assert "@media print" in text


def test_report_html_colours_cells_by_shift_family_and_marks_holidays(
    report_site: ReportSite,
) -> None:
    text = _html(report_site)
    palette = grid_palette(report_site.plan.problem.templates)
    assert f".grid td.{palette.of('P').key}," in text
    assert f"background-color:#{palette.of('M').fill}" in text
    # Christmas is the 5th day: its column (the 7th cell of a row) gets the holiday border.
    assert ".grid tbody td:nth-child(7)" in text
    assert "Hari Raya Natal" in text
    row = re.search(r"<tr><th>N03</th><td class=nm>Agent 3(.*)", text)
    assert row is not None
    cells = re.findall(r"<td class=(\w+)>([^<\n]*)", row.group(1))
    grid = grid_frame(report_site.plan).set_index("agent_id").loc["N03"]
    assert len(cells) == report_site.plan.problem.days
    for (key, shown), code in zip(cells, list(grid), strict=True):
        assert key == palette.of(code).key
        assert shown == {OFF: "", LEAVE: "LV"}.get(code, code)


def test_report_html_escapes_names_and_holidays(report_site: ReportSite) -> None:
    text = _html(report_site)
    assert TRICKY_NAME not in text and "<script" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Ö&#x27;Brien" in text
    assert COMPANY_HOLIDAY not in text
    assert "Founders&#x27; &lt;Day&gt; &amp; &quot;more&quot;" in text


def test_report_html_stays_small_for_a_big_team(report_site: ReportSite) -> None:
    """The grid is a table of one-class cells: the size grows by about 9 bytes a cell."""
    plan = report_site.plan
    facts = summary(plan)
    base = len(render_html(plan, facts).encode())
    cells = len(plan.problem.agents) * plan.problem.days
    assert base / cells < 300  # everything, charts and headline included, per grid cell


def test_replan_facts_show_in_the_report(report_site: ReportSite) -> None:
    facts = {
        **summary(report_site.plan),
        "replan": {
            "absent": [{"agent_id": "N01", "first": "2026-12-22", "last": "2026-12-23"}],
            "frozen_before": "2026-12-22 00:00",
            "changed_assignments": 3,
        },
    }
    text = render_html(report_site.plan, facts)
    assert "absent N01 2026-12-22 to 2026-12-23; 3 assignments changed" in text


# --------------------------------------------------------------------------- roster.xlsx


def _book(site: ReportSite) -> openpyxl.Workbook:
    return openpyxl.load_workbook(site.out / "roster.xlsx")


def test_xlsx_has_a_sheet_per_week_then_coverage_and_agents(report_site: ReportSite) -> None:
    book = _book(report_site)
    assert book.sheetnames == [
        week_sheet_name(1, date(2026, 12, 21)),
        week_sheet_name(2, date(2026, 12, 28)),
        COVERAGE_SHEET,
        AGENTS_SHEET,
    ]
    assert book.sheetnames[0] == "Week 1 2026-12-21"
    for name in book.sheetnames[:2]:
        assert book[name].freeze_panes == "C3"  # dates + weekdays, agent_id + name
    assert book[COVERAGE_SHEET].freeze_panes == "B2"
    assert book[AGENTS_SHEET].freeze_panes == "C2"


def test_xlsx_cells_equal_the_grid(report_site: ReportSite) -> None:
    book = _book(report_site)
    grid = grid_frame(report_site.plan)
    grid = grid[grid["agent_id"] != HOLIDAY_ROW].reset_index(drop=True)
    dates = [c for c in grid.columns if c != "agent_id"]
    rebuilt = []
    for sheet in book.worksheets[:2]:
        header = [c.value for c in sheet[1]]
        days = [h for h in header[2:] if isinstance(h, str) and re.fullmatch(r"\d{4}-.*", h)]
        rows = [
            [c.value for c in row[: 2 + len(days)]]
            for row in sheet.iter_rows(min_row=3, max_row=2 + len(grid))
        ]
        rebuilt.append(pd.DataFrame([r[2:] for r in rows], columns=days))
        assert [r[0] for r in rows] == grid["agent_id"].tolist()
    assert [len(f.columns) for f in rebuilt] == [7, 2]
    joined = pd.concat(rebuilt, axis=1)
    assert joined.columns.tolist() == dates
    pd.testing.assert_frame_equal(joined, grid[dates], check_names=False)


def test_xlsx_colours_codes_marks_holidays_and_has_a_legend(report_site: ReportSite) -> None:
    sheet = _book(report_site).worksheets[0]
    palette = grid_palette(report_site.plan.problem.templates)
    seen = set()
    for row in sheet.iter_rows(min_row=3, max_row=2 + len(report_site.plan.problem.agents)):
        for cell in row[2:9]:
            swatch = palette.of(str(cell.value))
            assert cell.fill.fgColor.rgb == f"00{swatch.fill}", (cell.coordinate, cell.value)
            seen.add(swatch.key)
    assert {"o", palette.of("P").key, palette.of("M").key} <= seen
    # Christmas (column G) and the company holiday (E): named under the date, filled.
    assert sheet["G2"].value == "Fri\nHari Raya Natal"
    assert sheet["E2"].value == f"Wed\n{COMPANY_HOLIDAY}"
    assert sheet["G1"].fill.fgColor.rgb == "00FDE68A"
    assert sheet["H1"].fill.fgColor.rgb == "00E2E8F0"  # Saturday
    # The legend beside the grid: one coloured code per family, then OFF and LEAVE.
    legend = [c for c in sheet["K"][1:] if c.value]
    assert sheet["K1"].value == "Legend"
    assert [c.value for c in legend] == [s.label.split(" ")[0] for s in palette.swatches]
    for cell, swatch in zip(legend, palette.swatches, strict=True):
        assert cell.fill.fgColor.rgb == f"00{swatch.fill}"
    assert str(sheet["L2"].value).startswith("Pagi: 07:00-15:00")


def test_xlsx_keeps_names_as_text_and_sums_the_agents(report_site: ReportSite) -> None:
    book = _book(report_site)
    week = book.worksheets[0]
    assert week["B3"].value == TRICKY_NAME
    assert week["B4"].value == FORMULA_NAME and week["B4"].data_type == "s"
    agents = book[AGENTS_SHEET]
    header = [c.value for c in agents[1]]
    per_agent = summary(report_site.plan)["per_agent"]
    for row, facts in zip(agents.iter_rows(min_row=2, values_only=True), per_agent, strict=True):
        record = dict(zip(header, row, strict=True))
        assert record["agent_id"] == facts["agent_id"]
        for key in ("hours", "nights", "weekend_days", "holidays"):
            assert record[key] == facts[key]


def test_xlsx_coverage_sheet_equals_coverage(report_site: ReportSite) -> None:
    sheet = _book(report_site)[COVERAGE_SHEET]
    coverage = report_site.plan.check.coverage
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(coverage)
    assert [r[0] for r in rows] == [t.to_pydatetime() for t in coverage["interval_start"]]
    assert [r[3] for r in rows] == coverage["shortfall"].tolist()
    short = next(i for i, r in enumerate(rows, start=2) if r[3])
    assert sheet.cell(row=short, column=4).fill.fgColor.rgb == "00FECACA"


# --------------------------------------------------------------------------- calendars


def _export(site: ReportSite, out: Path, *more: str) -> list[Path]:
    result = runner.invoke(
        app, ["export", "ics", str(site.out / "roster.csv"), "--out", str(out), *more]
    )
    assert result.exit_code == 0, result.output
    return sorted(out.iterdir())


def test_export_ics_writes_one_calendar_per_agent_equal_to_the_roster(
    report_site: ReportSite, tmp_path: Path
) -> None:
    files = _export(report_site, tmp_path / "ics")
    rows = read_roster(report_site.out / "roster.csv")
    agents = sorted({r.agent_id for r in rows})
    assert [f.name for f in files] == [f"{a}.ics" for a in agents]
    jakarta = ZoneInfo("Asia/Jakarta")
    names = {t.code: t.name for t in report_site.plan.problem.templates}
    for file in files:
        calendar = icalendar.Calendar.from_ical(file.read_bytes())
        agent = file.stem
        events = sorted(
            (
                e.decoded("dtstart"),
                e.decoded("dtend"),
                str(e["summary"]),
                str(e["description"]),
            )
            for e in calendar.walk("VEVENT")
        )
        expected = sorted(
            (
                r.start.replace(tzinfo=jakarta),
                r.end.replace(tzinfo=jakarta),
                f"{r.shift} {names[r.shift]}",
                r.holiday,
            )
            for r in rows
            if r.agent_id == agent
        )
        assert [e[:3] for e in events] == [x[:3] for x in expected]
        for event, wanted in zip(events, expected, strict=True):
            assert event[0].tzinfo is not None and str(event[0].tzinfo) == "Asia/Jakarta"
            if wanted[3]:
                assert f"Public holiday: {wanted[3]}." in event[3]
            else:
                assert "holiday" not in event[3]
        zones = [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")]
        assert zones == ["Asia/Jakarta"]
        assert "DTSTART;TZID=Asia/Jakarta:" in file.read_text()


def test_export_ics_names_holidays_and_uses_the_configured_zone(
    report_site: ReportSite, tmp_path: Path
) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[report]\ntimezone = "Asia/Makassar"\n')
    files = _export(
        report_site,
        tmp_path / "ics",
        "--config",
        str(config),
        "--agents",
        str(report_site.folder / "agents.csv"),
    )
    rows = read_roster(report_site.out / "roster.csv")
    on_christmas = next(r for r in rows if r.holiday == "Hari Raya Natal")
    file = next(f for f in files if f.stem == on_christmas.agent_id)
    calendar = icalendar.Calendar.from_ical(file.read_bytes())
    event = next(
        e for e in calendar.walk("VEVENT") if e.decoded("dtstart").date() == on_christmas.date
    )
    assert "Public holiday: Hari Raya Natal." in str(event["description"])
    assert event["dtstart"].params["TZID"] == "Asia/Makassar"
    assert event.decoded("dtstart") == on_christmas.start.replace(tzinfo=ZoneInfo("Asia/Makassar"))
    assert str(calendar["x-wr-calname"]).startswith(f"Shifts {on_christmas.agent_id} ")
    tricky = icalendar.Calendar.from_ical((tmp_path / "ics" / "N01.ics").read_bytes())
    assert str(tricky["x-wr-calname"]) == f"Shifts N01 {TRICKY_NAME}"


def test_calendar_events_have_stable_uids_and_night_shifts_end_the_next_day(
    report_site: ReportSite,
) -> None:
    rows = read_roster(report_site.out / "roster.csv")
    stamp = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    first = roster_calendars(rows, timezone="Asia/Jakarta", names={}, stamp=stamp)
    again = roster_calendars(rows, timezone="Asia/Jakarta", names={}, stamp=stamp)
    assert first == again
    night = next(r for r in rows if r.night)
    calendar = icalendar.Calendar.from_ical(first[f"{night.agent_id}.ics"])
    event = next(e for e in calendar.walk("VEVENT") if "Night shift." in str(e["description"]))
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=8)
    assert event.decoded("dtend").date() > event.decoded("dtstart").date()
    assert str(event["uid"]).endswith("/1@callshift")
    assert str(event["summary"]) == event_title(night.shift, {}) == night.shift


def test_calendar_file_names_are_safe_and_distinct() -> None:
    names = calendar_file_names(["A001", "a/b", "a_b", "A_B", "..x", ""])
    assert names == {
        "A001": "A001.ics",
        "a/b": "a_b.ics",
        "a_b": "a_b-2.ics",
        "A_B": "A_B-3.ics",
        "..x": "x.ics",
        "": "agent.ics",
    }


def test_export_ics_of_a_missing_roster_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    result = runner.invoke(app, ["export", "ics", str(missing), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {missing}")
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("name", "line", "column", "message"),
    [
        ("roster_bad_date.csv", 3, 2, "date must be YYYY-MM-DD, got '22/12/2026'"),
        ("roster_bad_night.csv", 2, 7, "night must be true or false, got 'yes'"),
    ],
)
def test_export_ics_of_a_bad_roster_exits_2_naming_file_line_column(
    tmp_path: Path, name: str, line: int, column: int, message: str
) -> None:
    out = tmp_path / "o"
    result = runner.invoke(app, ["export", "ics", str(DATA / name), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: " + expected_text(DATA / name, line, column, message))
    assert not out.exists()


def test_export_ics_of_an_empty_roster_or_with_an_unknown_zone_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "roster.csv"
    empty.write_text("agent_id,date,shift,start,end,paid_hours,night,holiday\n")
    result = runner.invoke(app, ["export", "ics", str(empty), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {empty}: the roster has no shifts, so there is nothing to export\n"
    )
    config = tmp_path / "c.toml"
    config.write_text('[report]\ntimezone = "Asia/Jakrta"\n')
    roster = DATA / "roster_ok.csv"
    result = runner.invoke(
        app,
        ["export", "ics", str(roster), "--out", str(tmp_path / "o"), "--config", str(config)],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {config}:2:1: [report] timezone must be an IANA")
    assert not (tmp_path / "o").exists()


def test_export_ics_of_any_roster_uses_the_configured_shift_names(tmp_path: Path) -> None:
    roster = DATA / "roster_ok.csv"
    result = runner.invoke(app, ["export", "ics", str(roster), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "5 shifts of 3 agents in Asia/Jakarta" in result.output
    titles = {}
    for file in sorted((tmp_path / "o").iterdir()):
        for event in icalendar.Calendar.from_ical(file.read_bytes()).walk("VEVENT"):
            titles[(file.stem, event.decoded("dtstart").date().isoformat())] = (
                str(event["summary"]),
                str(event["description"]),
            )
    assert titles == {
        ("AG001", "2026-12-21"): ("P Pagi", "Shift P (Pagi), 07:00-15:00, 8 paid hours."),
        ("AG001", "2026-12-22"): ("P Pagi", "Shift P (Pagi), 07:00-15:00, 8 paid hours."),
        ("AG002", "2026-12-21"): (
            "M Malam",
            "Shift M (Malam), 23:00-07:00, 8 paid hours.\nNight shift.",
        ),
        ("AG002", "2026-12-24"): ("D11 Day", "Shift D11 (Day), 11:00-19:00, 8 paid hours."),
        ("AG003", "2026-12-25"): (
            "S Siang",
            "Shift S (Siang), 15:00-23:00, 8 paid hours.\nPublic holiday: Christmas Day.",
        ),
    }


def test_plan_output_ends_with_the_summary_panel(
    report_site: ReportSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    from callshift import cli

    # wide enough that no path is folded: at 80 columns where a fold falls depends on the
    # length of pytest's temporary folder (pytest-2 put one inside "report.html")
    monkeypatch.setattr(cli, "console", Console(width=200))
    written = [report_site.out / name for name in PLAN_FILES]
    with cli.console.capture() as captured:
        cli._print_plan(report_site.plan, written, report_site.out)
    text = captured.get()
    panel = text[text.index("╭") :]
    facts = summary(report_site.plan)
    short = facts["shortfall_agent_hours"]
    assert f"{short:,.1f} agent-hours in {facts['shortfall_intervals']} intervals" in panel
    assert f"{facts['predicted_service_level']:.1%} predicted" in panel
    assert "of " in panel and "required agent-hours" in panel
    assert "nights " in panel and "weekend days " in panel and "hours " in panel
    for name in ("report.html", "roster.xlsx", "roster.csv", "summary.json"):
        assert name in panel, name
    assert text.rstrip().endswith("╯")  # the panel ends the output
