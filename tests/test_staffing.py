"""Forecast → agents per interval: Erlang C or A per row, shrinkage, floors, summaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callshift.config import StaffingSettings
from callshift.forecast import read_forecast
from callshift.staffing import compute_staffing, gross_up
from tests.helpers import write_forecast


def test_worked_example_through_the_pipeline(tmp_path: Path) -> None:
    """Call Centre Helper: 100 calls / 30 min, AHT 180 s, 80/20 → 14 net, 20 scheduled."""
    path = write_forecast(tmp_path / "f.csv", [100, 100])
    table = compute_staffing(read_forecast(path), StaffingSettings()).table
    row = table.iloc[0]
    assert row["traffic_erlangs"] == pytest.approx(10.0)
    assert row["agents_net"] == 14
    assert row["agents_required"] == 20
    assert row["service_level"] == pytest.approx(0.8884, abs=5e-5)
    assert row["occupancy"] == pytest.approx(0.7143, abs=5e-5)


def test_occupancy_cap_of_70_percent_needs_15(tmp_path: Path) -> None:
    path = write_forecast(tmp_path / "f.csv", [100, 100])
    table = compute_staffing(read_forecast(path), StaffingSettings(max_occupancy=0.70)).table
    assert table["agents_net"].tolist() == [15, 15]


def test_patience_column_switches_to_erlang_a_row_by_row(tmp_path: Path) -> None:
    path = write_forecast(tmp_path / "f.csv", [100, 100], extra={"patience_seconds": [300, ""]})
    table = compute_staffing(read_forecast(path), StaffingSettings()).table
    assert table["agents_net"].tolist() == [13, 14]  # Erlang A, then Erlang C
    assert 0 < table["abandon_rate"][0] < 0.05
    assert table["abandon_rate"][1] == 0


def test_gross_up_is_not_fooled_by_float_noise() -> None:
    # 14 / 0.7 is 20.000000000000004 in floating point.
    assert gross_up([14, 0, 1, 7], 0.30).tolist() == [20, 0, 2, 10]
    assert gross_up([10], 0.0).tolist() == [10]


def test_no_calls_no_agents_and_floor_only_where_calls(tmp_path: Path) -> None:
    path = write_forecast(tmp_path / "f.csv", [0, 0.2, 0, 50])
    table = compute_staffing(read_forecast(path), StaffingSettings(min_agents=3)).table
    assert table["agents_net"].tolist()[:3] == [0, 3, 0]
    assert table["agents_net"][3] > 3
    assert np.isnan(table["service_level"][0])


def test_required_agents_bypass_erlang(tmp_path: Path) -> None:
    path = write_forecast(tmp_path / "f.csv", [100, 100], extra={"required_agents": [11.2, ""]})
    staffing = compute_staffing(read_forecast(path), StaffingSettings())
    assert staffing.table["agents_net"].tolist() == [12, 14]
    assert staffing.table["agents_required"].tolist() == [18, 20]
    assert staffing.table["service_level"][0] < 0.8  # 12 agents are too few for 80/20
    assert any("miss the service level" in w for w in staffing.warnings)


def test_daily_summary_adds_up(tmp_path: Path) -> None:
    calls = [10, 40, 80, 20] * 12 + [5, 50, 60, 5] * 12  # two days of 30-minute intervals
    path = write_forecast(tmp_path / "f.csv", calls, 240)
    staffing = compute_staffing(read_forecast(path), StaffingSettings())
    daily = staffing.daily()
    required = staffing.table["agents_required"].to_numpy()
    assert daily["calls"].tolist() == [sum(calls[:48]), sum(calls[48:])]
    assert daily["peak_agents"].tolist() == [required[:48].max(), required[48:].max()]
    assert daily["agent_hours"].tolist() == pytest.approx(
        [required[:48].sum() / 2, required[48:].sum() / 2]
    )


def test_predicted_service_level_is_calls_weighted(tmp_path: Path) -> None:
    path = write_forecast(tmp_path / "f.csv", [100, 10, 0])
    staffing = compute_staffing(read_forecast(path), StaffingSettings())
    level = staffing.table["service_level"].to_numpy()
    assert staffing.predicted_service_level() == pytest.approx(
        (100 * level[0] + 10 * level[1]) / 110
    )
