"""Catalog rows → the result dataclasses the Slack layer renders (summaries, cards, match reasons)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog.readiness import CHECKLIST
from bot.catalog.score import activity_label
from bot.catalog.search_text import terms
from bot.db.models import GoodFirstIssue, Project
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
    ("readme", "README"),
)


def load_summaries(session: Session, project_ids: Sequence[int]) -> dict[int, ProjectSummary]:
    if not project_ids:
        return {}
    projects = session.scalars(select(Project).where(Project.id.in_(project_ids))).all()
    counts = open_issue_counts(session, project_ids)
    return {p.id: summary_of(p, counts.get(p.id, 0)) for p in projects}


def open_issue_counts(session: Session, project_ids: Iterable[int]) -> dict[int, int]:
    rows = session.execute(
        select(GoodFirstIssue.project_id, GoodFirstIssue.assignees).where(
            GoodFirstIssue.project_id.in_(list(project_ids)), GoodFirstIssue.state == "open"
        )
    ).all()
    counts: dict[int, int] = {}
    for project_id, assignees in rows:
        if not assignees:
            counts[project_id] = counts.get(project_id, 0) + 1
    return counts


def summary_of(project: Project, open_good_first_issues: int) -> ProjectSummary:
    innersource = project.innersource or {}
    description = (
        project.description or _text(innersource.get("title")) or _text(innersource.get("motivation"))
    )
    languages = sorted(project.languages or {}, key=lambda lang: -float(project.languages[lang] or 0))
    return ProjectSummary(
        id=project.id,
        forge=project.forge,
        full_name=project.full_name,
        name=project.name,
        web_url=project.web_url,
        description=" ".join(description.split()),
        languages=tuple(languages) or ((project.primary_language,) if project.primary_language else ()),
        topics=tuple(project.topics or ()),
        activity_score=project.activity_score,
        activity_label=activity_label(project.activity_score),
        ready=project.ready,
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
        summary=summary_of(project, len(unassigned)),
        title=_text(innersource.get("title")) or None,
        motivation=_text(innersource.get("motivation")) or None,
        maintainers=tuple(Person(login) for login in distinct_people(project.maintainers or ())),
        trusted_committers=(),  # contributor progression (a later issue) fills this in
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
