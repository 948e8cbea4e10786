"""Forecast + service targets → agents needed per interval.

Per interval: Erlang A where the forecast gives the callers' patience, Erlang C where it
does not, and the forecast's own ``required_agents`` where given. ``agents_net`` is what
the queue needs on the phones; ``agents_required`` grosses it up for shrinkage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from callshift.config import StaffingSettings
from callshift.erlang import (
    QueueMetrics,
    erlang_a_metrics,
    erlang_c_metrics,
    size_erlang_a,
    size_erlang_c,
)
from callshift.forecast import Forecast

STAFFING_COLUMNS = [
    "interval_start",
    "calls",
    "aht_seconds",
    "traffic_erlangs",
    "agents_net",
    "agents_required",
    "service_level",
    "asa_seconds",
    "occupancy",
]

# Guards the ceiling against float noise: 14 / (1 - 0.3) is 20.000000000000004.
_CEIL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Staffing:
    """The requirement per interval (``table``, the columns of staffing.csv)."""

    forecast: Forecast
    settings: StaffingSettings
    table: pd.DataFrame
    warnings: tuple[str, ...]

    @property
    def required(self) -> npt.NDArray[np.int64]:
        return self.table["agents_required"].to_numpy(dtype=np.int64)

    def daily(self) -> pd.DataFrame:
        """Per day: calls, peak agents required and required agent-hours."""
        hours = self.forecast.interval_minutes / 60.0
        frame = self.table.assign(
            date=self.table["interval_start"].dt.date,
            agent_hours=self.table["agents_required"] * hours,
        )
        return frame.groupby("date", sort=True).agg(
            calls=("calls", "sum"),
            peak_agents=("agents_required", "max"),
            agent_hours=("agent_hours", "sum"),
        )

    def predicted_service_level(self) -> float:
        """Calls-weighted service level over the horizon with agents_net on the phones."""
        calls = self.table["calls"].fillna(0.0).to_numpy()
        level = self.table["service_level"].to_numpy()
        weighted = calls > 0
        if not np.any(weighted):
            return float("nan")
        return float(np.average(np.nan_to_num(level[weighted]), weights=calls[weighted]))


def gross_up(agents_net: npt.ArrayLike, shrinkage: float) -> npt.NDArray[np.int64]:
    """Agents to schedule so that ``agents_net`` are on the phones after shrinkage."""
    net = np.asarray(agents_net, dtype=np.float64)
    return np.ceil(net / (1.0 - shrinkage) - _CEIL_TOLERANCE).astype(np.int64)


def compute_staffing(forecast: Forecast, settings: StaffingSettings) -> Staffing:
    seconds = forecast.interval_minutes * 60.0
    calls = np.nan_to_num(forecast.calls, nan=0.0)
    aht = forecast.aht_seconds
    has_calls = (calls > 0) & (aht > 0)
    lam = np.where(has_calls, calls / seconds, 0.0)
    traffic = np.where(has_calls, lam * np.nan_to_num(aht, nan=0.0), 0.0)
    patience = forecast.patience_seconds
    erlang_a = has_calls & (patience is not None) & ~np.isnan(_or_nan(patience, calls))
    given_values = forecast.required_agents
    given = ~np.isnan(_or_nan(given_values, calls))

    targets = settings.targets()
    net = np.zeros(calls.shape, dtype=np.int64)
    rows_c = has_calls & ~erlang_a & ~given
    rows_a = erlang_a & ~given
    if np.any(rows_c):
        net[rows_c] = size_erlang_c(traffic[rows_c], aht[rows_c], targets)
    if np.any(rows_a):
        pat = _or_nan(patience, calls)
        net[rows_a] = size_erlang_a(lam[rows_a], aht[rows_a], pat[rows_a], targets)
    net[rows_c | rows_a] = np.maximum(net[rows_c | rows_a], settings.min_agents)
    if np.any(given):
        net[given] = np.ceil(_or_nan(given_values, calls)[given] - _CEIL_TOLERANCE)

    metrics = _predict(
        net, lam, aht, _or_nan(patience, calls), has_calls, erlang_a, settings.answer_seconds
    )
    table = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(forecast.starts),
            "calls": forecast.calls,
            "aht_seconds": aht,
            "traffic_erlangs": traffic,
            "agents_net": net,
            "agents_required": gross_up(net, settings.shrinkage),
            "service_level": metrics.service_level,
            "asa_seconds": np.where(np.isfinite(metrics.asa_seconds), metrics.asa_seconds, np.nan),
            "occupancy": metrics.occupancy,
        }
    )
    if patience is not None:
        table["abandon_rate"] = metrics.p_abandon
    return Staffing(forecast, settings, table, _warnings(table, given, settings))


def _or_nan(
    values: npt.NDArray[np.float64] | None, like: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    return np.full(like.shape, np.nan) if values is None else values


def _predict(
    net: npt.NDArray[np.int64],
    lam: npt.NDArray[np.float64],
    aht: npt.NDArray[np.float64],
    patience: npt.NDArray[np.float64],
    has_calls: npt.NDArray[np.bool_],
    erlang_a: npt.NDArray[np.bool_],
    answer_seconds: float,
) -> QueueMetrics:
    """What the queueing model predicts with ``net`` agents (NaN where there are no calls)."""
    size = net.shape[0]
    out = {
        name: np.full(size, np.nan)
        for name in ("p_wait", "service_level", "asa_seconds", "occupancy", "p_abandon")
    }
    for rows, use_a in ((has_calls & ~erlang_a, False), (has_calls & erlang_a, True)):
        if not np.any(rows):
            continue
        if use_a:
            m = erlang_a_metrics(net[rows], lam[rows], aht[rows], patience[rows], answer_seconds)
        else:
            m = erlang_c_metrics(net[rows], lam[rows] * aht[rows], aht[rows], answer_seconds)
        for name, values in out.items():
            values[rows] = getattr(m, name)
    return QueueMetrics(**out)


def _warnings(
    table: pd.DataFrame, given: npt.NDArray[np.bool_], settings: StaffingSettings
) -> tuple[str, ...]:
    notes: list[str] = []
    short = given & (table["service_level"].to_numpy() < settings.service_level)
    if np.any(short):
        first = table["interval_start"][short].iloc[0].strftime("%Y-%m-%d %H:%M")
        notes.append(
            f"{int(short.sum())} intervals with required_agents given miss the service level "
            f"target of {settings.service_level:.0%} (first: {first})"
        )
    return tuple(notes)
