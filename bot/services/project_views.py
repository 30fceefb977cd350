"""Catalog rows → the result dataclasses the Slack layer renders (summaries, cards, match reasons)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.catalog.readiness import CHECKLIST
from bot.catalog.score import activity_label
from bot.catalog.search_catalog import SEARCH_COLUMNS
from bot.catalog.search_text import terms
from bot.db.models import GoodFirstIssue, Project
from bot.db.people import Identity
from bot.db.people import Person as SlackPerson
from bot.db.progression import TrustedCommitter
from bot.services.results import ChecklistItem, IssueLink, Person, ProjectCard, ProjectSummary, ScorePart

CARD_ISSUES = 3  # good-first-issues a detail card lists
_SCORE_PARTS = (
    ("popularity", "Popularity (50 + forks x 5 + subscribers + stars/3 + open issues/5)"),
    ("recency_factor", "Recency factor (x1 to x2, updated recently)"),
    ("commit_factor", "Commit factor (x1 to x2, 13-week commit average)"),
    ("new_repo_boost", "New-repository boost"),
    ("description_bonus", "Description bonus"),
    ("guidelines_bonus", "Contributing-guide bonus"),
)
# Where a query word was found, in the order a person cares about, with how to say it.
_REASON_FIELDS = (
    ("name", "name"),
    ("title", "title"),
    ("topics", "topic"),
    ("description", "description"),
    ("skills", "skills"),
    ("languages", "language"),
    ("motivation", "motivation"),
    ("namespace", "group"),
    ("readme", "README"),
)


# Built once: every `find` runs both, and SQLAlchemy then reuses their compiled form.
_ROWS = select(*SEARCH_COLUMNS).where(Project.id.in_(bindparam("ids", expanding=True)))
_OPEN_ISSUES = select(GoodFirstIssue.project_id, GoodFirstIssue.assignees).where(
    GoodFirstIssue.project_id.in_(bindparam("ids", expanding=True)), GoodFirstIssue.state == "open"
)


def load_rows(session: Session, project_ids: Sequence[int]) -> dict[int, Mapping[Any, Any]]:
    """The search columns of these projects: enough for a summary and for "why it matched"."""
    if not project_ids:
        return {}
    rows = session.execute(_ROWS, {"ids": list(project_ids)}).all()
    return {row.id: row._mapping for row in rows}


def load_summaries(session: Session, project_ids: Sequence[int]) -> dict[int, ProjectSummary]:
    rows = load_rows(session, project_ids)
    counts = open_issue_counts(session, project_ids)
    return {i: summary_of(row, counts.get(i, 0)) for i, row in rows.items()}


def open_issue_counts(session: Session, project_ids: Iterable[int]) -> dict[int, int]:
    rows = session.execute(_OPEN_ISSUES, {"ids": list(project_ids)}).all()
    counts: dict[int, int] = {}
    for project_id, assignees in rows:
        if not assignees:  # assigned issues are taken: a newcomer should not be sent to them
            counts[project_id] = counts.get(project_id, 0) + 1
    return counts


def summary_of(values: Mapping[Any, Any], open_good_first_issues: int) -> ProjectSummary:
    """A summary from a project's columns (a SEARCH_COLUMNS row, or a Project's attributes)."""
    innersource = values["innersource"] if isinstance(values["innersource"], dict) else {}
    description = (
        values["description"] or _text(innersource.get("title")) or _text(innersource.get("motivation"))
    )
    languages = values["languages"] or {}
    primary = values["primary_language"]
    return ProjectSummary(
        id=values["id"],
        forge=values["forge"],
        full_name=values["full_name"],
        name=values["name"],
        web_url=values["web_url"],
        description=" ".join(description.split()),
        languages=tuple(sorted(languages, key=lambda lang: -float(languages[lang] or 0)))
        or ((primary,) if primary else ()),
        topics=tuple(values["topics"] or ()),
        activity_score=values["activity_score"],
        activity_label=activity_label(values["activity_score"]),
        ready=bool(values["ready"]),
        open_good_first_issues=open_good_first_issues,
    )


def card_of(session: Session, project: Project) -> ProjectCard:
    issues = session.scalars(
        select(GoodFirstIssue)
        .where(GoodFirstIssue.project_id == project.id, GoodFirstIssue.state == "open")
        .order_by(GoodFirstIssue.updated_at.desc(), GoodFirstIssue.number)
    ).all()
    unassigned = [issue for issue in issues if not issue.assignees]
    innersource = project.innersource or {}
    skills = innersource.get("skills")
    parts = project.score_parts or {}
    return ProjectCard(
        summary=summary_of({c.key: getattr(project, c.key) for c in SEARCH_COLUMNS}, len(unassigned)),
        title=_text(innersource.get("title")) or None,
        motivation=_text(innersource.get("motivation")) or None,
        maintainers=people_of(session, project, distinct_people(project.maintainers or ())),
        trusted_committers=people_of(session, project, trusted_committers(session, project)),
        skills=tuple(str(s) for s in skills) if isinstance(skills, list) else (),
        checklist=tuple(
            ChecklistItem(key, label, bool((project.readiness or {}).get(key))) for key, label in CHECKLIST
        ),
        score_parts=tuple(
            ScorePart(label, _number(parts[key])) for key, label in _SCORE_PARTS if key in parts
        ),
        good_first_issues=tuple(IssueLink(i.number, i.title, i.url) for i in unassigned[:CARD_ISSUES]),
        contributing_url=file_url(project, (project.docs or {}).get("contributing")),
        docs_url=_http(innersource.get("docs")),
        chat_channel=_text(innersource.get("chat")) or None,
        stars=project.stars,
        forks=project.forks,
    )


def trusted_committers(session: Session, project: Project) -> list[str]:
    """Listed in the project's own files, then approved by a maintainer or promoted by an admin."""
    granted = session.scalars(
        select(TrustedCommitter.login)
        .where(TrustedCommitter.project_id == project.id)
        .order_by(TrustedCommitter.created_at, TrustedCommitter.login_key)
    ).all()
    return distinct_people([*(project.trusted_committers or ()), *granted])


