"""The `callshift` command: parse flags, call the library, render, set the exit code.

No parsing or maths lives here. A `CallshiftError` from the library becomes one
`Error: …` line on stderr and its exit code (2 bad input, 1 infeasible); anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console

from callshift import LOADED_AT, __version__
from callshift.agents import read_agents, read_leave
from callshift.config import Config, load_config
from callshift.errors import CallshiftError, InfeasibleError, InputError, Interrupted
from callshift.forecast import read_forecast
from callshift.ics import roster_calendars, shift_names_of
from callshift.nrp.compile import solve_instance
from callshift.nrp.evaluate import Evaluation, read_solution
from callshift.nrp.evaluate import evaluate as evaluate_rows
from callshift.nrp.instance import read_instance
from callshift.plan import Plan, read_plan_inputs, solve_plan
from callshift.replan import make_replan, parse_absence
from callshift.report import (
    agents_table,
    atomic_writer,
    changes_table,
    coverage_totals,
    plan_panel,
    plan_table,
    replan_facts,
    staffing_table,
    summary,
    write_plan,
    write_staffing_csv,
)
from callshift.roster.check import check_roster, read_previous, read_roster
from callshift.roster.solve import Progress, StopSearch
from callshift.runs import out_folder, output_lock, parse_start, write_folder
from callshift.sample import sample_files
from callshift.staffing import compute_staffing

app = typer.Typer(
    name="callshift",
    help="Workforce planner for 24/7 contact centers: Erlang staffing and rosters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: ./callshift.toml if present)."),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]
PreviousOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--previous",
        metavar="<path>",
        help="An earlier period's roster.csv; repeat it for a chain of them.",
    ),
]


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except CallshiftError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


def _warn(messages: tuple[str, ...], quiet: bool) -> None:
    for message in messages:
        if not quiet:
            typer.echo(f"Warning: {message}", err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"callshift {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Workforce planner for 24/7 contact centers."""


@app.command()
def staff(
    forecast: Annotated[
        Path, typer.Argument(help="Forecast CSV: interval_start,calls,aht_seconds")
    ],
    config: ConfigOption = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the staffing CSV.")] = Path(
        "staffing.csv"
    ),
    quiet: QuietOption = False,
) -> None:
    """Agents needed per interval (Erlang C, or Erlang A where patience is given)."""
    with _user_errors():
        settings = load_config(config)
        data = read_forecast(forecast)
        staffing = compute_staffing(data, settings.staffing)
        written = write_staffing_csv(staffing, out)
    _warn(data.warnings + staffing.warnings, quiet)
    if quiet:
        return
    console.print(staffing_table(staffing))
    level = staffing.predicted_service_level()
    console.print(
        f"{len(data)} intervals of {data.interval_minutes} min from {forecast}; "
        f"predicted service level {level:.1%} (calls-weighted)"
        + (f"; settings from {settings.source}" if settings.source else "")
    )
    console.print(f"Wrote {written}")


