"""Parse the publication dates of Indonesian news pages into UTC timestamps, for time-forward splits.

Scraped date fields come in many shapes: ``Diperbarui 18 Jun 2025, 14:05 WIB``,
``Rabu, 18 Juni 2025 | 14.05 WIB``, ``Kompas.com - 18/06/2025, 14:05 WIB``,
``Tayang: Selasa, 10 Juni 2025 08:39 WITA``, ISO 8601 from feeds and APIs, RFC 2822 from RSS.
:func:`parse_dates` turns a column of them into ``datetime64[ns]`` (naive, in UTC; ``NaT`` where a value
holds no date), :func:`parse_date` does one value.

Rules, in the order they are applied to a value:

1. Missing values (``None``, NaN, ``pd.NA``, ``NaT``) and blank strings are ``NaT``. ``datetime``,
   ``date`` and ``Timestamp`` values are taken as they are (naive ones are read as UTC).
2. Strict ISO 8601 strings (``2025-06-18``, ``2025-06-18 14:05``, ``2025-06-18T14:05:00+07:00``,
   ``...Z``) are parsed by pandas in one vectorised call.
3. Everything else goes through one regular expression that looks for the *first* date in the string,
   so whatever surrounds it is ignored: day names (Senin ... Minggu, Jum'at, Mon ... Sun), prefixes
   (``Diperbarui``, ``Dipublikasikan``, ``Diterbitkan``, ``Update:``, ``Tayang:``) and datelines
   (``Kompas.com -``). A date is

   - day, month name, year: ``18 Juni 2025``, ``18 Jun 2025``, ``18-Jun-25``; Indonesian and English
     names and their abbreviations (``Peb``, ``Agt``/``Agu``, ``Nop``, ``Des``, ``Sept`` ...);
   - month name, day, year: ``June 18, 2025`` (four-digit year only);
   - numeric, day first: ``18/06/2025``, ``18-06-2025``, ``18/6/25``, ``18.06.2025`` (a two-digit
     year needs ``/`` or ``-``, so that ``14.05.30`` is never a date); the month is never guessed to
     come first, so ``06/18/2025`` is ``NaT``;
   - numeric, year first: ``2025/06/18``, ``2025-6-18``.

   Two-digit years are 20xx. The time is read right after the date (``14:05``, ``14.05``,
   ``14:05:30``, ``2:05 PM``, after ``,``, ``|``, ``-``, ``pukul``), or else right before it
   (``14:05 WIB, Rabu 18 Juni 2025``).
4. A time zone after the time converts it to UTC: ``WIB`` (+07:00), ``WITA`` (+08:00), ``WIT``
   (+09:00), ``GMT``/``UTC``/``Z`` (+00:00), and numeric offsets (``+0700``, ``+07:00``, ``GMT+7``).
   A time without a zone is read as UTC, as naive ISO strings are.
5. A date without a time is midnight UTC of that day. Converting "midnight WIB" instead would move
   every date-only value to 17:00 of the *previous* day, so a split by calendar day would put it on
   the wrong side; the date as printed is the better fact to keep.
6. Relative ages (``2 jam yang lalu``, ``5 menit lalu``, ``sehari yang lalu``, ``3 hours ago``,
   ``baru saja``, ``just now``) are ``now`` minus the age, when ``now`` is given; without it they are
   ``NaT``, as the scrape time is unknown. Months and years count in calendar months.

A value that names an impossible date or time (``31 Februari 2025``, ``18/13/2025``, ``25:10``), a
date without a year (``18 Juni``), or a year outside what ``datetime64[ns]`` holds (1678-2261) is
``NaT``: a wrong timestamp would put an article on the wrong side of a split without anyone noticing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["parse_date", "parse_dates"]

MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agus": 8, "agu": 8, "agt": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip
DAYS = (
    "senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "jum’at", "sabtu", "minggu", "ahad",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
)  # fmt: skip
ZONES: dict[str, int] = {"wib": 7 * 60, "wita": 8 * 60, "wit": 9 * 60, "gmt": 0, "utc": 0, "z": 0}
# Seconds per unit of a relative age; months and years are calendar arithmetic instead.
_UNITS: dict[str, int | str] = {
    "detik": 1, "second": 1, "seconds": 1, "sec": 1, "secs": 1,
    "menit": 60, "minute": 60, "minutes": 60, "min": 60, "mins": 60,
    "jam": 3600, "hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600,
    "hari": 86400, "day": 86400, "days": 86400,
    "minggu": 7 * 86400, "pekan": 7 * 86400, "week": 7 * 86400, "weeks": 7 * 86400,
    "bulan": "months", "month": "months", "months": "months",
    "tahun": "years", "year": "years", "years": "years",
}  # fmt: skip


def _alternation(words: Sequence[str] | dict[str, Any]) -> str:
    # Longest first, so that "Juni" is taken whole rather than as "Jun" + "i".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MONTH = rf"(?:{_alternation(MONTHS)})(?![^\W\d_])\.?"
_YEAR_END = r"(?!\d|[:.]\d)"  # "18 Jun 14:05" has no year: 14 is the hour
_DATE = re.compile(
    rf"""
    (?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s.,/-]*(?P<m>{_MONTH})[\s,/-]*(?P<y>\d{{4}}|\d{{2}}){_YEAR_END}
    | (?<![^\W\d_])(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}}){_YEAR_END}
    | (?<!\d)(?<!\d[/.-])(?P<d3>\d{{1,2}})(?P<sep>[/-])(?P<m3>\d{{1,2}})(?P=sep)(?P<y3>\d{{4}}|\d{{2}}){_YEAR_END}
    | (?<!\d)(?<!\d[/.-])(?P<d4>\d{{1,2}})\.(?P<m4>\d{{1,2}})\.(?P<y4>\d{{4}}){_YEAR_END}
    | (?<!\d)(?<!\d[/.-])(?P<y5>\d{{4}})(?P<sep5>[/.-])(?P<m5>\d{{1,2}})(?P=sep5)(?P<d5>\d{{1,2}})(?!\d)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_TIME = r"""
    (?<![\d.:])(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?(?!\d)
    \s*(?P<ampm>[ap]\.?m\b\.?)?
    \s*\(?(?P<zone>WITA|WIT|WIB|GMT|UTC|Z)?(?![^\W\d_])\s*(?P<off>[+-]\d{1,2}(?::?\d{2})?(?![\d:]))?\)?
"""
_TIME_AFTER = re.compile(rf"[\s,|/–—)-]*(?:(?:pukul|pkl\.?|jam|at|@)\s*|T)?{_TIME}", re.IGNORECASE | re.VERBOSE)
_TIME_BEFORE = re.compile(
    rf"{_TIME}[\s,|/–—-]*(?:(?:{_alternation(DAYS)})(?![^\W\d_])[\s,]*)?\(?$", re.IGNORECASE | re.VERBOSE
)
_RELATIVE = re.compile(
    rf"""(?<![^\W\d_])(?:(?P<n>\d+)\s*|(?P<one>se|satu\s+|an?\s+))(?P<unit>{_alternation(_UNITS)})\s+(?:yang\s+)?(?:lalu|ago)(?![^\W\d_])
    | (?P<now>baru\s+saja|just\s+now)""",
    re.IGNORECASE | re.VERBOSE,
)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?")
# openpyxl leaves control characters of a cell as Excel's escape "_x000D_", glued to the text.
_EXCEL_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_FIRST_NS, _LAST_NS = datetime(1677, 9, 22), datetime(2262, 4, 11)


