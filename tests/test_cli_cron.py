"""`callshift plan` as a cron job runs it: start words, a folder per week, the lock, logs,
reproducible runs, and signals (in a real subprocess)."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callshift.cli import app
from callshift.report import PLAN_FILES
from callshift.runs import output_lock
from tests.helpers import write_site

runner = CliRunner()
ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")
TIMING_FIELDS = {"solve_seconds"}  # the only summary.json fields that differ between runs


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site")


def plan_args(site: Path, *more: str) -> list[str]:
    return [
        "plan",
        str(site / "forecast.csv"),
        "--agents",
        str(site / "agents.csv"),
        "--leave",
        str(site / "leave.csv"),
        "--days",
        "2",
        "--time-limit",
        "2",
        "--workers",
        "1",
        "--seed",
        "3",
        *more,
    ]


def test_next_monday_and_a_folder_per_week(site: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        plan_args(site, "--start", "next-monday", "--out", str(tmp_path / "plans" / "{start}")),
        env={"CALLSHIFT_TODAY": "2026-12-16"},  # a Wednesday
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "plans" / "2026-12-21"
    assert sorted(p.name for p in folder.iterdir()) == sorted(PLAN_FILES)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["start"] == "2026-12-21" and summary["interrupted"] is False
    # the lock file sits beside the week's folder, hidden, and nothing else does
    assert sorted(p.name for p in (tmp_path / "plans").iterdir()) == [
        ".2026-12-21.lock",
        "2026-12-21",
    ]


def test_next_monday_beyond_the_forecast_exits_2_and_writes_nothing(
    site: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        plan_args(site, "--start", "next-monday", "--out", str(tmp_path / "plans" / "{start}")),
        env={"CALLSHIFT_TODAY": "2026-12-21"},  # a Monday: next-monday is the 28th
    )
    assert result.exit_code == 2
    assert "the forecast has no intervals for 2026-12-28 (it covers 2026-12-21 to " in (
        result.stderr
    )
    assert not (tmp_path / "plans").exists()


def test_a_bad_start_word_and_an_unknown_placeholder_exit_2(site: Path, tmp_path: Path) -> None:
    bad_word = runner.invoke(app, plan_args(site, "--start", "monday"))
    assert bad_word.exit_code == 2
    assert bad_word.stderr == (
        "Error: --start must be a date YYYY-MM-DD or one of today, tomorrow, next-monday, "
        "not 'monday'\n"
    )
    placeholder = runner.invoke(app, plan_args(site, "--out", str(tmp_path / "{week}")))
    assert placeholder.exit_code == 2
    assert "--out has an unknown placeholder {week}" in placeholder.stderr
    assert list(tmp_path.iterdir()) == [site]


def test_a_second_run_into_a_locked_folder_exits_2_naming_folder_and_pid(
    site: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "plans" / "2026-12-21"
    with output_lock(folder):  # this test process stands for the first run
        result = runner.invoke(app, plan_args(site, "--out", str(tmp_path / "plans/{start}")))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: {folder}: another callshift run (pid {os.getpid()}) is writing this folder; "
        "nothing done"
    )
    assert not folder.exists()


def test_logs_off_a_terminal_are_timestamped_and_quiet_prints_nothing(
    site: Path, tmp_path: Path
) -> None:
    logged = runner.invoke(app, plan_args(site, "--out", str(tmp_path / "a")))
    assert logged.exit_code == 0, logged.output
    lines = logged.stdout.splitlines()
    assert any(LOG_LINE.match(line) and "roster, coverage" in line for line in lines)
    quiet = runner.invoke(app, plan_args(site, "--out", str(tmp_path / "b"), "--quiet"))
    assert quiet.exit_code == 0
    assert quiet.stdout == "" and quiet.stderr == ""


def test_one_worker_and_a_seed_give_byte_identical_outputs(site: Path, tmp_path: Path) -> None:
    # A sized team over 3 days: sizing takes several tries and the last solve stops at its
    # (deterministic) limit, not at a proven optimum.
    args = ["plan", str(site / "forecast.csv"), "--days", "3", "--time-limit", "0.5"]
    for name in ("first", "second"):
        more = ["--workers", "1", "--seed", "3", "--out", str(tmp_path / name)]
        result = runner.invoke(app, args + more)
        assert result.exit_code == 0, result.output
    for file in ("roster.csv", "roster_grid.csv", "coverage.csv", "staffing.csv", "report.html"):
        first = (tmp_path / "first" / file).read_bytes()
        assert first == (tmp_path / "second" / file).read_bytes(), file
    summaries = [
        json.loads((tmp_path / n / "summary.json").read_text()) for n in ("first", "second")
    ]
    assert summaries[0]["time_limit_kind"] == "deterministic"
    assert summaries[0]["solver_status"] == "FEASIBLE" and summaries[0]["team_sized"]
    for summary in summaries:
        for field in TIMING_FIELDS:
            summary.pop(field)
    assert summaries[0] == summaries[1]


def test_staff_writes_with_the_usual_permissions(site: Path, tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        result = runner.invoke(
            app, ["staff", str(site / "forecast.csv"), "--out", str(tmp_path / "s.csv")]
        )
    finally:
        os.umask(mask)
    assert result.exit_code == 0
    assert (tmp_path / "s.csv").stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------- subprocesses


class Run:
    """`python -m callshift plan` on the sample week in a subprocess, its log read live."""

    def __init__(self, out: Path, *more: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "callshift",
                "plan",
                str(SAMPLE / "forecast.csv"),
                "--agents",
                str(SAMPLE / "agents.csv"),
                "--leave",
                str(SAMPLE / "leave.csv"),
                "--out",
                str(out),
                "--time-limit",
                "60",
                "--workers",
                "1",
                *more,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.stdout.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, f"ended before {text!r}: {self.stdout}"
                continue
            if LOG_LINE.match(line) and text in line:
                return line
        raise AssertionError(f"no log line with {text!r} in {timeout} s: {self.stdout}")

    def end(self, timeout: float) -> tuple[int, str]:
        """Exit code and stderr, failing if the process takes longer than ``timeout``."""
        code = self.process.wait(timeout=timeout)
        assert self.process.stderr is not None
        return code, self.process.stderr.read()


def check_folder(folder: Path) -> None:
    """The folder holds the complete plan and `callshift check` passes it."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(PLAN_FILES)
    checked = runner.invoke(
        app,
        [
            "check",
            str(folder / "roster.csv"),
            "--forecast",
            str(SAMPLE / "forecast.csv"),
            "--agents",
            str(SAMPLE / "agents.csv"),
            "--leave",
            str(SAMPLE / "leave.csv"),
            "--start",
            "2026-12-21",
            "--days",
            "7",
        ],
    )
    assert checked.exit_code == 0, checked.output


