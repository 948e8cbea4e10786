"""Holiday calendar: package holidays, cuti bersama, company days, estimated dates, and the
holiday a shift is worked on."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import holidays
import pytest

from callshift import holidays as callshift_holidays
from callshift.config import HolidaySettings
from callshift.errors import InputError
from callshift.holidays import HolidayCalendar, holiday_calendar, holiday_of_shift

YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))
CHRISTMAS = date(2026, 12, 25)


def calendar_2026(**changes: Any) -> HolidayCalendar:
    return holiday_calendar(HolidaySettings(**changes), *YEAR_2026)


def shift(start: datetime, hours: float = 8) -> tuple[datetime, datetime]:
    return start, start + timedelta(hours=hours)


def test_third_party_package_and_this_module_do_not_clash() -> None:
    assert vars(callshift_holidays)["holidays_lib"] is holidays
    assert holidays.__name__ == "holidays"
    assert callable(holidays.country_holidays)
    assert callshift_holidays.__name__ == "callshift.holidays"


def test_christmas_is_natal_in_indonesian_and_christmas_in_english() -> None:
    assert "Natal" in calendar_2026().name(CHRISTMAS)
    english = calendar_2026(language="en_US").name(CHRISTMAS)
    assert "Christmas" in english
    assert "Natal" not in english


def test_language_none_is_the_countrys_own_not_the_machines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANGUAGE", "en_US")
    assert calendar_2026(language=None).name(CHRISTMAS) == "Hari Raya Natal"


def test_idul_fitri_dates_come_from_the_package() -> None:
    package = holidays.country_holidays("ID", years=2026, language="id")
    expected = sorted(day for day, name in package.items() if "Idul Fitri" in name)
    calendar = calendar_2026()
    days = [day for day, name in calendar.in_range(*YEAR_2026) if "Idul Fitri" in name]
    assert days == expected
    assert len(days) == 2


def test_public_holidays_are_exactly_the_packages_in_the_range() -> None:
    package = holidays.country_holidays("ID", years=2026, language="id")
    assert calendar_2026().in_range(*YEAR_2026) == sorted(package.items())


def test_cuti_bersama_is_off_by_default_and_on_when_asked() -> None:
    eve = date(2026, 12, 24)
    assert eve not in calendar_2026()
    assert calendar_2026().name(eve) == ""
    with_leave = calendar_2026(cuti_bersama=True)
    assert eve in with_leave
    assert with_leave.name(eve) == "Cuti Bersama Hari Raya Natal"
    package = holidays.country_holidays(
        "ID", years=2026, language="id", categories=("public", "government")
    )
    assert with_leave.in_range(*YEAR_2026) == sorted(package.items())


def test_company_holiday_is_added_and_merged_with_a_public_one() -> None:
    calendar = calendar_2026(
        company={
            "2026-12-25": "Ulang Tahun Perusahaan",
            "2026-07-10": "Family Day",
            "2026-08-17": "Hari Kemerdekaan Republik Indonesia",
            "2030-01-02": "Outside the range",
        }
    )
    assert calendar.name(date(2026, 7, 10)) == "Family Day"
    assert calendar.name(CHRISTMAS) == "Hari Raya Natal / Ulang Tahun Perusahaan"
    assert calendar.name(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert date(2030, 1, 2) not in calendar
    assert len(calendar.in_range(*YEAR_2026)) == len(calendar_2026().in_range(*YEAR_2026)) + 1


def test_range_is_padded_one_day_each_side_but_in_range_is_not() -> None:
    calendar = holiday_calendar(HolidaySettings(), date(2027, 1, 2), date(2027, 12, 24))
    assert date(2027, 1, 1) in calendar  # the day before the first
    assert date(2027, 12, 25) in calendar  # the day after the last
    assert date(2027, 12, 26) not in calendar
    listed = [day for day, _ in calendar.in_range(date(2027, 1, 2), date(2027, 12, 24))]
    assert date(2027, 1, 1) not in listed
    assert date(2027, 12, 25) not in listed
    assert listed == sorted(listed)
    with pytest.raises(ValueError, match="after"):
        holiday_calendar(HolidaySettings(), date(2027, 1, 2), date(2027, 1, 1))


def test_estimated_dates_are_the_ones_the_package_marks() -> None:
    first, last = date(2045, 1, 1), date(2045, 12, 31)
    calendar = holiday_calendar(HolidaySettings(), first, last)
    package = holidays.country_holidays("ID", years=2045, language="id")
    marked = {day for day, name in package.items() if "(perkiraan)" in name}
    assert marked
    assert calendar.estimated == marked
    fitri = {day for day, name in package.items() if "Idul Fitri" in name}
    assert fitri <= calendar.estimated
    for day in fitri:
        assert calendar.name(day).endswith("(perkiraan)")  # the package's name, kept
    english = holiday_calendar(HolidaySettings(language="en_US"), first, last)
    assert english.estimated == marked
    assert all(english.name(day).endswith("(estimated)") for day in marked)
    assert calendar_2026().name(CHRISTMAS) and CHRISTMAS not in calendar_2026().estimated


def test_shift_starting_on_a_holiday_is_that_holidays_shift() -> None:
    calendar = calendar_2026()
    assert holiday_of_shift(calendar, *shift(datetime(2026, 12, 25, 7))) == "Hari Raya Natal"
    # 23:00 on 25 Dec runs into 26 Dec (no holiday) but starts on Christmas
    assert holiday_of_shift(calendar, *shift(datetime(2026, 12, 25, 23))) == "Hari Raya Natal"
    assert holiday_of_shift(calendar, *shift(datetime(2026, 12, 28, 7))) == ""


def test_night_shift_into_a_holiday_belongs_to_it_when_half_or_more_falls_on_it() -> None:
    calendar = holiday_calendar(HolidaySettings(), date(2026, 12, 1), date(2026, 12, 31))
    # 23:00 on 24 Dec: 7 of 8 hours fall on Christmas
    assert holiday_of_shift(calendar, *shift(datetime(2026, 12, 24, 23))) == "Hari Raya Natal"
    # 23:00 on 31 Dec, the last day of the range: 1 Jan 2027 comes from the padding
    new_year = holiday_of_shift(calendar, *shift(datetime(2026, 12, 31, 23)))
    assert new_year == "Tahun Baru Masehi"
    # exactly half (20:00-04:00) counts, less than half (19:00-03:00) does not
    assert holiday_of_shift(calendar, *shift(datetime(2026, 12, 31, 20))) == new_year
    assert holiday_of_shift(calendar, *shift(datetime(2026, 12, 31, 19))) == ""
    assert holiday_of_shift(calendar, *shift(datetime(2026, 12, 24, 19))) == ""


def test_night_shift_before_cuti_bersama_eve_starts_on_it() -> None:
    calendar = calendar_2026(cuti_bersama=True)
    eve = holiday_of_shift(calendar, *shift(datetime(2026, 12, 24, 23)))
    assert eve == "Cuti Bersama Hari Raya Natal"


def test_long_shift_takes_the_holiday_with_most_of_its_time() -> None:
    calendar = HolidayCalendar({date(2026, 5, 2): "A", date(2026, 5, 3): "B"})
    # 1 May 22:00 to 3 May 10:00: 2 h on 1 May, 24 h on 2 May, 10 h on 3 May
    assert holiday_of_shift(calendar, datetime(2026, 5, 1, 22), datetime(2026, 5, 3, 10)) == "A"
    # 1 May 23:00 to 3 May 23:00: 24 h on 2 May is half, 23 h on 3 May is not
    assert holiday_of_shift(calendar, datetime(2026, 5, 1, 23), datetime(2026, 5, 3, 23)) == "A"
    start = datetime(2026, 5, 1, 12)
    assert holiday_of_shift(calendar, start, start) == ""
    with pytest.raises(ValueError, match="before it starts"):
        holiday_of_shift(calendar, start, start - timedelta(hours=1))


def test_other_countries_and_subdivisions() -> None:
    england = calendar_2026(country="GB", subdivision="ENG", language="en_GB")
    scotland = calendar_2026(country="GB", subdivision="SCT", language="en_GB")
    assert england.name(date(2026, 4, 6)) == "Easter Monday"
    assert date(2026, 1, 2) not in england
    assert date(2026, 1, 2) in scotland
    assert date(2026, 4, 6) not in scotland
    bavaria = calendar_2026(country="DE", subdivision="BY", language=None)
    assert bavaria.name(date(2026, 1, 6)) == "Heilige Drei Könige"
    assert date(2026, 1, 6) not in calendar_2026(country="DE", subdivision="BE", language=None)
    assert calendar_2026(country="DE", subdivision="Bayern", language="de") == bavaria


def test_unknown_country_suggests_close_codes() -> None:
    with pytest.raises(InputError) as caught:
        calendar_2026(country="XX")
    assert str(caught.value) == (
        "[holidays] country 'XX' is not supported by the holidays package"
        " (did you mean 'XK', 'SX' or 'MX'?)"
    )
    with pytest.raises(InputError) as caught:
        calendar_2026(country="QQQ")
    assert str(caught.value) == (
        "[holidays] country 'QQQ' is not supported by the holidays package"
        " (see holidays.list_supported_countries() for the codes)"
    )


def test_unknown_subdivision_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        calendar_2026(country="GB", subdivision="XYZ", language="en_GB")
    assert str(caught.value) == (
        "[holidays] subdivision 'XYZ' is not known for GB (known: ENG, NIR, SCT, WLS)"
    )
    with pytest.raises(InputError) as caught:
        calendar_2026(country="GB", subdivision="eng", language="en_GB")
    assert str(caught.value) == (
        "[holidays] subdivision 'eng' is not known for GB"
        " (did you mean 'ENG' or 'England'? known: ENG, NIR, SCT, WLS)"
    )
    with pytest.raises(InputError) as caught:
        calendar_2026(subdivision="JK")
    assert str(caught.value) == (
        "[holidays] subdivision 'JK' is not known for ID (ID has no subdivisions;"
        " leave subdivision out)"
    )


def test_unsupported_language_lists_the_supported_ones() -> None:
    with pytest.raises(InputError) as caught:
        calendar_2026(language="en")
    assert str(caught.value) == (
        "[holidays] language 'en' is not supported for ID"
        " (did you mean 'en_US'? supported: en_US, id, th, uk)"
    )
    assert calendar_2026(country="GB").name(date(2026, 12, 25)) == "Christmas Day"
    with pytest.raises(InputError) as caught:
        calendar_2026(country="GB", language="id")
    assert str(caught.value) == (
        "[holidays] language 'id' is not supported for GB (supported: en_GB, en_US, th, ur_PK)"
    )


def test_cuti_bersama_needs_a_government_category() -> None:
    with pytest.raises(InputError) as caught:
        calendar_2026(country="GB", language="en_GB", cuti_bersama=True)
    assert str(caught.value) == (
        "[holidays] cuti_bersama needs the 'government' holiday category, which GB does not"
        " have (GB has: public; set cuti_bersama = false)"
    )


def test_bad_company_date_names_the_key() -> None:
    with pytest.raises(InputError) as caught:
        calendar_2026(company={"2026-01-05": "Fine", "2026-02-30": "Founders Day"})
    assert str(caught.value) == (
        "[holidays] company holiday '2026-02-30' is not a valid date"
        " (write it as YYYY-MM-DD, e.g. 2026-08-17)"
    )
    with pytest.raises(InputError) as caught:
        calendar_2026(company={"2026-03-02": "  "})
    assert str(caught.value) == "[holidays] company holiday '2026-03-02' has no name"
