"""Settings: defaults, the commented template, and every way a config file can be wrong."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from callshift.config import Config, load_config
from callshift.errors import InputError
from callshift.sample import CONFIG_TEMPLATE


def test_defaults_are_the_published_ones() -> None:
    s = Config().staffing
    assert (s.service_level, s.answer_seconds, s.max_occupancy, s.shrinkage) == (
        0.80,
        20.0,
        0.85,
        0.30,
    )


def test_template_written_by_init_states_the_defaults() -> None:
    assert Config.from_toml(CONFIG_TEMPLATE, source="x.toml") == replace(Config(), source="x.toml")


def test_keys_override_defaults_and_ints_become_floats(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[staffing]\nservice_level = 0.9\nanswer_seconds = 30\nasa_seconds = 15\n")
    config = Config.from_file(path)
    assert config.staffing.service_level == 0.9
    assert config.staffing.answer_seconds == 30.0
    assert config.staffing.asa_seconds == 15.0
    assert config.staffing.shrinkage == 0.30
    assert config.source == str(path)


def test_load_config_picks_up_callshift_toml_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(None) == Config()
    (tmp_path / "callshift.toml").write_text("[staffing]\nshrinkage = 0.25\n")
    assert load_config(None).staffing.shrinkage == 0.25


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[staffing]\nshrinkage = 0.3\nservice_levl = 0.9\n",
            "c.toml:3:1: unknown key 'service_levl' in [staffing] (did you mean 'service_level'?)",
        ),
        (
            "[stafing]\nshrinkage = 0.3\n",
            "c.toml:1:2: unknown section [stafing] (did you mean 'staffing'?)",
        ),
        (
            '[staffing]\n  shrinkage = "thirty"\n',
            "c.toml:2:3: shrinkage must be a number, not 'thirty'",
        ),
        (
            "[staffing]\nmin_agents = 1.5\n",
            "c.toml:2:1: min_agents must be a whole number, not 1.5",
        ),
        (
            "[staffing]\nservice_level = true\n",
            "c.toml:2:1: service_level must be a number, not True",
        ),
        (
            "[staffing]\nservice_level = 80\n",
            "c.toml:2:1: [staffing] service_level must be a fraction between 0 and 1, e.g. 0.8",
        ),
        (
            "[staffing]\nshrinkage = 1.0\n",
            "c.toml:2:1: [staffing] shrinkage must be a fraction in [0, 1), e.g. 0.30",
        ),
        (
            "[staffing\n",
            "c.toml:1:10: not valid TOML: Expected ']' at the end of a table declaration",
        ),
        ("staffing = 3\n", "c.toml:1:1: staffing must be a [staffing] section"),
    ],
)
def test_bad_config_names_file_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        Config.from_file(path)
    assert str(caught.value) == str(tmp_path / message)


def test_missing_config_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"config file not found \(run `callshift init`"):
        Config.from_file(tmp_path / "nope.toml")


def test_shift_templates_replace_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[[shifts]]\ncode = "E"\nstart = "06:00"\nlength_hours = 9\nbreak_minutes = 60\n'
        '[[shifts]]\ncode = "F"\nstart = "08:00"\nlatest_start = "10:00"\nstep_minutes = 30\n'
    )
    shifts = Config.from_file(path).shifts
    assert [s.code for s in shifts] == ["E", "F"]
    assert shifts[0].length_hours == 9.0 and shifts[0].break_minutes == 60
    assert shifts[1].latest_start == "10:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[shifts]]\ncode = "P"\nstart = "07:00"\n[[shifts]]\ncode = "L"\nlength_hours = 25\n',
            "c.toml:6:1: [[shifts]] length_hours must be more than 0 and at most 24, not 25",
        ),
        (
            '[[shifts]]\ncode = "P"\n[[shifts]]\ncode = "P"\nstart = "08:00"\n',
            "c.toml:4:1: shift code 'P' used twice",
        ),
        (
            '[[shifts]]\ncode = "P"\nstart = "7am"\n',
            "c.toml:3:1: [[shifts]] start must be a time of day HH:MM, e.g. 07:00, not '7am'",
        ),
        (
            '[[shifts]]\ncode = "P"\nlenght_hours = 8\n',
            "c.toml:3:1: unknown key 'lenght_hours' in [[shifts]] (did you mean 'length_hours'?)",
        ),
        (
            "[rules]\nmin_rest_hours = -1\n",
            "c.toml:2:1: [rules] min_rest_hours must be between 0 and 48",
        ),
        (
            "[solver]\ntime_limit_seconds = 0\n",
            "c.toml:2:1: [solver] time_limit_seconds must be > 0",
        ),
        (
            '[report]\n\ntimezone = "Asia/Jakata"\n',
            "c.toml:3:1: [report] timezone must be an IANA time zone name like Asia/Jakarta or "
            "Europe/London, not 'Asia/Jakata'",
        ),
        (
            "[report]\ntimezone = 7\n",
            "c.toml:2:1: timezone must be a string, not 7",
        ),
    ],
)
def test_bad_rules_and_shifts_name_the_place(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        Config.from_file(path)
    assert str(caught.value) == str(tmp_path / message)


def test_presets_set_the_law_and_keys_beside_them_override(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[rules]\npreset = "eu"\n')
    eu = Config.from_file(path).rules
    assert (eu.weekly_rest_days, eu.max_contract_hours, eu.night_ok_end) == (1, 48.0, "05:00")
    path.write_text('[rules]\npreset = "id-6x7"\nmin_rest_hours = 12\n')
    six = Config.from_file(path).rules
    assert (six.weekly_rest_days, six.min_rest_hours, six.preset) == (1, 12.0, "id-6x7")
    default = Config().rules
    assert (default.preset, default.night_ok_start, default.night_ok_end) == (
        "id",
        "23:00",
        "07:00",
    )
    assert default.max_shift_hours == 12 and default.max_contract_hours == 58  # 8 + 4, 40 + 18


def test_report_time_zone_defaults_to_jakarta_and_takes_any_iana_name(tmp_path: Path) -> None:
    assert Config().report.timezone == "Asia/Jakarta"
    path = tmp_path / "c.toml"
    path.write_text('[report]\ntimezone = "Asia/Makassar"\n')
    assert Config.from_file(path).report.timezone == "Asia/Makassar"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[rules]\npreset = "us"\n',
            "c.toml:2:1: [rules] preset must be one of id, id-6x7, eu, not 'us'",
        ),
        (
            '[rules]\npreset = "eu"\ncontract_hours = 50\n',
            "c.toml:3:1: [rules] contract_hours must be at most max_contract_hours (48)",
        ),
    ],
)
def test_bad_presets_name_the_place(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        Config.from_file(path)
    assert str(caught.value) == str(tmp_path / message)
