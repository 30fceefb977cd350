"""Contributor progression: levels from the ledger, milestones, nominations, `me`, `admin promote`.

`recompute` (jobs/progression.py) reads the ledger, decides every touched contributor's level
(progression_levels.py), stores it in `contributor_levels`, records milestones (milestones.py) and
opens nominations (nominations.py) — one transaction. Incremental by default: only contributors
with new ledger rows since the last run, people new to the bot, and people whose forge accounts
were tied to them since; a full recompute (daily, as windows slide and accounts are unlinked) gives
the same levels for everyone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.models import Contribution, Project
from bot.db.people import Identity, Person, Subscription
from bot.db.progression import (
    NOMINATION_PENDING,
    TRUSTED,
    ContributorLevel,
    Nomination,
    ProgressionCursor,
)
from bot.forges.base import login_key, login_keys
from bot.services import milestones, nominations, progression_tallies
from bot.services.identity import SlackProfile, ensure_person
from bot.services.milestones import milestone_note as milestone_note
from bot.services.nominations import nomination_card as nomination_card
from bot.services.progression_ledger import (
    Account,
    ProjectRoles,
    Tally,
    accounts_of,
    cached_roles,
    identity_owners,
    tallies,
)
from bot.services.progression_levels import Standing, account_key, evaluate, person_key
from bot.services.progression_needs import needs_for, progress_rows
from bot.services.progression_views import (
    ALREADY_DECIDED,
    ALREADY_TRUSTED,
    AMBIGUOUS_PROJECT,
    APPROVED,
    DECLINED,
    NO_SUCH_PROJECT,
    NOT_A_MAINTAINER,
    NOT_ADMIN,
    NOT_LINKED,
    PROMOTED,
    UNKNOWN_NOMINATION,
    USAGE,
    AdminResult,
    Decision,
    MeView,
    NominationCard,
)
from bot.services.progression_views import (
    Account as AccountView,
)
from bot.services.routing_issues import IssueView

FULL_EVERY = timedelta(hours=24)  # windows slide: a full recompute at least daily
LEDGER_MARGIN = 500  # ledger ids re-read by each incremental run: crawls and webhooks commit small batches
TIME_MARGIN = timedelta(minutes=15)  # the same for people and identities created just before a run
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHUNK = 500


@dataclass(frozen=True)
class ProgressionReport:
    full: bool
    contributors: int  # evaluated
    changed: int  # levels written (new or different)
    milestones: int
    dms: int
    nominations: int
    cards: int

    def summary(self) -> str:
        return (
            f"{'full' if self.full else 'incremental'} recompute: {self.contributors} contributors, "
            f"{self.changed} levels changed, {self.milestones} milestones ({self.dms} DMs), "
            f"{self.nominations} nominations opened, {self.cards} cards queued"
        )


Recommend = Callable[[str], tuple[IssueView, ...]]  # Slack user → good-first-issues for them


class ProgressionService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        now: Callable[[], datetime],
        recommend: Recommend | None = None,
        ledger_margin: int = LEDGER_MARGIN,
    ) -> None:
        self._sessions, self._settings, self._now = sessions, settings, now
        self._recommend = recommend
        self._margin = ledger_margin
        self._bots = login_keys(settings.bot_logins)

    # -- recompute ---------------------------------------------------------------------------------
    def recompute(self, full: bool | None = None) -> ProgressionReport:
        """`full` None: incremental, unless the last full recompute is older than a day."""
        with session_scope(self._sessions) as session:
            # One run at a time (a `job progression` by hand beside the worker's): the stored tallies
            # take each ledger row once. The lock is the tallies cursor's row, held until commit.
            tallied = _cursor(session, "tallies", lock=True)
            now = self._now()
            window_start = now - timedelta(days=self._settings.levels.window_days)
            cursor = _cursor(session, "ledger")  # `at`: when the last run was (people new since)
            last_full = _cursor(session, "full")
            bots = _cursor(session, "bots")  # the bot_logins the stored tallies leave out
            if full is None:
                full = last_full.at is None or last_full.at <= now - FULL_EVERY
            roles = cached_roles(session)
            # What an incremental run cannot see — a crawl changed a project's maintainers, trusted
            # committers or listing; an account was unlinked or moved to someone else; the window
            # grew — makes it full.
            roles_cursor, identities_cursor = _cursor(session, "roles"), _cursor(session, "identities")
            roles_digest, identities_digest = roles.digest(), _identities_digest(session)
            bots_digest = _digest(sorted(self._bots))
            if (
                roles_cursor.position != roles_digest
                or not _only_added(session, identities_cursor)
                or tallied.at is None
                or window_start < tallied.at
                or bots.position != bots_digest  # bot_logins changed: the tallies count other people
            ):
                full = True
            if full:
                groups = self._everyone(session, roles, tallied, window_start)
            else:
                touched = progression_tallies.apply(session, tallied, window_start, self._bots, self._margin)
                groups = self._touched(session, roles, touched, cursor.at)
            # Waiting nominations are offered again when someone may have been linked since (a
            # maintainer, perhaps); otherwise only the ones opened now need cards.
            offer_all = full or identities_digest != identities_cursor.position
            report = self._apply(session, roles, groups, now, full, offer_all)
            cursor.at = now
            roles_cursor.position = roles_digest
            identities_cursor.position, identities_cursor.at = identities_digest, now
            if full:
                last_full.at = now
                bots.position = bots_digest
            return report

    def _everyone(
        self, session: Session, roles: ProjectRoles, tallied: ProgressionCursor, window_start: datetime
    ) -> _Groups:
        """Everyone's tallies from the whole ledger (up to its newest id less the margin, and the ids
        above that which exist now), stored for the incremental runs that follow."""
        top = session.scalar(select(func.coalesce(func.max(Contribution.id), 0))) or 0
        recent = progression_tallies.applied_since(session, top, self._margin)
        position = max(top - self._margin, 0)
        work = tallies(session, window_start, self._bots, until=(position, recent))
        progression_tallies.rewrite(session, work)
        progression_tallies.mark_full(tallied, position, recent, window_start)
        owners = identity_owners(session)
        people = set(session.scalars(select(Person.id)))
        listed_work = {account for account, found in work.items() if any(p in roles.projects for p in found)}
        return _Groups.build(work, owners, people, listed_work | set(roles.trusted))

    def _touched(
        self,
        session: Session,
        roles: ProjectRoles,
        changed: dict[Account, dict[int, Tally]],
        since: datetime | None,
    ) -> _Groups:
        """The contributors whose tallies changed (`changed`, with their tallies), people new to the bot
        and people whose accounts were tied to them since the last run, with all their accounts' tallies."""
        fresh = set(changed)
        people: set[int] = set()
        if since is not None:
            since -= TIME_MARGIN
            people |= set(session.scalars(select(Identity.person_id).where(Identity.created_at > since)))
            people |= set(session.scalars(select(Person.id).where(Person.created_at > since)))
        else:
            people |= set(session.scalars(select(Person.id)))
        owners = identity_owners(session, fresh)
        people |= set(owners.values())
        mine = accounts_of(session, people)
        for pid, owned in mine.items():
            owners.update({account: pid for account in owned})
        others = {a for owned in mine.values() for a in owned} - fresh
        work = {**changed, **progression_tallies.load(session, others)}
        # As in a full recompute: an account nobody owns is a contributor only with work on a listed
        # project (or as a trusted committer).
        accounts = {
            account
            for account, found in work.items()
            if account in owners or account in roles.trusted or any(p in roles.projects for p in found)
        } | {a for owned in mine.values() for a in owned}
        return _Groups.build(work, owners, people, accounts)

    def _apply(
        self,
        session: Session,
        roles: ProjectRoles,
        groups: _Groups,
        now: datetime,
        full: bool,
        offer_all: bool,
    ) -> ProgressionReport:
        levels = self._settings.levels
        standings = [
            evaluate(key, pid, accounts, groups.work, roles, levels)
            for key, (pid, accounts) in groups.members.items()
        ]
        changed = _store_levels(session, standings, groups.retired, now, full)
        recorded, dms = milestones.record(session, standings, now, self._rules(roles))
        opened = nominations.open_nominations(session, standings, now, self._settings.renominate_days)
        only = None if offer_all else opened
        cards = nominations.offer_cards(session, roles, now, levels.window_days, only)
        return ProgressionReport(full, len(standings), changed, recorded, dms, len(opened), cards)

    # -- me ----------------------------------------------------------------------------------------
    def me(self, profile: SlackProfile) -> MeView:
        levels = self._settings.levels
        with session_scope(self._sessions) as session:
            now = self._now()
            person = session.scalars(
                select(Person).where(Person.slack_user_id == profile.user_id)
            ).one_or_none()
            identities = (
                session.scalars(
                    select(Identity).where(Identity.person_id == person.id).order_by(Identity.forge)
                ).all()
                if person is not None
                else []
            )
            roles = self.roles(session)
            accounts = [(i.forge, i.host, i.login_key) for i in identities]
            window_start = now - timedelta(days=levels.window_days)
            work: dict[Account, dict[int, Tally]] = {
                account: found
                for account, found in tallies(
                    session, window_start, self._bots, {a[2] for a in accounts}
                ).items()
                if account in accounts
            }
            standing = evaluate(
                person_key(person.id) if person else "",
                person.id if person else None,
                accounts,
                work,
                roles,
                levels,
            )
            projects = progress_rows(accounts, work, roles, standing)
            subscriptions = (
                session.scalars(
                    select(Subscription.label)
                    .where(Subscription.person_id == person.id)
                    .order_by(Subscription.label)
                ).all()
                if person is not None
                else []
            )
            view = MeView(
                user_id=profile.user_id,
                accounts=tuple(AccountView(i.forge, i.host, i.login, i.verified) for i in identities),
                level=standing.level,
                maintains=tuple(
                    sorted(roles.projects[p].full_name for a in accounts for p in roles.maintains.get(a, ()))
                ),
                trusted_on=tuple(sorted(roles.projects[p].full_name for p in standing.trusted_on)),
                projects=projects,
                next_level=None,
                needs=(),
                window_days=levels.window_days,
                subscriptions=tuple(subscriptions),
                cadence=person.cadence if person is not None else "daily",
                recommended=(),
            )
        next_level, needs = needs_for(standing, projects, levels, accounts)
        recommended = self._recommend(profile.user_id)[:3] if self._recommend and accounts else ()
        return replace(view, next_level=next_level, needs=needs, recommended=recommended)

    def roles(self, session: Session) -> ProjectRoles:
        """Every listed project's maintainers and trusted committers; an answer checks for changes at
        most every `search_refresh_seconds`."""
        return cached_roles(session, max_age=self._settings.search_refresh_seconds)

    # -- nominations -------------------------------------------------------------------------------
    def card(self, nomination_id: int) -> NominationCard | None:
        with session_scope(self._sessions) as session:
            return nomination_card(session, nomination_id, self._settings.levels.window_days)

    def may_decide(self, nomination_id: int, profile: SlackProfile) -> Decision | None:
        """None when this person may decide this pending nomination now; else why not (a Decision with
        UNKNOWN_NOMINATION, NOT_A_MAINTAINER or ALREADY_DECIDED and the card). Nothing changes."""
        with session_scope(self._sessions) as session:
            found = self._decider(session, nomination_id, profile)
            if isinstance(found, Decision):
                return found
            if found[0].status != NOMINATION_PENDING:
                return Decision(ALREADY_DECIDED, nomination_card(session, nomination_id, self._window))
            return None

    def decide(self, nomination_id: int, profile: SlackProfile, approve: bool, reason: str = "") -> Decision:
        with session_scope(self._sessions) as session:
            now = self._now()
            found = self._decider(session, nomination_id, profile)
            if isinstance(found, Decision):
                return found
            nomination, project, person = found
            if not nominations.decide(session, nomination, person.id, approve, reason, now):
                return Decision(ALREADY_DECIDED, nomination_card(session, nomination_id, self._window))
            if approve:
                account = (project.forge, project.host, nomination.login_key)
                nominations.grant(session, project, account, nomination.login, "approved", person.id, now)
                self._refresh(session, [account], now)
            card = nomination_card(session, nomination_id, self._window)
            others = nominations.other_cards(session, nomination, project, person.id)
            return Decision(APPROVED if approve else DECLINED, card, others)

    def _decider(
        self, session: Session, nomination_id: int, profile: SlackProfile
    ) -> tuple[Nomination, Project, Person] | Decision:
        """The nomination, its project and the deciding maintainer; or the refusal."""
        nomination = session.get(Nomination, nomination_id)
        project = session.get(Project, nomination.project_id) if nomination is not None else None
        if nomination is None or project is None:
            return Decision(UNKNOWN_NOMINATION, None)
        person = session.scalars(select(Person).where(Person.slack_user_id == profile.user_id)).one_or_none()
        if person is None or not nominations.is_maintainer(session, person.id, project):
            return Decision(NOT_A_MAINTAINER, nomination_card(session, nomination_id, self._window))
        return nomination, project, person

    def _rules(self, roles: ProjectRoles) -> milestones.Rules:
        return milestones.Rules(
            roles, self._settings.levels, self._bots, self._settings.milestone_backfill_days
        )

    @property
    def _window(self) -> int:
        return self._settings.levels.window_days

    def is_admin(self, user_id: str) -> bool:
        return user_id in self._settings.admins

    def promote(self, profile: SlackProfile, argument: str) -> AdminResult:
        if not self.is_admin(profile.user_id):
            return AdminResult(NOT_ADMIN)
        mention = _MENTION.search(argument)
        project_text = _MENTION.sub(" ", argument).strip() if mention else ""
        if mention is None or not project_text:
            return AdminResult(USAGE)
        with session_scope(self._sessions) as session:
            now = self._now()
            found = _resolve_project(session, project_text)
            if isinstance(found, tuple):
                return AdminResult(AMBIGUOUS_PROJECT if found else NO_SUCH_PROJECT, project_text[:200], found)
            identity = session.scalars(
                select(Identity)
                .join(Person, Person.id == Identity.person_id)
                .where(
                    Person.slack_user_id == mention.group(1),
                    Identity.forge == found.forge,
                    Identity.host == found.host,
                )
            ).one_or_none()
            if identity is None:
                return AdminResult(NOT_LINKED, found.full_name)
            admin = ensure_person(session, profile, now)
            account = (found.forge, found.host, identity.login_key)
            listed = found.id in self.roles(session).trusted.get(account, ())  # by the project's own files
            if listed or not nominations.grant(
                session, found, account, identity.login, "admin", admin.id, now
            ):
                return AdminResult(ALREADY_TRUSTED, f"{identity.login} on {found.full_name}")
            self._refresh(session, [account], now)
            return AdminResult(PROMOTED, f"{identity.login} on {found.full_name}")

    def _refresh(self, session: Session, accounts: Iterable[Account], now: datetime) -> None:
        """Re-decide these accounts' contributors now (after an approval or a promotion)."""
        session.flush()
        roles = cached_roles(session)
        wanted = set(accounts)
        owners = identity_owners(session, wanted)
        people = set(owners.values())
        for pid, mine in accounts_of(session, people).items():
            owners.update({a: pid for a in mine})
            wanted |= set(mine)
        window_start = now - timedelta(days=self._settings.levels.window_days)
        work = tallies(session, window_start, self._bots, {login for _, _, login in wanted})
        groups = _Groups.build({a: w for a, w in work.items() if a in wanted}, owners, people, wanted)
        standings = [
            evaluate(key, pid, accs, groups.work, roles, self._settings.levels)
            for key, (pid, accs) in groups.members.items()
        ]
        _store_levels(session, standings, groups.retired, now, full=False)
        milestones.record(session, standings, now, self._rules(roles))


