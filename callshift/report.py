"""Writers and terminal tables for results. Never solves, never reads inputs.

Files are written atomically: to a temporary file beside the target, then renamed, so a
reader (a spreadsheet, the next cron job) never sees half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd
from rich.table import Table

from callshift.staffing import Staffing

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M"

_STAFFING_DECIMALS = {
    "calls": 4,
    "aht_seconds": 2,
    "traffic_erlangs": 4,
    "service_level": 4,
    "asa_seconds": 2,
    "occupancy": 4,
    "abandon_rate": 4,
}


@contextlib.contextmanager
def atomic_writer(path: str | Path) -> Iterator[IO[str]]:
    """Open ``path`` for writing text; it appears whole on success and not at all on error."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def staffing_frame(staffing: Staffing) -> pd.DataFrame:
    """staffing.csv as text-ready columns: timestamps as `YYYY-MM-DD HH:MM`, rounded floats."""
    frame = staffing.table.copy()
    frame["interval_start"] = frame["interval_start"].dt.strftime(TIMESTAMP_FORMAT)
    for column, decimals in _STAFFING_DECIMALS.items():
        if column in frame:
            frame[column] = [format_number(v, decimals) for v in frame[column]]
    return frame


def format_number(value: float, decimals: int) -> str:
    """`3`, `12.75`, `0.8884`: rounded, no trailing zeros; empty for a missing value."""
    if value != value:  # NaN
        return ""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def write_staffing_csv(staffing: Staffing, path: str | Path) -> Path:
    with atomic_writer(path) as handle:
        staffing_frame(staffing).to_csv(handle, index=False, lineterminator="\n")
    return Path(path)


def staffing_table(staffing: Staffing) -> Table:
    """Per day: calls, peak agents and required agent-hours, with a total row."""
    daily = staffing.daily()
    settings = staffing.settings
    title = (
        f"Staffing: {settings.service_level:.0%} in {settings.answer_seconds:g} s, "
        f"occupancy ≤ {settings.max_occupancy:.0%}, shrinkage {settings.shrinkage:.0%}"
    )
    table = Table(title=title, show_footer=True)
    table.add_column("day", footer="total")
    table.add_column("calls", justify="right", footer=f"{daily['calls'].sum():,.0f}")
    table.add_column("peak agents", justify="right", footer=f"{daily['peak_agents'].max():,}")
    table.add_column("agent-hours", justify="right", footer=f"{daily['agent_hours'].sum():,.1f}")
    for day, row in daily.iterrows():
        table.add_row(
            f"{pd.Timestamp(str(day)):%a %Y-%m-%d}",
            f"{row['calls']:,.0f}",
            f"{int(row['peak_agents']):,}",
            f"{row['agent_hours']:,.1f}",
        )
    return table
