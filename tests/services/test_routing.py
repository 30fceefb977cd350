"""Routing over the sample organisation: who receives which issue, what is never sent, the daily cap,
digests in people's time zones, no duplicates after re-labelling, and split digests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.app import Core
from bot.clock import ManualClock
from bot.db.engine import session_scope
from bot.db.models import GoodFirstIssue, Project
from bot.db.operations import BUNDLED, DROPPED, HELD, PENDING, SENT, OutboxEntry
from bot.db.people import Identity, IssueClaim, Person, ProjectMute, Subscription
from bot.sandbox.forge.server import FakeForge
from bot.services.issue_list import IssueFinder
from bot.services.outbox import Drop
from bot.services.routing import QUEUE_LIMIT, Router
from bot.services.routing_digests import DIGEST_PART_ITEMS
from bot.slack.issue_blocks import compose_digest, compose_gfi
from bot.slack.limits import MAX_BLOCKS_MESSAGE, MAX_SECTION_TEXT
from tests.conftest import NOW, crawled

EVERYTHING = timedelta(days=3650)  # route the whole sample, whatever the age of its issues


@dataclass
class Sample:
    core: Core
    clock: ManualClock
    forge: FakeForge

    def router(
        self, window: timedelta = EVERYTHING, pass_limit: int = QUEUE_LIMIT, **settings: object
    ) -> Router:
        """A router over the whole sample; a pass fills queues at once unless `pass_limit` says otherwise."""
        updated = self.core.settings.model_copy(update=settings)
        return Router(self.core.sessions, self.clock, updated, window, pass_limit=pass_limit)


@pytest.fixture
def sample(database_url: str) -> Iterator[Sample]:
    yield from sample_organisation(database_url)


def sample_organisation(database_url: str) -> Iterator[Sample]:
    """The sample organisation crawled into this test's own database, on a clock the test moves."""
    clock = ManualClock(NOW)
    # The tokens let *Claim* comment (the fake forge accepts any token).
    tokens = {"github_token": "sample-token", "gitlab_token": "sample-token"}
    with crawled(database_url, now=clock, **tokens) as (core, forge):
        yield Sample(core, clock, forge)


