from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import cache

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, needs_data

from framing.dates import MONTHS, parse_date, parse_dates

NAT = pd.NaT


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# -- formats, one by one -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-18", "2025-06-18 00:00"),
        ("2025-06-18 14:05", "2025-06-18 14:05"),
        ("2025-06-18T14:05:09", "2025-06-18 14:05:09"),
        ("2025-06-18T14:05:00+07:00", "2025-06-18 07:05"),
        ("2025-06-18T14:05:00+0700", "2025-06-18 07:05"),
        ("2025-06-18T14:05:00Z", "2025-06-18 14:05"),
        ("2025-06-17T22:30:00-05:00", "2025-06-18 03:30"),
        ("2025-06-18T03:15:00.250+07:00", "2025-06-17 20:15:00.250"),
        ("  2025-06-18  ", "2025-06-18 00:00"),
        ("2025-06-18t14:05z", "2025-06-18 14:05"),  # not strict ISO: the regex path reads it
        ("Diperbarui 2025-06-18 14:05 WIB", "2025-06-18 07:05"),
        ("2025/06/18", "2025-06-18 00:00"),
        ("2025-6-8", "2025-06-08 00:00"),
    ],
)
def test_iso_and_year_first(text: str, expected: str) -> None:
    assert parse_dates([text]).tolist() == [ts(expected)]


