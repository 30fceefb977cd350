"""Weekly maintainer digests (bot/services/digests.py): what each maintainer of the sample organisation
is told, nothing for those with nothing to report, each maintainer's own Monday 9:00, long digests in
parts, and once a week however often the job runs, and from two workers at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.app import Core
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.engine import make_engine, session_factory, session_scope
from bot.db.models import Project
from bot.db.people import Person
from bot.sandbox.slack.slack_directory import CONSOLE_USER_ID, member_id
from bot.services.digests import DigestReport, MaintainerDigests, digest_delivery, digest_key
from bot.services.digests_content import PART_LINES, PART_PROJECTS, DigestPart, ProjectDigest
from bot.services.identity import SlackProfile
from bot.services.progression import ProgressionService
from tests.services.digest_support import (
    BERLIN_MONDAY_9,
    WEEK,
    digest_rows,
    first_merge,
    maintainer,
    parts_of,
    project,
    sample_maintainers,
    stale_issue,
    waiting_change,
)
from tests.services.progression_support import add_person, link

pytestmark = pytest.mark.integration

AURORA, ICONS = "acme/aurora-design-system", "acme/aurora-icons"
SUNDAY = datetime(2026, 11, 1, tzinfo=UTC)  # 09:00 in Tokyo, Saturday 17:00 in Los Angeles
TOKYO_MONDAY_9 = datetime(2026, 11, 2, tzinfo=UTC)


def _project(part: DigestPart, name: str) -> ProjectDigest:
    (found,) = [p for p in part.projects if p.full_name == name]
    return found


def test_each_maintainer_hears_about_the_projects_they_maintain(database_url: str) -> None:
    with sample_maintainers(database_url, bot_logins=("ci-helper",)) as org:
        with session_scope(org.core.sessions) as session:
            aurora = session.scalars(select(Project).where(Project.full_name == AURORA)).one()
            first_merge(session, aurora, "tomas", BERLIN_MONDAY_9 - timedelta(days=2))  # new this week
            first_merge(session, aurora, "renovate[bot]", BERLIN_MONDAY_9 - timedelta(days=1), bot=True)
            first_merge(session, aurora, "ci-helper", BERLIN_MONDAY_9 - timedelta(days=1))  # bot_logins
        org.clock.set(BERLIN_MONDAY_9)
        report = org.digests(bot_logins=("ci-helper",)).run()
        assert report.queued >= 10 and report.quiet >= 1 and "queued" in report.summary()
        # Readiness items still ✗ are listed in a digest that goes out, but never send one alone.
        for person_digest in (parts_of(org.core, row.recipient) for row in digest_rows(org.core)):
            assert any(project.has_news for part in person_digest for project in part.projects)

        (alice,) = parts_of(org.core, member_id("alice"))
        assert (alice.week, alice.part, alice.parts, alice.cards) == (WEEK, 1, 1, 1)
        assert [p.full_name for p in alice.projects] == [AURORA, ICONS]
        mine = _project(alice, AURORA)
        # outside contributions waiting for a first response, oldest first (tomas's was answered)
        assert [w.author for w in mine.waiting] == ["oscar", "jasmine"] and mine.waiting_total == 2
        assert mine.waiting[0].age > mine.waiting[1].age and mine.waiting[0].url.endswith(
            f"/pull/{mine.waiting[0].number}"
        )
        assert mine.metrics is not None and mine.metrics.current.response.total > 0
        assert mine.metrics.current.response.median is not None and mine.metrics.previous is not None
        # new this week: tomas (linked by e-mail), not the bot nor the account bot_logins names
        assert [(n.login, n.slack_user_id) for n in mine.new_contributors] == [("tomas", member_id("tomas"))]
        assert mine.new_contributors[0].title == "First change by tomas"
        # jasmine's nomination, pending; its card follows as a message of its own
        assert [(n.login, n.status) for n in mine.nominations] == [("jasmine", "pending")]
        rows = digest_rows(org.core, member_id("alice"))
        assert [r.key for r in rows] == [digest_key(rows[0].person_id or 0, WEEK), f"{rows[0].key}:2"]
        assert rows[1].payload["nomination_id"] == mine.nominations[0].nomination_id
        assert mine.missing == ()  # aurora is fully ready
        icons = _project(alice, ICONS)
        assert {"contributing", "license", "secret_detection"} <= set(icons.missing)
        assert not icons.waiting and not icons.nominations

        # stale good-first-issues (sanjay: acme/rate-limiter's, idle for 220 days)
        sanjay = parts_of(org.core, member_id("sanjay"))[0]
        stale = _project(sanjay, "acme/rate-limiter").stale_issues
        assert [s.title for s in stale] == ["Add sliding-window algorithm"]
        assert stale[0].updated_at < BERLIN_MONDAY_9 - timedelta(days=60)
        # the console's user maintains aurora too; jasmine maintains nothing
        assert _project(parts_of(org.core, CONSOLE_USER_ID)[0], AURORA).nominations
        assert digest_rows(org.core, member_id("jasmine")) == []
        # priya's only project has nothing to report: no DM; victor hears it among his others
        assert digest_rows(org.core, member_id("priya")) == []
        assert parts_of(org.core, member_id("victor"))[-1].quiet == ("acme/oidc-auth",)


def test_nothing_to_report_and_people_who_get_none(core: Core) -> None:
    digests = MaintainerDigests(core.sessions, lambda: TOKYO_MONDAY_9, Settings(database_url="sqlite://"))
    with session_scope(core.sessions) as session:
        maintainer(session, "UCLEAN", "clean", tz="Asia/Tokyo")
        tidy = project(session, "acme/tidy", ("clean",))
        waiting_change(session, tidy, "outsider", SUNDAY - timedelta(days=40))
        session.execute(update(Project).values(listed=False))  # unlisted: not reported
        # Readiness items still ✗ are no news: the same every week, they would send every digest.
        project(session, "acme/clean", ("clean", "refused", "optout", "linked"), {"topics": False})
        for user, login, refusal in (("UREFUSED", "refused", "guest"), ("UOPTOUT", "optout", None)):
            person = add_person(session, user, refusal=refusal)
            person.tz, person.maintainer_digest = "Asia/Tokyo", user != "UOPTOUT"
            link(session, person, login)
        unverified = add_person(session, "ULINKED")
        unverified.tz = "Asia/Tokyo"
        link(session, unverified, "linked", verified=False)  # a self-declared link decides nothing
    assert digests.run() == DigestReport(due=1, quiet=1)
    assert digest_rows(core) == []

    with session_scope(core.sessions) as session:
        clean = session.scalars(select(Project).where(Project.full_name == "acme/clean")).one()
        waiting_change(session, clean, "outsider", SUNDAY - timedelta(days=1))  # now there is news
    assert digests.run().queued == 1
    assert [r.recipient for r in digest_rows(core)] == ["UCLEAN"]
    (part,) = parts_of(core, "UCLEAN")  # and now the ✗ items come along
    assert [(p.full_name, p.missing) for p in part.projects] == [("acme/clean", ("topics",))]


def test_each_maintainer_gets_it_at_nine_on_monday_in_their_own_time_zone(core: Core) -> None:
    clock = ManualClock(SUNDAY)
    settings = Settings(database_url="sqlite://", timezone="Europe/Berlin")
    digests = MaintainerDigests(core.sessions, clock, settings)
    zones = {"UTOKYO": "Asia/Tokyo", "ULA": "America/Los_Angeles", "UMARS": "Mars/Olympus", "UNONE": ""}
    with session_scope(core.sessions) as session:
        people = {user: maintainer(session, user, user.lower(), tz=tz).id for user, tz in zones.items()}
        busy = project(session, "acme/busy", tuple(u.lower() for u in zones))
        waiting_change(session, busy, "outsider", SUNDAY - timedelta(days=1))  # news, week after week
    first: dict[str, datetime] = {}
    for hour in range(60):  # Sunday 00:00 UTC to Tuesday 12:00 UTC, hour by hour
        clock.set(SUNDAY + timedelta(hours=hour))
        digests.run()
        for row in digest_rows(core):
            first.setdefault(row.recipient, clock())
    assert first == {
        "UTOKYO": datetime(2026, 11, 2, 0, tzinfo=UTC),  # Monday 9:00 JST
        "UMARS": datetime(2026, 11, 2, 8, tzinfo=UTC),  # unknown zone: `timezone`, Monday 9:00 CET
        "UNONE": datetime(2026, 11, 2, 8, tzinfo=UTC),
        "ULA": datetime(2026, 11, 2, 17, tzinfo=UTC),  # Monday 9:00 PST (summer time ended Sunday)
    }
    assert {r.key for r in digest_rows(core)} == {digest_key(pid, WEEK) for pid in people.values()}
    clock.set(datetime(2026, 11, 9, 8, tzinfo=UTC))  # a week later: Tokyo, and the `timezone` people
    assert digests.run().queued == 3
    clock.set(datetime(2026, 11, 9, 17, tzinfo=UTC))  # then Los Angeles
    assert digests.run().queued == 1
    assert {r.key for r in digest_rows(core) if "W46" in r.key} == {
        digest_key(pid, "2026-W46") for pid in people.values()
    }


def test_a_long_digest_is_written_in_parts_and_its_nominations_follow(core: Core) -> None:
    now = datetime(2026, 11, 2, 10, tzinfo=UTC)
    with session_scope(core.sessions) as session:
        maintainer(session, "UBUSY", "busy")
        for n in range(6):
            busy = project(session, f"acme/busy-{n}", ("busy",), {"topics": False, "secret_detection": False})
            for k in range(7):
                waiting_change(session, busy, f"outsider{k}", now - timedelta(days=k + 1), f"Change {n}.{k}")
            stale_issue(session, busy, f"Old issue {n}", now - timedelta(days=100 + n))
    assert MaintainerDigests(core.sessions, lambda: now, Settings(database_url="sqlite://")).run().queued == 1
    rows = digest_rows(core, "UBUSY")
    parts = parts_of(core, "UBUSY")
    assert len(parts) == len(rows) > 2 and [p.part for p in parts] == list(range(1, len(parts) + 1))
    assert {p.parts for p in parts} == {len(parts)}
    assert rows[0].key == digest_key(rows[0].person_id or 0, WEEK)
    assert [r.key for r in rows[1:]] == [f"{rows[0].key}:{n}" for n in range(2, len(rows) + 1)]
    for part in parts:
        lines = sum(
            1 + len(p.waiting) + len(p.new_contributors) + len(p.stale_issues) + len(p.nominations)
            + len(p.missing)
            for p in part.projects
        )  # fmt: skip
        assert lines <= PART_LINES and len(part.projects) <= PART_PROJECTS
    titles = [w.title for part in parts for p in part.projects for w in p.waiting]
    assert sorted(titles) == sorted(f"Change {n}.{k}" for n in range(6) for k in range(7))
    assert any(p.continued for part in parts for p in part.projects)  # a project went on in the next part


def test_once_a_week_however_often_the_job_runs_and_from_two_workers(core: Core, database_url: str) -> None:
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    settings = Settings(database_url=database_url)
    with session_scope(core.sessions) as session:
        logins = [f"m{n}" for n in range(5)]
        for login in logins:
            maintainer(session, f"U{login.upper()}", login)
        busy = project(session, "acme/busy", tuple(logins), {"topics": False})
        for k in range(PART_LINES * 2):  # two parts each
            waiting_change(session, busy, f"outsider{k}", clock() - timedelta(hours=k + 1))
    digests = MaintainerDigests(core.sessions, clock, settings)
    first = digests.run()
    assert (first.queued, first.messages) == (5, 10)
    assert digests.run() == DigestReport()  # a retry: nobody is due any more this week
    clock.advance(timedelta(hours=5))
    assert digests.run() == DigestReport()
    assert len(digest_rows(core)) == 10

    # Next Monday, two workers run the job at the same moment, each with its own engine and session.
    clock.set(datetime(2026, 11, 9, 9, tzinfo=UTC))
    engines = [make_engine(database_url) for _ in range(2)]
    workers = [MaintainerDigests(session_factory(e), clock, settings) for e in engines]
    start = threading.Barrier(2)
    reports: list[DigestReport] = []
    errors: list[BaseException] = []

    def work(worker: MaintainerDigests) -> None:
        start.wait()
        try:
            reports.append(worker.run())
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    assert not errors
    assert sum(r.queued for r in reports) == 5 and sum(r.messages for r in reports) == 10
    week46 = [r for r in digest_rows(core) if "2026-W46" in r.key]
    assert len(week46) == len({r.key for r in week46}) == 10


def test_a_maintainer_who_turned_it_off_gets_nothing_already_written_either(core: Core) -> None:
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with session_scope(core.sessions) as session:
        person = maintainer(session, "UOFF", "off")
        waiting_change(session, project(session, "acme/x", ("off",)), "outsider", now - timedelta(days=1))
    assert MaintainerDigests(core.sessions, lambda: now, Settings(database_url="sqlite://")).run().queued == 1
    with session_scope(core.sessions) as session:
        session.execute(update(Person).where(Person.id == person.id).values(maintainer_digest=False))
    with session_scope(core.sessions) as session:
        (row,) = digest_rows(core)
        assert digest_delivery(session, session.merge(row)) == "maintainer digest off"


def test_a_nomination_decided_before_sending_is_not_offered(database_url: str) -> None:
    with sample_maintainers(database_url) as org:
        org.clock.set(BERLIN_MONDAY_9)
        org.digests().run()
        progression = ProgressionService(org.core.sessions, org.core.settings, org.clock)
        (part,) = parts_of(org.core, member_id("bob"))
        nomination = _project(part, AURORA).nominations[0]
        decision = progression.decide(
            nomination.nomination_id, SlackProfile(member_id("alice")), approve=True
        )
        assert decision.outcome == "approved"
        with session_scope(org.core.sessions) as session:
            overview, card = (session.merge(r) for r in digest_rows(org.core, member_id("bob")))
            assert digest_delivery(session, card) == "nomination already approved"
            live = digest_delivery(session, overview)
            assert isinstance(live, DigestPart)
            (decided,) = _project(live, AURORA).nominations
            assert (decided.status, decided.decided_by) == ("approved", member_id("alice"))