class _ProgressView:
    """Solver progress: a live line on a terminal, timestamped log lines otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.live = console.is_terminal and not quiet
        self.status: Any = None
        self.last_logged = -1e9
        self.last_phase = ""

    def __enter__(self) -> _ProgressView:
        if self.live:
            self.status = console.status("solving…")
            self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.__exit__(*exc)

    def __call__(self, progress: Progress) -> None:
        if self.quiet:
            return
        text = _progress_text(progress)
        if self.status is not None:
            self.status.update(text)
            return
        now = time.monotonic()
        if progress.phase != self.last_phase or now - self.last_logged >= 5:
            stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            typer.echo(f"{stamp} {text}")
            self.last_logged, self.last_phase = now, progress.phase


def _progress_text(progress: Progress) -> str:
    parts = [f"{progress.phase}: {progress.elapsed_seconds:6.1f} s"]
    if progress.objective is not None:
        parts.append(f"best {progress.objective:,.0f}")
    if progress.best_bound is not None:
        parts.append(f"bound {progress.best_bound:,.0f}")
    if progress.gap is not None:
        parts.append(f"gap {progress.gap:.2%}")
    return ", ".join(parts)


class _Interrupts:
    """SIGINT (Ctrl-C) and SIGTERM during a plan. The first stops the search: the best
    roster found so far is written if it passes the check. Another one before the writing
    starts quits at once and writes nothing; once the writing has started, signals wait
    for it to finish, so no folder is left half-filled, and are ignored from then on.
    Outside the main thread (where no handler can be installed) signals keep their usual
    effect."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.stop = StopSearch()
        self.writing = False
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _Interrupts:
        with contextlib.suppress(ValueError):  # not the main thread
            for number in self.SIGNALS:
                self.previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self.previous.items():
            # After a signal the process is on its way out: a late one must not turn a clean
            # exit into a KeyboardInterrupt or a kill.
            signal.signal(number, signal.SIG_IGN if self.stop.requested else handler)

    def _handle(self, number: int, frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        if not self.stop.requested:
            self.stop.request(name, 128 + number)
        elif not self.writing:
            raise Interrupted(f"{name} again: quit before writing; nothing written", 128 + number)


@app.command()
def plan(
    forecast: Annotated[Path, typer.Argument(help="Forecast CSV.")],
    agents: Annotated[
        Path | None, typer.Option("--agents", help="agents.csv; without it the team is sized.")
    ] = None,
    leave: Annotated[Path | None, typer.Option("--leave", help="leave.csv: days off.")] = None,
    config: ConfigOption = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="First day: YYYY-MM-DD, today, tomorrow or next-monday (default: forecast's).",
        ),
    ] = None,
    preferences: Annotated[
        Path | None,
        typer.Option("--preferences", help="preferences.csv: agents' wishes (soft)."),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option("--history", help="history.csv: burden counts from earlier periods."),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Days to roster.")] = 7,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder; {start} in it becomes the start date "
            "(default: callshift-out/<start date>).",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Seconds for the whole run (default 60); deterministic seconds with --workers 1.",
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Solver random seed.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", help="Solver threads (default: all cores); 1 makes runs reproducible."
        ),
    ] = None,
    max_agents: Annotated[
        int, typer.Option("--max-agents", help="Largest team to size without --agents.")
    ] = 500,
    previous: PreviousOption = None,
    quiet: QuietOption = False,
) -> None:
    """Staffing, then a roster of named agents for --days days: the main job."""
    started = _process_started or time.monotonic()
    with _Interrupts() as interrupts:
        with _user_errors():
            settings = _with_solver_flags(load_config(config), time_limit, seed, workers)
            inputs = read_plan_inputs(
                forecast,
                settings,
                agents_path=agents,
                leave_path=leave,
                preferences_path=preferences,
                history_path=history,
                previous_paths=previous or [],
                start=_parse_date(start, "--start"),
                days=days,
            )
            folder = out_folder(out, inputs.problem.start)
            with output_lock(folder):
                with _ProgressView(quiet) as view:
                    result = solve_plan(
                        inputs,
                        max_agents=max_agents,
                        on_progress=view,
                        stop=interrupts.stop,
                        started=started,
                    )
                interrupts.writing = True
                written = write_plan(result, folder)
        _warn(result.warnings, quiet)
        if not quiet:
            _print_plan(result, written, folder)
        if result.interrupted:  # even with --quiet: the operator asked for it and should see why
            reason, seconds = interrupts.stop.reason, result.solution.solve_seconds
            typer.echo(
                "interrupted: wrote the best roster found so far, it passes check "
                f"({reason} after {seconds:.1f} s of solving; {folder}/)",
                err=True,
            )


