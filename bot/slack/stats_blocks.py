"""Block Kit for the program's metrics: `/innersource stats`, and the metrics lines of a project card.

Views in (bot/services/stats.py, bot/services/metrics.py), messages out. Every forge string is escaped.
"""

from __future__ import annotations

from datetime import timedelta

from bot.db.progression import LEVELS
from bot.services.announcements import AnnounceHealth
from bot.services.metrics import ProjectMetrics, Quantile, WindowMetrics
from bot.services.stats import StatsView
from bot.slack.block_kit import Block, Message, context, header, message, section
from bot.slack.limits import fit_message
from bot.slack.mrkdwn import escape, link
from bot.slack.texts import COMMAND

LEVEL_NAMES = {
    "newcomer": "Newcomers",
    "contributor": "Contributors",
    "regular": "Regulars",
    "candidate": "Trusted-committer candidates",
    "trusted": "Trusted committers",
}


# What each channel error means to the person who can fix it.
CHANNEL_PROBLEMS = {
    "channel_not_found": "not found (check `announce_channel`)",
    "is_archived": "archived",
    "not_in_channel": "the bot is not a member and cannot join: invite it",
    "missing_scope": "the app lacks a scope (reinstall it with `channels:join`)",
}


def duration(value: timedelta) -> str:
    """3 h, 2.5 d, 40 min: the unit a person would use."""
    hours = value / timedelta(hours=1)
    if hours < 1:
        return f"{max(0, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.1f} h".replace(".0 h", " h")
    return f"{hours / 24:.1f} d".replace(".0 d", " d")


def _quantile(quantile: Quantile | None) -> str:
    if quantile is None:
        return "no outside PRs/MRs"
    return ("more than " if quantile.lower_bound else "") + duration(quantile.value)


def _trend(now: float | None, before: float | None, lower_is_better: bool, unit: str = "") -> str:
    if now is None or before is None:
        return ""
    if abs(now - before) < 1e-9:
        return " (same as the window before)"
    better = (now < before) == lower_is_better
    arrow = "▲" if now > before else "▼"
    return f" ({arrow} from {before:g}{unit}, {'better' if better else 'worse'})"


def _hours(quantile: Quantile | None) -> float | None:
    return None if quantile is None or quantile.lower_bound else round(quantile.value / timedelta(hours=1), 1)


def _ratio(window: WindowMetrics) -> float | None:
    value = window.innersource.value
    return None if value is None else round(value * 100)


def metrics_lines(current: WindowMetrics, previous: WindowMetrics, days: int) -> list[str]:
    """The four metrics, each with its trend against the window before."""
    response = current.response
    ratio = _ratio(current)
    waiting = f", {response.waiting} still waiting" if response.waiting else ""
    return [
        f"*Time to first response* (outside PRs/MRs, {days} days): median {_quantile(response.median)}, "
        f"p90 {_quantile(response.p90)} — {response.total} opened{waiting}"
        + _trend(_hours(response.median), _hours(previous.response.median), True, " h"),
        "*InnerSource ratio*: "
        + (
            f"{ratio:g}% of merged contributions from outside the maintainers"
            if ratio is not None
            else "nothing merged"
        )
        + _trend(ratio, _ratio(previous), False, "%"),
        f"*New contributors* (30 days): {current.new_contributors}"
        + _trend(current.new_contributors, previous.new_contributors, False),
        f"*Contributor absence factor*: {current.absence_factor}"
        + _trend(current.absence_factor, previous.absence_factor, False)
        + (" — half the merged work rests on one person" if current.absence_factor == 1 else ""),
    ]


def project_metrics_section(metrics: ProjectMetrics) -> Block:
    return section("\n".join(metrics_lines(metrics.current, metrics.previous, metrics.window_days)))


def stats_message(view: StatsView) -> Message:
    share = view.ready_share
    ready = f"{share:.0%} InnerSource-ready" if share is not None else "none ready yet"
    people = " · ".join(
        f"{LEVEL_NAMES[level]}: {count}" for level, count in view.people_per_level if level in LEVELS
    )
    blocks: list[Block] = [
        header("InnerSource program"),
        section(f"*{view.projects_listed} projects listed*, {ready}\n{people}"),
        section("\n".join(metrics_lines(view.metrics.current, view.metrics.previous, view.window_days))),
        context(
            f"Metrics as of {view.metrics_at:%Y-%m-%d %H:%M} UTC; "
            f"trends compare the {view.window_days} days before."
        ),
    ]
    if view.longest_waits:
        lines = [
            f"• {link(w.web_url, w.full_name)} — {w.waiting} waiting, "
            f"the oldest for {duration(w.oldest_wait)}"
            for w in view.longest_waits
        ]
        blocks.append(
            section("*Outside contributions waiting longest for a first response*\n" + "\n".join(lines))
        )
    if view.waiting_nominations_total:
        lines = [
            f"• {escape(n.login)} on {escape(n.project)} since {n.created_at:%Y-%m-%d}"
            for n in view.waiting_nominations
        ]
        more = view.waiting_nominations_total - len(view.waiting_nominations)
        if more > 0:
            lines.append(f"…and {more} more")
        blocks.append(
            section(
                f"*{view.waiting_nominations_total} trusted-committer nominations wait for a maintainer "
                "on Slack* (none of the project's maintainers is linked by e-mail)\n" + "\n".join(lines)
            )
        )
    if view.announce is not None:
        blocks.append(context(announce_line(view.announce)))
    fallback = f"InnerSource program: {view.projects_listed} projects listed, {ready}"
    return fit_message(message(fallback, blocks))


def announce_line(health: AnnounceHealth) -> str:
    """`Announce channel: not found since …; N posts waiting`, or how it is doing."""
    if health.channel is None:
        return (
            f"*Announce channel:* not set — set `announce_channel` to announce new projects ({COMMAND} new)"
        )
    channel = f"<#{health.channel}>" if health.channel[:1] in ("C", "G") else escape(health.channel)
    waiting = f"{health.waiting} post{'' if health.waiting == 1 else 's'} waiting"
    if health.problem is not None:
        problem = CHANNEL_PROBLEMS.get(health.problem, escape(health.problem))
        since = f" since {health.since:%Y-%m-%d %H:%M} UTC" if health.since is not None else ""
        return f"*Announce channel* {channel}: {problem}{since}; {waiting}"
    announced = f"{health.announced} project{'' if health.announced == 1 else 's'} announced"
    line = f"*Announce channel* {channel}: {announced}"
    return line + (f", {waiting}" if health.waiting else "")
