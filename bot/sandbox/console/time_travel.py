"""The console's `time …` lines: move the sandbox's clock forward and run what the worker would have
run by then (levels, the maintainer digests), so a week's digest can be seen without waiting a week.

The worker's scheduler fires on the machine's own clock, so a jump in the sandbox's time is followed
by running the time-driven jobs once, as `innersource-bot job NAME` would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import OffsetClock
from bot.config import WEEKDAYS

TIME_HELP = (
    "`time` shows the sandbox's clock; `time +3h`, `time +2d` or `time +1w` moves it forward and runs "
    "the jobs the worker would have run by then; `time digest` jumps to the next maintainer digest "
    "(your `digest_weekday` at `digest_hour`, in your time zone)."
)
USAGE = "! Say `time`, `time +3h`, `time +2d`, `time +1w` or `time digest`."
_STEP = re.compile(r"^\+(\d{1,4})([hdw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_LONGEST = timedelta(days=366)


@dataclass(frozen=True)
class TimeConsole:
    clock: OffsetClock
    run_jobs: Callable[[], list[str]]  # runs the time-driven jobs once; their one-line summaries
    zone: str  # the console user's time zone (Slack's users.info `tz`)
    digest_weekday: str  # mon…sun
    digest_hour: int


def time_command(console: TimeConsole | None, line: str) -> list[str]:
    """The lines to print for one `time …` console line."""
    if console is None:
        return ["! `time` works in the sandbox only."]
    words = line.split()[1:]
    if not words:
        return [f"Sandbox time: {_shown(console.clock(), console.zone)}."]
    if len(words) != 1:
        return [USAGE]
    word = words[0].casefold()
    if word == "digest":
        now = console.clock()
        step = next_digest(now, console.zone, console.digest_weekday, console.digest_hour) - now
    else:
        match = _STEP.match(word)
        if match is None:
            return [USAGE]
        step = int(match.group(1)) * _UNITS[match.group(2)]
        if step > _LONGEST:
            return ["! At most a year at a time."]
    moved = console.clock.advance(step)
    said = [f"Sandbox time: {_shown(moved, console.zone)} (moved forward {_span(step)})."]
    return said + [f"Ran {summary}" for summary in console.run_jobs()]


def next_digest(now: datetime, zone: str, weekday: str, hour: int) -> datetime:
    """The first moment after `now` that is `weekday` at `hour`:00 (plus a minute) in `zone`."""
    local = now.astimezone(ZoneInfo(zone))
    target = local.replace(hour=hour, minute=1, second=0, microsecond=0)
    target += timedelta(days=(WEEKDAYS.index(weekday) - local.weekday()) % 7)
    if target <= local:
        target += timedelta(weeks=1)
    return target


def _shown(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(f"%a %Y-%m-%d %H:%M ({zone})")


def _span(step: timedelta) -> str:
    hours = round(step.total_seconds() / 3600)
    days, hours = divmod(hours, 24)
    parts = [f"{days} day{'s' * (days != 1)}"] if days else []
    parts += [f"{hours} hour{'s' * (hours != 1)}"] if hours or not days else []
    return " ".join(parts)
