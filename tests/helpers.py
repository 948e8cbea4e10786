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
