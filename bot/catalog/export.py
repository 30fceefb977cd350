"""`repos.json` for the SAP InnerSource Portal: GitHub repository fields plus `_InnerSourceMetadata`;
and the same figures as CSV, one row per project, for program offices that live in spreadsheets.

GitLab projects are mapped onto the same field names (full_name is path_with_namespace) so one
portal shows both forges. See SAP/project-portal-for-innersource docs/CRAWLING.md for the format.
Besides the portal's keys, `_InnerSourceMetadata` carries `trustedCommitters` (listed by the project,
approved or promoted) and `metrics` (bot/services/metrics.py, over `metrics_window_days`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Project
from bot.db.progression import TrustedCommitter
from bot.services.metrics import ProjectMetrics, Quantile, all_project_metrics

# innersource.json keys the portal reads; copied under _InnerSourceMetadata as the portal expects.
INNERSOURCE_KEYS = (
    "title",
    "motivation",
    "contributions",
    "skills",
    "logo",
    "docs",
    "language",
    "maintainers",
)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _guidelines(project: Project) -> str | None:
    path = (project.docs or {}).get("contributing")
    return str(path) if path else None


def _hours(quantile: Quantile | None) -> float | None:
    return round(quantile.value / timedelta(hours=1), 1) if quantile is not None else None


def metrics_entry(metrics: ProjectMetrics | None) -> dict[str, Any]:
    """The project's four metrics as the export states them (hours; ratio 0..1; None: no data)."""
    if metrics is None:
        return {}
    now, before = metrics.current, metrics.previous
    response = now.response
    return {
        "windowDays": metrics.window_days,
        "timeToFirstResponseMedianHours": _hours(response.median),
        "timeToFirstResponseMedianIsLowerBound": bool(response.median and response.median.lower_bound),
        "timeToFirstResponseP90Hours": _hours(response.p90),
        "timeToFirstResponseP90IsLowerBound": bool(response.p90 and response.p90.lower_bound),
        "outsideChangeRequests": response.total,
        "outsideChangeRequestsWaiting": response.waiting,
        "innerSourceRatio": now.innersource.value,
        "newContributors30Days": now.new_contributors,
        "contributorAbsenceFactor": now.absence_factor,
        "previous": {
            "timeToFirstResponseMedianHours": _hours(before.response.median),
            "innerSourceRatio": before.innersource.value,
            "newContributors30Days": before.new_contributors,
            "contributorAbsenceFactor": before.absence_factor,
        },
    }


def portal_entry(
    project: Project, trusted: list[str] | None = None, metrics: ProjectMetrics | None = None
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "topics": list(project.topics or []),
        "participation": list(project.weekly_commits or []),
        "score": project.activity_score,
        "trustedCommitters": trusted if trusted is not None else list(project.trusted_committers or []),
    }
    if metrics is not None:
        metadata["metrics"] = metrics_entry(metrics)
    guidelines = _guidelines(project)
    if guidelines:
        metadata["guidelines"] = guidelines
    for key in INNERSOURCE_KEYS:
        if project.innersource and key in project.innersource:
            metadata[key] = project.innersource[key]
    license_path = (project.docs or {}).get("license")
    return {
        "id": int(project.forge_id) if project.forge_id.isdigit() else project.forge_id,
        "name": project.name,
        "full_name": project.full_name,
        "html_url": project.web_url,
        "description": project.description,
        "created_at": _iso(project.created_at),
        "updated_at": _iso(project.updated_at),
        "pushed_at": _iso(project.pushed_at),
        "stargazers_count": project.stars,
        "watchers_count": project.stars,  # GitHub's watchers_count is the star count
        "subscribers_count": project.subscribers,
        "forks_count": project.forks,
        "open_issues_count": project.open_issues,
        "language": project.primary_language,
        "license": {"path": license_path} if isinstance(license_path, str) else None,
        "default_branch": project.default_branch,
        "visibility": project.visibility,
        "owner": {"login": project.full_name.rsplit("/", 1)[0], "avatar_url": None},
        "_InnerSourceMetadata": metadata,
    }


