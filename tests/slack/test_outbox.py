"""The deliverer against the fake Slack over HTTP and a real database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set): once per key, 429s, 5xx, timeouts, drops, digests, recovery, two at once."""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.app import Core
from bot.clock import ManualClock
from bot.db.engine import make_engine, session_factory, session_scope
from bot.db.operations import BUNDLED, DROPPED, FAILED, PENDING, SENDING, SENT, OutboxEntry
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.services.outbox import Drop, enqueue
from bot.slack.outbox import EVENT_TYPE, Composer, Deliverer, Message, compose_notice, new_delivery_client
from bot.slack.outbox_metrics import OutboxCollector
from tests.conftest import NOW
from tests.slack.outbox_support import enqueue_notices, people, rows, statuses

LATER = timedelta(seconds=400)  # past any backoff (cap 300 s) and any claim (60 s)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def users() -> list[str]:
    return people(300)[1]


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    directory, _ = people(300)
    with FakeSlack(directory, clock=clock) as slack:
        yield slack


def _deliverer(core: Core, fake: FakeSlack, clock: ManualClock, **options: Any) -> Deliverer:
    composers: dict[str, Composer] = {"notice": compose_notice, **options.pop("composers", {})}
    settings: dict[str, Any] = {"max_attempts": 3, "workspace_per_minute": 60_000, "rng": random.Random(7)}
    return Deliverer(
        options.pop("sessions", core.sessions),
        new_delivery_client(fake.bot_token, fake.api_url, timeout=options.pop("timeout", 1.0)),
        composers,
        clock,
        worker_id=options.pop("worker_id", "test-worker"),
        **(settings | options),
    )


def _posts(fake: FakeSlack) -> list[tuple[str, int]]:
    return [attempt for attempt in fake.attempts if attempt[0] == "chat.postMessage"]


def test_a_notice_is_sent_once_with_its_key_in_metadata(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]
) -> None:
    with session_scope(core.sessions) as session:
        enqueue(
            session,
            key="n:1",
            kind="notice",
            recipient=users[0],
            payload={"text": "<!channel> & hi"},
            now=NOW,
        )
    deliverer = _deliverer(core, fake, clock)

    report = deliverer.deliver_due()

    assert (report.claimed, report.sent) == (1, 1)
    assert fake.outbox_keys() == ["n:1"]
    [post] = fake.calls_to("chat.postMessage")
    assert post["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"key": "n:1"}}
    assert post["channel"] == users[0]
    assert post["text"] == "&lt;!channel&gt; &amp; hi"  # escaped: no @channel ping from a payload
    row = rows(core.sessions)["n:1"]
    assert (row.status, row.channel_id, row.claimed_by) == (SENT, "D" + users[0][1:], None)
    assert row.message_ts == fake.channel_messages(row.channel_id)[0]["ts"]
    assert row.sent_at == NOW
    assert deliverer.deliver_due().claimed == 0  # nothing is sent twice
    assert fake.outbox_keys() == ["n:1"]


def test_a_429_waits_retry_after_for_that_method_while_other_rows_flow(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]
) -> None:
    keys = enqueue_notices(core.sessions, users[:3], NOW)
    with session_scope(core.sessions) as session:
        enqueue(session, key="gone:1", kind="gone", recipient=users[3], payload={}, now=NOW)
    fake.fail_next("chat.postMessage", status=429, retry_after=5)
    deliverer = _deliverer(core, fake, clock, composers={"gone": lambda s, e: Drop("issue closed")})

    first = deliverer.deliver_due()

    # One post was refused; the others were not tried against a method Slack asked us to leave alone,
    # and the row that needed no post went through; the thread never slept on Retry-After.
    assert (first.retried, first.deferred, first.dropped, first.sent) == (1, 2, 1, 0)
    assert _posts(fake) == [("chat.postMessage", 429)]
    waiting = rows(core.sessions)
    assert {waiting[k].status for k in keys} == {PENDING}
    assert {waiting[k].due_at for k in keys} == {NOW + timedelta(seconds=5)}
    assert {waiting[k].attempts for k in keys} == {0}  # a 429 is not an attempt
    assert deliverer.deliver_due().claimed == 0  # not before Retry-After

    clock.advance(timedelta(seconds=5))
    assert deliverer.deliver_due().sent == 3
    assert sorted(fake.outbox_keys()) == sorted(keys)
    assert statuses(core.sessions) == {**dict.fromkeys(keys, SENT), "gone:1": DROPPED}


