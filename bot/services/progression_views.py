"""What progression shows: the dataclasses `me`, nomination cards, decisions, milestones and
`admin` answers are rendered from (bot/slack/progression_blocks.py). Plain data, no Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.routing_issues import IssueView

# Outcomes of `ProgressionService.decide` and `promote`.
APPROVED, DECLINED = "approved", "declined"
ALREADY_DECIDED = "already_decided"  # someone decided first: the card says who
NOT_A_MAINTAINER = "not_a_maintainer"  # only a verified maintainer of that project may decide
UNKNOWN_NOMINATION = "unknown_nomination"
PROMOTED, ALREADY_TRUSTED = "promoted", "already_trusted"
NOT_ADMIN = "not_admin"
NO_SUCH_PROJECT, AMBIGUOUS_PROJECT = "no_such_project", "ambiguous_project"
NOT_LINKED = "not_linked"  # the promoted person has no account on the project's forge
USAGE = "usage"


@dataclass(frozen=True)
class Account:
    forge: str  # github | gitlab
    host: str
    login: str
    verified: bool


@dataclass(frozen=True)
class ProjectProgress:
    """One project a person worked on (or maintains)."""

    project_id: int
    full_name: str
    web_url: str
    forge: str
    role: str  # maintainer | trusted | candidate | contributor (merged there) | reviewer | none
    merged_window: int
    merged_all: int
    reviews_window: int
    reviews_all: int


@dataclass(frozen=True)
class Need:
    """One thing the next level needs: `count` more `what` (merged | reviews), in `project` or anywhere."""

    count: int
    what: str  # merged | reviews | approval (count 0: a maintainer of `project` approves the nomination)
    project: str | None = None  # full name; None: in any project they do not maintain
    forge: str = "github"  # to say "PRs" (GitHub) or "MRs" (GitLab)


@dataclass(frozen=True)
class MeView:
    user_id: str
    accounts: tuple[Account, ...]  # empty: not linked (tell them how to `link`)
    level: str  # bot/db/progression.py LEVELS
    maintains: tuple[str, ...]  # full names of listed projects they maintain
    trusted_on: tuple[str, ...]  # full names where they are trusted committers
    projects: tuple[ProjectProgress, ...]  # most merged first
    next_level: str | None  # None: trusted committer already (or nothing above)
    needs: tuple[Need, ...]  # what next_level needs; alternatives are joined with "or" by the renderer
    window_days: int
    subscriptions: tuple[str, ...]  # labels as shown: "kafka", "Go", "acme/x"
    cadence: str
    recommended: tuple[IssueView, ...]  # up to 3 good-first-issues


@dataclass(frozen=True)
class LedgerItem:
    kind: str  # merged_change | review
    number: int
    title: str
    url: str
    occurred_at: datetime


@dataclass(frozen=True)
class NominationCard:
    """The card each maintainer of the project gets, and what it says after a decision."""

    nomination_id: int
    project_full_name: str
    project_url: str
    forge: str
    login: str  # the candidate's forge login
    slack_user_id: str | None  # the candidate's Slack user when linked
    merged_window: int
    reviews_window: int
    window_days: int
    latest: tuple[LedgerItem, ...]  # the three latest merged changes and reviews there, newest first
    status: str  # pending | approved | declined
    decided_by: str | None  # Slack user id of the maintainer who decided
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class CardRef:
    """A card already delivered to a maintainer: where to update it."""

    channel_id: str
    message_ts: str


@dataclass(frozen=True)
class Decision:
    outcome: str  # APPROVED | DECLINED | ALREADY_DECIDED | NOT_A_MAINTAINER | UNKNOWN_NOMINATION
    card: NominationCard | None
    others: tuple[CardRef, ...] = ()  # the other maintainers' delivered cards, to say who decided


@dataclass(frozen=True)
class MilestoneNote:
    """A milestone DM: what was reached (names: first-merged, level:<level>, trusted:<project>)."""

    names: tuple[str, ...]
    level: str
    projects: tuple[str, ...]  # full names the milestones are about (trusted-committer projects)
    suggestions: tuple[IssueView, ...]  # where to go next (first merged contribution)


@dataclass(frozen=True)
class AdminResult:
    # PROMOTED | ALREADY_TRUSTED | NOT_ADMIN | NO_SUCH_PROJECT | AMBIGUOUS_PROJECT | NOT_LINKED | USAGE
    outcome: str
    detail: str = ""  # the project's full name, the login, or the crawl's summary line
    choices: tuple[str, ...] = ()  # AMBIGUOUS_PROJECT: full names to choose from
