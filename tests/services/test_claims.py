"""*Claim* and *Not interested* as services: first claim wins, others' deliveries drop, the forge comment
reaches the fake forge (and its failure never blocks the claim), mutes drop a project's queue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.app import build_claims
from bot.db.engine import session_scope
from bot.db.operations import DROPPED, HELD, PENDING, OutboxEntry
from bot.db.people import IssueClaim, ProjectMute
from bot.sandbox.forge.world import Fault
from bot.services.claims import CLAIMED, COMMENT_FAILED, COMMENT_OFF, COMMENT_POSTED, GONE, TAKEN, YOURS
from bot.services.identity import SlackProfile
from tests.services.test_routing import Sample, add_person, issue_id, sample_organisation


@pytest.fixture
def sample(database_url: str) -> Iterator[Sample]:
    yield from sample_organisation(database_url)


TOOLTIP = "Add a Storybook story for the Tooltip component"


def _statuses(sample: Sample, recipient: str) -> dict[int, str]:
    with session_scope(sample.core.sessions) as session:
        rows = session.scalars(select(OutboxEntry).where(OutboxEntry.recipient == recipient))
        return {row.payload["issue"]: row.status for row in rows}


def test_first_claim_wins_and_others_deliveries_drop(sample: Sample) -> None:
    add_person(sample.core, "U0FIRST", "topic:design-system", cadence="instant", name="first.person")
    add_person(sample.core, "U0SECOND", "topic:design-system", cadence="daily", name="second.person")
    sample.router().route_all()
    tooltip = issue_id(sample.core, TOOLTIP)
    claims = build_claims(sample.core)

    first = claims.claim(SlackProfile("U0FIRST", name="first.person"), tooltip)
    assert (first.status, first.comment) == (CLAIMED, COMMENT_POSTED)
    second = claims.claim(SlackProfile("U0SECOND", name="second.person"), tooltip)
    assert (second.status, second.holder_slack_id, second.holder_name) == (TAKEN, "U0FIRST", "first.person")
    assert claims.claim(SlackProfile("U0FIRST", name="first.person"), tooltip).status == YOURS

    assert _statuses(sample, "U0SECOND")[tooltip] == DROPPED
    assert _statuses(sample, "U0FIRST")[tooltip] == PENDING  # the claimer's own DM is theirs to keep
    repo = sample.forge.world.find_repo("github", "acme/aurora-design-system")
    assert repo is not None
    comments = next(i for i in repo.issues if i.title == TOOLTIP).comments
    assert comments == ["first.person would like to work on this (claimed through InnerSource Bot)."]
    with session_scope(sample.core.sessions) as session:
        assert session.scalars(select(IssueClaim.comment)).one() == COMMENT_POSTED


def test_a_gitlab_claim_comments_as_a_note(sample: Sample) -> None:
    add_person(sample.core, "U0GL", name="gl.person")
    rds = issue_id(sample.core, "rds: expose the performance insights")
    outcome = build_claims(sample.core).claim(SlackProfile("U0GL", name="gl.person"), rds)
    assert (outcome.status, outcome.comment) == (CLAIMED, COMMENT_POSTED)
    repo = sample.forge.world.find_repo("gitlab", "platform/terraform-modules")
    assert repo is not None
    assert (
        next(i for i in repo.issues if i.title.startswith("rds:")).comments[0].startswith("gl.person would")
    )


def test_a_failing_comment_never_blocks_the_claim(sample: Sample) -> None:
    add_person(sample.core, "U0FIRST", name="first.person")
    tooltip = issue_id(sample.core, TOOLTIP)
    sample.forge.world.inject(
        Fault("github", "/comments", 403, body='{"message": "Resource not accessible"}')
    )
    outcome = build_claims(sample.core).claim(SlackProfile("U0FIRST", name="first.person"), tooltip)
    assert (outcome.status, outcome.comment) == (CLAIMED, COMMENT_FAILED)
    with session_scope(sample.core.sessions) as session:
        claim = session.scalars(select(IssueClaim)).one()
        assert (claim.issue_id, claim.comment) == (tooltip, COMMENT_FAILED)


def test_no_comment_when_switched_off(sample: Sample) -> None:
    core = sample.core
    sample.core = type(core)(
        core.settings.model_copy(update={"claim_comments": False}), core.engine, core.sessions, core.now
    )
    outcome = build_claims(sample.core).claim(SlackProfile("U0FIRST"), issue_id(sample.core, TOOLTIP))
    assert (outcome.status, outcome.comment) == (CLAIMED, COMMENT_OFF)


def test_closed_issues_cannot_be_claimed(sample: Sample) -> None:
    avatar = issue_id(sample.core, "Replace deprecated defaultProps")  # assigned on the forge
    outcome = build_claims(sample.core).claim(SlackProfile("U0LATE"), avatar)
    assert (outcome.status, outcome.reason) == (GONE, "issue assigned")
    assert build_claims(sample.core).claim(SlackProfile("U0LATE"), 999_999).status == GONE


def test_not_interested_mutes_the_project_and_drops_its_queue(sample: Sample) -> None:
    person = add_person(sample.core, "U0BORED", "topic:design-system", "lang:go", cadence="daily")
    sample.router().route_all()
    tooltip = issue_id(sample.core, TOOLTIP)
    outcome = build_claims(sample.core).not_interested(SlackProfile("U0BORED"), tooltip)
    assert (outcome.project_name, outcome.dropped) == ("acme/aurora-design-system", 4)
    statuses = _statuses(sample, "U0BORED")
    assert sorted(statuses.values()).count(DROPPED) == 4 and sorted(statuses.values()).count(HELD) == 6
    with session_scope(sample.core.sessions) as session:
        assert session.scalars(select(ProjectMute.person_id)).all() == [person]
    assert build_claims(sample.core).not_interested(SlackProfile("U0BORED"), 999_999).project_name is None


def test_a_slack_name_that_would_mention_or_link_on_the_forge_is_commented_inert(sample: Sample) -> None:
    name = "@acme/security [win](https://evil.example)"
    add_person(sample.core, "U0ODD", name=name)
    tooltip = issue_id(sample.core, TOOLTIP)
    outcome = build_claims(sample.core).claim(SlackProfile("U0ODD", name=name), tooltip)
    assert (outcome.status, outcome.comment) == (CLAIMED, COMMENT_POSTED)
    repo = sample.forge.world.find_repo("github", "acme/aurora-design-system")
    assert repo is not None
    [comment] = next(i for i in repo.issues if i.title == TOOLTIP).comments
    assert comment.startswith(f"`{name}` would like to work on this")
