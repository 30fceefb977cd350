"""`stats` and the project card's metrics: figures as people read them, trends, escaping, limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.services.metrics import InnerSourceRatio, ProgramMetrics, ProjectMetrics, WindowMetrics
from bot.services.metrics_stats import Quantile, ResponseTimes
from bot.services.stats import LongestWait, StatsView, WaitingNomination
from bot.slack.stats_blocks import duration, project_metrics_section, stats_message

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def window(
    median_h: float | None, lower: bool, outside: int, merged: int, new: int, absence: int
) -> WindowMetrics:
    quantile = None if median_h is None else Quantile(timedelta(hours=median_h), lower)
    return WindowMetrics(
        start=NOW - timedelta(days=90), end=NOW,
        response=ResponseTimes(median=quantile, p90=quantile, responded=3, waiting=1, total=5),
        innersource=InnerSourceRatio(outside, merged), new_contributors=new, absence_factor=absence,
    )  # fmt: skip


def view(**changes: object) -> StatsView:
    values: dict[str, object] = dict(
        now=NOW, window_days=90, metrics_at=NOW - timedelta(minutes=7), projects_listed=40, projects_ready=10,
        people_per_level=(
            ("newcomer", 9), ("contributor", 5), ("regular", 3), ("candidate", 1), ("trusted", 2)
        ),
        metrics=ProgramMetrics(40, 90, window(5, False, 30, 60, 4, 3), window(8, False, 20, 60, 6, 3)),
        longest_waits=(LongestWait("acme/<!channel>", "https://example.test/x", timedelta(days=12), 2),),
        waiting_nominations=(WaitingNomination("acme/kafka", "<@U123>", NOW - timedelta(days=3)),),
        waiting_nominations_total=12,
    )  # fmt: skip
    values.update(changes)
    return StatsView(**values)  # type: ignore[arg-type]


def text_of(message: dict[str, object]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_stats_shows_catalog_levels_metrics_and_trends() -> None:
    shown = text_of(stats_message(view()))
    assert "40 projects listed" in shown and "25% InnerSource-ready" in shown
    assert "Regulars: 3" in shown and "Trusted-committer candidates: 1" in shown
    assert "median 5 h" in shown and "from 8 h, better" in shown  # faster than the window before
    assert "50% of merged contributions" in shown and "(▲ from 33%, better)" in shown
    assert "New contributors* (30 days): 4 (▼ from 6, worse)" in shown
    assert "12 trusted-committer nominations" in shown and "…and 11 more" in shown


def test_stats_escapes_forge_strings_and_fits_slack() -> None:
    message = stats_message(view())
    shown = text_of(message)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<@U123>" not in shown
    assert message["text"] and len(message["blocks"]) <= 50  # type: ignore[arg-type]


def test_a_median_never_reached_is_shown_as_more_than() -> None:
    metrics = ProjectMetrics(1, 90, window(72, True, 0, 0, 0, 0), window(None, False, 0, 0, 0, 0))
    shown = json.dumps(project_metrics_section(metrics), ensure_ascii=False)
    assert "median more than 3 d" in shown and "nothing merged" in shown
    assert "from" not in shown  # no trend against a window with no figure


def test_durations_read_naturally() -> None:
    assert [duration(timedelta(minutes=m)) for m in (20, 60, 150, 60 * 47, 60 * 60)] == [
        "20 min", "1 h", "2.5 h", "47 h", "2.5 d",
    ]  # fmt: skip
