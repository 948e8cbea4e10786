"""Small builders shared by the tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from callshift.plan import Plan


def write_forecast(
    path: Path,
    calls: Sequence[float],
    aht_seconds: float | Sequence[float] = 180.0,
    *,
    start: str = "2026-12-21 00:00",
    interval_minutes: int = 30,
    extra: dict[str, Sequence[float | str]] | None = None,
) -> Path:
    """A forecast CSV with one row per value of ``calls``."""
    starts = pd.date_range(start, periods=len(calls), freq=f"{interval_minutes}min")
    aht = [aht_seconds] * len(calls) if isinstance(aht_seconds, int | float) else aht_seconds
    frame = pd.DataFrame(
        {"interval_start": starts.strftime("%Y-%m-%d %H:%M"), "calls": calls, "aht_seconds": aht}
    )
    for name, values in (extra or {}).items():
        frame[name] = values
    frame.to_csv(path, index=False)
    return path


def expected_text(path: Path | str, line: int | None, column: int | None, message: str) -> str:
    """An InputError's text: `file[:line[:column]]: message`."""
    where = str(path)
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    return f"{where}: {message}"


def assert_every_bad_file_tested(
    data: Path, prefixes: tuple[str, ...], good: set[str], bad: list[str]
) -> None:
    """Every data file with one of ``prefixes`` is a known good file or has a bad-file test."""
    on_disk = {path.name for prefix in prefixes for path in data.glob(f"{prefix}*")}
    assert on_disk >= good
    assert on_disk - good == set(bad)
    assert len(bad) == len(set(bad)), "a bad file is listed twice"


HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 12, 14, 14, 12, 10, 10, 12, 10, 8, 5, 3, 2]


def write_site(path: Path, days: int = 4) -> Path:
    """A small site from 2026-12-21: hourly forecast, 22 agents, one day of leave."""
    path.mkdir(parents=True, exist_ok=True)
    write_forecast(path / "forecast.csv", HOURLY * days, 240, interval_minutes=60)
    (path / "agents.csv").write_text(
        "agent_id,name,contract_hours,night_ok\n"
        + "".join(f"N{i:02d},Agent {i},40,true\n" for i in range(1, 21))
        + "DAY1,Day only,40,false\nPT1,Part time,24,true\n"
    )
    (path / "leave.csv").write_text("agent_id,date,end_date,reason\nN01,2026-12-22,,sick\n")
    return path


@dataclass(frozen=True)
class ReportSite:
    folder: Path  # forecast.csv, agents.csv, leave.csv, callshift.toml
    plan: Plan
    out: Path  # the plan's outputs, written by write_plan


TRICKY_NAME = '<script>alert("x")</script> & Ö\'Brien'
FORMULA_NAME = "=1+2"
COMPANY_HOLIDAY = 'Founders\' <Day> & "more"'


def solve_report_site(folder: Path) -> ReportSite:
    """A 9-day site from 2026-12-21 (Christmas on day 5, a company holiday on day 3)."""
    from callshift.config import Config
    from callshift.plan import make_plan
    from callshift.report import write_plan

    folder.mkdir(parents=True, exist_ok=True)
    days = 9
    write_forecast(folder / "forecast.csv", HOURLY * days, 240, interval_minutes=60)
    names = [TRICKY_NAME, FORMULA_NAME] + [f"Agent {i}" for i in range(3, 21)]
    (folder / "agents.csv").write_text(
        "agent_id,name,contract_hours,night_ok\n"
        + "".join(
            f'N{i:02d},"{n.replace(chr(34), chr(34) * 2)}",40,true\n'
            for i, n in enumerate(names, start=1)
        )
        + "DAY1,Day only,40,false\nPT1,Part time,24,true\n"
    )
    (folder / "leave.csv").write_text("agent_id,date,end_date,reason\nN05,2026-12-22,,sick\n")
    (folder / "callshift.toml").write_text(
        "[solver]\ntime_limit_seconds = 1\nworkers = 1\nseed = 7\n"
        f"[holidays.company]\n\"2026-12-23\" = '''{COMPANY_HOLIDAY}'''\n"
    )
    config = Config.from_file(folder / "callshift.toml")
    plan = make_plan(
        folder / "forecast.csv",
        config,
        agents_path=folder / "agents.csv",
        leave_path=folder / "leave.csv",
        days=days,
        deterministic=True,
    )
    out = folder / "out"
    write_plan(plan, out)
    return ReportSite(folder, plan, out)
