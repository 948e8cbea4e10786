"""Small builders shared by the tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd


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
