"""Subscriptions and cadence over the crawled sample organisation: terms, aliases, project resolution
(exact, typo, ambiguous, unknown), unsubscribe, listing, digest cadence, mutes, concurrent first use.

`people_catalog` (also used by the identity and handler tests) is the sample organisation crawled once
per module and database kind, with its fake forge still serving; `clean_people` empties the people
tables after every test, so no test sees another's subscriptions or identities.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from bot.app import Core, build_discovery
from bot.db.engine import session_scope
from bot.db.models import HttpCacheEntry, Project
from bot.db.people import Identity, Person, ProjectMute, Subscription
from bot.sandbox.forge.server import FakeForge
from bot.services.identity import SlackProfile
from bot.services.subscription_terms import (
    EMPTY_VALUE,
    PROJECT_AMBIGUOUS,
    PROJECT_NOT_FOUND,
    UNKNOWN_FILTER,
    UNKNOWN_LANGUAGE,
    Term,
)
from bot.services.subscriptions import SubscriptionService
from tests.conftest import NOW, _databases, crawled, temporary_database


@dataclass(frozen=True)
class Catalog:
    core: Core
    forge: FakeForge


@pytest.fixture(scope="module", params=_databases())
def people_catalog(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Catalog]:
    with (
        temporary_database(request.param, tmp_path_factory.mktemp("people")) as url,
        crawled(url) as (core, forge),
    ):
        yield Catalog(core, forge)


@pytest.fixture
def catalog(people_catalog: Catalog) -> Iterator[Catalog]:
    yield people_catalog
    clean_people(people_catalog.core)


def clean_people(core: Core) -> None:
    with session_scope(core.sessions) as session:
        for table in (Subscription, ProjectMute, Identity):
            session.execute(delete(table))
        session.execute(delete(Person))
        session.execute(delete(HttpCacheEntry).where(HttpCacheEntry.key.startswith("identity-email-miss:")))


@pytest.fixture
def service(catalog: Catalog) -> SubscriptionService:
    core = catalog.core
    return SubscriptionService(core.sessions, build_discovery(core), core.now)


ME = SlackProfile("U0SANDBOX1", "T0SANDBOX", "Sam Sandbox", "sam.sandbox@acme.example", "Europe/Berlin")
YOU = SlackProfile("U0JASMINE", "T0SANDBOX", "jasmine", "jasmine.lee@acme.example")


def kinds(terms: tuple[Term, ...]) -> list[tuple[str, str]]:
    return [(t.kind, t.label) for t in terms]


def project_id(core: Core, full_name: str) -> int:
    with core.sessions() as session:
        return session.scalars(select(Project.id).where(Project.full_name == full_name)).one()


def test_topics_and_languages_with_aliases(service: SubscriptionService) -> None:
    change = service.subscribe(ME, "kafka topic:Design-System lang:js language:golang")
    assert kinds(change.changed) == [
        ("topic", "kafka"),
        ("topic", "design-system"),
        ("lang", "JavaScript"),
        ("lang", "Go"),
    ]
    assert not change.rejected and change.cadence == "daily"
    again = service.subscribe(ME, "KAFKA lang:javascript")
    assert not again.changed and kinds(again.unchanged) == [("topic", "kafka"), ("lang", "JavaScript")]
    listed = service.subscriptions(ME)
    assert {t.value for t in listed.terms} == {"kafka", "design-system", "javascript", "go"}
    assert listed.cadence == "daily"


def test_an_unknown_language_is_named_with_the_closest_ones(service: SubscriptionService) -> None:
    change = service.subscribe(ME, "lang:pyhton lang: forge:github")
    problems = {r.typed: r for r in change.rejected}
    assert problems["lang:pyhton"].problem == UNKNOWN_LANGUAGE
    assert "lang:python" in problems["lang:pyhton"].suggestions
    assert problems["lang:"].problem == EMPTY_VALUE
    assert problems["forge:github"].problem == UNKNOWN_FILTER
    assert not change.changed and service.subscriptions(ME).terms == ()


def test_a_topic_no_project_has_yet_is_kept_with_a_hint(service: SubscriptionService) -> None:
    change = service.subscribe(ME, "kafak")
    assert kinds(change.changed) == [("topic", "kafak")]
    ((topic, closest),) = change.new_topics
    assert topic == "kafak" and "topic:kafka" in closest


def test_projects_exact_typo_ambiguous_and_unknown(catalog: Catalog, service: SubscriptionService) -> None:
    change = service.subscribe(
        ME, "project:acme/aurora-design-system project:kafka-clinet project:aurora project:zzzqqq-nothing"
    )
    assert kinds(change.changed) == [("project", "acme/aurora-design-system")]
    assert change.changed[0].value == str(project_id(catalog.core, "acme/aurora-design-system"))
    typo, ambiguous, unknown = change.rejected
    assert typo.problem == PROJECT_NOT_FOUND and [p.full_name for p in typo.projects] == ["acme/kafka-client"]
    assert ambiguous.problem == PROJECT_AMBIGUOUS
    assert [p.full_name for p in ambiguous.projects] == ["acme/aurora-design-system", "acme/aurora-icons"]
    assert unknown.problem == PROJECT_NOT_FOUND
    by_url = service.subscribe(ME, "project:https://github.com/acme/kafka-client")
    assert [t.label for t in by_url.changed] == ["acme/kafka-client"]


def test_unsubscribe_by_what_the_list_shows_and_all(catalog: Catalog, service: SubscriptionService) -> None:
    service.subscribe(ME, "kafka lang:go project:acme/kafka-client topic:security")
    change = service.unsubscribe(ME, "KAFKA lang:golang project:kafka-client python")
    assert kinds(change.changed) == [("topic", "kafka"), ("lang", "Go"), ("project", "acme/kafka-client")]
    assert kinds(change.unchanged) == [("topic", "python")]
    assert kinds(service.subscriptions(ME).terms) == [("topic", "security")]
    everything = service.unsubscribe(ME, "all")
    assert kinds(everything.changed) == [("topic", "security")]
    assert service.subscriptions(ME).terms == ()
    assert service.unsubscribe(ME, "").nothing_given and service.subscribe(ME, "  ").nothing_given


def test_a_project_no_longer_listed_can_still_be_unsubscribed(
    catalog: Catalog, service: SubscriptionService
) -> None:
    pid = project_id(catalog.core, "acme/aurora-icons")
    service.subscribe_project(ME, pid)
    with session_scope(catalog.core.sessions) as session:
        session.get_one(Project, pid).listed = False
    try:
        assert service.subscribe_project(YOU, pid).rejected[0].problem == PROJECT_NOT_FOUND
        change = service.unsubscribe(ME, "project:acme/aurora-icons")
        assert kinds(change.changed) == [("project", "acme/aurora-icons")]
    finally:
        with session_scope(catalog.core.sessions) as session:
            session.get_one(Project, pid).listed = True


def test_subscribing_to_a_project_undoes_not_interested(
    catalog: Catalog, service: SubscriptionService
) -> None:
    pid = project_id(catalog.core, "acme/kafka-client")
    service.subscriptions(ME)  # makes the person row
    with session_scope(catalog.core.sessions) as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == ME.user_id)).one()
        session.add(ProjectMute(person_id=person.id, project_id=pid, created_at=NOW))
    change = service.subscribe_project(ME, pid)
    assert kinds(change.unmuted) == [("project", "acme/kafka-client")]
    assert service.subscribed_projects(ME.user_id) == {pid}
    with catalog.core.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProjectMute)) == 0
    assert kinds(service.unsubscribe_project(ME, pid).changed) == [("project", "acme/kafka-client")]
    assert kinds(service.unsubscribe_project(ME, pid).unchanged) == [("project", "acme/kafka-client")]
    assert service.subscribed_projects(ME.user_id) == frozenset()


def test_cadence(catalog: Catalog, service: SubscriptionService) -> None:
    assert service.set_cadence(ME, "Weekly").cadence == "weekly"
    invalid = service.set_cadence(ME, "hourly")
    assert not invalid.valid and invalid.invalid == "hourly" and invalid.cadence == "weekly"
    assert not service.set_cadence(ME, "").valid
    off = service.set_cadence(ME, "off")
    assert off.valid and off.previous == "weekly"
    with catalog.core.sessions() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == ME.user_id)).one()
        assert person.cadence == "off" and person.maintainer_digest is False
        assert person.tz == "Europe/Berlin" and person.email == "sam.sandbox@acme.example"
    assert service.subscriptions(ME).cadence == "off"


def test_people_are_kept_apart(service: SubscriptionService) -> None:
    service.subscribe(ME, "kafka")
    service.subscribe(YOU, "lang:go")
    assert kinds(service.subscriptions(ME).terms) == [("topic", "kafka")]
    assert kinds(service.subscriptions(YOU).terms) == [("lang", "Go")]


def test_concurrent_first_use_makes_one_person(catalog: Catalog, service: SubscriptionService) -> None:
    newcomer = SlackProfile("U0NEWCOMER", "T0SANDBOX", "new")
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def first_use(word: str) -> None:
        barrier.wait()
        try:
            service.subscribe(newcomer, f"kafka {word}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=first_use, args=(f"topic-{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with catalog.core.sessions() as session:
        people = session.scalars(select(Person).where(Person.slack_user_id == newcomer.user_id)).all()
        assert len(people) == 1
    assert len(service.subscriptions(newcomer).terms) == 7  # kafka once, six topics


def test_too_many_terms_are_cut(service: SubscriptionService, tmp_path: Path) -> None:
    change = service.subscribe(ME, " ".join(f"t{i}" for i in range(30)))
    assert len(change.changed) == 20 and change.rejected[-1].problem == "too_many"
