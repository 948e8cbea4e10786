"""callshift benchmarks: `make bench` writes BENCHMARKS.md from this script's output.

Protocol: fixed inputs (the bundled sample week, the Anonymous Bank February 1999 call
data from ../shared when present, synthetic scale cases), fixed seeds, and every timing
the median of several runs taken side by side in one process, so that ratios between
tools hold even on a shared, noisy machine.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from callshift.config import StaffingSettings
from callshift.erlang import Targets, erlang_c_metrics, size_erlang_a, size_erlang_c
from callshift.forecast import read_forecast
from callshift.staffing import compute_staffing

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
BANK = SHARED / "anonymous_bank"


def timed(fn: Callable[[], object], repeat: int = 5) -> tuple[float, object]:
    """Median wall seconds over ``repeat`` runs, and the last result."""
    seconds = []
    result: object = None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), result


def versions() -> str:
    names = ["numpy", "scipy", "pandas", "ortools", "pyworkforce"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


# --------------------------------------------------------------------------- staffing


def bank_forecast(minutes: int, folder: Path) -> Path | None:
    """The Anonymous Bank's offered calls and handle times as a callshift forecast."""
    source = BANK / f"anonymous_bank_1999-02_{minutes}min.csv"
    if not source.is_file():
        return None
    raw = pd.read_csv(source)
    mean_aht = raw["total_handle_time_s"].sum() / raw["answered"].sum()
    aht = raw["mean_handle_time_s"].fillna(mean_aht).where(raw["answered"] > 0, mean_aht)
    frame = pd.DataFrame(
        {
            "interval_start": raw["date"] + " " + raw["interval_start"],
            "calls": raw["offered"],
            "aht_seconds": aht.round(1),
        }
    )
    path = folder / f"bank_{minutes}.csv"
    frame.to_csv(path, index=False)
    return path


def pyworkforce_agents(
    calls: np.ndarray, aht: np.ndarray, minutes: int, targets: Targets
) -> np.ndarray | None:
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        return None
    out = np.zeros(len(calls), dtype=np.int64)
    for i, (c, h) in enumerate(zip(calls, aht, strict=True)):
        if c <= 0:
            continue
        model = ErlangC(
            transactions=c, aht=h / 60.0, asa=targets.answer_seconds / 60.0, interval=minutes
        )
        out[i] = model.required_positions(targets.service_level, targets.max_occupancy)[
            "raw_positions"
        ]
    return out


def staffing_rows(folder: Path) -> list[str]:
    settings = StaffingSettings()
    targets = settings.targets()
    rows = [
        "| case | intervals | callshift (ms) | pyworkforce ErlangC (ms) | ratio | "
        "same agents | pyworkforce above / below | callshift misses target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    cases: list[tuple[str, Path]] = [("sample week, 15 min", ROOT / "data" / "forecast.csv")]
    for minutes in (30, 15):
        path = bank_forecast(minutes, folder)
        if path is not None:
            cases.append((f"Anonymous Bank Feb 1999, {minutes} min", path))
    for name, path in cases:
        forecast = read_forecast(path)
        ours_s, result = timed(lambda f=forecast: compute_staffing(f, settings))
        table = result.table  # type: ignore[attr-defined]
        net = table["agents_net"].to_numpy()
        calls = np.nan_to_num(forecast.calls)
        aht = np.nan_to_num(forecast.aht_seconds)
        theirs_s, theirs = timed(
            partial(pyworkforce_agents, calls, aht, forecast.interval_minutes, targets), repeat=3
        )
        check = erlang_c_metrics(net, table["traffic_erlangs"], aht, targets.answer_seconds)
        busy = calls > 0
        misses = int(np.sum(~targets.met_by(check) & busy))
        if theirs is None:
            rows.append(f"| {name} | {len(forecast)} | {ours_s * 1e3:.1f} | n/a | | | | {misses} |")
            continue
        theirs_arr = np.asarray(theirs)
        same = int(np.sum(theirs_arr == net))
        above = int(np.sum(theirs_arr > net))
        below = int(np.sum(theirs_arr < net))
        rows.append(
            f"| {name} | {len(forecast)} | {ours_s * 1e3:.1f} | {theirs_s * 1e3:.1f} | "
            f"{theirs_s / ours_s:.0f}× | {same} | {above} / {below} | {misses} |"
        )
    return rows


def scale_rows() -> list[str]:
    targets = Targets(0.8, 20, 0.85)
    rows = [
        "| load per interval | intervals | Erlang C sizing (ms) | pyworkforce ErlangC (ms) | "
        "ratio | Erlang A sizing (ms) | max agents | finite |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for top in (50.0, 500.0, 5000.0, 20000.0):
        loads = np.linspace(0.0, top, 672)
        c_s, c_agents = timed(lambda loads=loads: size_erlang_c(loads, 240.0, targets), 3)
        a_s, a_agents = timed(
            lambda loads=loads: size_erlang_a(loads / 240.0, 240.0, 180.0, targets), 3
        )
        finite = bool(np.all(np.asarray(c_agents) >= 0) and np.all(np.asarray(a_agents) >= 0))
        theirs = "not run"
        ratio = ""
        if top <= 5000:
            calls = loads * 900.0 / 240.0  # 15-minute intervals
            p_s, p_agents = timed(
                lambda c=calls: pyworkforce_agents(c, 240.0 + 0 * c, 15, targets), 1
            )
            if p_agents is not None:
                theirs, ratio = f"{p_s * 1e3:.0f}", f"{p_s / c_s:.0f}×"
        rows.append(
            f"| 0–{top:,.0f} Erlangs | 672 | {c_s * 1e3:.0f} | {theirs} | {ratio} | "
            f"{a_s * 1e3:.0f} | {int(np.max(c_agents)):,} | {finite} |"
        )
    return rows


# --------------------------------------------------------------------------- report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["staffing", "scale"], default=None)
    args = parser.parse_args()
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`benchmarks/run.py`); do not edit by hand.",
        "",
        f"- machine: {machine()}",
        f"- Python {sys.version.split()[0]}; {versions()}",
        f"- date: {time.strftime('%Y-%m-%d')}",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only in (None, "staffing"):
            lines += [
                "## Staffing: callshift vs pyworkforce's ErlangC",
                "",
                "80% in 20 s, occupancy ≤ 0.85. Times are medians over repeated runs in one "
                "process. `same agents` counts intervals where both give the same net agents; "
                "`callshift misses target` re-checks callshift's answer with the Erlang C "
                "formulas and must be 0. pyworkforce starts its search at round(A + 1) and can "
                "overshoot by one agent.",
                "",
                *staffing_rows(folder),
                "",
            ]
        if args.only in (None, "scale"):
            lines += [
                "## Staffing at scale",
                "",
                "672 intervals with loads spread evenly from 0 to the top load; AHT 240 s, "
                "patience 180 s for Erlang A. No overflow at any load (`finite`).",
                "",
                *scale_rows(),
                "",
            ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
