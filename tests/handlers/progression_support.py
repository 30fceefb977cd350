"""Progression over the real server: the sample organisation crawled, its people in the fake Slack,
the bot serving signed requests, the real deliverer, and `chat.update`/`views.open` on the fake."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import (
    Core,
    build_deliverer,
    build_discovery,
    build_http_server,
    build_progression,
    build_slack_app,
    forge_hosts,
)
from bot.db.engine import session_scope
from bot.db.people import Identity, Person
from bot.db.progression import Nomination
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_directory import member_id
from bot.sandbox.slack.slack_requests import SlackUser
from bot.slack.outbox import Deliverer
from tests.conftest import NOW
from tests.handlers.conftest import Bot, text_of
from tests.handlers.slack_views import signed_click
from tests.services.test_routing import Sample, sample_organisation

PROJECT = "acme/aurora-design-system"  # maintainers alice and bob; jasmine: 11 merged, 10 reviews
ALICE = SlackUser(user_id=member_id("alice"), user_name="alice")
BOB = SlackUser(user_id=member_id("bob"), user_name="bob")
JASMINE = SlackUser(user_id=member_id("jasmine"), user_name="jasmine")
SAM = SlackUser()  # a member, not a maintainer


@dataclass
class Served:
    sample: Sample
    core: Core  # aimed at the fake Slack
    bot: Bot
    deliverer: Deliverer

    @property
    def slack(self) -> FakeSlack:
        return self.bot.slack

    def recompute(self) -> str:
        return build_progression(self.core).recompute(full=True).summary()

    def deliver(self) -> int:
        """Deliver everything due; the clock moves on between passes (one post a second per channel)."""
        sent = 0
        for _ in range(5):
            self.sample.clock.advance(timedelta(seconds=5))
            report = self.deliverer.deliver_due()
            sent += report.sent
            if report.claimed == 0:
                break
        return sent

    def card(self, user: SlackUser) -> dict[str, Any]:
        """The user's nomination card in their DM with the bot, as Slack now holds it."""
        messages = self.slack.channel_messages("D" + user.user_id[1:])
        (card,) = [m for m in messages if "Trusted-committer nomination" in m["text"]]
        return card

    def click(self, action_id: str, user: SlackUser, card_of: SlackUser | None = None) -> str:
        """Click `action_id` on `card_of`'s card (the clicker's own by default), as it was delivered
        (a stale card still has its buttons); returns the response_url."""
        card = self.card(card_of or user)
        value = str(self.nomination().id)
        url = self.slack.new_response_url()
        channel = "D" + (card_of or user).user_id[1:]
        status, _ = self.bot.post(signed_click(self.slack, action_id, value, url, user, channel, card["ts"]))
        assert status == 200
        return url

    def answer(self, url: str) -> dict[str, Any]:
        (answer,) = self.slack.wait_for_responses(url, 1, timeout=10)
        return answer

    def nomination(self) -> Nomination:
        with session_scope(self.core.sessions) as session:
            (found,) = session.scalars(select(Nomination)).all()
            session.expunge(found)
            return found


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    for sample in sample_organisation(database_url):
        link(sample.core, ALICE, "alice")
        link(sample.core, BOB, "bob")
        link(sample.core, JASMINE, "jasmine")
        with serving(sample) as running:
            yield running


@contextmanager
def serving(sample: Sample, **settings: Any) -> Iterator[Served]:
    with FakeSlack() as slack:
        core = replace(
            sample.core, settings=slack.settings_for(sample.core.settings).model_copy(update=settings)
        )
        app = build_slack_app(core, build_discovery(core))
        with build_http_server(core, app, "127.0.0.1", 0) as server:
            yield Served(sample, core, Bot(slack, server), build_deliverer(core, "test-worker"))


def link(core: Core, user: SlackUser, login: str, verified: bool = True) -> None:
    """A person (new, or as `add_person` made them) tied to their GitHub account: by e-mail when
    verified, by `link` otherwise."""
    with session_scope(core.sessions) as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == user.user_id)).one_or_none()
        if person is None:
            person = Person(slack_user_id=user.user_id, name=user.user_name, created_at=NOW, updated_at=NOW)
            session.add(person)
            session.flush()
        session.add(
            Identity(
                person_id=person.id, forge="github", host=_github_host(core), login=login,
                login_key=login.casefold(), verified=verified, source="email" if verified else "link",
                created_at=NOW,
            )
        )  # fmt: skip


def _github_host(core: Core) -> str:
    return forge_hosts(core.settings)["github"]


def answer_to(bot: Bot, text: str, user: SlackUser) -> dict[str, Any]:
    """A slash command's answer: in the acknowledgement, or through response_url when slower."""
    status, body, url = bot.command(text, user)
    assert status == 200
    if isinstance(body, dict) and body.get("blocks") and "Working on it" not in text_of(body):
        return body
    return bot.slack.wait_for_responses(url, 1, timeout=10)[0]
