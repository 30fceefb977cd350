"""What a maintainer digest says: the plain dataclasses its messages are rendered from (read by
bot/services/digests_sections.py), a long digest split into parts, and the JSON an outbox row keeps
of a part."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from bot.db.progression import NOMINATION_PENDING
from bot.services.metrics import ProjectMetrics
from bot.services.waiting import WaitingChange

NEW_CONTRIBUTOR_DAYS = 7  # "new contributors this week"
# Each part is one Slack message. Like the good-first-issue digest (bot/services/routing_digests.py),
# a part holds a bounded number of lines (an item, or a project's heading) and project slices, so
# every part stays far inside Slack's 50 blocks and its text budget whatever the titles.
PART_LINES = 20
PART_PROJECTS = 8


@dataclass(frozen=True)
class NewContributor:
    login: str
    slack_user_id: str | None  # a verified Slack person, for a mention
    first_at: datetime
    number: int
    title: str
    url: str


@dataclass(frozen=True)
class StaleIssue:
    number: int
    title: str
    url: str
    updated_at: datetime
    assigned: bool


@dataclass(frozen=True)
class PendingNomination:
    nomination_id: int
    login: str
    candidate_person_id: int | None
    candidate_slack_user_id: str | None
    created_at: datetime
    status: str = NOMINATION_PENDING  # re-read when the message is composed
    decided_by: str | None = None  # Slack user id of who decided, once decided


@dataclass(frozen=True)
class ProjectDigest:
    """One project's sections (or a slice of them, when a long project continues in the next part)."""

    project_id: int
    full_name: str
    web_url: str
    forge: str
    metrics: ProjectMetrics | None
    waiting: tuple[WaitingChange, ...] = ()
    waiting_total: int = 0
    new_contributors: tuple[NewContributor, ...] = ()
    stale_issues: tuple[StaleIssue, ...] = ()
    stale_total: int = 0
    nominations: tuple[PendingNomination, ...] = ()
    missing: tuple[str, ...] = ()  # readiness checklist keys still ✗, in the checklist's order
    continued: bool = False  # a slice continuing the project from the part before

    @property
    def has_news(self) -> bool:
        """Anything new to act on: a reason to write. Time to first response alone is not, nor are
        readiness items still ✗ — the same ones every week would make every digest go out."""
        return bool(self.waiting or self.new_contributors or self.stale_issues or self.nominations)

    @property
    def shown(self) -> bool:
        """In a digest that goes out anyway: with news, or readiness items still to fix."""
        return self.has_news or bool(self.missing)


@dataclass(frozen=True)
class DigestPart:
    """One message of a maintainer's weekly digest."""

    week: str  # ISO week in the maintainer's zone, "2026-W45"
    part: int
    parts: int  # overview parts (nomination cards follow as messages of their own)
    projects: tuple[ProjectDigest, ...]
    quiet: tuple[str, ...] = ()  # projects they maintain with nothing to report (last part only)
    stale_days: int = 60
    metrics_days: int = 90
    new_days: int = NEW_CONTRIBUTOR_DAYS
    cards: int = 0  # nomination cards that follow the overview


@dataclass(frozen=True)
class ProjectRow:
    id: int
    forge: str
    host: str
    full_name: str
    web_url: str
    maintainers: frozenset[str]  # login keys
    readiness: Mapping[str, Any] = field(default_factory=dict)


_PART = TypeAdapter(DigestPart)


def encode(part: DigestPart) -> dict[str, Any]:
    encoded: dict[str, Any] = _PART.dump_python(part, mode="json")
    return encoded


def decode(data: object) -> DigestPart:
    return _PART.validate_python(data)


def for_maintainer(digest: ProjectDigest, person_id: int) -> ProjectDigest:
    """The project as one maintainer sees it: nobody decides on their own nomination."""
    mine = tuple(n for n in digest.nominations if n.candidate_person_id != person_id)
    return digest if mine == digest.nominations else replace(digest, nominations=mine)


# -- splitting -----------------------------------------------------------------------------------
_SECTIONS = ("waiting", "new_contributors", "stale_issues", "nominations", "missing")


def split(projects: Iterable[ProjectDigest]) -> list[tuple[ProjectDigest, ...]]:
    """Projects packed into parts of at most PART_LINES lines and PART_PROJECTS slices; a project too
    long for what is left of a part continues in the next one (its slice there is `continued`)."""
    parts: list[list[ProjectDigest]] = [[]]
    lines = 0
    for project in projects:
        taken: list[tuple[str, Any]] = []
        continued = False
        for item in ((name, item) for name in _SECTIONS for item in getattr(project, name)):
            needed = 1 if taken else 2  # a slice opens with its heading line
            crowded = lines + needed > PART_LINES or (not taken and len(parts[-1]) >= PART_PROJECTS)
            if crowded and (parts[-1] or taken):
                if taken:
                    parts[-1].append(_slice(project, taken, continued))
                    taken, continued = [], True
                parts.append([])
                lines, needed = 0, 2
            taken.append(item)
            lines += needed
        if taken:
            parts[-1].append(_slice(project, taken, continued))
    return [tuple(part) for part in parts if part]


def _slice(project: ProjectDigest, taken: list[tuple[str, Any]], continued: bool) -> ProjectDigest:
    def chosen(name: str) -> tuple[Any, ...]:
        return tuple(item for kind, item in taken if kind == name)

    return replace(
        project, continued=continued, waiting=chosen("waiting"),
        new_contributors=chosen("new_contributors"), stale_issues=chosen("stale_issues"),
        nominations=chosen("nominations"), missing=chosen("missing"),
    )  # fmt: skip
