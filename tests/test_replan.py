"""Re-planning after a sick call: the absent agent off, the past frozen, every hard rule
held, and no more changed assignments than the best coverage needs (checked by brute
force on small cases)."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from callshift.agents import Leave, read_agents
from callshift.cli import app
from callshift.config import Config, ShiftSpec, SolverSettings, StaffingSettings
from callshift.errors import InputError
from callshift.forecast import read_forecast
from callshift.replan import Absence, make_replan, parse_absence
from callshift.roster.check import RosterRow, check_rules, coverage, read_roster

START = date(2026, 12, 21)
SHIFTS = (ShiftSpec("P", "Pagi", "07:00", 8), ShiftSpec("S", "Siang", "15:00", 8))
CONFIG = replace(
    Config(),
    shifts=SHIFTS,
    staffing=replace(StaffingSettings(), shrinkage=0.0),
    solver=SolverSettings(time_limit_seconds=5, workers=1, seed=3),
)
TIERS = (100, 200, 400)
runner = CliRunner()


def write_site(folder: Path, original: dict[str, str], days: int = 3) -> Path:
    """A site needing one agent 07:00-23:00 and an original roster: {agent: "P S -"}."""
    need = [1 if 7 <= h < 23 else 0 for h in range(24)] * days
    starts = pd.date_range(str(START), periods=24 * days, freq="60min")
    pd.DataFrame(
        {"interval_start": starts.strftime("%Y-%m-%d %H:%M"), "required_agents": need}
    ).to_csv(folder / "forecast.csv", index=False)
    (folder / "agents.csv").write_text(
        "agent_id,contract_hours\n" + "".join(f"{a},56\n" for a in original)
    )
    lines = ["agent_id,date,shift,start,end,paid_hours,night,holiday"]
    for agent, pattern in original.items():
        for d, code in enumerate(pattern.split()):
            if code == "-":
                continue
            day = START + timedelta(days=d)
            begin = datetime(day.year, day.month, day.day, 7 if code == "P" else 15)
            end = begin + timedelta(hours=8)
            lines.append(
                f"{agent},{day},{code},{begin:%Y-%m-%d %H:%M},{end:%Y-%m-%d %H:%M},8,false,"
            )
    (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    return folder


def replan(folder: Path, *absences: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return make_replan(
        folder / "roster.csv",
        [parse_absence(a) for a in absences],
        folder / "forecast.csv",
        CONFIG,
        agents_path=folder / "agents.csv",
        deterministic=True,
        **kwargs,  # type: ignore[arg-type]
    )


def brute_force(folder: Path, absent: Absence, frozen_days: int) -> tuple[int, int]:
    """(least tiered shortfall cost, fewest changed agent-days at that cost) over every
    legal roster that keeps days before ``frozen_days`` and keeps the absent agent off."""
    original = read_roster(folder / "roster.csv")
    forecast = read_forecast(folder / "forecast.csv")
    agents = read_agents(folder / "agents.csv")
    days = max(r.date for r in original).toordinal() - START.toordinal() + 1
    old = {(r.agent_id, (r.date - START).days): r.shift for r in original}
    leave = (Leave(absent.agent_id, absent.first, absent.last),)
    free = [(a.agent_id, d) for a in agents for d in range(frozen_days, days)]
    best: tuple[int, int] | None = None
    for choice in itertools.product(("", "P", "S"), repeat=len(free)):
        new = {k: v for k, v in old.items() if k[1] < frozen_days}
        new.update({k: code for k, code in zip(free, choice, strict=True) if code})
        new = {
            k: v
            for k, v in new.items()
            if not (
                k[0] == absent.agent_id and absent.first <= START + timedelta(k[1]) <= absent.last
            )
        }
        rows = [_row(agent, d, code) for (agent, d), code in new.items()]
        legal = not check_rules(
            rows, agents=agents, leave=leave, config=CONFIG, start=START, days=days
        )
        if not legal:
            continue
        short = coverage(rows, CONFIG, forecast, START, days)["shortfall"]
        cost = sum(
            TIERS[0] * min(s, 1) + TIERS[1] * min(max(s - 1, 0), 1) + TIERS[2] * max(s - 2, 0)
            for s in short
        )
        changed = sum(
            1
            for a in agents
            for d in range(days)
            if old.get((a.agent_id, d), "") != new.get((a.agent_id, d), "")
        )
        if best is None or (cost, changed) < best:
            best = (cost, changed)
    assert best is not None
    return best


def _row(agent: str, d: int, code: str) -> RosterRow:
    day = START + timedelta(days=d)
    begin = datetime(day.year, day.month, day.day, 7 if code == "P" else 15)
    return RosterRow(agent, day, code, begin, begin + timedelta(hours=8), 8.0, False)


def changed_cost(result) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    short = result.plan.check.coverage["shortfall"]
    cost = sum(
        TIERS[0] * min(s, 1) + TIERS[1] * min(max(s - 1, 0), 1) + TIERS[2] * max(s - 2, 0)
        for s in short
    )
    return int(cost), len(result.changes)


@pytest.mark.parametrize(
    "original",
    [
        # B worked the late shift before: too little rest to take A's early one; C can.
        {"A": "P P P", "B": "S S S", "C": "- - -"},
        # nobody is free: the gap stays, and nothing else needs to change.
        {"A": "P P P", "B": "S S S"},
        # C is off but B could swap; the fewest changes win.
        {"A": "P P -", "B": "S S S", "C": "- - P"},
    ],
)
def test_replan_changes_no_more_than_brute_force_needs(
    tmp_path: Path, original: dict[str, str]
) -> None:
    folder = write_site(tmp_path, original)
    result = replan(folder, "A:2026-12-22")
    absent = Absence("A", date(2026, 12, 22), date(2026, 12, 22))
    cost, changed = brute_force(folder, absent, frozen_days=1)
    assert changed_cost(result) == (cost, changed)
    assert result.plan.check.ok
    roster = result.plan.roster
    assert roster[(roster["agent_id"] == "A") & (roster["date"] == "2026-12-22")].empty


def test_replan_keeps_the_past_and_lists_every_change(tmp_path: Path) -> None:
    folder = write_site(tmp_path, {"A": "P P P", "B": "S S S", "C": "- - -"})
    result = replan(folder, "A:2026-12-22", frozen_from=datetime(2026, 12, 21, 0, 0))
    first_day = result.plan.roster[result.plan.roster["date"] == "2026-12-21"]
    assert sorted(first_day["agent_id"] + first_day["shift"]) == ["AP", "BS"]
    changes = result.changes.to_dict("records")
    assert {"agent_id": "A", "date": "2026-12-22", "old_shift": "P", "new_shift": ""} in changes
    assert {"agent_id": "C", "date": "2026-12-22", "old_shift": "", "new_shift": "P"} in changes
    assert len(changes) == 2


def test_the_absent_agent_is_never_a_candidate(tmp_path: Path) -> None:
    # A is the only one who could cover the 22nd and 23rd; absent, the gap stays open.
    folder = write_site(tmp_path, {"A": "P P P", "B": "S S S"})
    result = replan(folder, "A:2026-12-22:2026-12-23")
    roster = result.plan.roster
    assert set(roster[roster["agent_id"] == "A"]["date"]) == {"2026-12-21"}
    assert result.plan.check.coverage["shortfall"].sum() > 0


def test_replan_freezes_shifts_before_from(tmp_path: Path) -> None:
    # Sick from noon on the 22nd: B's late shift that day may change, A's day stays.
    folder = write_site(tmp_path, {"A": "P P P", "B": "S S S", "C": "- - -"})
    result = replan(folder, "B:2026-12-23", frozen_from=datetime(2026, 12, 22, 12, 0))
    roster = result.plan.roster
    kept = roster[roster["start"] < "2026-12-22 12:00"]
    assert sorted(kept["agent_id"] + kept["date"]) == [
        "A2026-12-21",
        "A2026-12-22",
        "B2026-12-21",
    ]
    assert roster[(roster["agent_id"] == "B") & (roster["date"] == "2026-12-23")].empty


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A", "is not AGENT:DATE[:END_DATE]"),
        ("A:2026-13-01", "a date that does not exist"),
        ("A:2026-12-23:2026-12-22", "ends (2026-12-22) before it starts"),
    ],
)
def test_bad_absent_flags_are_named(text: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse_absence(text)


def test_absent_agent_and_dates_must_fit_the_roster(tmp_path: Path) -> None:
    folder = write_site(tmp_path, {"A": "P P P", "B": "S S S"})
    with pytest.raises(InputError, match="'Z', who is not in the roster's team"):
        replan(folder, "Z:2026-12-22")
    with pytest.raises(InputError, match="outside the roster's period"):
        replan(folder, "A:2027-01-05")


def test_replan_command_writes_the_new_roster_and_changes(tmp_path: Path) -> None:
    folder = write_site(tmp_path, {"A": "P P P", "B": "S S S", "C": "- - -"})
    (folder / "callshift.toml").write_text(
        '[staffing]\nshrinkage = 0.0\n\n[[shifts]]\ncode = "P"\nname = "Pagi"\nstart = "07:00"\n'
        'length_hours = 8\n\n[[shifts]]\ncode = "S"\nname = "Siang"\nstart = "15:00"\n'
        "length_hours = 8\n"
    )
    out = folder / "sick"
    args = [
        "replan", str(folder / "roster.csv"), "--absent", "A:2026-12-22",
        "--forecast", str(folder / "forecast.csv"), "--agents", str(folder / "agents.csv"),
        "--config", str(folder / "callshift.toml"), "--out", str(out),
        "--time-limit", "5", "--workers", "1", "--seed", "3",
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    changes = (out / "changes.csv").read_text().splitlines()
    assert changes[0] == "agent_id,date,old_shift,new_shift"
    assert sorted(changes[1:]) == ["A,2026-12-22,P,", "C,2026-12-22,,P"]
    facts = json.loads((out / "summary.json").read_text())
    assert facts["replan"]["changed_assignments"] == 2
    report = (out / "report.html").read_text()
    assert "absent A 2026-12-22 to 2026-12-22; 2 assignments changed" in report
    assert (out / "roster.xlsx").read_bytes().startswith(b"PK")
    checked = runner.invoke(
        app,
        ["check", str(out / "roster.csv"), "--forecast", str(folder / "forecast.csv"),
         "--agents", str(folder / "agents.csv"), "--config", str(folder / "callshift.toml")],
    )  # fmt: skip
    assert checked.exit_code == 0, checked.output


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--absent", "A"], "--absent 'A' is not AGENT:DATE[:END_DATE]"),
        (["--absent", "A:2026-12-22", "--from", "noon"], '--from must be "YYYY-MM-DD HH:MM"'),
        (["--absent", "Q:2026-12-22"], "'Q', who is not in the roster's team"),
    ],
)
def test_bad_replan_flags_exit_2_and_write_nothing(
    tmp_path: Path, flags: list[str], message: str
) -> None:
    folder = write_site(tmp_path, {"A": "P P P", "B": "S S S"})
    out = folder / "sick"
    args = ["replan", str(folder / "roster.csv"), "--forecast", str(folder / "forecast.csv")]
    result = runner.invoke(app, [*args, *flags, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()
