"""The deliverer's posts to a channel, against the fake Slack on SQLite and PostgreSQL: not a member →
it joins and posts; a channel missing, archived, or that it may not join → the rows wait (an hour at a
time), the problem is logged once and shown by `stats`, and the posts go out once the channel is
there; `#name` is resolved to its ID once; a post whose outcome is unknown is found in the channel."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Core
from bot.clock import ManualClock
from bot.db.announcements import ChannelProblem
from bot.db.engine import session_scope
from bot.db.operations import PENDING, SENDING, SENT
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.services.announcements import ANNOUNCEMENT
from bot.services.outbox import enqueue
from bot.services.stats import StatsService
from bot.slack.outbox import Deliverer, DeliveryReport, compose_notice, new_delivery_client
from bot.slack.stats_blocks import stats_message
from tests.conftest import NOW
from tests.slack.outbox_support import enqueue_notices, rows

HOUR = timedelta(hours=1)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock) as slack:  # the sandbox workspace: #innersource-announce is C0ANNOUNCE
        yield slack


def deliverer(core: Core, fake: FakeSlack, clock: ManualClock) -> Deliverer:
    # Announcements composed as plain notices: what is posted is not the point here, where it goes is.
    return Deliverer(
        core.sessions,
        new_delivery_client(fake.bot_token, fake.api_url, timeout=2.0),
        {"notice": compose_notice, ANNOUNCEMENT: compose_notice},
        clock,
        worker_id="test-worker",
        workspace_per_minute=60_000,
        rng=random.Random(7),
    )


def drain(deliverer: Deliverer, clock: ManualClock) -> DeliveryReport:
    """Passes until nothing is due, the clock moving past the one-post-a-second-per-channel pacing."""
    total = DeliveryReport()
    for _ in range(10):
        report = deliverer.deliver_due()
        total += report
        if report.claimed == 0:
            return total
        clock.advance(timedelta(seconds=2))
    return total


def posted_to(fake: FakeSlack, channel: str) -> list[str]:
    return [m["metadata"]["event_payload"]["key"] for m in fake.channel_messages(channel)]


def problem(core: Core, channel: str) -> ChannelProblem | None:
    with session_scope(core.sessions) as session:
        found = session.scalars(select(ChannelProblem).where(ChannelProblem.channel == channel)).first()
        if found is not None:
            session.expunge(found)
        return found


def test_not_in_the_channel_the_bot_joins_it_and_posts(
    core: Core, fake: FakeSlack, clock: ManualClock
) -> None:
    fake.channels.add("C0NEWS", "news", bot_member=False)
    [key] = enqueue_notices(core.sessions, ["C0NEWS"], NOW, kind=ANNOUNCEMENT)

    report = deliverer(core, fake, clock).deliver_due()

    assert report.sent == 1
    assert [m for m, _ in fake.calls] == ["chat.postMessage", "conversations.join", "chat.postMessage"]
    assert posted_to(fake, "C0NEWS") == [key]
    row = rows(core.sessions)[key]
    assert (row.status, row.channel_id, row.attempts) == (SENT, "C0NEWS", 0)
    assert problem(core, "C0NEWS") is None


def test_a_channel_set_by_name_is_resolved_once_through_the_pages_of_conversations_list(
    core: Core, fake: FakeSlack, clock: ManualClock
) -> None:
    for n in range(1200):  # more than a page of 1000: the name is on the second
        fake.channels.add(f"C0X{n:05d}", f"other-{n}", bot_member=False)
    fake.channels.add("C0NEWS", "news", bot_member=False)
    keys = enqueue_notices(core.sessions, ["#news", "#news"], NOW, kind=ANNOUNCEMENT)
    the_deliverer = deliverer(core, fake, clock)

    assert drain(the_deliverer, clock).sent == 2
    assert posted_to(fake, "C0NEWS") == keys
    assert len(fake.calls_to("conversations.list")) == 2  # two pages, once
    assert [c["channel"] for c in fake.calls_to("conversations.join")] == ["C0NEWS"]

    fake.channels.update("C0NEWS", is_member=False)  # someone removed the bot: the ID is known now
    with session_scope(core.sessions) as session:
        payload = {"text": "again"}
        enqueue(session, key="third", kind=ANNOUNCEMENT, recipient="#news", payload=payload, now=clock())
    assert drain(the_deliverer, clock).sent == 1
    assert len(fake.calls_to("conversations.list")) == 2 and posted_to(fake, "C0NEWS")[-1] == "third"
    assert len(fake.calls_to("conversations.join")) == 2


def test_a_missing_channel_waits_is_reported_once_and_gets_its_posts_once_it_exists(
    core: Core, fake: FakeSlack, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    keys = enqueue_notices(core.sessions, ["#later", "#later"], NOW, kind=ANNOUNCEMENT)
    the_deliverer = deliverer(core, fake, clock)

    with caplog.at_level(logging.INFO, logger="bot.slack.outbox"):
        first = the_deliverer.deliver_due()
        # One post probed the channel; the other row waits without a Slack call.
        assert (first.waiting, first.failed, len(fake.calls_to("chat.postMessage"))) == (2, 0, 1)
        waiting = rows(core.sessions)
        assert {(waiting[k].status, waiting[k].attempts, waiting[k].last_error) for k in keys} == {
            (PENDING, 0, "channel_not_found")
        }
        assert {waiting[k].due_at for k in keys} == {NOW + HOUR}
        assert the_deliverer.deliver_due().claimed == 0  # not before the hour

        clock.advance(HOUR)  # still missing: one more probe, nothing more in the log
        assert the_deliverer.deliver_due().waiting == 2
        assert len(fake.calls_to("chat.postMessage")) == 2
    assert caplog.text.count("event=channel_problem ") == 1
    assert "event=channel_problem channel=#later error=channel_not_found" in caplog.text
    found = problem(core, "#later")
    assert found is not None and (found.error, found.since, found.attempts) == ("channel_not_found", NOW, 2)

    stats_core = replace(core, settings=core.settings.model_copy(update={"announce_channel": "#later"}))
    health = StatsService(stats_core.sessions, clock, stats_core.settings).stats().announce
    assert health is not None and (health.problem, health.since, health.waiting) == (
        "channel_not_found",
        NOW,
        2,
    )
    shown = str(
        stats_message(StatsService(stats_core.sessions, clock, stats_core.settings).stats())["blocks"]
    )
    assert (
        "*Announce channel* #later: not found (check `announce_channel`) since 2026-11-01 00:00 UTC" in shown
    )
    assert "2 posts waiting" in shown

    fake.channels.add("C0LATER", "later")  # the operator creates it (and invites the bot)
    clock.advance(HOUR)
    with caplog.at_level(logging.INFO, logger="bot.slack.outbox"):
        assert drain(the_deliverer, clock).sent == 2
    assert posted_to(fake, "C0LATER") == keys
    assert problem(core, "#later") is None and "event=channel_problem_cleared channel=#later" in caplog.text
    assert {r.attempts for r in rows(core.sessions).values()} == {0}  # waiting is not failing


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda fake: fake.channels.add("C0OLD", "old", archived=True), "is_archived"),
        (lambda fake: fake.channels.add("C0OLD", "old", private=True, bot_member=False), "channel_not_found"),
        (lambda fake: (fake.channels.add("C0OLD", "old", bot_member=False),
                       fake.revoke_scope("channels:join")), "missing_scope"),
    ],
    ids=["archived", "private-not-invited", "may-not-join"],
)  # fmt: skip
def test_a_channel_the_bot_cannot_post_to_waits_with_the_reason(
    core: Core, fake: FakeSlack, clock: ManualClock, setup: object, error: str
) -> None:
    setup(fake)  # type: ignore[operator]
    [key] = enqueue_notices(core.sessions, ["C0OLD"], NOW, kind=ANNOUNCEMENT)
    the_deliverer = deliverer(core, fake, clock)

    assert the_deliverer.deliver_due().waiting == 1
    row = rows(core.sessions)[key]
    assert (row.status, row.last_error, row.due_at) == (PENDING, error, NOW + HOUR)
    found = problem(core, "C0OLD")
    assert found is not None and found.error == error

    fake.channels.update("C0OLD", is_archived=False, is_member=True)  # fixed: unarchived, bot invited
    clock.advance(HOUR)
    assert the_deliverer.deliver_due().sent == 1
    assert posted_to(fake, "C0OLD") == [key] and problem(core, "C0OLD") is None


def test_a_channel_post_whose_outcome_is_unknown_is_found_there_not_posted_again(
    core: Core, fake: FakeSlack, clock: ManualClock
) -> None:
    [key] = enqueue_notices(core.sessions, ["#innersource-announce"], NOW, kind=ANNOUNCEMENT)
    fake.delay_next("chat.postMessage", 2.5, effective=True)  # posted, but the client gave up
    the_deliverer = deliverer(core, fake, clock)

    assert the_deliverer.deliver_due().retried == 1
    assert rows(core.sessions)[key].status == SENDING
    clock.advance(timedelta(seconds=400))
    assert the_deliverer.deliver_due().recovered == 1

    assert fake.outbox_keys() == [key] and posted_to(fake, "C0ANNOUNCE") == [key]
    assert [c["channel"] for c in fake.calls_to("conversations.history")] == ["C0ANNOUNCE"]
    assert rows(core.sessions)[key].status == SENT


def test_removed_from_the_channel_since_it_posted_the_bot_rejoins_to_look_not_to_post_again(
    core: Core, fake: FakeSlack, clock: ManualClock
) -> None:
    [key] = enqueue_notices(core.sessions, ["C0ANNOUNCE"], NOW, kind=ANNOUNCEMENT)
    fake.delay_next("chat.postMessage", 2.5, effective=True)  # posted, but the client gave up
    the_deliverer = deliverer(core, fake, clock)
    assert the_deliverer.deliver_due().retried == 1
    fake.channels.update("C0ANNOUNCE", is_member=False)  # someone removed the bot meanwhile
    clock.advance(timedelta(seconds=400))

    assert the_deliverer.deliver_due().recovered == 1

    assert fake.outbox_keys() == [key] and posted_to(fake, "C0ANNOUNCE") == [key]  # posted once
    assert [m for m, _ in fake.calls][-3:] == [
        "conversations.history", "conversations.join", "conversations.history"
    ]  # fmt: skip
    assert rows(core.sessions)[key].status == SENT


def test_a_post_it_cannot_look_for_fails_rather_than_being_posted_blindly(
    core: Core, fake: FakeSlack, clock: ManualClock
) -> None:
    [key] = enqueue_notices(core.sessions, ["C0ANNOUNCE"], NOW, kind=ANNOUNCEMENT)
    fake.delay_next("chat.postMessage", 2.5, effective=True)
    the_deliverer = deliverer(core, fake, clock)
    assert the_deliverer.deliver_due().retried == 1
    fake.revoke_scope("channels:history")
    clock.advance(timedelta(seconds=400))

    assert the_deliverer.deliver_due().failed == 1

    assert posted_to(fake, "C0ANNOUNCE") == [key]  # the one post that did go out, not a second
    row = rows(core.sessions)[key]
    assert row.status == "failed" and "missing_scope" in (row.last_error or "")
    assert problem(core, "C0ANNOUNCE") is None  # not a channel problem to wait out: an operator's


def test_a_dm_to_someone_unknown_still_fails_at_once(core: Core, fake: FakeSlack, clock: ManualClock) -> None:
    [key] = enqueue_notices(core.sessions, ["U0NOBODY"], NOW)
    assert deliverer(core, fake, clock).deliver_due().failed == 1  # only channels wait
    assert rows(core.sessions)[key].last_error == "channel_not_found" and problem(core, "U0NOBODY") is None
