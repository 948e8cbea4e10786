"""The command line through typer's CliRunner; results are read back from the files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from callshift.cli import app
from callshift.forecast import read_forecast
from callshift.sample import sample_files
from callshift.staffing import STAFFING_COLUMNS
from tests.helpers import write_forecast

runner = CliRunner()
DATA = Path(__file__).parent / "data"


def test_staff_writes_the_contract_columns(tmp_path: Path) -> None:
    forecast = write_forecast(tmp_path / "f.csv", [100, 0, 30, 100])
    out = tmp_path / "sub" / "staffing.csv"
    result = runner.invoke(app, ["staff", str(forecast), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert list(written.columns) == STAFFING_COLUMNS
    assert written["agents_net"].tolist()[0] == 14
    assert written["agents_required"].tolist()[0] == 20
    assert written["interval_start"][0] == "2026-12-21 00:00"
    assert written["service_level"][0] == pytest.approx(0.8884)
    assert pd.isna(written["service_level"][1])  # no calls, nothing to predict
    assert "Wrote" in result.output and "peak agents" in result.output


def test_staff_uses_the_config_file(tmp_path: Path) -> None:
    forecast = write_forecast(tmp_path / "f.csv", [100, 100])
    config = tmp_path / "c.toml"
    config.write_text("[staffing]\nmax_occupancy = 0.70\nshrinkage = 0\n")
    out = tmp_path / "s.csv"
    result = runner.invoke(
        app, ["staff", str(forecast), "--config", str(config), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["agents_required"].tolist() == [15, 15]


def test_staff_quiet_prints_nothing(tmp_path: Path) -> None:
    forecast = write_forecast(tmp_path / "f.csv", [100, 100])
    result = runner.invoke(app, ["staff", str(forecast), "--out", str(tmp_path / "s.csv"), "-q"])
    assert result.exit_code == 0
    assert result.output == ""


def test_bad_forecast_exits_2_with_location_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "staffing.csv"
    bad = DATA / "forecast_negative_calls.csv"
    result = runner.invoke(app, ["staff", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {bad}:")
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_missing_forecast_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["staff", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "nope.csv" in result.stderr and "Error:" in result.stderr


def test_bad_config_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    forecast = write_forecast(tmp_path / "f.csv", [100, 100])
    config = tmp_path / "c.toml"
    config.write_text("[staffing]\nshrinkage = 2\n")
    out = tmp_path / "s.csv"
    result = runner.invoke(
        app, ["staff", str(forecast), "--config", str(config), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {config}:2:1:")
    assert not out.exists()


def test_init_writes_samples_that_staff_can_read(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    for name in sample_files():
        assert (tmp_path / "site" / name).is_file()
    forecast = read_forecast(tmp_path / "site" / "forecast.csv")
    assert forecast.interval_minutes == 15 and len(forecast) == 7 * 96
    again = runner.invoke(app, ["init", str(tmp_path / "site")])
    assert again.exit_code == 2
    assert "use --force to overwrite" in again.stderr
    assert runner.invoke(app, ["init", str(tmp_path / "site"), "--force"]).exit_code == 0


@pytest.mark.parametrize("name", ["forecast.csv", "agents.csv", "leave.csv", "preferences.csv"])
def test_bundled_sample_is_what_the_generator_makes(name: str) -> None:
    bundled = (Path(__file__).parents[1] / "data" / name).read_text()
    assert bundled == sample_files()[name], "run `make sample` to regenerate"


def test_unknown_flag_is_a_usage_error_with_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["staff", "f.csv", "--bogus"])
    assert result.exit_code == 2


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "callshift", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("callshift ")


def test_every_command_and_option_is_documented() -> None:
    import typer.main

    docs = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
    group = typer.main.get_command(app)
    commands = [(name, command) for name, command in group.commands.items()]  # type: ignore[attr-defined]
    for name, command in commands:
        if hasattr(command, "commands"):  # a group (export): its subcommands are documented
            commands += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
            continue
        assert f"## callshift {name}" in docs, f"docs/cli.md lacks `callshift {name}`"
        for param in command.params:
            for flag in param.opts:
                if flag.startswith("--"):
                    assert flag in docs, f"docs/cli.md lacks {flag} of `callshift {name}`"
    assert any(name == "export ics" for name, _ in commands)
