"""The statistics behind the program's metrics, as pure functions: Kaplan-Meier quantiles of waits
with censoring, and the contributor absence factor. No database, no clock: tests call them directly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

# Survival is a product of floats: 1 - 0.9 is 0.09999999999999998, and (2/3)*(3/4) may land a hair
# above 0.5. Quantiles compare with this much slack so hand-computed cases come out as they should.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Observation:
    """One wait: how long it lasted, and whether it ended in a response (False: censored — still
    waiting, or merged/closed without one, so all we know is that it lasted at least `duration`)."""

    duration: timedelta
    responded: bool


@dataclass(frozen=True)
class Quantile:
    """A time read off the survival curve. `lower_bound`: the curve never got that low, so the true
    value is *more than* `value`, the longest wait observed (responded or not)."""

    value: timedelta
    lower_bound: bool = False


@dataclass(frozen=True)
class ResponseTimes:
    """Time to first response over a window's outside change requests."""

    median: Quantile | None  # None: no outside change requests in the window
    p90: Quantile | None
    responded: int  # got a first response
    waiting: int  # still open without one (censored)
    total: int  # all outside change requests in the window, including merged/closed without response

    @property
    def closed_unanswered(self) -> int:
        """Merged or closed without any response (censored at that moment)."""
        return self.total - self.responded - self.waiting


def kaplan_meier(observations: Iterable[Observation]) -> tuple[tuple[timedelta, float], ...]:
    """The Kaplan-Meier survival curve as its steps: (time of a response, S just after it).

    S(t) = Π over response times tᵢ ≤ t of (1 - dᵢ/nᵢ), with dᵢ responses at tᵢ and nᵢ waits still
    running at tᵢ (duration ≥ tᵢ). A wait censored at exactly tᵢ counts as still at risk there, the
    usual convention (a response at the same instant happened "first")."""
    ordered = sorted(observations, key=lambda o: o.duration)
    at_risk = len(ordered)
    survival = 1.0
    steps: list[tuple[timedelta, float]] = []
    index = 0
    while index < len(ordered):
        moment = ordered[index].duration
        responses = censored = 0
        while index < len(ordered) and ordered[index].duration == moment:
            if ordered[index].responded:
                responses += 1
            else:
                censored += 1
            index += 1
        if responses:
            survival *= 1.0 - responses / at_risk
            steps.append((moment, survival))
        at_risk -= responses + censored
    return tuple(steps)


def km_quantile(observations: Sequence[Observation], share: float) -> Quantile | None:
    """The time by which `share` of the waits have had a response: the smallest t with
    S(t) <= 1 - share (share 0.5: the median; 0.9: p90). When the curve never gets that low, "more
    than the longest wait observed" - never an extrapolated number. None when there is nothing to
    estimate."""
    return _quantile(kaplan_meier(observations), observations, share)


def _quantile(
    steps: Sequence[tuple[timedelta, float]], observations: Sequence[Observation], share: float
) -> Quantile | None:
    if not 0.0 < share < 1.0:
        raise ValueError("share must be between 0 and 1")
    if not observations:
        return None
    for moment, survival in steps:
        if survival <= 1.0 - share + _EPSILON:
            return Quantile(moment)
    return Quantile(max(o.duration for o in observations), lower_bound=True)


def response_times(observations: Sequence[Observation], waiting: int) -> ResponseTimes:
    """Median and p90 (Kaplan-Meier) of `observations`; `waiting`: how many of the censored ones are
    still open (the caller knows why each one was censored)."""
    steps = kaplan_meier(observations) if observations else ()
    return ResponseTimes(
        median=_quantile(steps, observations, 0.5),
        p90=_quantile(steps, observations, 0.9),
        responded=sum(1 for o in observations if o.responded),
        waiting=waiting,
        total=len(observations),
    )


def absence_factor(counts: Iterable[int]) -> int:
    """CHAOSS contributor absence factor ("bus factor"): the fewest authors who together made at
    least half of the contributions. 0 when there were none.

    Authors are taken by count, largest first. Ties never change the answer: every ordering of equal
    counts gives the same running totals at each prefix length, so the first prefix reaching half has
    the same length whichever tied author is taken first (3, 3, 2, 2: half of 10 is 5, and 3 + 3 = 6
    needs two authors either way)."""
    ordered = sorted((c for c in counts if c > 0), reverse=True)
    total = sum(ordered)
    running = 0
    for taken, count in enumerate(ordered, start=1):
        running += count
        if 2 * running >= total:
            return taken
    return 0