def add_person(
    core: Core, slack_id: str, *terms: str, cadence: str = "daily", tz: str = "UTC", name: str = ""
) -> int:
    """A person with subscriptions: "topic:x", "lang:go", "project:owner/name" (resolved to its id)."""
    with session_scope(core.sessions) as session:
        person = Person(
            slack_user_id=slack_id,
            name=name or slack_id.lower(),
            tz=tz,
            cadence=cadence,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(person)
        session.flush()
        for term in terms:
            kind, _, value = term.partition(":")
            if kind == "project":
                value = str(project_id(session, value))
            label = term.partition(":")[2]
            session.add(
                Subscription(person_id=person.id, kind=kind, value=value, label=label, created_at=NOW)
            )
        return person.id


def project_id(session: Session, full_name: str) -> int:
    return session.scalars(select(Project.id).where(Project.full_name == full_name)).one()


def issue_id(core: Core, title_start: str) -> int:
    with session_scope(core.sessions) as session:
        return session.scalars(
            select(GoodFirstIssue.id).where(GoodFirstIssue.title.startswith(title_start))
        ).one()


def titles(core: Core, slack_id: str, *statuses: str) -> set[str]:
    """Titles of the issues routed to a person (in the given statuses, or any)."""
    with session_scope(core.sessions) as session:
        names = dict(session.execute(select(GoodFirstIssue.id, GoodFirstIssue.title)).all())
        rows = session.scalars(
            select(OutboxEntry).where(OutboxEntry.recipient == slack_id, OutboxEntry.kind == "gfi")
        )
        return {names[row.payload["issue"]] for row in rows if not statuses or row.status in statuses}


def outbox(core: Core, kind: str = "gfi") -> list[OutboxEntry]:
    with session_scope(core.sessions) as session:
        return list(
            session.scalars(select(OutboxEntry).where(OutboxEntry.kind == kind).order_by(OutboxEntry.id))
        )


DESIGN_SYSTEM = {  # acme/aurora-design-system's open, unassigned good-first-issues
    "Add a Storybook story for the Tooltip component",
    "Document the focus-ring tokens in the accessibility guide",
    "Button: disabled state fails WCAG contrast in dark theme",
    "Typo in the Select component docs",
}
KAFKA_CLIENT = {"Expose consumer lag as a Micrometer gauge", "Example: transactional outbox with Spring Boot"}
GO = {  # projects with Go among their languages
    "Add graceful shutdown example",
    "Python SDK: add async client",
    "UI: show who changed a flag last",
    "Add sliding-window algorithm",
    "rds: expose the performance insights retention",
    "s3: example with replication",
}


def test_who_receives_which_issue(sample: Sample) -> None:
    add_person(sample.core, "U0DESIGN", "topic:design-system", cadence="instant")
    add_person(sample.core, "U0GOPHER", "lang:go", cadence="daily")
    add_person(sample.core, "U0KAFKA", "project:acme/kafka-client", cadence="weekly")
    add_person(sample.core, "U0QUIET", "lang:go", cadence="off")
    add_person(sample.core, "U0NOBODY", "topic:cobol", cadence="instant")

    report = sample.router().route_all()

    assert titles(sample.core, "U0DESIGN") == DESIGN_SYSTEM  # the assigned Avatar issue is not offered
    assert titles(sample.core, "U0DESIGN", PENDING) == DESIGN_SYSTEM  # instant, within the cap of 5
    assert titles(sample.core, "U0GOPHER", HELD) == GO  # daily: held for the digest
    assert titles(sample.core, "U0KAFKA", HELD) == KAFKA_CLIENT
    assert titles(sample.core, "U0QUIET") == set() and titles(sample.core, "U0NOBODY") == set()
    assert (report.instant, report.held, report.people) == (4, 8, 3)
    entry = next(e for e in outbox(sample.core) if e.recipient == "U0KAFKA")
    assert entry.payload["why"] == "project:acme/kafka-client"
    assert entry.key == f"gfi:{entry.payload['issue']}:U0KAFKA"


def test_route_issue_routes_one_issue(sample: Sample) -> None:
    add_person(sample.core, "U0DESIGN", "topic:design-system", cadence="instant")
    tooltip = issue_id(sample.core, "Add a Storybook story")
    assert sample.router().route_issue(tooltip) == 1
    assert sample.router().route_issue(tooltip) == 0  # never twice
    assert titles(sample.core, "U0DESIGN") == {"Add a Storybook story for the Tooltip component"}


def test_only_recently_labelled_issues_are_new(sample: Sample) -> None:
    add_person(sample.core, "U0DESIGN", "topic:design-system", cadence="daily")
    sample.router(window=timedelta(days=7)).route_all()
    # Updated within the week before NOW: the Tooltip story (6 days), the Button (4), the Typo (2).
    assert titles(sample.core, "U0DESIGN") == DESIGN_SYSTEM - {
        "Document the focus-ring tokens in the accessibility guide"
    }


def test_assigned_closed_claimed_and_unlabelled_issues_are_not_sent(sample: Sample) -> None:
    claimer = add_person(sample.core, "U0CLAIMER")
    add_person(sample.core, "U0DESIGN", "topic:design-system", cadence="instant")
    with session_scope(sample.core.sessions) as session:
        issues = {i.title[:12]: i for i in session.scalars(select(GoodFirstIssue))}
        issues["Add a Storyb"].state = "closed"
        issues["Document the"].state = "unlabelled"
        issues["Typo in the "].assignees = ["tomas"]
        session.add(IssueClaim(issue_id=issues["Button: disa"].id, person_id=claimer, claimed_at=NOW))
    assert sample.router().route_all().rows == 0
    assert titles(sample.core, "U0DESIGN") == set()


def test_unlisted_projects_never_send(sample: Sample) -> None:
    add_person(sample.core, "U0DESIGN", "topic:design-system", cadence="instant")
    add_person(sample.core, "U0GOPHER", "lang:go", cadence="instant")
    sample.router().route_all()
    with session_scope(sample.core.sessions) as session:  # made private / archived since
        session.execute(
            update(Project).where(Project.full_name == "acme/aurora-design-system").values(listed=False)
        )
        session.execute(update(Project).where(Project.full_name == "acme/flagpole").values(listed=False))
    with session_scope(sample.core.sessions) as session:
        entries = session.scalars(select(OutboxEntry).where(OutboxEntry.recipient == "U0DESIGN")).all()
        assert entries and all(compose_gfi(session, e) == Drop("project not listed") for e in entries)
    # Nothing new is routed from them either: a new subscriber gets only listed projects' issues.
    add_person(sample.core, "U0LATE", "topic:design-system", "lang:go", cadence="instant")
    sample.router().route_all()
    assert titles(sample.core, "U0LATE") == GO - {
        "Python SDK: add async client",
        "UI: show who changed a flag last",
    }


def test_daily_cap_holds_the_rest_until_the_next_local_day(sample: Sample) -> None:
    # lang:typescript matches 11 issues. 12:00 UTC is 07:00 in New York: before the digest hour.
    add_person(sample.core, "U0TS", "lang:typescript", cadence="instant", tz="America/New_York")
    sample.clock.set(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    sample.router().route_all()
    assert len(titles(sample.core, "U0TS", PENDING)) == 5
    assert len(titles(sample.core, "U0TS", HELD)) == 6
    _new_issue(sample, "acme/flagpole", "Add a CONTRIBUTING section on SDK releases")
    sample.router().route_all()  # still the same local day: over the cap, held
    assert "Add a CONTRIBUTING section on SDK releases" in titles(sample.core, "U0TS", HELD)
    sample.clock.set(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))  # 01:00 in New York: a new day
    _new_issue(sample, "acme/flagpole", "Explain the flag evaluation order")
    sample.router().route_all()
    assert "Explain the flag evaluation order" in titles(sample.core, "U0TS", PENDING)
    assert "Add a CONTRIBUTING section on SDK releases" in titles(sample.core, "U0TS", HELD)  # for the digest
    assert len(titles(sample.core, "U0TS", PENDING)) == 6


def test_a_burst_fills_queues_over_several_passes_best_first(sample: Sample) -> None:
    add_person(sample.core, "U0GOPHER", "lang:go", cadence="daily")
    router = sample.router(pass_limit=4)
    assert router.route_all().held == 4
    assert router.route_all().held == 2
    assert router.route_all().rows == 0
    assert titles(sample.core, "U0GOPHER") == GO


def test_queue_limit_bounds_what_one_person_is_sent(sample: Sample) -> None:
    add_person(sample.core, "U0BUSY", "topic:design-system")
    for n in range(QUEUE_LIMIT + 5):
        _new_issue(sample, "acme/aurora-design-system", f"Improve component number {n}")
    sample.router().route_all()
    assert len(titles(sample.core, "U0BUSY", HELD)) == QUEUE_LIMIT


def test_digests_go_out_at_each_persons_local_hour(sample: Sample) -> None:
    berlin = add_person(sample.core, "U0BERLIN", "lang:typescript", tz="Europe/Berlin")
    add_person(sample.core, "U0NEWYORK", "lang:typescript", tz="America/New_York")
    add_person(sample.core, "U0WEEKLY", "lang:typescript", tz="Europe/Berlin", cadence="weekly")
    sample.clock.set(datetime(2026, 11, 2, 5, 0, tzinfo=UTC))  # 06:00 in Berlin, midnight in New York
    sample.router().route_all()
    assert outbox(sample.core, "digest") == []

    router = sample.router(digest_hour=9, digest_weekday="mon")
    sample.clock.set(datetime(2026, 11, 2, 7, 59, tzinfo=UTC))  # Monday 08:59 in Berlin (UTC+1)
    assert router.build_digests() == 0
    sample.clock.set(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))  # 09:00 in Berlin, 03:00 in New York
    assert router.build_digests() == 2  # the daily and the weekly Berlin digests
    assert router.build_digests() == 0  # one a local day
    digests = {d.recipient: d for d in outbox(sample.core, "digest")}
    assert set(digests) == {"U0BERLIN", "U0WEEKLY"}
    assert digests["U0BERLIN"].key == "digest:U0BERLIN:2026-11-02"
    assert digests["U0BERLIN"].status == PENDING
    with session_scope(sample.core.sessions) as session:
        items = session.scalars(
            select(OutboxEntry).where(OutboxEntry.person_id == berlin, OutboxEntry.kind == "gfi")
        )
        assert {(i.status, i.bundle_id) for i in items} == {(BUNDLED, digests["U0BERLIN"].id)}

    sample.clock.set(datetime(2026, 11, 2, 13, 59, tzinfo=UTC))  # 08:59 in New York (UTC-5)
    assert router.build_digests() == 0
    sample.clock.set(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))
    assert router.build_digests() == 1
    assert outbox(sample.core, "digest")[-1].key == "digest:U0NEWYORK:2026-11-02"

    sample.clock.set(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))  # Tuesday: weekly people wait
    _new_issue(sample, "acme/flagpole", "Document the TypeScript client")
    sample.router(digest_hour=9, digest_weekday="mon").route_all()
    assert [d.recipient for d in outbox(sample.core, "digest")] == [
        "U0BERLIN",
        "U0WEEKLY",
        "U0NEWYORK",
        "U0BERLIN",
    ]


