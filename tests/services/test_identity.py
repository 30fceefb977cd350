"""Identity: `link`/`unlink` (unverified, one account per person and forge, one person per account) and
matching by e-mail over the fake forge (GitHub and GitLab, through the real adapters) and the fake Slack."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Core, build_identity_matcher, build_sources, forge_hosts
from bot.db.people import Identity, Person
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_directory import SlackDirectory, member_id
from bot.services.identity import (
    ALREADY_LINKED,
    BAD_LOGIN,
    LINKED,
    NOT_LINKED,
    RELINKED,
    TAKEN,
    UNKNOWN_FORGE,
    UNLINKED,
    USAGE,
    VERIFIED_ELSEWHERE,
    IdentityService,
    SlackProfile,
    api_host,
    valid_login,
)
from bot.services.identity_matching import EmailMatcher
from tests.services.test_subscriptions import ME, YOU, Catalog, catalog, people_catalog

__all__ = ["catalog", "people_catalog"]


@pytest.fixture
def identities(catalog: Catalog) -> IdentityService:
    core = catalog.core
    return IdentityService(core.sessions, forge_hosts(core.settings), core.now)


def rows(core: Core) -> list[tuple[str, str, str, bool, str]]:
    with core.sessions() as session:
        found = session.execute(
            select(Person.slack_user_id, Identity.forge, Identity.login, Identity.verified, Identity.source)
            .join(Person, Person.id == Identity.person_id)
            .order_by(Person.slack_user_id, Identity.forge)
        ).all()
    return [tuple(row) for row in found]


def test_api_host_is_spelt_as_the_crawl_spells_projects_host(catalog: Catalog) -> None:
    assert api_host("https://api.github.com") == "api.github.com"
    assert api_host("https://ghe.example.com/api/v3") == "ghe.example.com"
    forges = {source.forge.kind: source.forge.host for source in build_sources(catalog.core)}
    assert forge_hosts(catalog.core.settings) == forges


@pytest.mark.parametrize(
    ("forge", "login", "ok"),
    [("github", "octocat", True), ("github", "a-b-c", True), ("github", "a--b", False),
     ("github", "-a", False), ("github", "x" * 40, False), ("github", "jane_acme", True),
     ("github", "a.b", False), ("gitlab", "jane.doe", True), ("gitlab", "_jane", True),
     ("gitlab", "jane.", False), ("gitlab", "jane.git", False), ("gitlab", "-jane", False),
     ("gitlab", "a/b", False), ("github", "<!channel>", False)],
)  # fmt: skip
def test_login_syntax(forge: str, login: str, ok: bool) -> None:
    assert valid_login(forge, login) is ok


def test_link_relink_and_unlink(catalog: Catalog, identities: IdentityService) -> None:
    first = identities.link(ME, "GitHub", "@Octocat")
    assert first.outcome == LINKED and first.login == "Octocat"
    assert [(a.forge, a.login, a.verified, a.source) for a in first.accounts] == [
        ("github", "Octocat", False, "link")
    ]
    assert identities.link(ME, "github", "octocat").outcome == ALREADY_LINKED
    again = identities.link(ME, "github", "hubot")
    assert again.outcome == RELINKED and again.previous == "Octocat"
    assert identities.link(ME, "gitlab", "sam.sandbox").outcome == LINKED
    assert rows(catalog.core) == [
        ("U0SANDBOX1", "github", "hubot", False, "link"),
        ("U0SANDBOX1", "gitlab", "sam.sandbox", False, "link"),
    ]
    gone = identities.unlink(ME, "github")
    assert gone.outcome == UNLINKED and gone.login == "hubot"
    assert identities.unlink(ME, "github").outcome == NOT_LINKED
    assert [a.forge for a in identities.accounts(ME)] == ["gitlab"]


def test_bad_input(identities: IdentityService) -> None:
    assert identities.link(ME, "bitbucket", "me").outcome == UNKNOWN_FORGE
    assert identities.link(ME, "github", "not a login").outcome == BAD_LOGIN
    assert identities.link(ME, "github", "").outcome == USAGE
    assert identities.link(ME, "", "").outcome == USAGE
    assert identities.unlink(ME, "").outcome == USAGE
    assert identities.unlink(ME, "svn").outcome == UNKNOWN_FORGE


def test_one_account_belongs_to_one_person(catalog: Catalog, identities: IdentityService) -> None:
    assert identities.link(ME, "github", "octocat").outcome == LINKED
    taken = identities.link(YOU, "github", "OCTOCAT")
    assert taken.outcome == TAKEN and all(a.login != "octocat" for a in taken.accounts)
    assert identities.link(YOU, "gitlab", "octocat").outcome == LINKED  # another forge, another account
    assert rows(catalog.core) == [
        ("U0JASMINE", "gitlab", "octocat", False, "link"),
        ("U0SANDBOX1", "github", "octocat", False, "link"),
    ]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running


def matcher_for(catalog: Catalog, slack: FakeSlack, later: timedelta = timedelta(0)) -> EmailMatcher:
    now = catalog.core.now() + later
    core = replace(catalog.core, settings=slack.settings_for(catalog.core.settings), now=lambda: now)
    matcher = build_identity_matcher(core)
    assert matcher is not None
    return matcher


def user_requests(catalog: Catalog, login: str) -> int:
    return sum(1 for r in catalog.forge.world.log if r.path.startswith("/users") and login in r.path)


def test_forge_adapters_read_public_emails(catalog: Catalog) -> None:
    forges = {source.forge.kind: source.forge for source in build_sources(catalog.core)}
    for forge in forges.values():
        assert forge.user_email("alice") == "alice.nakamura@acme.example"
        assert forge.user_email("xavier") is None  # hides it
        assert forge.user_email("no-such-person") is None


def test_match_by_email_makes_verified_identities(catalog: Catalog, slack: FakeSlack) -> None:
    summary = matcher_for(catalog, slack).match_by_email()
    found = rows(catalog.core)
    github = {(user, login) for user, forge, login, verified, source in found if forge == "github"}
    assert (member_id("alice"), "alice") in github
    assert all(verified and source == "email" for *_, verified, source in found)
    logins = {login for _, _, login, _, _ in found}
    assert "zoe" not in logins and "xavier" not in logins  # no public e-mail: nothing to match
    assert not any("bot" in login for login in logins)
    assert summary.matched == len(found) and summary.errors == 0
    with catalog.core.sessions() as session:
        alice = session.scalars(select(Person).where(Person.slack_user_id == member_id("alice"))).one()
        assert alice.email == "alice.nakamura@acme.example" and alice.tz == "Europe/Berlin"


def test_misses_are_remembered_for_a_day(catalog: Catalog, slack: FakeSlack) -> None:
    matcher = matcher_for(catalog, slack)
    first = matcher.match_by_email()
    asked = user_requests(catalog, "zoe")
    assert asked >= 1 and first.remembered_misses == 0
    second = matcher.match_by_email()
    assert second.looked_up == 0 and second.matched == 0 and second.remembered_misses > 0
    assert user_requests(catalog, "zoe") == asked
    next_day = matcher_for(catalog, slack, later=timedelta(days=1, seconds=1)).match_by_email()
    assert next_day.looked_up == second.remembered_misses and user_requests(catalog, "zoe") > asked


def test_guests_are_never_matched_and_links_give_way(catalog: Catalog) -> None:
    directory = SlackDirectory()
    directory.add_user(
        member_id("alice"), name="alice", email="alice.nakamura@acme.example", is_restricted=True
    )
    identities = IdentityService(catalog.core.sessions, forge_hosts(catalog.core.settings), catalog.core.now)
    bob = SlackProfile(member_id("bob"), "T0SANDBOX", "bob")
    assert identities.link(bob, "github", "bob-old-account").outcome == LINKED
    with FakeSlack(directory) as slack:
        matcher_for(catalog, slack).match_by_email()
    found = {(user, forge): (login, verified) for user, forge, login, verified, _ in rows(catalog.core)}
    assert not any(user == member_id("alice") for user, _ in found)  # a guest
    assert found[(member_id("bob"), "github")] == ("bob", True)  # e-mail beats an unverified link
    assert identities.link(bob, "github", "someone-else").outcome == VERIFIED_ELSEWHERE
    assert identities.link(YOU, "github", "bob").outcome == TAKEN


def test_no_slack_token_no_matcher(catalog: Catalog) -> None:
    assert build_identity_matcher(catalog.core) is None


def test_an_email_match_takes_a_login_back_from_someone_elses_link(
    catalog: Catalog, slack: FakeSlack
) -> None:
    identities = IdentityService(catalog.core.sessions, forge_hosts(catalog.core.settings), catalog.core.now)
    squatter = SlackProfile(member_id("bob"), "T0SANDBOX", "bob")
    assert identities.link(squatter, "github", "alice").outcome == LINKED  # bob types alice's login
    matcher_for(catalog, slack).match_by_email()
    found = {(user, forge): (login, verified) for user, forge, login, verified, _ in rows(catalog.core)}
    assert found[(member_id("alice"), "github")] == ("alice", True)  # her e-mail says it is hers
    assert found[(member_id("bob"), "github")] == ("bob", True)  # and bob gets his own
    assert identities.link(squatter, "github", "alice").outcome == TAKEN