def test_503s_are_retried_with_backoff_then_sent_once(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]
) -> None:
    [key] = enqueue_notices(core.sessions, users[:1], NOW)
    fake.fail_next("chat.postMessage", status=503, retry_after=None)
    fake.fail_next("chat.postMessage", status=503, retry_after=None)
    deliverer = _deliverer(core, fake, clock)

    assert deliverer.deliver_due().retried == 1
    assert deliverer.deliver_due().claimed == 0  # backing off
    clock.advance(LATER)
    assert deliverer.deliver_due().retried == 1
    clock.advance(LATER)
    assert deliverer.deliver_due().sent == 1

    assert _posts(fake) == [("chat.postMessage", 503), ("chat.postMessage", 503), ("chat.postMessage", 200)]
    assert fake.outbox_keys() == [key]
    # A 5xx may hide a post that happened: each retry read the conversation first.
    assert len(fake.calls_to("conversations.history")) == 2
    row = rows(core.sessions)[key]
    assert (row.status, row.attempts) == (SENT, 2)


def test_503s_past_max_attempts_fail_with_the_reason_in_the_log_and_metrics(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    [key] = enqueue_notices(core.sessions, users[:1], NOW)
    for _ in range(3):
        fake.fail_next("chat.postMessage", status=503, retry_after=None)
    deliverer = _deliverer(core, fake, clock, max_attempts=3)

    with caplog.at_level(logging.INFO, logger="bot.slack.outbox"):
        reports = []
        for _ in range(3):
            reports.append(deliverer.deliver_due())
            clock.advance(LATER)

    assert [r.retried for r in reports] == [1, 1, 0] and reports[-1].failed == 1
    row = rows(core.sessions)[key]
    assert row.status == FAILED and row.attempts == 3
    assert row.last_error is not None and "503" in row.last_error and "after 3 attempts" in row.last_error
    assert f"event=delivery_failed key={key} reason=" in caplog.text
    assert fake.bot_token not in caplog.text
    assert fake.outbox_keys() == []
    registry = CollectorRegistry()
    registry.register(OutboxCollector(core.sessions))
    exposition = generate_latest(registry).decode()
    assert 'innersource_outbox_rows{kind="notice",status="failed"} 1.0' in exposition
    assert deliverer.deliver_due().claimed == 0  # failed is final


@pytest.mark.parametrize("posted", [True, False], ids=["posted-then-timed-out", "timed-out-unposted"])
def test_a_timeout_is_retried_without_a_second_post(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str], posted: bool
) -> None:
    [key] = enqueue_notices(core.sessions, users[:1], NOW)
    fake.delay_next("chat.postMessage", 1.5, effective=posted)  # the client gives up after 1 s
    deliverer = _deliverer(core, fake, clock, timeout=1.0)

    assert deliverer.deliver_due().retried == 1
    assert rows(core.sessions)[key].status == SENDING  # outcome unknown
    clock.advance(LATER)
    report = deliverer.deliver_due()

    assert (report.recovered, report.sent) == ((1, 0) if posted else (0, 1))
    assert fake.outbox_keys() == [key]
    assert rows(core.sessions)[key].status == SENT


@pytest.mark.parametrize("effective", [True, False], ids=["after-the-post", "before-the-post"])
def test_a_dropped_connection_is_retried_without_a_second_post(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str], effective: bool
) -> None:
    [key] = enqueue_notices(core.sessions, users[:1], NOW)
    fake.drop_next("chat.postMessage", effective=effective)
    deliverer = _deliverer(core, fake, clock)

    assert deliverer.deliver_due().retried == 1
    clock.advance(LATER)
    deliverer.deliver_due()

    assert fake.outbox_keys() == [key]
    assert rows(core.sessions)[key].status == SENT


def test_a_permanent_slack_error_fails_at_once_with_its_name(
    core: Core, fake: FakeSlack, clock: ManualClock
) -> None:
    enqueue_notices(core.sessions, ["U0NOBODY"], NOW)  # not in the workspace: channel_not_found
    report = _deliverer(core, fake, clock).deliver_due()

    assert report.failed == 1
    [row] = rows(core.sessions).values()
    assert (row.status, row.last_error, row.attempts) == (FAILED, "channel_not_found", 0)


def test_a_drop_is_never_sent(core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]) -> None:
    [key] = enqueue_notices(core.sessions, users[:1], NOW, kind="gfi")
    deliverer = _deliverer(core, fake, clock, composers={"gfi": lambda s, e: Drop("issue claimed")})

    assert deliverer.deliver_due().dropped == 1
    row = rows(core.sessions)[key]
    assert (row.status, row.last_error) == (DROPPED, "issue claimed")
    assert fake.calls_to("chat.postMessage") == []


def _digest(core: Core, users: list[str]) -> tuple[int, list[str]]:
    """A digest row for users[0] carrying three items, as routing would bundle them."""
    with session_scope(core.sessions) as session:
        enqueue(session, key="digest:1", kind="digest", recipient=users[0], payload={}, now=NOW)
        for n in range(3):
            enqueue(
                session, key=f"item:{n}", kind="gfi", recipient=users[0], payload={}, now=NOW, status=BUNDLED
            )
        session.flush()
        parent = session.query(OutboxEntry).filter_by(key="digest:1").one()
        session.execute(update(OutboxEntry).where(OutboxEntry.kind == "gfi").values(bundle_id=parent.id))
        return parent.id, [f"item:{n}" for n in range(3)]