def test_an_issue_routed_after_the_digest_hour_waits_for_the_next_digest(sample: Sample) -> None:
    add_person(sample.core, "U0LATE", "lang:typescript", tz="Europe/Berlin")
    router = sample.router(digest_hour=9)
    sample.clock.set(datetime(2026, 11, 2, 13, 0, tzinfo=UTC))  # 14:00 in Berlin: past the hour
    router.route_all()
    assert titles(sample.core, "U0LATE", HELD)  # matched and held…
    assert outbox(sample.core, "digest") == []  # …but no second "daily" digest in the afternoon
    sample.clock.set(datetime(2026, 11, 3, 7, 59, tzinfo=UTC))  # 08:59 next morning
    assert router.build_digests() == 0
    sample.clock.set(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))  # 09:00: the digest carries them
    assert router.build_digests() == 1
    assert outbox(sample.core, "digest")[0].key == "digest:U0LATE:2026-11-03"
    assert titles(sample.core, "U0LATE", HELD) == set()


def test_an_issue_routed_long_ago_and_updated_since_does_not_take_a_new_issues_place(
    sample: Sample,
) -> None:
    person = add_person(sample.core, "U0LONG", "topic:design-system")
    sample.router().route_all()  # everything the sample has, routed long ago:
    with session_scope(sample.core.sessions) as session:
        session.execute(update(OutboxEntry).values(status=SENT, created_at=NOW - timedelta(days=30)))
    sample.clock.set(NOW + timedelta(hours=1))
    old = issue_id(sample.core, "Add a Storybook story")
    fresh = _new_issue(sample, "acme/aurora-design-system", "Add a dark-mode token")
    with session_scope(sample.core.sessions) as session:  # the old one was commented on: fresher still
        session.execute(
            update(GoodFirstIssue).where(GoodFirstIssue.id == old).values(updated_at=sample.clock())
        )
        session.execute(
            update(GoodFirstIssue)
            .where(GoodFirstIssue.id == fresh)
            .values(updated_at=sample.clock() - timedelta(minutes=30))
        )
    # One pick per pass: it must go to the issue this person has not had, not to the one they had.
    report = sample.router(window=timedelta(days=7), pass_limit=1).route_all()
    assert report.rows == 1
    with session_scope(sample.core.sessions) as session:
        newest = session.scalars(
            select(OutboxEntry).where(OutboxEntry.person_id == person, OutboxEntry.status == HELD)
        ).one()
        assert (newest.issue_id, newest.payload["issue"]) == (fresh, fresh)


