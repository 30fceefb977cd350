"""The App Home service over the sample organisation (SQLite and PostgreSQL): the newcomer it does not
know, a subscriber with 300 subscriptions, subscriptions that match nothing, a maintainer with
outside contributions waiting, and that opening the tab writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.app import Core, build_discovery, build_progression
from bot.db.engine import session_scope
from bot.db.models import GoodFirstIssue, Project
from bot.db.people import Person, ProjectMute
from bot.sandbox.slack.slack_requests import SlackUser
from bot.services.home import (
    FROM_ACTIVE,
    FROM_SUBSCRIPTIONS,
    ISSUES_SHOWN,
    NEW_SHOWN,
    PER_PROJECT,
    SUBSCRIPTIONS_SHOWN,
    HomeService,
    HomeView,
)
from bot.services.identity import SlackProfile
from bot.services.issue_list import IssueFinder
from bot.services.waiting import waiting_changes
from tests.conftest import NOW
from tests.handlers.progression_support import link
from tests.services.test_routing import Sample, add_person, project_id, sample_organisation

DESIGN_SYSTEM = "acme/aurora-design-system"  # maintainers alice and bob; open PRs by oscar and jasmine
ALICE = SlackUser(user_id="U0ALICE", user_name="alice")


@pytest.fixture
def sample(database_url: str) -> Iterator[Sample]:
    yield from sample_organisation(database_url)


def home_of(sample: Sample, user_id: str) -> HomeView:
    core = sample.core
    issues = IssueFinder(core.sessions, core.now)
    service = HomeService(
        core.sessions, core.now, core.settings, build_discovery(core), issues, build_progression(core)
    )
    return service.home(SlackProfile(user_id))


def people(core: Core) -> int:
    with session_scope(core.sessions) as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def ready_projects(core: Core) -> set[str]:
    with session_scope(core.sessions) as session:
        return set(session.scalars(select(Project.full_name).where(Project.ready.is_(True))))


def test_a_newcomer_gets_issues_of_the_most_active_ready_projects_and_new_ones(sample: Sample) -> None:
    before = people(sample.core)
    view = home_of(sample, "U0NEWBIE")
    assert not view.known and view.me is None and view.subscriptions == () and view.waiting == ()
    assert view.catalog_size == 36
    assert view.issues_from == FROM_ACTIVE and 0 < len(view.issues) <= ISSUES_SHOWN
    assert {issue.project_name for issue in view.issues} <= ready_projects(sample.core)
    # a few from each project, the most active first: the design system (score 2003) leads
    assert view.issues[0].project_name == DESIGN_SYSTEM
    per_project = [sum(1 for i in view.issues if i.project_id == issue.project_id) for issue in view.issues]
    assert max(per_project) <= PER_PROJECT
    assert len(view.new_projects) == NEW_SHOWN and all(p.ready for p in view.new_projects)
    assert people(sample.core) == before  # opening the tab makes nobody known


def test_300_subscriptions_are_cut_to_the_shown_ones_with_their_count(sample: Sample) -> None:
    terms = [f"topic:zz-{n:03d}" for n in range(298)] + ["topic:go", "lang:go"]
    add_person(sample.core, "U0MANY", *terms)
    view = home_of(sample, "U0MANY")
    assert view.known and view.subscription_count == 300
    assert len(view.subscriptions) == SUBSCRIPTIONS_SHOWN
    # as `subscriptions` orders them: by kind, then label
    assert view.subscriptions[0].kind == "lang" and view.subscriptions[0].label == "go"
    assert [t.label for t in view.subscriptions[1:3]] == ["go", "zz-000"]
    # `go` matches: the issues come from their subscriptions, through the issue finder
    assert view.issues_from == FROM_SUBSCRIPTIONS and view.issues
    expected = IssueFinder(sample.core.sessions, sample.core.now).find("U0MANY", "").issues[:ISSUES_SHOWN]
    assert view.issues == expected
    assert view.me is not None and view.me.accounts == () and view.me.level == "newcomer"


def test_subscriptions_that_match_nothing_fall_back_to_active_projects_without_muted_ones(
    sample: Sample,
) -> None:
    person = add_person(sample.core, "U0QUIET", "topic:no-such-topic")
    with session_scope(sample.core.sessions) as session:
        muted = project_id(session, DESIGN_SYSTEM)
        session.add(ProjectMute(person_id=person, project_id=muted, created_at=NOW))
    view = home_of(sample, "U0QUIET")
    assert view.issues_from == FROM_ACTIVE and view.issues
    assert DESIGN_SYSTEM not in {issue.project_name for issue in view.issues}  # *Not interested* holds


def test_a_maintainer_sees_the_outside_contributions_waiting_on_their_projects(sample: Sample) -> None:
    link(sample.core, ALICE, "alice")
    view = home_of(sample, ALICE.user_id)
    assert view.me is not None and DESIGN_SYSTEM in view.me.maintains
    (design,) = [w for w in view.waiting if w.full_name == DESIGN_SYSTEM]
    assert [c.number for c in design.changes] == [47, 45]  # oldest first
    assert [c.author for c in design.changes] == ["oscar", "jasmine"] and design.total == 2
    assert design.changes[0].age.days == 5
    with session_scope(sample.core.sessions) as session:
        expected = waiting_changes(session, NOW, project_ids=[design.project_id])
    assert list(design.changes) == expected[design.project_id]
    assert view.waiting_projects == len(view.waiting) and view.waiting_changes == sum(
        w.total for w in view.waiting
    )


def test_somebody_else_sees_no_waiting_contributions(sample: Sample) -> None:
    link(sample.core, SlackUser(user_id="U0MATEO", user_name="mateo"), "mateo")  # contributes, maintains none
    view = home_of(sample, "U0MATEO")
    assert view.known and view.waiting == () and view.waiting_projects == 0


def test_claimed_and_assigned_issues_are_not_recommended(sample: Sample) -> None:
    first = home_of(sample, "U0NEWBIE").issues[0]
    with session_scope(sample.core.sessions) as session:
        issue = session.get(GoodFirstIssue, first.id)
        assert issue is not None
        issue.assignees = ["someone"]
    assert first.id not in {i.id for i in home_of(sample, "U0NEWBIE").issues}