def test_sigterm_during_the_solve_writes_the_best_roster_that_passes_check(
    tmp_path: Path,
) -> None:
    run = Run(tmp_path / "plans" / "{start}")
    run.wait_for("roster, fair shares")  # the coverage step has found its roster
    sent = time.monotonic()
    run.process.send_signal(signal.SIGTERM)
    code, stderr = run.end(timeout=20)
    assert time.monotonic() - sent < 10  # stops at once; checking and writing take ~1 s
    assert code == 0, stderr
    assert "interrupted: wrote the best roster found so far, it passes check (SIGTERM" in stderr
    assert "Traceback" not in stderr
    folder = tmp_path / "plans" / "2026-12-21"
    check_folder(folder)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["hard_rules_hold"] is True


def test_ctrl_c_twice_quits_and_leaves_no_half_folder(tmp_path: Path) -> None:
    run = Run(tmp_path / "out")
    run.wait_for("roster, coverage")
    run.process.send_signal(signal.SIGINT)
    time.sleep(0.05)  # two signals sent at once may arrive as one
    run.process.send_signal(signal.SIGINT)
    code, stderr = run.end(timeout=20)
    assert "Traceback" not in stderr
    if code == 130:  # the second one came before the writing began
        assert stderr.startswith("Error: ") and stderr.endswith("nothing written\n")
        assert not (tmp_path / "out").exists()
    else:  # both came before the first roster was written: it is complete and checked
        assert code == 0, stderr
        check_folder(tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) in ([".out.lock"], [".out.lock", "out"])


def test_a_storm_of_sigterms_never_leaves_half_a_folder_or_a_traceback(tmp_path: Path) -> None:
    run = Run(tmp_path / "out")
    run.wait_for("roster, fair shares")
    while run.process.poll() is None:  # through the stop, the check, the writing, the exit
        run.process.send_signal(signal.SIGTERM)
        time.sleep(0.01)
    code, stderr = run.end(timeout=20)
    assert "Traceback" not in stderr and "Aborted" not in stderr
    if code == 143:
        assert stderr == "Error: SIGTERM again: quit before writing; nothing written\n"
        assert not (tmp_path / "out").exists()
    else:
        assert code == 0, stderr
        check_folder(tmp_path / "out")


def test_a_killed_run_leaves_the_previous_plan_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    previous = {name: f"previous {name}\n" for name in PLAN_FILES}
    for name, text in previous.items():
        (folder / name).write_text(text)
    run = Run(folder)
    run.wait_for("roster, coverage")
    run.process.kill()
    code, _ = run.end(timeout=20)
    assert code == -signal.SIGKILL
    assert {p.name: p.read_text() for p in folder.iterdir()} == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]
    with output_lock(folder):  # the kernel released the dead run's lock
        pass


def test_the_cron_page_is_linked_and_keeps_its_promises() -> None:
    readme = (ROOT / "README.md").read_text()
    cron = (ROOT / "docs" / "cron.md").read_text()
    cli = (ROOT / "docs" / "cli.md").read_text()
    assert "(docs/cron.md)" in readme and "(cron.md)" in cli
    for text in ("--start next-monday", "--out 'plans/{start}'", "--previous", "CALLSHIFT_TODAY"):
        assert text in cron, text
    for code in ("`0`", "`1`", "`2`", "`130`", "`143`"):
        assert code in cron and code in cli, code
    for field in TIMING_FIELDS:
        assert f"differs only in `{field}`" in cron and f"differs\n  only in `{field}`" in cli