def _print_plan(result: Plan, written: list[Path], folder: Path) -> None:
    console.print(plan_table(result))
    console.print(agents_table(result))
    facts = summary(result)
    team = f"{facts['agents']} agents"
    if result.sized:
        team += f" (sized; lower bound {facts['team_lower_bound']})"
    console.print(
        f"{team}; solver {facts['solver_status']} in {facts['solve_seconds']:.1f} s"
        + (f", gap {facts['gap']:.2%}" if facts["gap"] is not None else "")
    )
    if "note" in facts:
        console.print(f"Note: {facts['note']}")
    if facts["holidays"]:
        console.print("Holidays: " + ", ".join(f"{d} {n}" for d, n in facts["holidays"].items()))
    if facts["night_transport"]:
        console.print(
            f"Night transport: {len(facts['night_transport'])} shifts start or end 23:00-05:00 "
            "for agents with night_transport (listed in summary.json)"
        )
    console.print(f"Every hard rule holds. Wrote {len(written)} files to {folder}/")
    console.print(plan_panel(result, facts, written))


@app.command()
def check(
    roster: Annotated[Path, typer.Argument(help="roster.csv to verify.")],
    forecast: Annotated[Path, typer.Option("--forecast", help="Forecast CSV.")],
    agents: Annotated[Path | None, typer.Option("--agents", help="agents.csv.")] = None,
    leave: Annotated[Path | None, typer.Option("--leave", help="leave.csv.")] = None,
    config: ConfigOption = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="First day, as for plan (default: the roster's first)."),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", help="Days (default: through the roster's last).")
    ] = None,
    previous: PreviousOption = None,
    quiet: QuietOption = False,
) -> None:
    """Re-verify every hard rule of a roster and recompute its coverage (exit 1 if broken)."""
    with _user_errors():
        settings = load_config(config)
        rows = read_roster(roster)
        team = read_agents(agents) if agents is not None else None
        ids = [a.agent_id for a in team] if team is not None else None
        absences = read_leave(leave, ids) if leave is not None else ()
        data = read_forecast(forecast)
        first = _parse_date(start, "--start") or min((r.date for r in rows), default=None)
        if first is None:
            raise InputError("the roster has no shifts", path=roster)
        span = days or (max(r.date for r in rows) - first).days + 1
        earlier = read_previous(previous or [], start=first, agent_ids=ids)
        report = check_roster(
            rows,
            agents=team,
            leave=absences,
            config=settings,
            forecast=data,
            start=first,
            days=span,
            previous=earlier,
        )
    for violation in report.violations:
        typer.echo(f"{violation.rule_id}: {violation.message}", err=True)
    if not quiet:
        totals = coverage_totals(report.coverage, data.interval_minutes)
        carried = f" after {len(earlier)} previous shifts" if previous else ""
        console.print(
            f"{len(rows)} shifts{carried}, {first} + {span} days; required "
            f"{totals['required']:g} agent-hours, scheduled {totals['scheduled']:g}, short "
            f"{totals['shortfall']:g} in {totals['short_intervals']} intervals"
        )
        if report.ok:
            console.print("Every hard rule holds.")
        else:
            console.print(f"{len(report.violations)} hard-rule violations (listed above).")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def replan(
    roster: Annotated[Path, typer.Argument(help="The roster.csv to re-plan.")],
    absent: Annotated[
        list[str],
        typer.Option(
            "--absent",
            metavar="AGENT:DATE[:END_DATE]",
            help="Who is absent when (repeat for several); they work none of those days.",
        ),
    ],
    forecast: Annotated[Path, typer.Option("--forecast", help="Forecast CSV.")],
    agents: Annotated[Path | None, typer.Option("--agents", help="agents.csv.")] = None,
    leave: Annotated[Path | None, typer.Option("--leave", help="leave.csv.")] = None,
    config: ConfigOption = None,
    preferences: Annotated[
        Path | None,
        typer.Option("--preferences", help="preferences.csv: agents' wishes (soft)."),
    ] = None,
    frozen_from: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar='"YYYY-MM-DD HH:MM"',
            help="Shifts starting before this stay (default: the first absent day 00:00).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output folder; {start} allowed (default: callshift-out/{start}-replan)."
        ),
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver seconds (default 60).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Solver random seed.")] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Solver threads (default: all cores).")
    ] = None,
    previous: PreviousOption = None,
    quiet: QuietOption = False,
) -> None:
    """Re-roster after an absence (a sick call) with as few other changes as possible."""
    with _Interrupts() as interrupts:
        with _user_errors():
            settings = _with_solver_flags(load_config(config), time_limit, seed, workers)
            absences = [parse_absence(text) for text in absent]
            with _ProgressView(quiet) as view:
                result = make_replan(
                    roster,
                    absences,
                    forecast,
                    settings,
                    agents_path=agents,
                    leave_path=leave,
                    preferences_path=preferences,
                    previous_paths=previous or [],
                    frozen_from=_parse_time(frozen_from, "--from"),
                    on_progress=view,
                    stop=interrupts.stop,
                )
            start = result.plan.problem.start
            folder = out_folder(out or "callshift-out/{start}-replan", start)
            with output_lock(folder):
                interrupts.writing = True
                written = write_plan(
                    result.plan,
                    folder,
                    extra={"changes.csv": result.changes.to_csv(index=False, lineterminator="\n")},
                    facts=replan_facts(result),
                )
        _warn(result.plan.warnings, quiet)
        if not quiet:
            console.print(changes_table(result))
            facts = summary(result.plan)
            absent_ids = {a.agent_id for a in absences}
            others = result.changes[~result.changes["agent_id"].isin(absent_ids)]
            console.print(
                f"{len(result.changes)} assignments changed, {len(others)} of them other "
                f"agents'; shifts before {result.frozen_before:%Y-%m-%d %H:%M} kept; shortfall "
                f"{facts['shortfall_agent_hours']:g} agent-hours in "
                f"{facts['shortfall_intervals']} intervals"
            )
            console.print(f"Every hard rule holds. Wrote {len(written)} files to {folder}/")
        if result.plan.interrupted:
            typer.echo(
                "interrupted: wrote the best replan found so far, it passes check "
                f"({interrupts.stop.reason}; {folder}/)",
                err=True,
            )


