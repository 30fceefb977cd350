"""What the discovery services hand to the Slack layer: plain frozen dataclasses, no Slack types.

Every string here is raw (as the forge or the user wrote it); escaping for mrkdwn is the renderer's
job (bot/slack/blocks.py), so nothing is escaped twice or forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.metrics import ProjectMetrics

PAGE_SIZE = 5  # `find` shows this many hits per answer; *More* pages on


@dataclass(frozen=True)
class ProjectSummary:
    """One project as a search hit or a list entry shows it."""

    id: int  # database id: the value of *Details* buttons (stable across replicas)
    forge: str  # "github" | "gitlab"
    full_name: str  # owner/name, or group/subgroup/name on GitLab
    name: str
    web_url: str
    description: str  # one line; the innersource.json title/motivation when the forge has none
    languages: tuple[str, ...]  # biggest first
    topics: tuple[str, ...]
    activity_score: int
    activity_label: str  # "Extremely high" … "None"
    ready: bool  # InnerSource-ready
    open_good_first_issues: int


@dataclass(frozen=True)
class ProjectHit:
    project: ProjectSummary
    reasons: tuple[str, ...]  # why it matched, short plain phrases: 'name “design”', 'topic design-system'


@dataclass(frozen=True)
class FindQuery:
    text: str  # the argument as typed (whitespace collapsed): what *More* re-runs
    words: tuple[str, ...]
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    forges: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # e.g. 'unknown forge "bitbucket" (github or gitlab)'


@dataclass(frozen=True)
class FindResult:
    query: FindQuery
    hits: tuple[ProjectHit, ...]
    offset: int  # index of hits[0] among all matches
    total: int  # matches in all
    catalog_size: int  # listed projects; 0 means nothing has been crawled yet
    suggestions: tuple[str, ...] = ()  # when nothing matched: closest project names and topics

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.hits)


@dataclass(frozen=True)
class Person:
    forge_login: str  # "@jasmine", "@acme/design-team" or an e-mail, as the project names them
    slack_user_id: str | None = None  # set when the person is linked to a Slack user


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    ok: bool


@dataclass(frozen=True)
class IssueLink:
    number: int
    title: str
    url: str


@dataclass(frozen=True)
class ScorePart:
    label: str  # "Forks", "Stars", "Subscribers", "Commits per week (13-week average)", …
    value: str  # already formatted


@dataclass(frozen=True)
class ProjectCard:
    """The `project` detail card."""

    summary: ProjectSummary
    title: str | None  # innersource.json title
    motivation: str | None  # innersource.json motivation
    maintainers: tuple[Person, ...]
    trusted_committers: tuple[Person, ...]
    skills: tuple[str, ...]
    checklist: tuple[ChecklistItem, ...]
    score_parts: tuple[ScorePart, ...]
    good_first_issues: tuple[IssueLink, ...]  # the top few open ones
    contributing_url: str | None
    docs_url: str | None
    chat_channel: str | None  # e.g. "#design-system" from innersource.json, when given
    stars: int = 0
    forks: int = 0
    metrics: ProjectMetrics | None = None  # the project's four metrics, when the caller asked for them


@dataclass(frozen=True)
class ProjectChoice:
    """A name that fits several projects: the person picks one."""

    query: str
    candidates: tuple[ProjectSummary, ...]


@dataclass(frozen=True)
class ProjectNotFound:
    query: str
    suggestion: ProjectSummary | None = None  # "did you mean …"
    catalog_size: int = 0


ProjectAnswer = ProjectCard | ProjectChoice | ProjectNotFound


@dataclass(frozen=True)
class UnknownCommand:
    word: str
    suggestion: str | None  # closest known subcommand


@dataclass(frozen=True)
class HelpTopic:
    """The help answer; `unknown` set when help answers a subcommand the bot does not know."""

    unknown: UnknownCommand | None = None
    examples: tuple[str, ...] = field(default_factory=tuple)
    commands: tuple[HelpLine, ...] = ()  # every subcommand, from handlers/subcommands.py's table


@dataclass(frozen=True)
class HelpLine:
    usage: str  # after the slash command, as typed
    summary: str
    example: str  # after the slash command, a real query someone might type
