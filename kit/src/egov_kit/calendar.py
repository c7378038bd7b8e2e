"""Kazakhstan's working calendar: working hours, weekends, public holidays and deadlines.

What the seeds say (seed 004 item 7, typical of every service standard):

* the provider works Monday to Friday 9:00-18:30 with a lunch break 13:00-14:30, "except weekends
  and holidays under the labour legislation";
* the portal accepts requests around the clock, but a request received after the end of the
  provider's working time, on a weekend or a holiday, counts from the next working day; requests are
  accepted until two hours before the provider closes, i.e. a request after 18:00 on a working day
  counts from the next working day.

Holidays (Labour Code of the Republic of Kazakhstan, art. 84-85, and the Law "On holidays in the
Republic of Kazakhstan"): the table :data:`HOLIDAYS` lists the fixed-date days off; the first day of
Kurban Ait follows the lunar calendar and is given per year in :data:`KURBAN_AIT`. When a holiday
falls on a weekend, the day off moves to the next working day after the holiday, except for the
religious holidays (Orthodox Christmas, Kurban Ait), which are not transferred. On top of the law,
the Government (since 2023 the Minister of Labour, by order) moves days off "for the rational use of
working time": :data:`TRANSFERS` records the known acts, and a calendar takes more through
``extra_days_off`` / ``extra_working_days`` (the extension point for new decrees).

Deadline rules chosen here (used by every provider and by the replay):

* minutes and seconds "of working time" count only working periods: lunch, evenings, weekends and
  holidays are skipped (:meth:`WorkingCalendar.add_working_time`);
* "within N working days" ends at the close of business (18:30) of the N-th working day *after* the
  day the request counts from (the day of registration itself is not counted: a period starts on the
  day after the event that begins it, and an act due in an organisation must be done before the
  organisation closes, as in the Civil Code's rules on computing periods). A request registered on
  Friday 17:00 with a norm of one working day is due on Monday 18:30; a portal request sent on
  Friday 19:00 counts from Monday 9:00 and is due on Tuesday 18:30.

Every datetime is timezone-aware and is returned in Kazakhstan's time (UTC+5, ``egov_kit.clock``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from typing import Literal

from egov_kit.clock import KZ_TZ, now

Lang = Literal["ru", "kk", "en"]

_ONE_DAY = timedelta(days=1)
# No sequence of non-working days in Kazakhstan is longer than a couple of weeks; the bound only
# guards against a misconfigured calendar (every weekday a weekend) looping for ever.
_MAX_SEARCH_DAYS = 366


@dataclass(frozen=True)
class Holiday:
    """A public holiday on a fixed date, a day off (``since``/``until``: years it applies, inclusive)."""

    month: int
    day: int
    name_ru: str
    name_kk: str
    name_en: str
    # Religious holidays are not transferred when they fall on a weekend.
    transferable: bool = True
    since: int | None = None
    until: int | None = None

    def applies(self, year: int) -> bool:
        return (self.since is None or year >= self.since) and (self.until is None or year <= self.until)

    def name(self, lang: Lang = "en") -> str:
        return {"ru": self.name_ru, "kk": self.name_kk, "en": self.name_en}[lang]


@dataclass(frozen=True)
class DatedHoliday:
    """A holiday whose date changes every year (lunar calendar); not transferred (religious)."""

    day: date
    name_ru: str
    name_kk: str
    name_en: str
    source: str
    transferable: bool = False

    def name(self, lang: Lang = "en") -> str:
        return {"ru": self.name_ru, "kk": self.name_kk, "en": self.name_en}[lang]


@dataclass(frozen=True)
class DayOffTransfer:
    """An act moving a day off: ``day_off`` becomes non-working, ``working_day`` (if any) working."""

    day_off: date
    working_day: date | None
    act: str


HOLIDAYS: tuple[Holiday, ...] = (
    Holiday(1, 1, "Новый год", "Жаңа жыл", "New Year"),
    Holiday(1, 2, "Новый год", "Жаңа жыл", "New Year"),
    Holiday(
        1, 7, "Православное Рождество", "Православиелік Рождество", "Orthodox Christmas", transferable=False
    ),
    Holiday(3, 8, "Международный женский день", "Халықаралық әйелдер күні", "International Women's Day"),
    Holiday(3, 21, "Наурыз мейрамы", "Наурыз мейрамы", "Nauryz"),
    Holiday(3, 22, "Наурыз мейрамы", "Наурыз мейрамы", "Nauryz"),
    Holiday(3, 23, "Наурыз мейрамы", "Наурыз мейрамы", "Nauryz"),
    Holiday(
        5,
        1,
        "Праздник единства народа Казахстана",
        "Қазақстан халқының бірлігі мерекесі",
        "Unity Day of the People of Kazakhstan",
    ),
    Holiday(5, 7, "День защитника Отечества", "Отан қорғаушы күні", "Defender of the Fatherland Day"),
    Holiday(5, 9, "День Победы", "Жеңіс күні", "Victory Day"),
    Holiday(7, 6, "День Столицы", "Астана күні", "Capital Day"),
    Holiday(8, 30, "День Конституции", "Конституция күні", "Constitution Day"),
    # Restored as a national holiday and a day off in 2022.
    Holiday(10, 25, "День Республики", "Республика күні", "Republic Day", since=2022),
    # Excluded from the holidays in 2022 (with the second day of Independence Day).
    Holiday(12, 1, "День Первого Президента", "Тұңғыш Президент күні", "First President Day", until=2021),
    Holiday(12, 16, "День Независимости", "Тәуелсіздік күні", "Independence Day"),
    Holiday(12, 17, "День Независимости", "Тәуелсіздік күні", "Independence Day", until=2021),
)

# The first day of Kurban Ait (Labour Code art. 84: a day off; not transferred when it falls on a
# weekend). The date is announced each year by the Spiritual Administration of Muslims of Kazakhstan
# (ДУМК) from astronomical calculation and may still move by one day with the new moon. Verification,
# as far as we could take it:
#   2022-07-09, 2023-06-28: the dates Kazakhstan rested (press reports of the production calendar);
#   2024-06-16: ДУМК's announcement of 7 June 2024 (the Ministry of Labour then confirmed that Monday
#               17 June, planned from ДУМК's earlier estimate, stayed a working day);
#   2025-06-06: the Ministry of Labour's answer citing ДУМК (a Friday);
#   2026-05-27: ДУМК's calendar for 2026 published in November 2025;
#   2027-05-16, 2028-05-05: astronomical estimates (10 Dhu al-Hijjah 1448 and 1449), not yet announced.
# Extend this table when ДУМК publishes a year; years missing here have no Kurban Ait day off.
KURBAN_AIT: tuple[DatedHoliday, ...] = tuple(
    DatedHoliday(day, "Курбан айт", "Құрбан айт", "Kurban Ait", source)
    for day, source in (
        (date(2022, 7, 9), "production calendar 2022"),
        (date(2023, 6, 28), "production calendar 2023"),
        (date(2024, 6, 16), "ДУМК, 7 June 2024"),
        (date(2025, 6, 6), "ДУМК via the Ministry of Labour, 2025"),
        (date(2026, 5, 27), "ДУМК calendar for 2026"),
        (date(2027, 5, 16), "astronomical estimate"),
        (date(2028, 5, 5), "astronomical estimate"),
    )
)

# Transfers of days off decided by the Government / the Minister of Labour (Labour Code art. 85) for
# a five-day working week. Add new acts here, or pass them to a calendar as extra_days_off /
# extra_working_days.
TRANSFERS: tuple[DayOffTransfer, ...] = (
    DayOffTransfer(
        date(2022, 10, 24), date(2022, 10, 22), "Government decree, 2022: Saturday 22 Oct -> Monday 24 Oct"
    ),
    DayOffTransfer(
        date(2023, 7, 7), date(2023, 7, 1), "Government decree, 2023: Saturday 1 Jul -> Friday 7 Jul"
    ),
    DayOffTransfer(
        date(2024, 5, 8),
        date(2024, 5, 4),
        "Order of the Minister of Labour of 17 April 2024: Saturday 4 May -> Wednesday 8 May",
    ),
    DayOffTransfer(
        date(2025, 1, 3),
        date(2025, 1, 5),
        "Order of the Minister of Labour of 21 November 2024 No. 436: Sunday 5 Jan -> Friday 3 Jan",
    ),
)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working hours, weekends, holidays and decrees; every method takes and returns UTC+5 times."""

    work_start: time = time(9, 0)
    work_end: time = time(18, 30)
    lunch_start: time | None = time(13, 0)
    lunch_end: time | None = time(14, 30)
    # Portal requests received at or after this time on a working day count from the next working day.
    portal_cutoff: time = time(18, 0)
    weekend: frozenset[int] = frozenset({5, 6})  # date.weekday(): Saturday, Sunday
    holidays: tuple[Holiday, ...] = HOLIDAYS
    dated_holidays: tuple[DatedHoliday, ...] = KURBAN_AIT
    transfers: tuple[DayOffTransfer, ...] = TRANSFERS
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    tz: tzinfo = KZ_TZ
    _years: dict[int, dict[date, str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.lunch_start is None) != (self.lunch_end is None):
            raise ValueError("lunch_start and lunch_end go together")
        bounds = [self.work_start, self.work_end]
        if self.lunch_start is not None and self.lunch_end is not None:
            bounds[1:1] = [self.lunch_start, self.lunch_end]
        if any(a >= b for a, b in pairwise(bounds)):
            raise ValueError(f"working hours must be increasing: {[t.isoformat() for t in bounds]}")
        if len(self.weekend) >= 7:
            raise ValueError("a week needs at least one working day")

    # ---- days -------------------------------------------------------------------------------------

    def holidays_of(self, year: int) -> dict[date, str]:
        """Days off of ``year`` that are not plain weekends, with the reason (English)."""
        cached = self._years.get(year)
        if cached is None:
            cached = self._compute_year(year)
            self._years[year] = cached
        return cached

    def _compute_year(self, year: int) -> dict[date, str]:
        fixed: dict[date, tuple[str, bool]] = {}
        for holiday in self.holidays:
            if holiday.applies(year):
                fixed[date(year, holiday.month, holiday.day)] = (holiday.name_en, holiday.transferable)
        for dated in self.dated_holidays:
            if dated.day.year == year:
                fixed[dated.day] = (dated.name_en, dated.transferable)
        days: dict[date, str] = {day: name for day, (name, _) in fixed.items()}
        # A holiday on a weekend moves the day off to the next day that is neither a weekend, a holiday
        # nor an already transferred day off, in date order: Nauryz 2025 (Saturday 22, Sunday 23 March)
        # gives Monday 24 and Tuesday 25; 7 May 2022 (Saturday) skips Victory Day to Tuesday 10 May.
        for day in sorted(fixed):
            name, transferable = fixed[day]
            if not transferable or day.weekday() not in self.weekend:
                continue
            target = day + _ONE_DAY
            while target.weekday() in self.weekend or target in days:
                target += _ONE_DAY
            days[target] = f"day off transferred from {name}, {day.isoformat()}"
        for transfer in self.transfers:
            if transfer.day_off.year == year:
                days[transfer.day_off] = f"day off transferred by decree ({transfer.act})"
        for day in self.extra_days_off:
            if day.year == year:
                days.setdefault(day, "day off by decree")
        return days

    def _decreed_working(self, day: date) -> bool:
        return day in self.extra_working_days or any(t.working_day == day for t in self.transfers)

    def day_off_reason(self, day: date) -> str | None:
        """Why ``day`` is not a working day ("weekend", the holiday's name…), or None if it is one."""
        day = self._as_date(day)
        if self._decreed_working(day):
            return None
        for year in (day.year, day.year - 1):  # a transfer from late December could cross the year
            reason = self.holidays_of(year).get(day)
            if reason is not None:
                return reason
        if day.weekday() in self.weekend:
            return "weekend"
        return None

    def is_holiday(self, day: date) -> bool:
        """A public holiday itself (not a weekend, not a transferred day off)."""
        day = self._as_date(day)
        if any(h.applies(day.year) and (h.month, h.day) == (day.month, day.day) for h in self.holidays):
            return True
        return any(d.day == day for d in self.dated_holidays)

    def is_working_day(self, day: date | None = None) -> bool:
        return self.day_off_reason(self._as_date(day)) is None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day = self._as_date(day)
        for _ in range(_MAX_SEARCH_DAYS):
            day += _ONE_DAY
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days after {day}")

    def working_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of ``day`` (morning and afternoon), empty for a day off."""
        day = self._as_date(day)
        if not self.is_working_day(day):
            return []
        if self.lunch_start is None or self.lunch_end is None:
            pairs = [(self.work_start, self.work_end)]
        else:
            pairs = [(self.work_start, self.lunch_start), (self.lunch_end, self.work_end)]
        return [(self._at(day, a), self._at(day, b)) for a, b in pairs]

    def start_of_day(self, day: date) -> datetime:
        return self._at(self._as_date(day), self.work_start)

    def end_of_day(self, day: date) -> datetime:
        """Close of business of ``day`` (18:30 by default)."""
        return self._at(self._as_date(day), self.work_end)

    # ---- moments ----------------------------------------------------------------------------------

    def is_working_time(self, moment: datetime | None = None) -> bool:
        moment = self._local(moment)
        return any(a <= moment < b for a, b in self.working_periods(moment.date()))

    def next_working_moment(self, moment: datetime | None = None) -> datetime:
        """``moment`` itself in working time, else the start of the next working period."""
        moment = self._local(moment)
        for a, b in self._periods_from(moment):
            if moment < b:
                return max(moment, a)
        raise AssertionError("unreachable: _periods_from is unbounded")  # pragma: no cover

    def registration_moment(self, moment: datetime | None = None, *, cutoff: time | None = None) -> datetime:
        """When a portal request received at ``moment`` officially counts as received.

        Before the cut-off (18:00) on a working day: from ``moment`` itself, or from the next working
        period if it came before 9:00 or at lunch. At or after the cut-off, on a weekend or a holiday:
        from the start (9:00) of the next working day.
        """
        moment = self._local(moment)
        limit = self.portal_cutoff if cutoff is None else cutoff
        day = moment.date()
        if self.is_working_day(day) and moment.time() < limit:
            return self.next_working_moment(moment)
        return self.start_of_day(self.next_working_day(day))

    def add_working_time(self, moment: datetime, amount: timedelta) -> datetime:
        """The moment when ``amount`` of working time has passed since ``moment``.

        Lunch, evenings, weekends and holidays do not count. A result that falls exactly at the end of
        a working period is that end (13:00, 18:30), not the start of the next one.
        """
        moment = self._local(moment)
        if amount < timedelta(0):
            raise ValueError("the amount of working time must not be negative")
        if amount == timedelta(0):
            return moment
        remaining = amount
        for a, b in self._periods_from(moment):
            if b <= moment:
                continue
            start = max(moment, a)
            available = b - start
            if remaining <= available:
                return start + remaining
            remaining -= available
        raise AssertionError("unreachable: _periods_from is unbounded")  # pragma: no cover

    def add_working_minutes(self, moment: datetime, minutes: float) -> datetime:
        return self.add_working_time(moment, timedelta(minutes=minutes))

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """Due moment of "within ``days`` working days" counted from ``moment``.

        The close of business of the ``days``-th working day after the day of ``moment`` (that day
        itself is not counted). ``days`` = 0 means the close of business of the day ``moment`` counts
        on: that day if it is a working day and ``moment`` is before its close, else the next one.
        Pass the registration moment (:meth:`registration_moment`) for a portal request.
        """
        moment = self._local(moment)
        if days < 0:
            raise ValueError("the number of working days must not be negative")
        day = moment.date()
        if days == 0:
            if self.is_working_day(day) and moment < self.end_of_day(day):
                return self.end_of_day(day)
            return self.end_of_day(self.next_working_day(day))
        for _ in range(days):
            day = self.next_working_day(day)
        return self.end_of_day(day)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end`` (negative when ``end`` is before ``start``)."""
        start, end = self._local(start), self._local(end)
        if end < start:
            return -self.working_time_between(end, start)
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            for a, b in self.working_periods(day):
                overlap = min(b, end) - max(a, start)
                if overlap > timedelta(0):
                    total += overlap
            day += _ONE_DAY
        return total

    # ---- helpers ----------------------------------------------------------------------------------

    def _periods_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = moment.date()
        for _ in range(_MAX_SEARCH_DAYS * 100):
            yield from self.working_periods(day)
            day += _ONE_DAY
        raise ValueError(f"no working time found after {moment.isoformat()}")

    def _at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.tz)

    def _local(self, moment: datetime | None) -> datetime:
        if moment is None:
            return now().astimezone(self.tz)
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"a timezone-aware datetime is required, got {moment.isoformat()}")
        return moment.astimezone(self.tz)

    def _as_date(self, day: date | None) -> date:
        if day is None:
            return now().astimezone(self.tz).date()
        if isinstance(day, datetime):
            return self._local(day).date()
        return day