def test_no_duplicate_after_relabelling(sample: Sample) -> None:
    add_person(sample.core, "U0DESIGN", "topic:design-system", cadence="instant")
    sample.router().route_all()
    before = outbox(sample.core)
    tooltip = issue_id(sample.core, "Add a Storybook story")
    with session_scope(sample.core.sessions) as session:
        session.execute(update(OutboxEntry).values(status=SENT))
        session.execute(update(GoodFirstIssue).where(GoodFirstIssue.id == tooltip).values(state="unlabelled"))
    assert sample.router().route_all().rows == 0
    sample.clock.advance(timedelta(days=1))
    with session_scope(sample.core.sessions) as session:  # labelled again: open, freshly updated
        session.execute(
            update(GoodFirstIssue)
            .where(GoodFirstIssue.id == tooltip)
            .values(state="open", updated_at=sample.clock())
        )
    assert sample.router().route_all().rows == 0
    assert sample.router().route_issue(tooltip) == 0
    assert [e.key for e in outbox(sample.core)] == [e.key for e in before]


def test_muted_projects_are_skipped_unless_subscribed_explicitly(sample: Sample) -> None:
    person = add_person(sample.core, "U0MUTED", "topic:design-system", "lang:go", cadence="daily")
    with session_scope(sample.core.sessions) as session:
        muted = project_id(session, "acme/aurora-design-system")
        session.add(ProjectMute(person_id=person, project_id=muted, created_at=NOW))
    sample.router().route_all()
    assert titles(sample.core, "U0MUTED") == GO
    with session_scope(sample.core.sessions) as session:
        session.add(
            Subscription(person_id=person, kind="project", value=str(muted), label="x", created_at=NOW)
        )
    sample.router().route_all()
    assert titles(sample.core, "U0MUTED") == GO | DESIGN_SYSTEM