def people_of(session: Session, project: Project, logins: Sequence[str]) -> tuple[Person, ...]:
    """The project's people as forge logins, with the Slack user of each one whose account is tied to
    Slack by a matching e-mail (a verified identity): the card mentions them. Self-declared `link`s
    are not trusted to speak for a project."""
    keys = {login.lstrip("@").casefold(): login for login in logins if "@" not in login[1:]}
    linked: dict[str, str] = {}
    if keys:
        rows = session.execute(
            select(Identity.login_key, SlackPerson.slack_user_id)
            .join(SlackPerson, SlackPerson.id == Identity.person_id)
            .where(
                Identity.forge == project.forge,
                Identity.host == project.host,
                Identity.verified.is_(True),
                Identity.login_key.in_(list(keys)),
            )
        )
        linked = {key: user for key, user in rows}
    return tuple(Person(login, linked.get(login.lstrip("@").casefold())) for login in logins)


def distinct_people(names: Iterable[object]) -> list[str]:
    """innersource.json says "alice", CODEOWNERS says "@alice": one person, shown as @alice."""
    seen: dict[str, str] = {}
    for raw in names:
        name = str(raw).strip()
        if not name:
            continue
        shown = name if "@" in name[1:] or name.startswith("@") else "@" + name  # e-mails stay as they are
        seen.setdefault(shown.lstrip("@").casefold(), shown)
    return list(seen.values())


def file_url(project: Project, path: object) -> str | None:
    if not isinstance(path, str) or not path or not project.default_branch:
        return None
    separator = "/-/blob/" if project.forge == "gitlab" else "/blob/"
    return f"{project.web_url.rstrip('/')}{separator}{project.default_branch}/{path}"


def match_reasons(
    fields: dict[str, str],
    typed: dict[str, str],
    corrections: dict[str, str],
    filters_matched: Sequence[str] = (),
    limit: int = 3,
) -> tuple[str, ...]:
    """Short phrases saying where the query's words were found, best places first.

    `typed` maps each query term to the word as typed ("policy" → "policies"); `corrections` maps a
    misspelt term to the catalog word it was read as.
    """
    wanted = {corrections.get(term, term): term for term in typed}
    reasons: list[str] = []
    seen: set[str] = set()
    for field, label in _REASON_FIELDS:
        found = [t for t in dict.fromkeys(terms(fields.get(field, ""))) if t in wanted and t not in seen]
        if not found:
            continue
        seen.update(found)
        shown = ", ".join(_shown(term, wanted[term], typed) for term in found)
        reasons.append(f"{label}: {shown}")
    return tuple([*reasons[:limit], *filters_matched])


def _shown(term: str, query_term: str, typed: dict[str, str]) -> str:
    word = typed.get(query_term, query_term)
    return f"“{word}”" if term == query_term else f"“{term}” (for “{word}”)"


def _number(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    return str(value)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _http(value: object) -> str | None:
    text = _text(value)
    return text if text.startswith(("https://", "http://")) else None