def _listed(session: Session) -> list[Project]:
    return list(
        session.scalars(
            select(Project).where(Project.listed).order_by(Project.activity_score.desc(), Project.full_name)
        )
    )


def _trusted(session: Session, projects: list[Project]) -> dict[int, list[str]]:
    """Each project's trusted committers: listed in its files, then approved or promoted (one query)."""
    found = {p.id: [str(login).lstrip("@") for login in p.trusted_committers or ()] for p in projects}
    rows = session.execute(
        select(TrustedCommitter.project_id, TrustedCommitter.login).order_by(
            TrustedCommitter.created_at, TrustedCommitter.login_key
        )
    )
    for project_id, login in rows:
        known = found.get(project_id)
        if known is not None and login.casefold() not in {k.casefold() for k in known}:
            known.append(login)
    return found


def portal_repos(
    session: Session, now: datetime, window_days: int, bot_logins: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Every listed project, highest activity score first (the portal's default order)."""
    projects = _listed(session)
    trusted, metrics = _trusted(session, projects), all_project_metrics(session, now, window_days, bot_logins)
    return [portal_entry(p, trusted[p.id], metrics.get(p.id)) for p in projects]


CSV_COLUMNS = (
    "full_name", "forge", "url", "description", "primary_language", "topics", "activity_score", "ready",
    "maintainers", "trusted_committers", "stars", "forks", "window_days",
    "ttfr_median_hours", "ttfr_median_is_lower_bound", "ttfr_p90_hours", "ttfr_p90_is_lower_bound",
    "outside_change_requests", "outside_waiting", "innersource_ratio", "new_contributors_30d",
    "absence_factor", "previous_ttfr_median_hours", "previous_innersource_ratio",
    "previous_new_contributors_30d", "previous_absence_factor",
)  # fmt: skip


def _csv_row(project: Project, trusted: list[str], metrics: Mapping[str, Any]) -> list[object]:
    before = metrics.get("previous", {})
    return [
        project.full_name, project.forge, project.web_url, project.description,
        project.primary_language or "", " ".join(project.topics or ()), project.activity_score,
        "yes" if project.ready else "no", " ".join(str(m).lstrip("@") for m in project.maintainers or ()),
        " ".join(trusted), project.stars, project.forks,
        metrics.get("windowDays", ""), _cell(metrics.get("timeToFirstResponseMedianHours")),
        "yes" if metrics.get("timeToFirstResponseMedianIsLowerBound") else "no",
        _cell(metrics.get("timeToFirstResponseP90Hours")),
        "yes" if metrics.get("timeToFirstResponseP90IsLowerBound") else "no",
        metrics.get("outsideChangeRequests", 0), metrics.get("outsideChangeRequestsWaiting", 0),
        _cell(metrics.get("innerSourceRatio")), metrics.get("newContributors30Days", 0),
        metrics.get("contributorAbsenceFactor", 0), _cell(before.get("timeToFirstResponseMedianHours")),
        _cell(before.get("innerSourceRatio")), before.get("newContributors30Days", 0),
        before.get("contributorAbsenceFactor", 0),
    ]  # fmt: skip


def _cell(value: object) -> object:
    """Numbers as numbers, ratios to 3 places, no data as an empty cell."""
    if value is None:
        return ""
    return round(value, 3) if isinstance(value, float) else value


def csv_text(
    session: Session, now: datetime, window_days: int, bot_logins: frozenset[str] = frozenset()
) -> tuple[str, int]:
    """One row per listed project (the portal's order), with a header; returns (text, rows)."""
    projects = _listed(session)
    trusted, metrics = _trusted(session, projects), all_project_metrics(session, now, window_days, bot_logins)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for project in projects:
        writer.writerow(
            [_safe(v) for v in _csv_row(project, trusted[project.id], metrics_entry(metrics.get(project.id)))]
        )
    return out.getvalue(), len(projects)


def _safe(value: object) -> object:
    """A forge string a spreadsheet would run as a formula (=, +, -, @ first) is quoted with a '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