def parse_dates(values: Sequence[str | None] | pd.Series, *, now: datetime | None = None) -> pd.Series:
    """Parse scraped publication dates into naive UTC timestamps.

    The rules are in the module docstring: ISO 8601 first (vectorised, by pandas), then one regular
    expression for Indonesian and English dates with day names, prefixes, times and WIB/WITA/WIT or
    numeric zones; a date without a time is midnight UTC of that day. Each distinct string is parsed
    once, so repeated values cost nothing.

    Parameters
    ----------
    values
        Date strings, ``None`` or NaN for missing ones; ``datetime``/``date`` values are accepted too.
    now
        The moment relative ages ("2 jam yang lalu") count back from, usually the scrape time. A naive
        ``now`` is read as UTC. ``None`` makes relative ages ``NaT``.

    Returns
    -------
    pandas.Series
        dtype ``datetime64[ns]``, naive, in UTC; ``NaT`` where a value holds no date. The index and name
        of a Series input are kept; other inputs get a ``RangeIndex``.

    Raises
    ------
    TypeError
        ``values`` is a single string, or an element is neither a string, a date nor missing.

    Examples
    --------
    >>> parse_dates(["Diperbarui 18 Jun 2025, 14:05 WIB", "Rabu, 18 Juni 2025 | 14.05 WITA", "18/06/2025", "Tidak ada"]).tolist()
    [Timestamp('2025-06-18 07:05:00'), Timestamp('2025-06-18 06:05:00'), Timestamp('2025-06-18 00:00:00'), NaT]
    """
    import numpy as np
    import pandas as pd

    if isinstance(values, (str, bytes)):
        raise TypeError(
            f"Got values={values!r}, expected a sequence of date strings or a pandas Series, not a single "
            "string. Use parse_date for one value."
        )
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series.dtype):
        return _to_naive_utc_ns(series)
    now_utc = None if now is None else _naive_utc(now)
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    parsed = np.full(len(uniques), np.datetime64("NaT", "ns"))
    texts: list[str] = []
    text_at: list[int] = []
    for position, value in enumerate(uniques):
        if isinstance(value, str):
            texts.append(value)
            text_at.append(position)
        elif isinstance(value, (datetime, date)):
            parsed[position] = _to_ns(_naive_utc(value))
        elif isinstance(value, np.datetime64):
            parsed[position] = _to_ns(pd.Timestamp(value).to_pydatetime(warn=False))
        else:
            label = series.index[int(np.flatnonzero(codes == position)[0])]
            raise TypeError(
                f"Got values[{label!r}]={value!r} ({type(value).__name__}), expected a string, a date or "
                "None. Convert the column to text first."
            )
    if texts:
        parsed[np.asarray(text_at, dtype=np.intp)] = _parse_texts(texts, now_utc)
    result = np.full(len(codes), np.datetime64("NaT", "ns"))
    present = codes >= 0
    result[present] = parsed[codes[present]]
    return pd.Series(result, index=series.index, name=series.name, dtype="datetime64[ns]")