@pytest.mark.parametrize(("token", "month"), sorted(MONTHS.items()))
def test_every_month_name_and_abbreviation(token: str, month: int) -> None:
    expected = ts(f"2025-{month:02d}-07")
    assert parse_dates([f"7 {token} 2025", f"07 {token.upper()} 2025", f"7 {token.capitalize()}. 2025"]).tolist() == [expected] * 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # WIB, WITA, WIT: the wall clock minus 7, 8, 9 hours
        ("Rabu, 18 Juni 2025 14:05 WIB", "2025-06-18 07:05"),
        ("Rabu, 18 Juni 2025 14:05 WITA", "2025-06-18 06:05"),
        ("Rabu, 18 Juni 2025 14:05 WIT", "2025-06-18 05:05"),
        ("Rabu, 18 Juni 2025 05:30 WIT", "2025-06-17 20:30"),  # the UTC day is the day before
        ("Rabu, 18 Juni 2025 06:59 WIB", "2025-06-17 23:59"),
        ("Rabu, 18 Juni 2025 07:00 WIB", "2025-06-18 00:00"),
        ("18 Jun 2025 14:05 wib", "2025-06-18 07:05"),
        ("18 Jun 2025 14:05 (WIB)", "2025-06-18 07:05"),
        ("18 Jun 2025 14:05 GMT", "2025-06-18 14:05"),
        ("18 Jun 2025 14:05 UTC", "2025-06-18 14:05"),
        ("18 Jun 2025 14:05 GMT+7", "2025-06-18 07:05"),
        ("18 Jun 2025 14:05 UTC+08:00", "2025-06-18 06:05"),
        ("Wed, 18 Jun 2025 14:05:30 +0700", "2025-06-18 07:05:30"),
        ("Wed, 18 Jun 2025 14:05:30 -0330", "2025-06-18 17:35:30"),
        # no zone: the clock is read as UTC
        ("18 Jun 2025 14:05", "2025-06-18 14:05"),
        # a stray "-2" is not a zone unless GMT/UTC says so
        ("18 Jun 2025 14:05 -2 komentar", "2025-06-18 14:05"),
    ],
)
def test_time_zones(text: str, expected: str) -> None:
    assert parse_dates([text]).tolist() == [ts(expected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 Juni 2025 14:05 WIB", "2025-06-18 07:05"),
        ("18 Juni 2025 14.05 WIB", "2025-06-18 07:05"),
        ("18 Juni 2025 | 14.05 WIB", "2025-06-18 07:05"),
        ("18 Juni 2025 |14:05 WIB", "2025-06-18 07:05"),
        ("18 Juni 2025, 14:05 WIB", "2025-06-18 07:05"),
        ("18 Juni 2025 - 14:05 WIB", "2025-06-18 07:05"),
        ("18 Juni 2025-  14:05 WIB", "2025-06-18 07:05"),
        ("18 Juni 2025, pukul 14.05 WIB", "2025-06-18 07:05"),
        ("18 Juni 2025 14:05:59 WIB", "2025-06-18 07:05:59"),
        ("18 Juni 2025 14.05.59 WIB", "2025-06-18 07:05:59"),
        ("June 18, 2025 at 2:05 PM", "2025-06-18 14:05"),
        ("June 18, 2025 12:10 am", "2025-06-18 00:10"),
        ("Jun 18, 2025 12:10 p.m.", "2025-06-18 12:10"),
        ("14:05 WIB, Rabu 18 Juni 2025", "2025-06-18 07:05"),  # the time before the date
        ("14.05 WIB | 18/06/2025", "2025-06-18 07:05"),
        ("Pukul 14.05 WIB, Rabu (18/6/2025)", "2025-06-18 07:05"),
        ("Jakarta, Rabu (18/6/2025) pukul 14.05 WIB", "2025-06-18 07:05"),
    ],
)
def test_times_and_their_separators(text: str, expected: str) -> None:
    assert parse_dates([text]).tolist() == [ts(expected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Senin, 16 Jun 2025 20:28 WIB", "2025-06-16 13:28"),
        ("Selasa, 17 Juni 2025 | 09.10 WIB", "2025-06-17 02:10"),
        ("Rabu   18 Jun 2025  11:00 WIB", "2025-06-18 04:00"),
        ("Kamis, 19 Juni 2025 - 08:45 WIB", "2025-06-19 01:45"),
        ("Jumat, 20 Jun 2025 16:20 WIB", "2025-06-20 09:20"),
        ("Jum'at, 20 Juni 2025 16:20 WIB", "2025-06-20 09:20"),
        ("Jum’at, 20 Juni 2025 16:20 WIB", "2025-06-20 09:20"),
        ("Sabtu, 21 Juni 2025 23:10 WITA", "2025-06-21 15:10"),
        ("Minggu, 22 Juni 2025 07:15 WIT", "2025-06-21 22:15"),
        ("Ahad, 22 Juni 2025", "2025-06-22 00:00"),
        ("Sunday, 22 June 2025 07:15 GMT", "2025-06-22 07:15"),
    ],
)
def test_day_names_are_skipped(text: str, expected: str) -> None:
    assert parse_dates([text]).tolist() == [ts(expected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Diperbarui 18 Jun 2025, 14:05 WIB", "2025-06-18 07:05"),
        ("Dipublikasikan 18 Jun 2025, 14:05 WIB", "2025-06-18 07:05"),
        ("Diterbitkan: Rabu, 18 Juni 2025 14:05 WIB", "2025-06-18 07:05"),
        ("Update: 18/06/2025 14:05 WIB", "2025-06-18 07:05"),
        ("Tayang: Rabu, 18 Juni 2025 14:05 WITA", "2025-06-18 06:05"),
        ("Warta.id - 18/06/2025, 14:05 WIB", "2025-06-18 07:05"),
        ("Warta.id- Diperbarui 18/06/2025, 14:05 WIB", "2025-06-18 07:05"),
        (",\xa0Penulis-Rabu, 18 Juni 2025 |14:05 WIB", "2025-06-18 07:05"),
        # openpyxl's escape of a control character, glued to the zone
        ("Rabu, 18 Jun 2025 - 14:05 WIB_x000D_", "2025-06-18 07:05"),
        ("Rabu, 18 Jun 2025 - 14:05 WIB_x0000_", "2025-06-18 07:05"),
        # the first date wins
        ("Dipublikasikan 17 Jun 2025, diperbarui 18 Jun 2025 14:05 WIB", "2025-06-17 00:00"),
    ],
)
def test_prefixes_and_datelines_are_skipped(text: str, expected: str) -> None:
    assert parse_dates([text]).tolist() == [ts(expected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18/06/2025", "2025-06-18"),
        ("18-06-2025", "2025-06-18"),
        ("18.06.2025", "2025-06-18"),
        ("18/6/25", "2025-06-18"),
        ("8-6-25", "2025-06-08"),
        ("18 Jun 25", "2025-06-18"),
        ("18-Jun-2025", "2025-06-18"),
        ("18 Juni 2025", "2025-06-18"),
        ("1 Januari 2000", "2000-01-01"),
        ("29 Februari 2024", "2024-02-29"),
        ("31 Des 99", "2099-12-31"),  # two-digit years are 20xx
        ("(18/06/2025)", "2025-06-18"),
    ],
)
def test_date_only_is_midnight_utc(text: str, expected: str) -> None:
    assert parse_dates([text]).tolist() == [ts(expected)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Tidak tersedia",
        "Gulir ke bawah untuk membaca",
        "kemarin",
        "2 jam yang lalu",  # relative, and no `now`
        "18 Juni",  # no year
        "18 Jun 14:05 WIB",  # no year: 14 is the hour
        "Juni 2025",  # no day
        "31 Februari 2025",
        "29 Februari 2025",
        "18/13/2025",
        "06/18/2025",  # month first is never guessed
        "00/06/2025",
        "18 Juni 2025 25:10 WIB",
        "18 Juni 2025 14:60 WIB",
        "18 Juni 2025 13:05 PM",
        "18 Juni 2025 14:05 GMT+15",
        "18 Juni 9999",  # outside datetime64[ns]
        "18 Juni 1500",
        "2025-02-30",
        "9999-06-18",
        "Rp 1.500.000",
        "14.05.30 WIB",
        "skor 2-1",
        "Marketing 5 Desa 2025",
    ],
)
def test_garbage_is_nat(text: str) -> None:
    assert parse_dates([text]).isna().all()
    assert parse_date(text) is None