DeadlineKind = Literal["seconds", "minutes", "working_days"]


@dataclass(frozen=True)
class Deadline:
    """A norm turned into a due moment: ``Deadline("working_days", 1).due(registered)``.

    ``seconds`` and ``minutes`` count working time by default (a provider's employee); pass
    ``working_time=False`` for steps done around the clock (the portal, ШЭП).
    """

    kind: DeadlineKind
    amount: float
    working_time: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("seconds", "minutes", "working_days"):
            raise ValueError(f"unknown deadline kind {self.kind!r}")
        if self.amount < 0:
            raise ValueError("a deadline amount must not be negative")
        if self.kind == "working_days" and self.amount != int(self.amount):
            raise ValueError("working days are whole days")

    def due(self, start: datetime, calendar: WorkingCalendar | None = None) -> datetime:
        cal = calendar or get_calendar()
        if self.kind == "working_days":
            return cal.add_working_days(start, int(self.amount))
        delta = timedelta(seconds=self.amount) if self.kind == "seconds" else timedelta(minutes=self.amount)
        if self.working_time:
            return cal.add_working_time(start, delta)
        return cal._local(start) + delta

    def overdue(
        self, start: datetime, at: datetime | None = None, calendar: WorkingCalendar | None = None
    ) -> bool:
        """Whether the deadline counted from ``start`` has passed at ``at`` (now by default)."""
        cal = calendar or get_calendar()
        return cal._local(at) > self.due(start, cal)


_calendar = WorkingCalendar()


def get_calendar() -> WorkingCalendar:
    """The calendar of this process (the default one unless :func:`set_calendar` replaced it)."""
    return _calendar


def set_calendar(calendar: WorkingCalendar) -> WorkingCalendar:
    """Replace the process calendar, e.g. ``dataclasses.replace(get_calendar(), extra_days_off=…)``."""
    global _calendar
    _calendar = calendar
    return calendar


def is_working_day(day: date | None = None) -> bool:
    return _calendar.is_working_day(day)


def is_working_time(moment: datetime | None = None) -> bool:
    return _calendar.is_working_time(moment)


def next_working_moment(moment: datetime | None = None) -> datetime:
    return _calendar.next_working_moment(moment)


def registration_moment(moment: datetime | None = None, *, cutoff: time | None = None) -> datetime:
    return _calendar.registration_moment(moment, cutoff=cutoff)


def add_working_minutes(moment: datetime, minutes: float) -> datetime:
    return _calendar.add_working_minutes(moment, minutes)


def add_working_days(moment: datetime, days: int) -> datetime:
    return _calendar.add_working_days(moment, days)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    return _calendar.working_time_between(start, end)
