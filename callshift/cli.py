"""The `callshift` command: parse flags, call the library, render, set the exit code.

No parsing or maths lives here. A `CallshiftError` from the library becomes one
`Error: …` line on stderr and its exit code (2 bad input, 1 infeasible); anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from callshift import __version__
from callshift.config import load_config
from callshift.errors import CallshiftError, InputError
from callshift.forecast import read_forecast
from callshift.report import atomic_writer, staffing_table, write_staffing_csv
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
    console.print(f"Next: callshift staff {directory / 'forecast.csv'}")


def main() -> None:
    app()
