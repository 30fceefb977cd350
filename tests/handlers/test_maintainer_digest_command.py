"""`maintainer-digest on|off` and how `digest` touches it, over signed requests to the real server; and
the *Approve* button of a nomination card sent with a maintainer digest, which decides the nomination
through the existing nomination handlers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db.people import Person
from bot.db.progression import NOMINATION_APPROVED
from bot.services.digests import MaintainerDigests
from bot.slack import texts
from bot.slack.maintainer_digest_texts import CARD_INTRO, STAYS_OFF
from bot.slack.nomination_blocks import ACTION_APPROVE
from tests.handlers.conftest import Bot, running_bot, text_of
from tests.handlers.progression_support import ALICE, BOB, JASMINE, Served
from tests.handlers.progression_support import served as served  # the fixture
from tests.handlers.slack_views import signed_click
from tests.handlers.test_subscription_commands import say
from tests.services.test_subscriptions import Catalog, catalog, people_catalog

__all__ = ["catalog", "people_catalog"]

pytestmark = pytest.mark.integration

ME = "U0SANDBOX1"  # who the signed commands come from


@pytest.fixture
def bot(catalog: Catalog) -> Iterator[Bot]:
    with running_bot(catalog.core) as running:
        yield running


def _settings(catalog: Catalog) -> tuple[str, bool]:
    with catalog.core.sessions() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == ME)).one()
        return person.cadence, person.maintainer_digest


def test_maintainer_digest_on_and_off_leave_good_first_issues_alone(catalog: Catalog, bot: Bot) -> None:
    _, shown = say(bot, "maintainer-digest off")
    assert "The weekly maintainer digest is off." in shown and "Good first issues reach you: a daily" in shown
    assert _settings(catalog) == ("daily", False)
    _, shown = say(bot, "maintainer-digest sometimes")
    assert "`sometimes` is neither on nor off" in shown and "maintainer digest is off" in shown
    _, shown = say(bot, "maintainer-digest")
    assert "maintainer-digest on|off" in shown
    _, shown = say(bot, "maintainer-digest ON")
    assert "You'll get the weekly maintainer digest" in shown and _settings(catalog) == ("daily", True)
    _, shown = say(bot, "help")
    assert "maintainer-digest on|off" in shown


def test_digest_off_stops_it_too_and_only_maintainer_digest_on_brings_it_back(
    catalog: Catalog, bot: Bot
) -> None:
    _, shown = say(bot, "digest off")
    assert texts.CADENCE_OFF_MAINTAINER in shown and _settings(catalog) == ("off", False)
    _, shown = say(bot, "digest daily")  # good first issues again, the maintainer digest not silently
    assert "a daily digest" in shown and STAYS_OFF in shown and _settings(catalog) == ("daily", False)
    _, shown = say(bot, "maintainer-digest on")
    assert _settings(catalog) == ("daily", True)
    _, shown = say(bot, "digest weekly")
    assert STAYS_OFF not in shown and _settings(catalog) == ("weekly", True)


def test_approve_on_a_digest_card_decides_the_nomination(served: Served) -> None:
    assert "1 nominations opened, 2 cards queued" in served.recompute()
    served.deliver()
    served.sample.clock.set(datetime(2026, 11, 2, 9, tzinfo=UTC))  # Monday 9:00 for these UTC people
    report = MaintainerDigests(served.core.sessions, served.sample.clock, served.core.settings).run()
    assert report.queued == 2  # alice and bob maintain aurora; jasmine maintains nothing
    served.deliver()
    channel = "D" + ALICE.user_id[1:]
    card = next(m for m in served.slack.channel_messages(channel) if m["text"].startswith(CARD_INTRO))
    assert card["metadata"]["event_payload"]["key"].endswith(":2")  # the message after the digest
    approve = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ACTION_APPROVE
    )
    url = served.slack.new_response_url()
    click = signed_click(served.slack, ACTION_APPROVE, approve["value"], url, ALICE, channel, card["ts"])
    status, _ = served.bot.post(click)
    assert status == 200
    answer = served.answer(url)
    assert answer["replace_original"] is True  # the clicked card, not the digest above it
    assert f"Approved by <@{ALICE.user_id}>" in text_of(answer)
    assert served.nomination().status == NOMINATION_APPROVED
    # Bob's cards — the one the progression run sent, the one after his digest — now say who decided.
    bob = "D" + BOB.user_id[1:]
    cards = [m["ts"] for m in served.slack.channel_messages(bob) if "Approve" in str(m.get("blocks"))]
    updates = served.slack.wait_for_calls("chat.update", 2, timeout=10)
    assert len(cards) == 2 and sorted(u["ts"] for u in updates) == sorted(cards)
    assert {u["channel"] for u in updates} == {bob}
    assert all(f"Approved by <@{ALICE.user_id}>" in str(u["blocks"]) for u in updates)
    assert JASMINE.user_id in text_of(answer)
