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


# What a card shows that a result line does not, so the catalog's memory does not hold it either.
CARD_COLUMNS = (
    Project.maintainers, Project.trusted_committers, Project.readiness, Project.score_parts, Project.docs,
    Project.default_branch, Project.stars, Project.forks,
)  # fmt: skip

# Built once: SQLAlchemy then reuses their compiled form (building a statement per call cost a card
# more CPU than the database spent answering it).
_ROWS = select(*SEARCH_COLUMNS).where(Project.id.in_(bindparam("ids", expanding=True)))
_OPEN_ISSUES = select(GoodFirstIssue.project_id, GoodFirstIssue.assignees).where(
    GoodFirstIssue.project_id.in_(bindparam("ids", expanding=True)), GoodFirstIssue.state == "open"
)
_CARD = select(Project.id, Project.listed, *CARD_COLUMNS).where(Project.id == bindparam("id"))
_CARD_ISSUES = (
    select(GoodFirstIssue.number, GoodFirstIssue.title, GoodFirstIssue.url, GoodFirstIssue.assignees)
    .where(GoodFirstIssue.project_id == bindparam("id"), GoodFirstIssue.state == "open")
    .order_by(GoodFirstIssue.updated_at.desc(), GoodFirstIssue.number)
)
_GRANTED = (
    select(TrustedCommitter.login)
    .where(TrustedCommitter.project_id == bindparam("id"))
    .order_by(TrustedCommitter.created_at, TrustedCommitter.login_key)
)
_LINKED = (
    select(Identity.login_key, SlackPerson.slack_user_id)
    .join(SlackPerson, SlackPerson.id == Identity.person_id)
    .where(
        Identity.forge == bindparam("forge"),
        Identity.host == bindparam("host"),
        Identity.verified.is_(True),
        Identity.login_key.in_(bindparam("keys", expanding=True)),
    )
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
    """The card of a project loaded from the database (the announcement's, or one the catalog's memory
    does not hold yet)."""
    return card_from(session, {c.key: getattr(project, c.key) for c in (*SEARCH_COLUMNS, *CARD_COLUMNS)})


def card_columns(session: Session, project_id: int) -> Mapping[Any, Any] | None:
    """What a card shows beyond a result line (CARD_COLUMNS) and whether the project is still listed;
    None for an unknown project."""
    row = session.execute(_CARD, {"id": project_id}).one_or_none()
    return None if row is None else row._mapping


def card_from(session: Session, values: Mapping[Any, Any]) -> ProjectCard:
    """A card from a project's SEARCH_COLUMNS (the catalog's memory holds them) and CARD_COLUMNS; what
    neither holds (its open issues, granted trusted committers, who is on Slack) is read here."""
    project_id = values["id"]
    unassigned = [row for row in session.execute(_CARD_ISSUES, {"id": project_id}) if not row.assignees]
    innersource = values["innersource"] if isinstance(values["innersource"], dict) else {}
    skills = innersource.get("skills")
    parts = values["score_parts"] or {}
    readiness = values["readiness"] or {}
    maintainers, trusted = people_of(
        session,
        values["forge"],
        values["host"],
        distinct_people(values["maintainers"] or ()),
        trusted_committers(session, project_id, values["trusted_committers"] or ()),
    )
    return ProjectCard(
        summary=summary_of(values, len(unassigned)),
        title=_text(innersource.get("title")) or None,
        motivation=_text(innersource.get("motivation")) or None,
        maintainers=maintainers,
        trusted_committers=trusted,
        skills=tuple(str(s) for s in skills) if isinstance(skills, list) else (),
        checklist=tuple(ChecklistItem(key, label, bool(readiness.get(key))) for key, label in CHECKLIST),
        score_parts=tuple(
            ScorePart(label, _number(parts[key])) for key, label in _SCORE_PARTS if key in parts
        ),
        good_first_issues=tuple(IssueLink(i.number, i.title, i.url) for i in unassigned[:CARD_ISSUES]),
        contributing_url=file_url(values, (values["docs"] or {}).get("contributing")),
        docs_url=_http(innersource.get("docs")),
        chat_channel=_text(innersource.get("chat")) or None,
        stars=values["stars"],
        forks=values["forks"],
    )


def trusted_committers(session: Session, project_id: int, listed: Iterable[object]) -> list[str]:
    """Listed in the project's own files, then approved by a maintainer or promoted by an admin."""
    granted = session.scalars(_GRANTED, {"id": project_id}).all()
    return distinct_people([*listed, *granted])


def people_of(
    session: Session, forge: str, host: str, *groups: Sequence[str]
) -> tuple[tuple[Person, ...], ...]:
    """Each group of the project's people as forge logins, with the Slack user of each one whose
    account is tied to Slack by a matching e-mail (a verified identity): the card mentions them.
    Self-declared `link`s are not trusted to speak for a project. One query for all the groups."""
    keys = {login.lstrip("@").casefold() for logins in groups for login in logins if "@" not in login[1:]}
    linked: dict[str, str] = {}
    if keys:
        rows = session.execute(_LINKED, {"forge": forge, "host": host, "keys": sorted(keys)})
        linked = {key: user for key, user in rows}
    return tuple(
        tuple(Person(login, linked.get(login.lstrip("@").casefold())) for login in logins)
        for logins in groups
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


def file_url(values: Mapping[Any, Any], path: object) -> str | None:
    """A file's page on the forge, from a project's `web_url`, `forge` and `default_branch`."""
    branch = values["default_branch"]
    if not isinstance(path, str) or not path or not branch:
        return None
    separator = "/-/blob/" if values["forge"] == "gitlab" else "/blob/"
    return f"{values['web_url'].rstrip('/')}{separator}{branch}/{path}"


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
        if len(seen) == len(wanted) or len(reasons) == limit:  # nothing more to say: skip the rest
            break
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
