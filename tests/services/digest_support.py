"""Maintainer digests in tests: the sample organisation with its people tied by e-mail (as the sandbox
starts), hand-built maintainers and projects, and the digest rows read back."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.app import Core, build_identity_matcher, build_progression
from bot.catalog.readiness import CHECKLIST
from bot.clock import ManualClock
from bot.db.engine import session_scope
from bot.db.models import Contribution, GoodFirstIssue, Project
from bot.db.operations import OutboxEntry
from bot.db.people import Person
from bot.db.progression import ChangeRequest
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.services.digests import KIND, MaintainerDigests
from bot.services.digests_content import DigestPart, decode
from tests.conftest import NOW, crawled
from tests.services.progression_support import add_person, add_project, link

# The sample's clock starts on Sunday 1 Nov 2026, 00:00 UTC; its people are in Europe/Berlin (the
# fake Slack's users.info), where Monday 9:00 is 08:00 UTC.
BERLIN_MONDAY_9 = datetime(2026, 11, 2, 8, tzinfo=UTC)
WEEK = "2026-W45"
ALL_READY = {key: True for key, _ in CHECKLIST}
_numbers = itertools.count(1000)


@dataclass
class Org:
    core: Core  # aimed at the fake Slack
    clock: ManualClock
    slack: FakeSlack
    forge: FakeForge

    def digests(self, **settings: Any) -> MaintainerDigests:
        return MaintainerDigests(
            self.core.sessions, self.clock, self.core.settings.model_copy(update=settings)
        )


@contextmanager
def sample_maintainers(database_url: str, **overrides: Any) -> Iterator[Org]:
    """The sample crawled, its people tied to the fake Slack's by e-mail, one full progression run
    (jasmine's nomination opened), the clock at the sample's `NOW`."""
    clock = ManualClock(NOW)
    with crawled(database_url, now=clock, **overrides) as (core, forge), FakeSlack() as slack:
        core = replace(core, settings=slack.settings_for(core.settings))
        matcher = build_identity_matcher(core)
        assert matcher is not None and matcher.match_by_email().matched >= 25
        build_progression(core).recompute(full=True)
        yield Org(core, clock, slack, forge)


def digest_rows(core: Core, recipient: str | None = None) -> list[OutboxEntry]:
    with session_scope(core.sessions) as session:
        query = select(OutboxEntry).where(OutboxEntry.kind == KIND).order_by(OutboxEntry.id)
        if recipient is not None:
            query = query.where(OutboxEntry.recipient == recipient)
        return list(session.scalars(query))


def parts_of(core: Core, recipient: str) -> list[DigestPart]:
    """The overview parts written for a recipient (nomination cards left out)."""
    return [decode(row.payload["digest"]) for row in digest_rows(core, recipient) if "digest" in row.payload]


def set_tz(core: Core, tz: str) -> None:
    with session_scope(core.sessions) as session:
        session.execute(update(Person).values(tz=tz))


# -- hand-built --------------------------------------------------------------------------------------
def maintainer(session: Session, user_id: str, login: str, tz: str = "UTC") -> Person:
    person = add_person(session, user_id)
    person.tz = tz
    link(session, person, login)
    return person


def project(
    session: Session, full_name: str, maintainers: tuple[str, ...], readiness: dict[str, bool] | None = None
) -> Project:
    found = add_project(session, full_name, maintainers)
    found.readiness = dict(ALL_READY if readiness is None else readiness)
    session.flush()
    return found


def waiting_change(
    session: Session, project: Project, author: str, created: datetime, title: str = "A change"
) -> ChangeRequest:
    number = next(_numbers)
    change = ChangeRequest(
        key=f"{project.forge}:{project.host}:change:{number}", project_id=project.id, forge=project.forge,
        host=project.host, number=number, title=title, url=f"{project.web_url}/pull/{number}",
        author=author, state="open", created_at=created, merged_at=None, closed_at=None,
        first_response_at=None, updated_at=created,
    )  # fmt: skip
    session.add(change)
    session.flush()
    return change


def stale_issue(session: Session, project: Project, title: str, updated: datetime) -> GoodFirstIssue:
    number = next(_numbers)
    issue = GoodFirstIssue(
        project_id=project.id, forge_id=str(number), number=number, title=title,
        url=f"{project.web_url}/issues/{number}", labels=["good first issue"], state="open",
        assignees=[], author="someone", created_at=updated - timedelta(days=30), updated_at=updated,
    )  # fmt: skip
    session.add(issue)
    session.flush()
    return issue


def first_merge(session: Session, project: Project, author: str, at: datetime, *, bot: bool = False) -> None:
    number = next(_numbers)
    session.add(
        Contribution(
            key=f"{project.forge}:{project.host}:merged_change:{number}", project_id=project.id,
            forge=project.forge, host=project.host, kind="merged_change", author=author,
            author_is_bot=bot, number=number, title=f"First change by {author}",
            url=f"{project.web_url}/pull/{number}", occurred_at=at,
        )
    )  # fmt: skip
    session.flush()
