"""What a scheduled run needs: a start date in words, one output folder per period, a lock
per folder, and folders written whole.

- ``parse_start`` reads ``--start``: a date, or ``today``, ``tomorrow``, ``next-monday``
  counted from ``today()``, which ``CALLSHIFT_TODAY`` can pin (for tests and for replaying
  a past run).
- ``out_folder`` puts the start date into ``--out plans/{start}``.
- ``output_lock`` keeps two runs from writing one folder at once: an ``flock`` on a hidden
  file beside the folder, which the kernel releases when the holder ends, however it ends.
- ``write_folder`` stages every file in a hidden folder beside the target, then renames:
  a reader or a killed run never sees half a file, and a new folder appears whole or not
  at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path

from callshift.errors import InputError

TODAY_VARIABLE = "CALLSHIFT_TODAY"
START_WORDS = ("today", "tomorrow", "next-monday")
START_PLACEHOLDER = "{start}"
DEFAULT_OUT = Path("callshift-out")
_STAGING_SUFFIX = ".staging"


def today() -> date:
    """The local date, or ``CALLSHIFT_TODAY`` (YYYY-MM-DD) when set."""
    text = os.environ.get(TODAY_VARIABLE, "").strip()
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{TODAY_VARIABLE} must be a date YYYY-MM-DD, not {text!r}",
            hint=f"unset {TODAY_VARIABLE} to use today's date",
        ) from None


def parse_start(text: str, flag: str = "--start", *, now: date | None = None) -> date:
    """A date YYYY-MM-DD, or a word: ``today``, ``tomorrow``, or ``next-monday`` (the
    first Monday strictly after today, so a Sunday-night cron run plans the coming week
    and a Monday run the week after). ``now`` stands for today (default ``today()``)."""
    word = text.strip().lower()
    if word in START_WORDS:
        day = now or today()
        if word == "today":
            return day
        if word == "tomorrow":
            return day + timedelta(days=1)
        return day + timedelta(days=7 - day.weekday())
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{flag} must be a date YYYY-MM-DD or one of {', '.join(START_WORDS)}, not {text!r}"
        ) from None


def out_folder(template: str | Path | None, start: date) -> Path:
    """The output folder: ``template`` with ``{start}`` replaced by the start date, or
    ``callshift-out/<start date>`` without one."""
    if template is None:
        return DEFAULT_OUT / start.isoformat()
    text = str(template)
    unknown = re.findall(r"\{[^{}]*\}", text.replace(START_PLACEHOLDER, ""))
    if unknown:
        raise InputError(
            f"--out has an unknown placeholder {unknown[0]}",
            hint=f"the only one is {START_PLACEHOLDER}, the start date YYYY-MM-DD",
        )
    return Path(text.replace(START_PLACEHOLDER, start.isoformat()))


def _place(folder: str | Path) -> tuple[Path, str]:
    """The folder's parent and name, with `.` and `..` resolved."""
    full = Path(os.path.abspath(folder))
    if not full.name:
        raise InputError("cannot write into the root folder", path=folder)
    return full.parent, full.name


def _side(folder: str | Path) -> tuple[Path, str]:
    """Where the lock file and the staging folder go, and the stem of their names: beside
    the folder, hidden (`plans/.2026-12-21.lock`), so that the folder holds only outputs;
    inside it (`.callshift.lock`) only when its parent is not writable (`--out .` in a
    folder like /srv/wfm)."""
    parent, name = _place(folder)
    if not os.access(parent, os.W_OK) and (parent / name).is_dir():
        return parent / name, ".callshift"
    return parent, f".{name}"


def lock_path(folder: str | Path) -> Path:
    """The lock file of ``folder`` (see ``_side``)."""
    side, stem = _side(folder)
    return side / f"{stem}.lock"


@contextlib.contextmanager
def output_lock(folder: str | Path) -> Iterator[Path]:
    """Hold the lock of ``folder`` for the block, or fail at once (exit 2) naming the
    process that holds it. The lock file keeps the holder's pid while held; it is left in
    place afterwards, empty (removing it would let two runs lock two different files)."""
    if Path(folder).exists() and not Path(folder).is_dir():
        raise InputError("is a file, not a folder", path=folder, hint="choose another --out")
    path = lock_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise InputError(f"cannot create the lock file {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            raise InputError(
                f"another callshift run{holder} is writing this folder; nothing done",
                path=folder,
                hint=f"wait for it to end, or choose another --out; its lock is {path}",
            ) from None
        except OSError as exc:
            raise InputError(f"cannot lock {path}: {exc.strerror}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _remove_stale_staging(folder)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return f" (pid {text})" if text.isdigit() else ""


def _remove_stale_staging(folder: str | Path) -> None:
    """Staging folders a killed run left beside ``folder``; only called under its lock."""
    side, stem = _side(folder)
    pattern = re.compile(rf"{re.escape(stem)}\.\d+\.[0-9a-f]{{8}}{re.escape(_STAGING_SUFFIX)}")
    for entry in os.scandir(side):
        if pattern.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


def write_folder(folder: str | Path, texts: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``texts`` (file name → content: text as UTF-8, or bytes as they are) into
    ``folder``, all or nothing.

    Every file is written and synced in a hidden staging folder beside ``folder`` first;
    an error there removes the staging folder and changes nothing. A folder that does not
    exist yet then appears by one rename, whole. Into a folder that exists, each file is
    renamed over its old version (a reader sees the old file or the new one, never half of
    either; other files there are left alone): only a crash within those few renames could
    leave some files new and some old, so callers hold signals off during the write. A run
    killed outright leaves at most the staging folder, which the next run under the lock
    removes.
    """
    target = Path(folder)
    parent, _ = _place(target)
    side, stem = _side(target)
    staging = side / f"{stem}.{os.getpid()}.{secrets.token_hex(4)}{_STAGING_SUFFIX}"
    try:
        side.mkdir(parents=True, exist_ok=True)
        os.mkdir(staging)
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror}", path=folder) from None
    try:
        for file_name, text in texts.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            with open(staging / file_name, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        _sync_folder(staging)
        if not target.exists():
            os.rename(staging, target)
            _sync_folder(parent)
        else:
            for file_name in texts:
                os.replace(staging / file_name, target / file_name)
            _sync_folder(target)
            os.rmdir(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / file_name for file_name in texts]


def _sync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