# -- relative ages -----------------------------------------------------------------------------

NOW = datetime(2025, 6, 18, 12, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 jam yang lalu", "2025-06-18 10:00"),
        ("5 menit lalu", "2025-06-18 11:55"),
        ("30 detik yang lalu", "2025-06-18 11:59:30"),
        ("sejam yang lalu", "2025-06-18 11:00"),
        ("sehari yang lalu", "2025-06-17 12:00"),
        ("3 hari yang lalu", "2025-06-15 12:00"),
        ("1 minggu lalu", "2025-06-11 12:00"),
        ("2 pekan lalu", "2025-06-04 12:00"),
        ("2 bulan yang lalu", "2025-04-18 12:00"),
        ("1 tahun lalu", "2024-06-18 12:00"),
        ("Diperbarui 2 Jam Yang Lalu", "2025-06-18 10:00"),
        ("baru saja", "2025-06-18 12:00"),
        ("3 hours ago", "2025-06-18 09:00"),
        ("an hour ago", "2025-06-18 11:00"),
        ("just now", "2025-06-18 12:00"),
    ],
)
def test_relative_ages_count_back_from_now(text: str, expected: str) -> None:
    assert parse_dates([text], now=NOW).tolist() == [ts(expected)]
    assert parse_dates([text]).isna().all()


def test_relative_now_with_a_zone_is_converted_to_utc() -> None:
    now_wib = datetime(2025, 6, 18, 19, 0, tzinfo=timezone(timedelta(hours=7)))
    assert parse_dates(["2 jam yang lalu"], now=now_wib).tolist() == [ts("2025-06-18 10:00")]


def test_absolute_dates_ignore_now() -> None:
    assert parse_dates(["18 Juni 2024"], now=NOW).tolist() == [ts("2024-06-18")]


# -- containers, missing values, types ---------------------------------------------------------


def test_series_index_and_name_are_kept() -> None:
    values = pd.Series(["18 Juni 2025 14:05 WIB", None, "2025-06-18", "bukan tanggal"], index=[40, 10, 30, 20], name="tanggal")
    result = parse_dates(values)
    assert result.dtype == np.dtype("datetime64[ns]")
    assert result.index.tolist() == [40, 10, 30, 20] and result.name == "tanggal"
    assert result.tolist() == [ts("2025-06-18 07:05"), NAT, ts("2025-06-18"), NAT]


def test_list_input_gets_a_range_index() -> None:
    result = parse_dates(("18/06/2025", "19/06/2025"))
    assert isinstance(result.index, pd.RangeIndex) and result.index.tolist() == [0, 1]
    assert result.dtype == np.dtype("datetime64[ns]")


def test_missing_values_are_nat() -> None:
    values = pd.Series([None, np.nan, pd.NA, pd.NaT, "", "18/06/2025"], dtype=object)
    assert parse_dates(values).tolist() == [NAT] * 5 + [ts("2025-06-18")]
    assert parse_dates(pd.Series([np.nan, "18/06/2025"])).tolist() == [NAT, ts("2025-06-18")]


def test_empty_input() -> None:
    result = parse_dates([])
    assert result.empty and result.dtype == np.dtype("datetime64[ns]")