@dataclass
class _Groups:
    """Contributors to evaluate: key → (person or None, their accounts); `retired`: account keys now
    part of a person (their old `a:` rows go)."""

    work: dict[Account, dict[int, Tally]]
    members: dict[str, tuple[int | None, list[Account]]]
    retired: list[str]

    @staticmethod
    def build(
        work: dict[Account, dict[int, Tally]],
        owners: dict[Account, int],
        people: Iterable[int],
        accounts: Iterable[Account],
    ) -> _Groups:
        members: dict[str, tuple[int | None, list[Account]]] = {person_key(p): (p, []) for p in people}
        retired: list[str] = []
        for account, pid in owners.items():
            members.setdefault(person_key(pid), (pid, []))[1].append(account)
            retired.append(account_key(account))
        for account in accounts:
            if account not in owners:
                members[account_key(account)] = (None, [account])
        return _Groups(work, members, retired)


def _identities_digest(session: Session, until: datetime | None = None) -> int:
    """(count, sum of ids) of the identities (created until `until`), folded into 31 bits."""
    query = select(func.count(Identity.id), func.coalesce(func.sum(Identity.id), 0))
    if until is not None:
        query = query.where(Identity.created_at <= until)
    count, total = session.execute(query).one()
    return (int(count) * 1_000_003 + int(total)) & 0x7FFFFFFF