def parse_date(value: str | datetime | date | None, *, now: datetime | None = None) -> datetime | None:
    """Parse one publication date into a naive UTC ``datetime``, by the rules of :func:`parse_dates`.

    Parameters
    ----------
    value
        A date string, a ``datetime``/``date``, or ``None``.
    now
        The moment relative ages count back from (naive means UTC); ``None`` makes them unparsed.

    Returns
    -------
    datetime or None
        Naive, in UTC; ``None`` where the value holds no date.

    Examples
    --------
    >>> parse_date("Tayang: Selasa, 10 Juni 2025 08:39 WITA")
    datetime.datetime(2025, 6, 10, 0, 39)
    >>> parse_date("2 jam yang lalu", now=datetime(2025, 6, 18, 12, 0))
    datetime.datetime(2025, 6, 18, 10, 0)
    >>> parse_date("Tidak ditemukan") is None
    True
    """
    import pandas as pd

    stamp = parse_dates([value], now=now).iloc[0]
    return None if pd.isna(stamp) else stamp.to_pydatetime(warn=False)


# -- helpers --------------------------------------------------------------------------------


def _parse_texts(texts: list[str], now: datetime | None) -> np.ndarray:
    """Timestamps (datetime64[ns]) for distinct strings: strict ISO by pandas, the rest by regex."""
    import numpy as np
    import pandas as pd

    out = np.full(len(texts), np.datetime64("NaT", "ns"))
    stripped = [t.strip() for t in texts]
    iso = np.fromiter((_ISO.fullmatch(t) is not None for t in stripped), dtype=bool, count=len(texts))
    if iso.any():
        stamps = pd.to_datetime(pd.Series([t for t, ok in zip(stripped, iso) if ok]), format="ISO8601", utc=True, errors="coerce")
        out[iso] = _to_naive_utc_ns(stamps).to_numpy()
    for i in np.flatnonzero(~iso):
        found = _parse_text(stripped[i], now)
        if found is not None:
            out[i] = _to_ns(found)
    return out