def test_repeated_values_give_the_same_answer() -> None:
    values = ["Rabu, 18 Juni 2025 14:05 WIB", None, "2025-06-18", "Rabu, 18 Juni 2025 14:05 WIB", "2025-06-18", None]
    assert parse_dates(values).tolist() == [ts("2025-06-18 07:05"), NAT, ts("2025-06-18"), ts("2025-06-18 07:05"), ts("2025-06-18"), NAT]


def test_datetime_values_pass_through_in_utc() -> None:
    wib = timezone(timedelta(hours=7))
    values = pd.Series([datetime(2025, 6, 18, 14, 5), datetime(2025, 6, 18, 14, 5, tzinfo=wib), date(2025, 6, 18), np.datetime64("2025-06-18T01:02"), "18/06/2025"], dtype=object)
    assert parse_dates(values).tolist() == [ts("2025-06-18 14:05"), ts("2025-06-18 07:05"), ts("2025-06-18"), ts("2025-06-18 01:02"), ts("2025-06-18")]


def test_datetime_series_is_converted() -> None:
    aware = pd.Series(pd.to_datetime(["2025-06-18T14:05:00+07:00", None]), index=["a", "b"])
    assert parse_dates(aware).tolist() == [ts("2025-06-18 07:05"), NAT]
    assert parse_dates(aware).index.tolist() == ["a", "b"]
    naive = pd.Series(pd.to_datetime(["2025-06-18 14:05"])).astype("datetime64[s]")
    result = parse_dates(naive)
    assert result.dtype == np.dtype("datetime64[ns]") and result.tolist() == [ts("2025-06-18 14:05")]


def test_a_single_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"Got values='18/06/2025', expected a sequence of date strings .* Use parse_date for one value\."):
        parse_dates("18/06/2025")


def test_a_number_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"Got values\['b'\]=20250618 \(int\), expected a string, a date or None\."):
        parse_dates(pd.Series(["18/06/2025", 20250618], index=["a", "b"], dtype=object))


def test_parse_date_one_value() -> None:
    assert parse_date("Tayang: Selasa, 10 Juni 2025 08:39 WITA") == datetime(2025, 6, 10, 0, 39)
    assert parse_date("2025-06-18T14:05:00+07:00") == datetime(2025, 6, 18, 7, 5)
    assert parse_date("2 jam yang lalu", now=NOW) == datetime(2025, 6, 18, 10, 0)
    assert parse_date(None) is None and parse_date("bukan tanggal") is None
    found = parse_date("18/06/2025")
    assert type(found) is datetime and found.tzinfo is None


# -- the real corpora in ../shared -------------------------------------------------------------
# indonews_2025 only: IndoSum records carry no date field.

DATE_COLUMNS = ("tanggal_publikasi", "date", "Tanggal")
ZONE_HOURS = {"WIB": 7, "WITA": 8, "WIT": 9}
DAY_NUMBERS = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6}

# file -> (rows, parsed, earliest, latest), measured. Unparsed values are checked to hold no digit.
REAL_FILES = {
    "daily/scrapping_news_2025-06-18.csv": (1973, 1972, "2015-12-30 12:16", "2025-06-18 15:07"),
    "daily/scrapping_news_2025-06-19.csv": (1830, 1829, "2015-12-30 12:16", "2025-06-19 03:32"),
    "daily/scrapping_news_2025-06-20.csv": (1971, 1970, "2015-12-30 12:16", "2025-06-20 11:48"),
    "by_outlet/berita_Liputan6.xlsx": (892, 892, "2024-12-20 06:37", "2025-06-10 13:33"),
    "by_outlet/berita_detik.csv": (709, 709, "2015-12-30 00:00", "2025-06-10 00:00"),
    "by_outlet/berita_kapanlagi.csv": (124, 64, "2025-06-09 00:00", "2025-06-10 00:00"),
    "by_outlet/berita_kompas.csv": (50, 50, "2025-06-10 13:17", "2025-06-10 15:07"),
    "by_outlet/berita_okezone.xlsx": (673, 669, "2007-12-02 17:07", "2025-06-11 05:17"),
    "by_outlet/berita_posmetro.xlsx": (65, 65, "2025-05-28 01:02", "2025-06-11 01:38"),
    "by_outlet/berita_republika.csv": (12, 12, "2025-06-10 00:00", "2025-06-10 00:00"),
    "by_outlet/berita_sindonews.xlsx": (409, 409, "2023-06-07 12:08", "2025-06-11 04:42"),
    "by_outlet/berita_tempo.xlsx": (133, 0, None, None),  # the date cell holds page furniture only
    "by_outlet/berita_tribun.xlsx": (1085, 1085, "2025-06-07 00:54", "2025-06-10 02:02"),
}