def test_the_issue_author_is_not_sent_their_own_issue(sample: Sample) -> None:
    person = add_person(sample.core, "U0TOMAS", "topic:design-system")
    with session_scope(sample.core.sessions) as session:
        host = session.scalars(select(Project.host).where(Project.forge == "github")).first()
        session.add(
            Identity(
                person_id=person,
                forge="github",
                host=host,
                login="tomas",
                login_key="tomas",
                verified=True,
                source="email",
                created_at=NOW,
            )
        )
    sample.router().route_all()
    assert titles(sample.core, "U0TOMAS") == DESIGN_SYSTEM - {"Typo in the Select component docs"}


def test_long_digests_are_split_within_slacks_limits(sample: Sample) -> None:
    add_person(sample.core, "U0MANY", "topic:design-system", "lang:go", "lang:typescript")
    for n in range(QUEUE_LIMIT):
        project = ("acme/aurora-design-system", "acme/flagpole", "acme/rate-limiter")[n % 3]
        _new_issue(sample, project, f"<!channel> {'Very long title ' * 40} {n}")
    sample.clock.set(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    report = sample.router().route_all()
    parts = outbox(sample.core, "digest")
    assert report.digests == len(parts) == -(-QUEUE_LIMIT // DIGEST_PART_ITEMS) > 1
    assert [p.key for p in parts] == ["digest:U0MANY:2026-11-01", "digest:U0MANY:2026-11-01:2"]
    with session_scope(sample.core.sessions) as session:
        for part in parts:
            composed = compose_digest(session, session.get(OutboxEntry, part.id))
            assert not isinstance(composed, Drop)
            blocks = composed["blocks"]
            assert len(blocks) <= MAX_BLOCKS_MESSAGE
            sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
            assert all(len(text) <= MAX_SECTION_TEXT for text in sections)
            assert "<!channel>" not in str(composed) and "&lt;!channel&gt;" in str(composed)
            assert composed["text"] and "part" in blocks[0]["text"]["text"]


def test_composers_drop_stale_entries(sample: Sample) -> None:
    claimer = add_person(sample.core, "U0CLAIMER")
    add_person(sample.core, "U0DESIGN", "topic:design-system", cadence="instant")
    add_person(sample.core, "U0DAILY", "topic:design-system", cadence="daily")
    sample.clock.set(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    sample.router().route_all()
    issues = {title: issue_id(sample.core, title) for title in DESIGN_SYSTEM}
    with session_scope(sample.core.sessions) as session:
        session.execute(
            update(GoodFirstIssue)
            .where(GoodFirstIssue.id == issues["Add a Storybook story for the Tooltip component"])
            .values(state="closed")
        )
        session.execute(
            update(GoodFirstIssue)
            .where(GoodFirstIssue.id == issues["Typo in the Select component docs"])
            .values(assignees=["tomas"])
        )
        claimed = issues["Button: disabled state fails WCAG contrast in dark theme"]
        session.add(IssueClaim(issue_id=claimed, person_id=claimer, claimed_at=NOW))
    with session_scope(sample.core.sessions) as session:
        reasons = {}
        for entry in session.scalars(select(OutboxEntry).where(OutboxEntry.recipient == "U0DESIGN")):
            composed = compose_gfi(session, entry)
            reasons[entry.payload["issue"]] = composed.reason if isinstance(composed, Drop) else "sent"
        assert sorted(reasons.values()) == ["issue assigned", "issue claimed", "issue closed", "sent"]
        digest = session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "digest")).one()
        assert digest.recipient == "U0DAILY"
        composed = compose_digest(session, digest)
        assert not isinstance(composed, Drop)
        assert "Document the focus-ring tokens" in str(composed) and "Tooltip" not in str(composed)
        items = session.scalars(select(OutboxEntry).where(OutboxEntry.bundle_id == digest.id))
        assert sorted(item.status for item in items) == [BUNDLED, DROPPED, DROPPED, DROPPED]
    focus_ring = issues["Document the focus-ring tokens in the accessibility guide"]
    with session_scope(sample.core.sessions) as session:  # the last one unlabelled: nothing left
        session.execute(
            update(GoodFirstIssue).where(GoodFirstIssue.id == focus_ring).values(state="unlabelled")
        )
    with session_scope(sample.core.sessions) as session:
        digest = session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "digest")).one()
        assert compose_digest(session, digest) == Drop("no items left")