def _parse_text(text: str, now: datetime | None) -> datetime | None:
    """One non-ISO string to a naive UTC datetime, or None."""
    text = _EXCEL_ESCAPE.sub(" ", text)
    match = _DATE.search(text)
    if match is None:
        return _relative(text, now)
    g = match.groupdict()
    if g["m"] is not None:
        day, month, year = int(g["d"]), MONTHS[g["m"].rstrip(".").lower()], g["y"]
    elif g["m2"] is not None:
        day, month, year = int(g["d2"]), MONTHS[g["m2"].rstrip(".").lower()], g["y2"]
    else:
        for d, m, y in (("d3", "m3", "y3"), ("d4", "m4", "y4"), ("d5", "m5", "y5")):
            if g[d] is not None:
                day, month, year = int(g[d]), int(g[m]), g[y]
                break
    full_year = 2000 + int(year) if len(year) == 2 else int(year)
    try:
        day_start = datetime(full_year, month, day)
    except ValueError:
        return None
    time = _TIME_AFTER.match(text, match.end()) or _TIME_BEFORE.search(text, 0, match.start())
    if time is None:
        stamp = day_start
    else:
        clock = _clock(time)
        if clock is None:
            return None
        stamp = day_start + clock
    return stamp if _FIRST_NS <= stamp < _LAST_NS else None


def _clock(time: re.Match[str]) -> timedelta | None:
    """Time of day minus the zone's offset, or None for an impossible time."""
    hour, minute = int(time["h"]), int(time["mi"])
    second = int(time["s"]) if time["s"] else 0
    micro = int((time["f"] or "0")[:6].ljust(6, "0"))
    if time["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if time["ampm"][0].lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    zone = (time["zone"] or "").lower()
    offset = ZONES.get(zone, 0)
    digits = (time["off"] or "")[1:].replace(":", "")
    # A bare "-2" after a time is more likely a stray number than a zone, unless "GMT" or "UTC" says so.
    if len(digits) > 2 or (digits and zone in ("gmt", "utc")):
        sign = -1 if time["off"][0] == "-" else 1
        hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
        if hours > 14 or minutes > 59:
            return None
        offset = sign * (hours * 60 + minutes)
    return timedelta(hours=hour, minutes=minute - offset, seconds=second, microseconds=micro)


def _relative(text: str, now: datetime | None) -> datetime | None:
    match = _RELATIVE.search(text)
    if match is None or now is None:
        return None
    if match["now"]:
        return now
    count = int(match["n"]) if match["n"] else 1
    unit = _UNITS[match["unit"].lower()]
    if isinstance(unit, int):
        return now - timedelta(seconds=count * unit)
    from dateutil.relativedelta import relativedelta  # a dependency of pandas

    return now - relativedelta(**{unit: count})


def _naive_utc(moment: datetime | date) -> datetime:
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _to_ns(moment: datetime) -> np.datetime64:
    import numpy as np

    if not _FIRST_NS <= moment < _LAST_NS:
        return np.datetime64("NaT", "ns")
    return np.datetime64(moment, "ns")


def _to_naive_utc_ns(series: pd.Series) -> pd.Series:
    """A datetime Series as naive UTC datetime64[ns]; values outside that range become NaT."""
    import pandas as pd

    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    inside = (series >= _FIRST_NS) & (series < _LAST_NS)
    return series.where(inside).astype("datetime64[ns]")
