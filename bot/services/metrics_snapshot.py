"""The program-wide metrics as a JSON snapshot: computing them reads the whole ledger (seconds on a
large organisation), so the worker does it after each progression run and `stats` reads the result."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.db.progression import MetricSnapshot
from bot.services.metrics import InnerSourceRatio, ProgramMetrics, WindowMetrics, program_metrics
from bot.services.metrics_stats import Quantile, ResponseTimes

PROGRAM = "program"


def refresh(
    session: Session, now: datetime, window_days: int, bot_logins: frozenset[str] = frozenset()
) -> ProgramMetrics:
    """Compute the program's metrics and store them as the snapshot."""
    metrics = program_metrics(session, now, window_days, bot_logins)
    store(session, metrics, now)
    return metrics


def store(session: Session, metrics: ProgramMetrics, now: datetime) -> None:
    row = session.get(MetricSnapshot, PROGRAM)
    if row is None:
        row = MetricSnapshot(scope=PROGRAM)
        session.add(row)
    row.window_days, row.computed_at, row.payload = metrics.window_days, now, encode(metrics)
    session.flush()


def latest(session: Session, window_days: int) -> tuple[ProgramMetrics, datetime] | None:
    """The stored snapshot for this window, with when it was computed; None when there is none."""
    row = session.get(MetricSnapshot, PROGRAM)
    if row is None or row.window_days != window_days:
        return None
    try:
        return decode(row.payload), row.computed_at
    except (KeyError, TypeError, ValueError):
        return None  # written by another version: compute afresh


def encode(metrics: ProgramMetrics) -> dict[str, Any]:
    return {
        "projects": metrics.projects,
        "window_days": metrics.window_days,
        "current": _window(metrics.current),
        "previous": _window(metrics.previous),
    }


def decode(data: dict[str, Any]) -> ProgramMetrics:
    return ProgramMetrics(
        projects=int(data["projects"]),
        window_days=int(data["window_days"]),
        current=_unwindow(data["current"]),
        previous=_unwindow(data["previous"]),
    )


def _window(window: WindowMetrics) -> dict[str, Any]:
    response = window.response
    return {
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "median": _quantile(response.median),
        "p90": _quantile(response.p90),
        "responded": response.responded,
        "waiting": response.waiting,
        "total": response.total,
        "outside": window.innersource.outside,
        "merged": window.innersource.merged,
        "new_contributors": window.new_contributors,
        "absence_factor": window.absence_factor,
    }


def _unwindow(data: dict[str, Any]) -> WindowMetrics:
    return WindowMetrics(
        start=datetime.fromisoformat(data["start"]),
        end=datetime.fromisoformat(data["end"]),
        response=ResponseTimes(
            median=_unquantile(data["median"]),
            p90=_unquantile(data["p90"]),
            responded=int(data["responded"]),
            waiting=int(data["waiting"]),
            total=int(data["total"]),
        ),
        innersource=InnerSourceRatio(outside=int(data["outside"]), merged=int(data["merged"])),
        new_contributors=int(data["new_contributors"]),
        absence_factor=int(data["absence_factor"]),
    )


def _quantile(quantile: Quantile | None) -> list[Any] | None:
    return None if quantile is None else [quantile.value.total_seconds(), quantile.lower_bound]


def _unquantile(data: list[Any] | None) -> Quantile | None:
    return None if data is None else Quantile(timedelta(seconds=float(data[0])), bool(data[1]))