def test_digest_items_follow_their_digest(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]
) -> None:
    digest_id, items = _digest(core, users)

    def compose_digest(session: Session, entry: OutboxEntry) -> Message:
        # Item 0 was claimed meanwhile: the composer leaves it out and drops it, in the same transaction.
        session.execute(update(OutboxEntry).where(OutboxEntry.key == "item:0").values(status=DROPPED))
        return {"text": "Your digest", "blocks": []}

    report = _deliverer(core, fake, clock, composers={"digest": compose_digest}).deliver_due()

    assert report.sent == 1
    after = rows(core.sessions)
    assert [after[k].status for k in items] == [DROPPED, SENT, SENT]
    assert after["item:1"].message_ts == after["digest:1"].message_ts is not None
    assert fake.outbox_keys() == ["digest:1"]
    assert digest_id == after["item:2"].bundle_id


def test_digest_items_follow_a_dropped_digest(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]
) -> None:
    _, items = _digest(core, users)
    _deliverer(core, fake, clock, composers={"digest": lambda s, e: Drop("nothing left")}).deliver_due()

    assert {statuses(core.sessions)[k] for k in [*items, "digest:1"]} == {DROPPED}


def _left_sending(core: Core, key: str) -> None:
    """As a deliverer killed between "sending" and "sent" leaves a row: its claim has lapsed."""
    with session_scope(core.sessions) as session:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.key == key)
            .values(status=SENDING, claimed_by="dead", claimed_until=NOW - timedelta(seconds=1))
        )


def test_recovery_finds_the_message_in_the_conversation_and_does_not_post_again(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]
) -> None:
    [key] = enqueue_notices(core.sessions, users[:1], NOW)
    client = new_delivery_client(fake.bot_token, fake.api_url)
    metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": key}}
    posted = client.chat_postMessage(channel=users[0], text="hi", metadata=metadata)  # the dead one's post
    _left_sending(core, key)

    report = _deliverer(core, fake, clock).deliver_due()

    assert (report.recovered, report.sent) == (1, 0)
    assert fake.outbox_keys() == [key]
    row = rows(core.sessions)[key]
    assert (row.status, row.message_ts, row.channel_id) == (SENT, posted["ts"], posted["channel"])
    [history] = fake.calls_to("conversations.history")
    assert str(history["include_all_metadata"]).lower() in ("true", "1")


def test_recovery_without_the_message_posts_it_once(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]
) -> None:
    [key] = enqueue_notices(core.sessions, users[:1], NOW)
    _left_sending(core, key)

    report = _deliverer(core, fake, clock).deliver_due()

    assert (report.recovered, report.sent) == (0, 1)
    assert fake.outbox_keys() == [key]
    assert [c["users"] for c in fake.calls_to("conversations.open")] == [users[0]]


def test_two_deliverers_at_once_send_300_rows_once_each(
    database_url: str, core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]
) -> None:
    keys = enqueue_notices(core.sessions, users, NOW)
    reports: list[Any] = []
    errors: list[BaseException] = []

    def work(name: str) -> None:
        engine = make_engine(database_url)  # an engine of its own, as a second process would have
        try:
            deliverer = _deliverer(core, fake, clock, sessions=session_factory(engine), worker_id=name)
            while (report := deliverer.deliver_due(limit=20)).claimed:
                reports.append(report)
        except BaseException as error:  # surfaced below, with the thread's name lost otherwise
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    counts = Counter(fake.outbox_keys())
    assert [k for k, n in counts.items() if n > 1] == []  # 0 duplicates
    assert sorted(counts) == sorted(keys)  # 0 lost
    assert set(statuses(core.sessions).values()) == {SENT}
    assert sum(r.sent for r in reports) == 300


def test_a_composer_that_raises_is_retried_then_failed_not_lost(
    core: Core, fake: FakeSlack, clock: ManualClock, users: list[str]
) -> None:
    [key] = enqueue_notices(core.sessions, users[:1], NOW, kind="broken")

    def broken(session: Session, entry: OutboxEntry) -> Message:
        raise RuntimeError("bug")

    deliverer = _deliverer(core, fake, clock, composers={"broken": broken}, max_attempts=2)
    assert deliverer.deliver_due().retried == 1
    clock.advance(LATER)
    assert deliverer.deliver_due().failed == 1

    row = rows(core.sessions)[key]
    assert (row.status, row.last_error) == (FAILED, "compose: RuntimeError after 2 attempts")
    assert fake.calls_to("chat.postMessage") == []