def _only_added(session: Session, cursor: ProgressionCursor) -> bool:
    """Identities changed since the last run only by new rows — no unlink, no account moved to
    someone else: those that existed then still add up to what was stored."""
    return cursor.at is not None and _identities_digest(session, cursor.at) == cursor.position


def _cursor(session: Session, name: str, lock: bool = False) -> ProgressionCursor:
    if lock:
        # A write first takes the row's lock on PostgreSQL and the database's on SQLite: a second
        # run waits here, then reads what the first committed.
        session.execute(
            update(ProgressionCursor)
            .where(ProgressionCursor.name == name)
            .values(position=ProgressionCursor.position)
        )
    found = session.get(ProgressionCursor, name)
    if found is None:  # the first run (two at once: one fails on the primary key, the next tick runs)
        found = ProgressionCursor(name=name, position=0, at=None)
        session.add(found)
        session.flush()
    return found


def _digest(values: list[str]) -> int:
    raw = hashlib.blake2b("\n".join(values).encode(), digest_size=4).digest()
    return int.from_bytes(raw, "big") & 0x7FFFFFFF


def _store_levels(
    session: Session, standings: list[Standing], retired: list[str], now: datetime, full: bool
) -> int:
    rows = {
        s.contributor: {
            "contributor": s.contributor, "person_id": s.person_id, "level": s.level,
            "merged_outside": s.merged_outside, "merged_window": s.merged_window,
            "reviews_window": s.reviews_window, "updated_at": now,
        }
        for s in standings
    }  # fmt: skip
    fields = ("person_id", "level", "merged_outside", "merged_window", "reviews_window")
    query = select(ContributorLevel.contributor, *(getattr(ContributorLevel, f) for f in fields))
    current: dict[str, tuple[object, ...]] = {}
    if full:
        current = {row[0]: tuple(row[1:]) for row in session.execute(query)}
    else:
        keys = sorted(set(rows) | set(retired))
        for start in range(0, len(keys), _CHUNK):
            chunk = query.where(ContributorLevel.contributor.in_(keys[start : start + _CHUNK]))
            current.update({row[0]: tuple(row[1:]) for row in session.execute(chunk)})
    fresh = [row for key, row in rows.items() if key not in current]
    changed = [
        row for key, row in rows.items() if key in current and current[key] != tuple(row[f] for f in fields)
    ]
    gone = sorted(set(current) - set(rows)) if full else sorted(set(retired) & set(current) - set(rows))
    for start in range(0, len(gone), _CHUNK):
        session.execute(
            delete(ContributorLevel).where(ContributorLevel.contributor.in_(gone[start : start + _CHUNK]))
        )
    if fresh:
        session.execute(insert(ContributorLevel), fresh)
    if changed:
        session.execute(update(ContributorLevel), changed)
    return len(fresh) + len(changed)


def _resolve_project(session: Session, text: str) -> Project | tuple[str, ...]:
    """A listed project by full name, or by name when only one has it; else the choices (maybe none)."""
    wanted = text.strip().strip("`").casefold()
    exact = session.scalars(
        select(Project).where(Project.listed.is_(True), func.lower(Project.full_name) == wanted)
    ).all()
    if len(exact) == 1:
        return exact[0]
    named = session.scalars(
        select(Project)
        .where(Project.listed.is_(True), func.lower(Project.name) == wanted.rpartition("/")[2])
        .limit(10)
    ).all()
    if len(named) == 1:
        return named[0]
    return tuple(sorted(p.full_name for p in (exact or named)))


__all__ = [
    "TRUSTED",
    "ProgressionReport",
    "ProgressionService",
    "login_key",
    "milestone_note",
    "nomination_card",
]
