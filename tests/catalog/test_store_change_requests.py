"""Change requests and the ledger in the store: upserts, first response only earlier, bot_logins;
and the trusted committers a project lists, end to end through a crawl (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import Core
from bot.catalog import store
from bot.db.engine import session_scope
from bot.db.models import Contribution, Project
from bot.db.progression import ChangeRequest
from bot.forges.base import ChangeResponse, ChangeSummary, MergedChange, RepoSummary, Review
from bot.sandbox.forge.world import World
from tests.conftest import NOW, crawled

OPENED = NOW - timedelta(days=3)


def _summary() -> RepoSummary:
    return RepoSummary(
        forge="github", host="api.github.com", forge_id="77", full_name="acme/aurora", name="aurora",
        namespace="acme", web_url="https://github.com/acme/aurora", description="", topics=(),
        visibility="internal", archived=False, fork=False, empty=False, default_branch="main",
        primary_language=None, stars=0, forks=0, open_issues=0, created_at=NOW - timedelta(days=99),
        updated_at=NOW, pushed_at=NOW,
    )  # fmt: skip


def _change(*responses: tuple[str, float], author: str = "carol", **fields: object) -> ChangeSummary:
    change = ChangeSummary(
        forge_id="501", repo_forge_id="77", number=5, title="Fix", url="https://github.com/acme/aurora/pull/5",
        author=author, author_is_bot=False, state="open", created_at=OPENED,
        responses=tuple(ChangeResponse(login, login.endswith("[bot]"), OPENED + timedelta(hours=h))
                        for login, h in responses),
    )  # fmt: skip
    return replace(change, **fields)  # type: ignore[arg-type]


def _project(session: Session) -> Project:
    project = session.scalars(select(Project)).one_or_none()
    if project is None:
        project = store.new_project(_summary(), "acme", NOW)
        session.add(project)
    return project


def _row(core: Core) -> ChangeRequest:
    with session_scope(core.sessions) as session:
        row = session.scalars(select(ChangeRequest)).one()
        session.expunge(row)
        return row


def _record(core: Core, change: ChangeSummary, bot_logins: tuple[str, ...] = ()) -> int:
    with session_scope(core.sessions) as session:
        return store.record_change_requests(session, _project(session), [change], bot_logins)


def test_a_change_request_is_upserted_by_key(core: Core) -> None:
    assert _record(core, _change(("carol", 1), ("dependabot[bot]", 2), ("alice", 7))) == 1

    row = _row(core)
    assert row.key == "github:api.github.com:change:501" and row.state == "open"
    assert row.first_response_at == OPENED + timedelta(hours=7)  # not the author, not the bot
    assert row.updated_at == row.first_response_at

    merged_at = OPENED + timedelta(days=1)
    assert (
        _record(core, _change(state="merged", merged_at=merged_at, closed_at=merged_at, title="Fixed")) == 0
    )

    row = _row(core)
    assert (row.state, row.merged_at, row.closed_at, row.title) == ("merged", merged_at, merged_at, "Fixed")
    assert row.first_response_at == OPENED + timedelta(hours=7)  # no responses this time: kept


def test_the_first_response_only_moves_earlier(core: Core) -> None:
    _record(core, _change(("alice", 5)))
    _record(core, _change(("bob", 9)))  # a later crawl of a shorter window
    assert _row(core).first_response_at == OPENED + timedelta(hours=5)

    _record(core, _change(("bob", 2)))  # a webhook about an earlier one
    assert _row(core).first_response_at == OPENED + timedelta(hours=2)


def test_bot_logins_are_bots_for_change_requests_and_the_ledger(core: Core) -> None:
    assert _record(core, _change(("ci-helper", 1), ("alice", 4)), bot_logins=("CI-Helper",)) == 1
    assert _row(core).first_response_at == OPENED + timedelta(hours=4)

    with session_scope(core.sessions) as session:
        project = _project(session)
        store.record_change_requests(
            session,
            project,
            [_change(author="Renovate-Helper", forge_id="502", number=6)],
            ("renovate-helper",),
        )
        merged = MergedChange("600", "77", 6, "Bump", "", "Renovate-Helper", False, OPENED, OPENED)
        review = Review("601", "77", 6, "CI-Helper", False, "APPROVED", OPENED)
        store.record_contributions(session, project, [merged], [review], ("ci-helper", "renovate-helper"))

    with session_scope(core.sessions) as session:
        bots = {row.author: row.author_is_bot for row in session.scalars(select(Contribution))}
        authors = {row.author: row.author_is_bot for row in session.scalars(select(ChangeRequest))}
    assert bots == {"Renovate-Helper": True, "CI-Helper": True}
    assert authors == {"carol": False, "Renovate-Helper": True}


def test_a_webhook_without_the_author_keeps_the_known_one(core: Core) -> None:
    _record(core, _change())
    _record(core, _change(("carol", 3), author="", state="closed", closed_at=OPENED + timedelta(hours=5)))

    row = _row(core)
    assert row.author == "carol" and row.state == "closed"
    assert row.first_response_at is None  # the author's own comment is no response


def test_a_response_to_a_known_change_by_number(core: Core) -> None:
    _record(core, _change())
    with session_scope(core.sessions) as session:
        project = _project(session)
        at = OPENED + timedelta(hours=8)
        assert store.record_change_response(session, project, 5, ChangeResponse("alice", False, at))
        assert not store.record_change_response(session, project, 99, ChangeResponse("alice", False, at))
        own = ChangeResponse("carol", False, OPENED)
        assert store.record_change_response(session, project, 5, own)  # known, but no response
    assert _row(core).first_response_at == OPENED + timedelta(hours=8)


def test_a_crawl_records_change_requests_and_listed_trusted_committers(
    database_url: str, world: World
) -> None:
    world.github_orgs = ["acme"]
    readme = "# Aurora\n\n## Trusted Committers\n\n- @erin\n- frank (docs)\n\n## Usage\n@nobody\n"
    listed = '{"trustedCommitters": ["@dana", {"login": "erin"}]}'
    aurora = world.new_repo(
        "github", "acme", "aurora", description="Design system for everyone",
        pushed_at=NOW - timedelta(days=1), languages={"TypeScript": 100},
        files={"README.md": readme, "innersource.json": listed},
    )  # fmt: skip
    waiting = world.add_pull(aurora, "Waiting", "carol", created_at=NOW - timedelta(days=2))
    answered = world.add_pull(aurora, "Answered", "carol", created_at=NOW - timedelta(days=2))
    world.add_comment(answered, "ci-helper", NOW - timedelta(days=2) + timedelta(minutes=1))
    world.add_comment(answered, "dana", NOW - timedelta(days=1))

    with (
        crawled(database_url, world, bot_logins=("ci-helper",)) as (core, _forge),
        session_scope(core.sessions) as session,
    ):
        project = session.scalars(select(Project)).one()
        rows = {r.number: r.first_response_at for r in session.scalars(select(ChangeRequest))}
        assert project.trusted_committers == ["dana", "erin", "frank"]
    assert rows == {waiting.number: None, answered.number: NOW - timedelta(days=1)}
