"""Cron strings from settings → APScheduler triggers, read as crontab reads them.

Two differences from `CronTrigger.from_crontab`: a sixth, leading *seconds* field is accepted (tests
and demos tick every few seconds; production schedules keep five fields), and weekday numbers mean
what they mean in crontab (0 and 7 = Sunday) — APScheduler 3 counts 0 as Monday, a documented
historical mistake that would shift every numeric weekday schedule by one day.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

CRONTAB_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NUMERIC_RANGE = re.compile(r"(?P<first>\d+)(?:-(?P<last>\d+))?(?:/(?P<step>\d+))?")


def cron_trigger(expression: str, timezone: tzinfo) -> CronTrigger:
    """`minute hour day month weekday`, or `second minute hour day month weekday`."""
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ValueError(f"{expression!r}: expected 5 cron fields (or 6 with leading seconds)")
    second, minute, hour, day, month, weekday = fields
    return CronTrigger(
        second=second,
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_weekdays(weekday),
        timezone=timezone,
    )


def crontab_weekdays(field: str) -> str:
    """Rewrite crontab weekday numbers as names, which APScheduler reads unambiguously. Numeric
    ranges are spelled out ("0-2" → "sun,mon,tue"): Sunday is first in crontab and last in APScheduler,
    so a range through it cannot stay a range."""
    return ",".join(_weekday_part(part) for part in field.split(","))


def _weekday_part(part: str) -> str:
    match = _NUMERIC_RANGE.fullmatch(part)
    if match is None:
        return part  # *, */2, names: the same in both
    first = _weekday_number(match["first"])
    last = first if match["last"] is None else _weekday_number(match["last"])
    step = int(match["step"] or 1)
    if last < first or step < 1:
        raise ValueError(f"weekday range {part!r} is empty")
    return ",".join(CRONTAB_WEEKDAYS[day] for day in range(first, last + 1, step))


def _weekday_number(text: str) -> int:
    number = int(text)
    if number >= len(CRONTAB_WEEKDAYS):
        raise ValueError(f"weekday {number} is out of range (0-7; 0 and 7 are Sunday)")
    return number
