"""The project cards' metrics as numbers: each project's as one row of integers (how they are kept in
memory: 10,000 projects' dataclasses would be 200,000 objects for the garbage collector to walk), and
all of them in one file beside the search snapshot, so a restarted replica shows them at once instead
of spending seconds of CPU recomputing them while it answers.

The file is a cache like the search snapshot: NumPy's `.npz` without pickles, written to a temporary
name and renamed, ignored when unreadable, of another format, or for other metric settings. It
carries the per-project ledger marks the figures were computed from, so the loader recomputes what
changed since.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bot.services.metrics import InnerSourceRatio, ProjectMetrics, Quantile, ResponseTimes, WindowMetrics

log = logging.getLogger(__name__)

FORMAT = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NONE = -1  # a quantile that is not there (no outside change requests)
WINDOW_WIDTH = 13  # integers per window
ROW_WIDTH = 1 + 2 * WINDOW_WIDTH  # window days, the current window, the previous one

Row = tuple[int, ...]


def encode(metrics: ProjectMetrics) -> Row:
    return (metrics.window_days, *_window(metrics.current), *_window(metrics.previous))


def decode(project_id: int, row: Row) -> ProjectMetrics:
    return ProjectMetrics(
        project_id, row[0], _unwindow(row[1 : 1 + WINDOW_WIDTH]), _unwindow(row[1 + WINDOW_WIDTH :])
    )


def _window(window: WindowMetrics) -> Row:
    response = window.response
    return (
        _micros(window.start - _EPOCH),
        _micros(window.end - _EPOCH),
        *_quantile(response.median),
        *_quantile(response.p90),
        response.responded,
        response.waiting,
        response.total,
        window.innersource.outside,
        window.innersource.merged,
        window.new_contributors,
        window.absence_factor,
    )


def _unwindow(row: Row) -> WindowMetrics:
    start, end, median, median_bound, p90, p90_bound, responded, waiting, total, *rest = row
    outside, merged, new_contributors, absence_factor = rest
    return WindowMetrics(
        start=_EPOCH + start * _MICROSECOND,
        end=_EPOCH + end * _MICROSECOND,
        response=ResponseTimes(
            _unquantile(median, median_bound), _unquantile(p90, p90_bound), responded, waiting, total
        ),
        innersource=InnerSourceRatio(outside, merged),
        new_contributors=new_contributors,
        absence_factor=absence_factor,
    )


def _micros(delta: timedelta) -> int:
    return delta // _MICROSECOND


def _quantile(quantile: Quantile | None) -> tuple[int, int]:
    return (_NONE, 0) if quantile is None else (_micros(quantile.value), int(quantile.lower_bound))


def _unquantile(value: int, lower_bound: int) -> Quantile | None:
    return None if value == _NONE else Quantile(value * _MICROSECOND, bool(lower_bound))


@dataclass(frozen=True)
class Saved:
    """What a file holds: the figures, when each was computed, and the ledger they reflect."""

    rows: dict[int, Row]
    computed_at: dict[int, datetime]
    marks: dict[int, tuple[int, ...]]
    totals: tuple[int, ...]
    at: datetime


def settings_tag(window_days: int, bot_logins: frozenset[str]) -> str:
    """Figures computed with other settings are not these: a file is used only with its own."""
    return hashlib.sha256(json.dumps([FORMAT, window_days, sorted(bot_logins)]).encode()).hexdigest()


def save(path: Path, saved: Saved, tag: str) -> None:
    ids = list(saved.rows)
    marked = list(saved.marks)
    arrays: dict[str, Any] = {
        "ids": np.array(ids, dtype=np.int64),
        "rows": np.array([saved.rows[i] for i in ids], dtype=np.int64).reshape(len(ids), ROW_WIDTH),
        "computed_at": np.array([_micros(saved.computed_at[i] - _EPOCH) for i in ids], dtype=np.int64),
        "mark_ids": np.array(marked, dtype=np.int64),
        "marks": np.array([saved.marks[i] for i in marked], dtype=np.int64).reshape(len(marked), -1),
        "totals": np.array(saved.totals, dtype=np.int64),
        "meta": np.frombuffer(json.dumps({"tag": tag, "at": _micros(saved.at - _EPOCH)}).encode(), np.uint8),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path: Path, tag: str) -> Saved | None:
    """The figures at `path`, or None when there are none or they cannot be used."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays: dict[str, Any] = {name: data[name] for name in data.files}
        meta = json.loads(arrays["meta"].tobytes())
        if meta.get("tag") != tag:
            log.info("event=card_metrics_file_ignored reason=settings path=%s", path)
            return None
        ids, marked = arrays["ids"].tolist(), arrays["mark_ids"].tolist()
        rows, marks = arrays["rows"].tolist(), arrays["marks"].tolist()
        if len(rows) != len(ids) or len(marks) != len(marked) or (rows and len(rows[0]) != ROW_WIDTH):
            raise ValueError("figures and ids disagree")
        return Saved(
            rows=dict(zip(ids, map(tuple, rows), strict=True)),
            computed_at={
                i: _EPOCH + t * _MICROSECOND for i, t in zip(ids, arrays["computed_at"].tolist(), strict=True)
            },
            marks=dict(zip(marked, map(tuple, marks), strict=True)),
            totals=tuple(arrays["totals"].tolist()),
            at=_EPOCH + int(meta["at"]) * _MICROSECOND,
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:  # truncated, foreign or damaged: recompute
        log.warning("event=card_metrics_file_ignored reason=%s path=%s", type(exc).__name__, path)
        return None
