"""The readiness checklist (Portal Hygiene, Standard Base Documentation, secret detection) and
who maintains a project (CODEOWNERS, innersource.json)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

RECENT_PUSH = timedelta(days=90)

# Checklist items in the order a detail card shows them, with what each means to a maintainer.
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("description", "Description"),
    ("topics", "Topics"),
    ("readme", "README"),
    ("contributing", "Contributing guide"),
    ("maintainers", "Maintainers known (CODEOWNERS or innersource.json)"),
    ("license", "LICENSE or innersource.json"),
    ("issue_template", "Issue template"),
    ("change_template", "Pull/merge request template"),
    ("good_first_issues", "Good-first-issues labelled"),
    ("secret_detection", "Secret detection in CI"),
    ("recent_push", "Pushed within 90 days"),
)
REQUIRED_FOR_READY = ("description", "readme", "contributing", "maintainers")

_OWNER = re.compile(r"^(@[\w.\-]+(/[\w.\-]+)*|[^@\s]+@[^@\s]+\.[^@\s]+)$")


def codeowners_maintainers(text: str) -> list[str]:
    """Owners named in a CODEOWNERS file (GitHub or GitLab syntax), in order of appearance."""
    owners: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith(("[", "^[")):  # GitLab section header: "[Docs][2] @default-owners"
            candidates = line.rsplit("]", 1)[-1].split()
        else:  # "pattern owner owner…"
            candidates = line.split()[1:]
        for token in candidates:
            if _OWNER.match(token) and token not in owners:
                owners.append(token)
    return owners


def innersource_maintainers(innersource: dict[str, Any] | None) -> list[str]:
    if not innersource:
        return []
    raw = innersource.get("maintainers")
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    return [str(m).strip() for m in raw if isinstance(m, str | int) and str(m).strip()]


def maintainers(codeowners_text: str | None, innersource: dict[str, Any] | None) -> list[str]:
    found = innersource_maintainers(innersource)
    for owner in codeowners_maintainers(codeowners_text or ""):
        if owner not in found:
            found.append(owner)
    return found


@dataclass(frozen=True)
class ReadinessFacts:
    description: str
    motivation: str
    topics: tuple[str, ...]
    readme: bool
    contributing: bool
    maintainers: tuple[str, ...]
    license: bool
    innersource_json: bool
    issue_template: bool
    change_template: bool
    open_good_first_issues: int
    secret_detection: bool
    pushed_at: datetime


def checklist(facts: ReadinessFacts, now: datetime) -> dict[str, bool]:
    return {
        "description": bool(facts.description.strip() or facts.motivation.strip()),
        "topics": bool(facts.topics),
        "readme": facts.readme,
        "contributing": facts.contributing,
        "maintainers": bool(facts.maintainers),
        "license": facts.license or facts.innersource_json,
        "issue_template": facts.issue_template,
        "change_template": facts.change_template,
        "good_first_issues": facts.open_good_first_issues > 0,
        "secret_detection": facts.secret_detection,
        "recent_push": now - facts.pushed_at <= RECENT_PUSH,
    }


def is_ready(items: dict[str, bool], score: int, threshold: int) -> bool:
    """InnerSource-ready: the base documentation holds and the activity score passes the bar."""
    return all(items.get(key, False) for key in REQUIRED_FOR_READY) and score >= threshold