def _new_issue(sample: Sample, full_name: str, title: str) -> int:
    """A good-first-issue labelled just now, as a crawl or webhook would store it."""
    with session_scope(sample.core.sessions) as session:
        project = session.scalars(select(Project).where(Project.full_name == full_name)).one()
        number = max((i.number for i in project.issues), default=0) + 1
        issue = GoodFirstIssue(
            project_id=project.id,
            forge_id=f"new-{project.id}-{number}",
            number=number,
            title=title,
            url=f"{project.web_url}/issues/{number}",
            labels=["good first issue"],
            state="open",
            assignees=[],
            author="someone",
            created_at=sample.clock(),
            updated_at=sample.clock(),
        )
        session.add(issue)
        session.flush()
        return issue.id


def test_why_is_the_project_subscription_else_the_first_matching_one(sample: Sample) -> None:
    add_person(sample.core, "U0BOTH", "lang:typescript", "topic:design-system", cadence="daily")
    add_person(sample.core, "U0PROJ", "topic:design-system", "project:acme/aurora-design-system")
    sample.router().route_all()
    whys = {(e.recipient, e.payload["issue"]): e.payload["why"] for e in outbox(sample.core)}
    tooltip = issue_id(sample.core, "Add a Storybook story")
    assert whys[("U0BOTH", tooltip)] == "lang:typescript"  # subscribed first, and it matches too
    assert whys[("U0PROJ", tooltip)] == "project:acme/aurora-design-system"