@cache
def _real(name: str) -> pd.DataFrame:
    """The date column (and the URL column, for okezone) of one indonews_2025 file, as raw strings."""
    path = DATA / "indonews_2025" / name
    wanted = {*DATE_COLUMNS, "Link"}
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=object, keep_default_na=False, encoding="utf-8-sig", usecols=lambda c: c in wanted)
    else:
        frame = pd.read_excel(path, dtype=object, usecols=lambda c: c in wanted).fillna("")
    return frame.rename(columns=dict.fromkeys(DATE_COLUMNS, "raw"))


@needs_data
def test_every_date_file_is_covered() -> None:
    found = {str(p.relative_to(DATA / "indonews_2025")) for p in (DATA / "indonews_2025").glob("*/*") if p.suffix in (".csv", ".xlsx")}
    assert found == set(REAL_FILES)


@needs_data
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_dates_parse_share_and_range(name: str) -> None:
    rows, parsed, earliest, latest = REAL_FILES[name]
    raw = _real(name)["raw"]
    result = parse_dates(raw)
    assert len(raw) == rows and result.notna().sum() == parsed
    # What is left unparsed has no digit at all: empty cells and "not found" placeholders, no date.
    assert not raw[result.isna()].str.contains(r"\d").any()
    if earliest is None:
        assert result.isna().all()
    else:
        assert (result.min(), result.max()) == (ts(earliest), ts(latest))


@needs_data
@pytest.mark.parametrize(("day", "in_june"), [(18, 1836), (19, 1695), (20, 1849)])
def test_daily_files_are_mostly_june_2025_and_none_after_the_scrape_day(day: int, in_june: int) -> None:
    result = parse_dates(_real(f"daily/scrapping_news_2025-06-{day}.csv")["raw"]).dropna()
    assert result.between(ts("2025-06-01"), ts("2025-07-01"), inclusive="left").sum() == in_june
    assert in_june / len(result) > 0.92  # the rest are older articles still linked from the feeds
    assert result.max() < ts(f"2025-06-{day}") + pd.Timedelta(hours=24 - 7)  # before midnight WIB


@needs_data
def test_by_outlet_files_end_by_11_june_2025() -> None:
    latest = max(parse_dates(_real(name)["raw"]).max() for name in REAL_FILES if name.startswith("by_outlet/berita_") and "tempo" not in name)
    assert latest == ts("2025-06-11 05:17")
    since_may = sum(int((parse_dates(_real(n)["raw"]) >= ts("2025-05-01")).sum()) for n in REAL_FILES if n.startswith("by_outlet/"))
    assert since_may == 3716  # of 3,955 parsed: okezone (215), liputan6 (18), detik (4), sindonews (2) list older articles


@needs_data
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_day_names_agree_with_parsed_dates(name: str) -> None:
    """Where a value names its weekday, the parsed date, back on the local clock, falls on that day."""
    raw = _real(name)["raw"]
    result = parse_dates(raw)
    zone = raw.str.extract(r"\b(WITA|WIT|WIB)\b", expand=False).map(ZONE_HOURS).fillna(0)
    local = result + pd.to_timedelta(zone, unit="h")
    named = raw.str.lower().str.extract(r"\b(senin|selasa|rabu|kamis|jum'?at|sabtu|minggu)\b", expand=False).map(DAY_NUMBERS)
    both = named.notna() & result.notna()
    assert (local[both].dt.day_of_week == named[both]).all()


@needs_data
def test_okezone_dates_agree_with_their_urls() -> None:
    """okezone URLs carry a day (/read/YYYY/MM/DD/): the parsed WIB day is that day or, for articles
    that went out in the small hours, the day after."""
    frame = _real("by_outlet/berita_okezone.xlsx")
    local_day = (parse_dates(frame["raw"]) + pd.Timedelta(hours=7)).dt.normalize()
    url_day = pd.to_datetime(frame["Link"].str.extract(r"/read/(\d{4}/\d{2}/\d{2})/", expand=False), format="%Y/%m/%d")
    days_later = (local_day - url_day).dt.days.dropna()
    assert days_later.value_counts().to_dict() == {0: 610, 1: 59}
