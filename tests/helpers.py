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