def _reference_issues(core: Core, slack_id: str, argument: str) -> list[int]:
    """`issues` as first written: every offerable issue loaded and filtered in Python."""
    from bot.catalog.search_text import terms
    from bot.services.command_line import parse_find
    from bot.services.routing_issues import offerable, project_terms, score, searchable_words

    query = parse_find(argument)
    words = {t for word in query.words for t in terms(word)}
    wanted = {("lang", v) for v in query.languages} | {("topic", v) for v in query.topics}
    with session_scope(core.sessions) as session:
        person = session.scalars(select(Person.id).where(Person.slack_user_id == slack_id)).first()
        subscribed = {
            (s.kind, s.value)
            for s in session.scalars(select(Subscription).where(Subscription.person_id == person))
        }
        muted = {
            str(m.project_id)
            for m in session.scalars(select(ProjectMute).where(ProjectMute.person_id == person))
        }
        found = []
        for issue, project in session.execute(offerable()):
            ts, ws = set(project_terms(project)), searchable_words(issue, project)
            if issue.assignees:
                continue
            if words or wanted:
                keep = wanted <= ts and words <= ws
            else:
                keep = bool(ts & subscribed) and (
                    str(project.id) not in muted or ("project", str(project.id)) in ts & subscribed
                )
            if keep:
                found.append((score(project, issue, NOW), issue.id))
    return [i for _, i in sorted(found, key=lambda pair: (-pair[0], pair[1]))]


def _listed(core: Core, finder: IssueFinder, slack_id: str, argument: str) -> list[int]:
    first = finder.find(slack_id, argument)
    ids = [view.id for view in first.issues]
    while len(ids) < first.total:
        ids += [view.id for view in finder.find(slack_id, argument, len(ids)).issues]
    return ids


def test_issues_matches_the_load_everything_reference(sample: Sample) -> None:
    person = add_person(sample.core, "U0MANY", "topic:design-system", "lang:go", "project:acme/kafka-client")
    with session_scope(sample.core.sessions) as session:
        muted = project_id(session, "acme/flagpole")
        session.add(ProjectMute(person_id=person, project_id=muted, created_at=NOW))
    finder = IssueFinder(sample.core.sessions, sample.clock)
    arguments = [
        "",
        "lang:typescript",
        "topic:design-system",
        "storybook",
        "acme",
        "add lang:go",
        "docs aurora",
        "cobol",
    ]
    for argument in arguments:
        assert _listed(sample.core, finder, "U0MANY", argument) == _reference_issues(
            sample.core, "U0MANY", argument
        )

    # The finder keeps projects' terms between calls; a change to the catalog reaches it.
    with session_scope(sample.core.sessions) as session:
        project = session.scalars(select(Project).where(Project.full_name == "acme/kafka-client")).one()
        project.topics = [*project.topics, "cobol"]
    with session_scope(sample.core.sessions) as session:
        session.execute(
            update(Project).where(Project.full_name == "acme/aurora-design-system").values(listed=False)
        )
    for argument in ["cobol", "", "topic:design-system"]:
        assert _listed(sample.core, finder, "U0MANY", argument) == _reference_issues(
            sample.core, "U0MANY", argument
        )
    assert len(_listed(sample.core, finder, "U0MANY", "cobol")) == len(KAFKA_CLIENT)
