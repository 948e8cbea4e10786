"""Scheduled runs: start dates in words, folders per period, the folder lock, whole writes."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from callshift.errors import InputError
from callshift.runs import (
    TODAY_VARIABLE,
    lock_path,
    out_folder,
    output_lock,
    parse_start,
    today,
    write_folder,
)

WEDNESDAY = date(2026, 12, 16)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (date(2026, 12, 14), date(2026, 12, 21)),  # a Monday: the next one, not itself
        (WEDNESDAY, date(2026, 12, 21)),
        (date(2026, 12, 20), date(2026, 12, 21)),  # a Sunday: tomorrow
        (date(2026, 12, 28), date(2027, 1, 4)),  # across the year
    ],
)
def test_next_monday_is_the_first_monday_strictly_after_today(now: date, expected: date) -> None:
    assert parse_start("next-monday", now=now) == expected
    assert expected.weekday() == 0


def test_start_words_and_dates() -> None:
    assert parse_start("today", now=WEDNESDAY) == WEDNESDAY
    assert parse_start("tomorrow", now=WEDNESDAY) == date(2026, 12, 17)
    assert parse_start(" Next-Monday ", now=WEDNESDAY) == date(2026, 12, 21)
    assert parse_start("2027-01-04", now=WEDNESDAY) == date(2027, 1, 4)


def test_a_bad_start_names_the_flag_and_the_words() -> None:
    with pytest.raises(InputError) as caught:
        parse_start("next-week", "--start", now=WEDNESDAY)
    assert str(caught.value) == (
        "--start must be a date YYYY-MM-DD or one of today, tomorrow, next-monday, not 'next-week'"
    )


def test_today_can_be_pinned_for_tests_and_replays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_VARIABLE, "2026-12-16")
    assert today() == WEDNESDAY
    assert parse_start("next-monday") == date(2026, 12, 21)
    monkeypatch.setenv(TODAY_VARIABLE, "")
    assert today() == date.today()
    monkeypatch.delenv(TODAY_VARIABLE)
    assert today() == date.today()


def test_a_bad_pinned_today_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_VARIABLE, "16/12/2026")
    with pytest.raises(InputError, match="CALLSHIFT_TODAY must be a date YYYY-MM-DD"):
        parse_start("next-monday")


def test_out_folder_puts_the_start_date_in_place() -> None:
    start = date(2026, 12, 21)
    assert out_folder("plans/{start}", start) == Path("plans/2026-12-21")
    assert out_folder(Path("plans/week-{start}/x"), start) == Path("plans/week-2026-12-21/x")
    assert out_folder("plans", start) == Path("plans")
    assert out_folder(None, start) == Path("callshift-out/2026-12-21")


def test_out_folder_refuses_an_unknown_placeholder() -> None:
    with pytest.raises(InputError) as caught:
        out_folder("plans/{date}", date(2026, 12, 21))
    assert str(caught.value) == (
        "--out has an unknown placeholder {date} (the only one is {start}, the start date "
        "YYYY-MM-DD)"
    )


def test_the_lock_is_beside_the_folder_and_holds_the_pid(tmp_path: Path) -> None:
    folder = tmp_path / "plans" / "2026-12-21"
    with output_lock(folder) as path:
        assert path == lock_path(folder) == tmp_path / "plans" / ".2026-12-21.lock"
        assert path.read_text() == f"{os.getpid()}\n"
        assert not folder.exists()  # the lock never puts anything into the folder
    assert path.read_text() == ""  # released: no pid left to mislead anyone


def test_a_held_lock_refuses_a_second_run_naming_folder_and_pid(tmp_path: Path) -> None:
    folder = tmp_path / "2026-12-21"
    with output_lock(folder):
        with pytest.raises(InputError) as caught, output_lock(tmp_path / "." / "2026-12-21"):
            pass  # pragma: no cover
        assert str(caught.value).startswith(
            f"{tmp_path / '.' / '2026-12-21'}: another callshift run (pid {os.getpid()}) is "
            "writing this folder; nothing done (wait for it to end, or choose another --out; "
            f"its lock is {tmp_path / '.2026-12-21.lock'})"
        )
    with output_lock(folder):  # released on leaving the block
        pass


def test_the_lock_refuses_a_file_in_place_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder")
    with (
        pytest.raises(InputError, match="out: is a file, not a folder"),
        output_lock(tmp_path / "out"),
    ):
        pass  # pragma: no cover


def test_a_new_folder_is_written_whole(tmp_path: Path) -> None:
    folder = tmp_path / "plans" / "2026-12-21"
    written = write_folder(folder, {"a.csv": "a\n1\n", "b.json": "{}\n"})
    assert written == [folder / "a.csv", folder / "b.json"]
    assert (folder / "a.csv").read_text() == "a\n1\n"
    assert sorted(p.name for p in (tmp_path / "plans").iterdir()) == ["2026-12-21"]


def test_bytes_are_written_as_they_are_and_text_as_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    write_folder(folder, {"r.xlsx": b"PK\x03\x04\r\n\xff", "n.txt": "Hari Raya Natal \u2014 ok\n"})
    assert (folder / "r.xlsx").read_bytes() == b"PK\x03\x04\r\n\xff"
    assert (folder / "n.txt").read_bytes() == "Hari Raya Natal \u2014 ok\n".encode()


def test_an_existing_folder_gets_new_files_and_keeps_others(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.csv").write_text("old\n")
    (folder / "notes.txt").write_text("mine\n")
    write_folder(folder, {"a.csv": "new\n"})
    assert (folder / "a.csv").read_text() == "new\n"
    assert (folder / "notes.txt").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_write_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    folder = tmp_path / "out"
    if existing:
        folder.mkdir()
        (folder / "a.csv").write_text("old\n")
    calls = []
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the second file
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_folder(folder, {"a.csv": "new\n", "b.csv": "new\n", "c.csv": "new\n"})
    monkeypatch.undo()
    if existing:
        assert sorted(p.name for p in folder.iterdir()) == ["a.csv"]
        assert (folder / "a.csv").read_text() == "old\n"
    else:
        assert not folder.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == (["out"] if existing else [])


def test_files_get_the_usual_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        write_folder(tmp_path / "out", {"a.csv": "a\n"})
    finally:
        os.umask(mask)
    assert (tmp_path / "out" / "a.csv").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755


def test_the_lock_clears_what_a_killed_run_left_beside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "2026-12-21"
    left = tmp_path / ".2026-12-21.4242.0123abcd.staging"
    left.mkdir()
    (left / "roster.csv").write_text("half")
    other = tmp_path / ".2026-12-21.x.4242.0123abcd.staging"  # another folder's: kept
    other.mkdir()
    with output_lock(folder):
        assert not left.exists()
        assert other.exists()


def test_with_a_read_only_parent_the_lock_goes_inside_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--out .` in a folder whose parent the user cannot write (like /srv/wfm)."""
    folder = tmp_path / "wfm"
    folder.mkdir()
    (folder / "roster.csv").write_text("old\n")
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: Path(path) != tmp_path and real_access(path, mode)
    )
    with output_lock(folder / ".") as path:
        assert path == folder / ".callshift.lock"
        write_folder(folder / ".", {"roster.csv": "new\n"})
    assert sorted(p.name for p in folder.iterdir()) == [".callshift.lock", "roster.csv"]
    assert (folder / "roster.csv").read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wfm"]