def _parse_time(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text.strip().replace("T", " "), "%Y-%m-%d %H:%M")
    except ValueError:
        raise InputError(f'{flag} must be "YYYY-MM-DD HH:MM", not {text!r}') from None


def _parse_date(text: str | None, flag: str) -> date | None:
    return None if text is None else parse_start(text, flag)


def _with_solver_flags(
    config: Config, time_limit: float | None, seed: int | None, workers: int | None
) -> Config:
    solver = config.solver
    try:
        solver = replace(
            solver,
            time_limit_seconds=solver.time_limit_seconds if time_limit is None else time_limit,
            seed=solver.seed if seed is None else seed,
            workers=solver.workers if workers is None else workers,
        )
    except ValueError as exc:
        raise InputError(f"bad solver option: {exc}") from None
    return replace(config, solver=solver)


export_app = typer.Typer(
    help="Write a roster in other formats: calendars for the agents.", no_args_is_help=True
)
app.add_typer(export_app, name="export")


@export_app.command("ics")
def export_ics(
    roster: Annotated[Path, typer.Argument(help="roster.csv to export.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the calendar files, one <agent_id>.ics each.")
    ],
    config: ConfigOption = None,
    agents: Annotated[
        Path | None, typer.Option("--agents", help="agents.csv: names for the calendars' titles.")
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """One iCalendar file per agent: each shift an event in the [report] timezone."""
    with _user_errors():
        settings = load_config(config)
        rows = read_roster(roster)
        if not rows:
            raise InputError("the roster has no shifts, so there is nothing to export", path=roster)
        team = read_agents(agents) if agents is not None else ()
        files = roster_calendars(
            rows,
            timezone=settings.report.timezone,
            names=shift_names_of(settings),
            agent_names={a.agent_id: a.name for a in team},
        )
        with output_lock(out):
            written = write_folder(out, files)
    if not quiet:
        console.print(
            f"{len(rows)} shifts of {len(written)} agents in {settings.report.timezone}. "
            f"Wrote {len(written)} calendar files to {out}/"
        )


@app.command()
def nrp(
    instance: Annotated[Path, typer.Argument(help="A Curtois & Qu instance file (.txt).")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Solver seconds (default 60).")
    ] = 60.0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: callshift-out/nrp/<instance>)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Solver random seed.")] = 0,
    workers: Annotated[
        int, typer.Option("--workers", help="Solver threads (default 8, time-shared).")
    ] = 8,
    evaluate: Annotated[
        Path | None,
        typer.Option("--evaluate", help="Score this solution.csv instead of solving."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Solve a staff scheduling benchmark instance; writes solution.csv (employee,day,shift)."""
    with _user_errors():
        data = read_instance(instance)
        if evaluate is not None:
            scored = evaluate_rows(data, read_solution(evaluate, data))
            _print_evaluation(data.name, scored)
            if not scored.feasible:
                raise InfeasibleError(
                    f"{evaluate}: breaks {len(scored.violations)} hard constraints"
                )
            return
        if time_limit <= 0:
            raise InputError(f"--time-limit must be > 0, not {time_limit:g}")
        with _ProgressView(quiet) as view:
            result = solve_instance(
                data, time_limit=time_limit, seed=seed, workers=workers, on_progress=view
            )
        scored = evaluate_rows(data, result.rows)
        # the evaluator's value is the roster's true cost; the solver's may exceed it before
        # optimality (slack on both sides of a cover target), never fall below it
        optimal = result.solution.status == "OPTIMAL"
        if (
            not scored.feasible
            or scored.objective > result.objective
            or (optimal and scored.objective != result.objective)
        ):
            raise RuntimeError(  # a bug of the model: the evaluator disagrees
                f"the evaluator rejects the solver's roster: {scored.violations[:3]}, "
                f"objective {scored.objective} against {result.objective}"
            )
        folder = out or Path("callshift-out") / "nrp" / data.name
        path = folder / "solution.csv"
        with atomic_writer(path) as handle:
            handle.write("employee,day,shift\n")
            handle.writelines(f"{e},{d},{c}\n" for e, d, c in result.rows)
    bound = result.best_bound
    if not quiet:
        _print_evaluation(data.name, scored)
        typer.echo(
            f"solver {result.solution.status} in {result.solution.solve_seconds:.1f} s"
            + (f", lower bound {bound}" if bound is not None else "")
            + f"; wrote {path}"
        )
    else:
        typer.echo(scored.objective)


def _print_evaluation(name: str, scored: Evaluation) -> None:
    typer.echo(
        f"{name}: objective {scored.objective} (cover under {scored.under}, over "
        f"{scored.over}; shift-on requests {scored.on_requests}, shift-off requests "
        f"{scored.off_requests})"
    )
    for v in scored.violations:
        day = "" if v.day is None else f" day {v.day}"
        typer.echo(f"  {v.rule_id}: {v.employee}{day}: {v.message}")


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to write into.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented callshift.toml and small sample inputs to start from."""
    files = sample_files()
    with _user_errors():
        if directory.exists() and not directory.is_dir():
            raise InputError("is a file, not a folder", path=directory)
        clash = [name for name in files if (directory / name).exists()]
        if clash and not force:
            raise InputError(
                f"{', '.join(clash)} already there; nothing written",
                path=directory,
                hint="use --force to overwrite",
            )
        for name, text in files.items():
            with atomic_writer(directory / name) as handle:
                handle.write(text)
    for name in files:
        console.print(f"Wrote {directory / name}")
    console.print(
        f"Next: callshift plan {directory / 'forecast.csv'} --agents {directory / 'agents.csv'} "
        f"--leave {directory / 'leave.csv'} --preferences {directory / 'preferences.csv'} "
        f"--config {directory / 'callshift.toml'}"
    )


_process_started: float | None = None  # set when the command runs as its own process


def main() -> None:
    global _process_started
    _process_started = LOADED_AT  # the time limit counts the imports too
    app()
