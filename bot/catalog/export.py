"""`repos.json` for the SAP InnerSource Portal: GitHub repository fields plus `_InnerSourceMetadata`.

GitLab projects are mapped onto the same field names (full_name is path_with_namespace) so one
portal shows both forges. See SAP/project-portal-for-innersource docs/CRAWLING.md for the format.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Project

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


def portal_entry(project: Project) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "topics": list(project.topics or []),
        "participation": list(project.weekly_commits or []),
        "score": project.activity_score,
    }
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


def portal_repos(session: Session) -> list[dict[str, Any]]:
    """Every listed project, highest activity score first (the portal's default order)."""
    projects = session.scalars(
        select(Project).where(Project.listed).order_by(Project.activity_score.desc(), Project.full_name)
    )
    return [portal_entry(p) for p in projects]
