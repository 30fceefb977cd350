"""The welcome service over the sample organisation (SQLite and PostgreSQL): one outbox row per person
ever — however often they rejoin, and when replicas handle the same event at once —, none for someone
Slack refused before, topics from the channel's projects, and the note as it is sent."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.db.engine import session_scope
from bot.db.people import Person
from bot.services.welcome import (
    ALREADY_WELCOMED,
    KIND,
    QUEUED,
    REFUSED,
    TOPICS_SUGGESTED,
    TopicCount,
    WelcomeService,
    welcome_note,
)
from tests.services.test_routing import Sample, add_person, outbox, sample_organisation

ANNOUNCE = "C0ANNOUNCE"


@pytest.fixture
def sample(database_url: str) -> Iterator[Sample]:
    yield from sample_organisation(database_url)


def service(sample: Sample, include_private: bool = False) -> WelcomeService:
    return WelcomeService(sample.core.sessions, sample.core.now, "#innersource-announce", include_private)


def test_one_welcome_per_person_ever(sample: Sample) -> None:
    welcome = service(sample)
    assert welcome.welcome("U0ZOE", ANNOUNCE) == QUEUED
    for _ in range(3):  # rejoins, retries, duplicate event ids
        assert welcome.welcome("U0ZOE", ANNOUNCE) == ALREADY_WELCOMED
    (row,) = outbox(sample.core, KIND)
    assert (row.key, row.recipient, row.status, row.person_id) == ("welcome:U0ZOE", "U0ZOE", "pending", None)
    # The channel's projects are the InnerSource-ready ones it announces: 20, without the private one.
    assert row.payload["ready_projects"] == 20 and row.payload["channel"] == ANNOUNCE
    assert row.payload["topics"][:3] == [["go", 3], ["aws", 2], ["ci-cd", 2]]  # most common, then a-z
    assert welcome.welcome("U0YUKI", ANNOUNCE) == QUEUED  # someone else is welcomed in their turn
    assert len(outbox(sample.core, KIND)) == 2


def test_replicas_handling_the_same_join_at_once_queue_one_welcome(sample: Sample) -> None:
    welcome = service(sample)
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: welcome.welcome("U0ZOE", ANNOUNCE), range(8)))
    assert outcomes.count(QUEUED) == 1 and outcomes.count(ALREADY_WELCOMED) == 7
    assert len(outbox(sample.core, KIND)) == 1


def test_someone_slack_refused_before_is_not_welcomed(sample: Sample) -> None:
    add_person(sample.core, "U0GUEST01")
    with session_scope(sample.core.sessions) as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == "U0GUEST01")).one()
        person.slack_refusal = "guest"
    assert service(sample).welcome("U0GUEST01", ANNOUNCE) == REFUSED
    assert outbox(sample.core, KIND) == []


def test_a_known_person_gets_the_row_tied_to_them(sample: Sample) -> None:
    person_id = add_person(sample.core, "U0ZOE", "topic:go")
    service(sample).welcome("U0ZOE", ANNOUNCE)
    (row,) = outbox(sample.core, KIND)
    assert row.person_id == person_id


def test_private_projects_count_only_when_they_are_announced(sample: Sample) -> None:
    service(sample, include_private=True).welcome("U0ZOE", ANNOUNCE)
    (row,) = outbox(sample.core, KIND)
    assert row.payload["ready_projects"] == 21  # acme/pricing-engine, private, opted in
    assert ["kotlin", 3] in row.payload["topics"]


def test_the_note_leaves_out_topics_they_follow_by_the_time_it_is_sent(sample: Sample) -> None:
    service(sample).welcome("U0ZOE", ANNOUNCE)
    (row,) = outbox(sample.core, KIND)
    with session_scope(sample.core.sessions) as session:
        assert welcome_note(session, "U0ZOE", row.payload).topics == (
            TopicCount("go", 3), TopicCount("aws", 2), TopicCount("ci-cd", 2),
        )  # fmt: skip
    add_person(sample.core, "U0ZOE", "topic:go", "topic:ci-cd")
    with session_scope(sample.core.sessions) as session:
        note = welcome_note(session, "U0ZOE", row.payload)
    assert [t.topic for t in note.topics] == ["aws", "kotlin", "kubernetes"]
    assert len(note.topics) == TOPICS_SUGGESTED and note.channel_id == ANNOUNCE and note.ready_projects == 20


def test_the_configured_channel_is_read_once_and_blank_means_none(sample: Sample) -> None:
    assert WelcomeService(sample.core.sessions, sample.core.now, None).channel is None
    assert WelcomeService(sample.core.sessions, sample.core.now, "  ").channel is None
    assert WelcomeService(sample.core.sessions, sample.core.now, " C0ANNOUNCE ").channel == ANNOUNCE
