"""The deliverer never DMs a refused person: one who became a guest, left for another workspace, is
a bot or was deactivated after subscribing has the row dropped with the reason, checked through a
cached users.info; Slack's own "this user cannot get a DM" answers drop the row too (no retries)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Core
from bot.clock import ManualClock
from bot.db.engine import session_scope
from bot.db.operations import DROPPED, SENT
from bot.db.people import Person
from bot.sandbox.slack.fake_slack import FakeSlack, SlackDirectory
from bot.services.outbox import enqueue
from bot.slack.outbox import Deliverer, compose_notice, new_delivery_client
from bot.slack.users import UserGate
from tests.conftest import NOW
from tests.slack.outbox_support import enqueue_notices, rows

MEMBER, GUEST, OUTSIDER, BOT, GONE = "U0MEMBER1", "U0GUEST01", "U0OTHER01", "U0BOT0001", "U0GONE001"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def directory() -> SlackDirectory:
    directory = SlackDirectory(populated=False)
    directory.add_user(MEMBER)
    directory.add_user(GUEST, is_restricted=True)
    directory.add_user(OUTSIDER, team_id="T0ELSEWHERE")
    directory.add_user(BOT, is_bot=True)
    directory.add_user(GONE, deleted=True)
    return directory


@pytest.fixture
def fake(directory: SlackDirectory, clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(directory, clock=clock) as slack:
        yield slack


class GateTime:
    """The gate's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _deliverer(core: Core, fake: FakeSlack, clock: ManualClock, gate_time: GateTime) -> Deliverer:
    client = new_delivery_client(fake.bot_token, fake.api_url, timeout=1.0)
    return Deliverer(
        core.sessions,
        client,
        {"notice": compose_notice},
        clock,
        worker_id="test-worker",
        max_attempts=3,
        workspace_per_minute=60_000,
        rng=random.Random(7),
        gate=UserGate(client, ttl_seconds=3600, now=gate_time),
    )


def test_refused_recipients_are_dropped_with_the_reason_and_never_posted_to(
    core: Core, fake: FakeSlack, clock: ManualClock
) -> None:
    keys = enqueue_notices(core.sessions, [MEMBER, GUEST, OUTSIDER, BOT, GONE, "U0NOBODY1"], NOW)
    deliverer = _deliverer(core, fake, clock, GateTime())

    report = deliverer.deliver_due()

    assert (report.sent, report.dropped) == (1, 5)
    assert [call["channel"] for call in fake.calls_to("chat.postMessage")] == [MEMBER]
    found = rows(core.sessions)
    assert found[keys[0]].status == SENT
    reasons = {found[key].last_error for key in keys[1:]}
    assert {found[key].status for key in keys[1:]} == {DROPPED}
    assert reasons == {
        "recipient refused: guest",
        "recipient refused: external",
        "recipient refused: bot",
        "recipient refused: deleted",
    }


def test_a_member_who_becomes_a_guest_stops_getting_dms_once_the_check_is_due(
    core: Core, fake: FakeSlack, directory: SlackDirectory, clock: ManualClock
) -> None:
    gate_time = GateTime()
    deliverer = _deliverer(core, fake, clock, gate_time)
    enqueue_notices(core.sessions, [MEMBER], NOW)
    assert deliverer.deliver_due().sent == 1
    directory.add_user(MEMBER, is_restricted=True)  # made a guest after subscribing

    gate_time.now += 3601
    clock.advance(timedelta(seconds=5))
    [later] = enqueue_notices(core.sessions, [MEMBER], clock(), kind="later")

    assert deliverer.deliver_due().dropped == 1
    assert rows(core.sessions)[later].last_error == "recipient refused: guest"
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert len(fake.calls_to("users.info")) == 2  # once per person per check period, not per message


@pytest.mark.parametrize("error", ["user_disabled", "cannot_dm_bot"])
def test_slack_refusing_the_recipient_drops_the_row_without_retrying(
    core: Core, fake: FakeSlack, clock: ManualClock, error: str
) -> None:
    with session_scope(core.sessions) as session:
        enqueue(session, key="n:1", kind="notice", recipient=MEMBER, payload={"text": "hi"}, now=NOW)
    fake.fail_next("chat.postMessage", status=200, body={"ok": False, "error": error})
    deliverer = _deliverer(core, fake, clock, GateTime())

    assert deliverer.deliver_due().dropped == 1
    row = rows(core.sessions)["n:1"]
    assert (row.status, row.last_error) == (DROPPED, f"recipient refused: {error}")
    clock.advance(timedelta(seconds=400))
    assert deliverer.deliver_due().claimed == 0


def _subscriber(core: Core, user_id: str, checked_at: datetime, refusal: str | None = None) -> None:
    """A person row as the bot keeps it: when Slack last vouched for them, and its verdict."""
    with session_scope(core.sessions) as session:
        session.add(
            Person(
                slack_user_id=user_id,
                created_at=NOW,
                updated_at=NOW,
                slack_checked_at=checked_at,
                slack_refusal=refusal,
            )
        )


def test_a_recent_check_on_the_persons_row_spares_users_info(
    core: Core, fake: FakeSlack, clock: ManualClock
) -> None:
    _subscriber(core, MEMBER, NOW - timedelta(days=2))  # used the bot two days ago
    _subscriber(core, GUEST, NOW - timedelta(days=1), refusal="guest")  # seen as a guest yesterday
    keys = enqueue_notices(core.sessions, [MEMBER, GUEST], NOW)

    report = _deliverer(core, fake, clock, GateTime()).deliver_due()

    assert (report.sent, report.dropped) == (1, 1)
    assert fake.calls_to("users.info") == []  # a digest burst is not held to users.info's rate
    assert rows(core.sessions)[keys[1]].last_error == "recipient refused: guest"


def test_an_old_check_is_renewed_and_the_verdict_stored_for_the_next_days(
    core: Core, fake: FakeSlack, directory: SlackDirectory, clock: ManualClock
) -> None:
    _subscriber(core, MEMBER, NOW - timedelta(days=8))  # past RECIPIENT_TRUST_SECONDS
    directory.add_user(MEMBER, is_restricted=True)  # became a guest since
    [key] = enqueue_notices(core.sessions, [MEMBER], NOW)

    assert _deliverer(core, fake, clock, GateTime()).deliver_due().dropped == 1

    assert len(fake.calls_to("users.info")) == 1
    assert rows(core.sessions)[key].last_error == "recipient refused: guest"
    with session_scope(core.sessions) as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == MEMBER)).one()
        assert (person.slack_checked_at, person.slack_refusal) == (NOW, "guest")
