"""Announcements on SQLite and PostgreSQL: the first run's one summary, one post per project that
becomes ready afterwards, never twice (readiness off and on, renamed, moved: the same forge id), the
per-run cap oldest first, private projects, two workers at once, and what the announce channel
receives through the real deliverer and the fake Slack."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.app import Core, build_crawler, build_deliverer
from bot.clock import ManualClock
from bot.db.announcements import FIRST_RUN, KNOWN, POSTED, Announcement, AnnounceState
from bot.db.engine import make_engine, session_factory, session_scope
from bot.db.models import Project
from bot.db.operations import SENT, OutboxEntry
from bot.sandbox.forge.world import World
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_directory import member_id
from bot.sandbox.slack.slack_requests import SlackUser
from bot.services.announcements import ANNOUNCEMENT, SUMMARY, Announcer, AnnounceReport, channel_of
from jobs.announce import run as run_job
from tests.catalog.test_crawl import READY_FILES, _github_repo
from tests.conftest import NOW, crawled
from tests.handlers.progression_support import link
from tests.services.test_metrics import add_project
from tests.services.test_routing import sample_organisation
from tests.slack.outbox_support import rows

CHANNEL = "C0ANNOUNCE"  # the fake Slack's announce channel (#innersource-announce), the bot a member
D = timedelta(days=1)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def settled(core: Core, clock: ManualClock, **settings: Any) -> Core:
    """`core` announcing to CHANNEL on `clock`, with `settings` on top."""
    update_ = {"announce_channel": CHANNEL, **settings}
    return replace(core, settings=core.settings.model_copy(update=update_), now=clock)


def announce(core: Core) -> AnnounceReport:
    return Announcer(core.sessions, core.settings, core.now).run()


def ready(session: Session, name: str, at: datetime, **columns: Any) -> Project:
    """A listed project that first became InnerSource-ready `at`."""
    project = add_project(session, f"acme/{name}", ["alice"], ready=True)
    project.first_ready_at = at
    for column, value in columns.items():
        setattr(project, column, value)
    session.flush()
    return project


def posts(core: Core) -> dict[str, OutboxEntry]:
    """The announcement rows of the outbox, by key."""
    return {key: row for key, row in rows(core.sessions).items() if row.kind in (ANNOUNCEMENT, SUMMARY)}


def announced(core: Core) -> dict[str, str]:
    with session_scope(core.sessions) as session:
        return {a.key: a.how for a in session.scalars(select(Announcement))}


def key_of(project: Project) -> str:
    return f"announce:{project.forge}:{project.host}:{project.forge_id}"


def sent(core: Core) -> None:
    """As if the deliverer had posted everything waiting."""
    with session_scope(core.sessions) as session:
        session.execute(update(OutboxEntry).values(status=SENT, sent_at=NOW))


def test_the_channel_setting_takes_an_id_or_a_name() -> None:
    assert channel_of("C0ANNOUNCE") == "C0ANNOUNCE" and channel_of(" G01ABCDEF ") == "G01ABCDEF"
    assert channel_of("#innersource") == channel_of("innersource") == "#innersource"
    assert channel_of("") is None and channel_of(None) is None


def test_without_an_announce_channel_nothing_happens_and_the_summary_says_so(
    core: Core, clock: ManualClock
) -> None:
    with session_scope(core.sessions) as session:
        ready(session, "aurora", NOW)
    summary = run_job(replace(core, now=clock))
    assert summary == "announce: no announce_channel set, nothing to announce"
    assert posts(core) == {} and announced(core) == {}


def test_the_first_run_waits_for_the_first_crawl(core: Core, clock: ManualClock) -> None:
    core = settled(core, clock)
    report = announce(core)
    assert "the first run waits for the first crawl" in report.summary()
    with session_scope(core.sessions) as session:
        assert session.get(AnnounceState, FIRST_RUN) is None
        ready(session, "aurora", NOW)
    assert announce(core).first_run  # the catalog has rows now: this is the first run


def test_the_first_run_waits_for_a_crawl_that_read_every_project(core: Core, clock: ManualClock) -> None:
    """A first crawl cut short (rate-limited) leaves projects unread; announced later one by one, the
    long-ready ones among them would be a slow flood. The first run waits for them (a day at most)."""
    core = settled(core, clock)
    with session_scope(core.sessions) as session:
        aurora = ready(session, "aurora", NOW, first_seen_at=NOW, details_complete=True)
        unread = ready(session, "unread", NOW, first_seen_at=NOW, details_complete=False)
    assert "waits until a crawl has read every listed project" in announce(core).summary()
    with session_scope(core.sessions) as session:
        session.get(Project, unread.id).details_complete = True  # the next crawl read it: ready
    report = announce(core)
    assert (report.first_run, report.known) == (True, 2)
    assert announced(core) == {key_of(p).removeprefix("announce:"): KNOWN for p in (aurora, unread)}


def test_the_first_run_waits_a_day_at_most_for_unread_projects(core: Core, clock: ManualClock) -> None:
    core = settled(core, clock)
    with session_scope(core.sessions) as session:
        ready(session, "aurora", NOW, first_seen_at=NOW, details_complete=True)
        ready(session, "broken", NOW, first_seen_at=NOW, details_complete=False)  # its reads keep failing
    assert not announce(core).first_run
    clock.advance(timedelta(days=1, minutes=1))
    report = announce(core)
    assert (report.first_run, report.known) == (True, 2)


def test_the_first_run_records_what_is_ready_and_queues_one_summary(core: Core, clock: ManualClock) -> None:
    core = settled(core, clock)
    with session_scope(core.sessions) as session:
        known = [ready(session, name, NOW - n * D) for n, name in enumerate(("a", "b", "c"), 1)]
        add_project(session, "acme/not-ready")
        ready(session, "gone", NOW, listed=False)
        ready(session, "secret", NOW, visibility="private")  # announce_private is off

    report = announce(core)

    assert (report.first_run, report.known) == (True, 3)
    assert report.summary() == (
        f"announce to {CHANNEL}: first run, 3 ready projects recorded as known, one summary post queued"
    )
    [summary] = posts(core).values()
    assert (summary.key, summary.kind, summary.recipient, summary.payload) == (
        "announce:summary", SUMMARY, CHANNEL, {"count": 3}
    )  # fmt: skip
    assert announced(core) == {key_of(p).removeprefix("announce:"): KNOWN for p in known}
    assert announce(core).queued == 0  # known is known: nothing is announced one by one

    with session_scope(core.sessions) as session:
        new = ready(session, "d", NOW)
    report = announce(core)
    assert (report.first_run, report.queued, report.left) == (False, 1, 0)
    row = posts(core)[key_of(new)]
    assert (row.kind, row.recipient, row.payload["project_id"]) == (ANNOUNCEMENT, CHANNEL, new.id)
    assert announce(core).queued == 0


def test_a_first_run_with_nothing_ready_posts_no_summary(core: Core, clock: ManualClock) -> None:
    core = settled(core, clock)
    with session_scope(core.sessions) as session:
        add_project(session, "acme/not-ready")
    report = announce(core)
    assert report.first_run and report.known == 0 and "no summary" in report.summary()
    assert posts(core) == {}
    with session_scope(core.sessions) as session:
        first = ready(session, "first", NOW)
    assert announce(core).queued == 1 and list(posts(core)) == [key_of(first)]


def test_each_run_posts_at_most_the_cap_oldest_first(core: Core, clock: ManualClock) -> None:
    core = settled(core, clock, announce_max_per_run=10)
    with session_scope(core.sessions) as session:
        add_project(session, "acme/not-ready")
    announce(core)  # the first run: nothing ready yet
    with session_scope(core.sessions) as session:
        # Eleven projects, written newest first: the order of rows must not decide.
        projects = [ready(session, f"p{n:02d}", NOW - n * timedelta(hours=1)) for n in range(11)]
    newest, oldest_ten = projects[0], projects[1:]

    first = announce(core)
    assert (first.queued, first.left) == (10, 1)
    assert set(posts(core)) == {key_of(p) for p in oldest_ten}
    # Ten posts wait for the channel: a run before they are posted queues nothing more.
    assert (announce(core).queued, announce(core).waiting) == (0, 10)

    sent(core)
    second = announce(core)
    assert (second.queued, second.left) == (1, 0) and key_of(newest) in posts(core)
    assert len(posts(core)) == 11


def test_private_projects_only_with_announce_private(core: Core, clock: ManualClock) -> None:
    core = settled(core, clock)
    with session_scope(core.sessions) as session:
        add_project(session, "acme/not-ready")
    announce(core)
    with session_scope(core.sessions) as session:
        private = ready(session, "pricing", NOW, visibility="private")
        internal = ready(session, "tokens", NOW)

    assert announce(core).queued == 1
    assert set(posts(core)) == {key_of(internal)}  # the private one is not even recorded…
    assert key_of(private).removeprefix("announce:") not in announced(core)

    opted_in = settled(core, clock, announce_private=True)
    assert announce(opted_in).queued == 1  # …so turning announce_private on announces it
    assert set(posts(core)) == {key_of(internal), key_of(private)}


def test_the_first_run_counts_private_projects_only_with_announce_private(
    core: Core, clock: ManualClock
) -> None:
    core = settled(core, clock, announce_private=True)
    with session_scope(core.sessions) as session:
        ready(session, "pricing", NOW, visibility="private")
        ready(session, "tokens", NOW)
    assert announce(core).known == 2
    assert posts(core)["announce:summary"].payload == {"count": 2}


def test_posts_waiting_for_a_wrong_channel_follow_the_setting(core: Core, clock: ManualClock) -> None:
    wrong = settled(core, clock, announce_channel="#typo")
    with session_scope(core.sessions) as session:
        add_project(session, "acme/not-ready")
    announce(wrong)
    with session_scope(core.sessions) as session:
        projects = [ready(session, name, NOW) for name in ("a", "b")]
    assert announce(wrong).queued == 2
    with session_scope(core.sessions) as session:  # the deliverer: the channel is missing, they wait
        session.execute(update(OutboxEntry).values(due_at=NOW + D, last_error="channel_not_found"))
    with session_scope(core.sessions) as session:  # …but a deliverer holds one right now
        held = session.get(OutboxEntry, posts(core)[key_of(projects[1])].id)
        held.claimed_by, held.claimed_until = "worker-1", NOW + timedelta(minutes=1)

    report = announce(settled(core, clock))

    assert report.moved == 1 and "1 waiting post moved here" in report.summary()
    first, second = (posts(core)[key_of(p)] for p in projects)
    assert (first.recipient, first.due_at, first.last_error) == (CHANNEL, NOW, None)
    assert second.recipient == "#typo"  # the deliverer may be posting it there this moment
    clock.advance(timedelta(minutes=2))  # its claim lapsed: the next run moves it too
    assert announce(settled(core, clock)).moved == 1
    assert posts(core)[key_of(projects[1])].recipient == CHANNEL


def test_a_project_is_never_announced_twice(core: Core, clock: ManualClock) -> None:
    """Readiness off and on, renamed, moved to another namespace, even its row gone and crawled anew:
    the forge's id is the same, so is the announcement."""
    core = settled(core, clock)
    with session_scope(core.sessions) as session:
        add_project(session, "acme/not-ready")
    announce(core)
    with session_scope(core.sessions) as session:
        project = ready(session, "flaky", NOW)
        project_id, forge_id = project.id, project.forge_id
    assert announce(core).queued == 1

    changes: list[dict[str, Any]] = [
        {"ready": False},
        {"ready": True, "first_ready_at": NOW + D},  # ready again (a crawl keeps the first time, anyway)
        {"name": "steady", "full_name": "acme/steady"},
        {"namespace": "acme-labs", "full_name": "acme-labs/steady"},
    ]
    for values in changes:
        with session_scope(core.sessions) as session:
            session.execute(update(Project).where(Project.id == project_id).values(**values))
        clock.advance(D)
        assert announce(core).queued == 0, values
    with session_scope(core.sessions) as session:
        session.execute(delete(Project).where(Project.id == project_id))
        ready(session, "steady", NOW, forge_id=forge_id)  # crawled anew: a new row, the same forge id
    assert announce(core).queued == 0
    assert [r.kind for r in posts(core).values()] == [ANNOUNCEMENT]
    assert list(announced(core).values()) == [POSTED]


def test_never_twice_through_the_crawl_flip_rename_and_transfer(
    database_url: str, clock: ManualClock
) -> None:
    """The same through the real crawler and the fake forge: the repository keeps its forge id."""
    world = World(now=NOW)
    world.github_orgs = ["acme", "acme-labs"]
    world.add_user("alice")
    _github_repo(world, "known")
    without_guide = {k: v for k, v in READY_FILES.items() if k != "CONTRIBUTING.md"}
    late = _github_repo(world, "late", files=dict(without_guide))
    with crawled(database_url, world, now=clock, announce_channel=CHANNEL) as (core, forge):
        assert announce(core).known == 1

        def crawl_after(change: Any) -> tuple[int, str, bool]:
            """Change the repository, crawl, announce: (posts queued, the row's name, ready)."""
            with forge.world.lock:
                change()
                late.pushed_at = late.updated_at = clock.advance(D)
            assert build_crawler(core).crawl(full=True).status == "ok"
            queued = announce(core).queued
            with session_scope(core.sessions) as session:
                row = session.scalars(select(Project).where(Project.forge_id == str(late.id))).one()
                assert row.listed
                return queued, row.full_name, row.ready

        assert crawl_after(lambda: late.files.update(READY_FILES)) == (1, "acme/late", True)  # announced
        assert crawl_after(lambda: late.files.pop("CONTRIBUTING.md")) == (0, "acme/late", False)
        assert crawl_after(lambda: late.files.update(READY_FILES)) == (0, "acme/late", True)  # ready again
        assert crawl_after(lambda: setattr(late, "name", "later")) == (0, "acme/later", True)  # renamed
        moved = crawl_after(lambda: setattr(late, "namespace", "acme-labs"))  # transferred
        assert moved == (0, "acme-labs/later", True)
        assert len([r for r in posts(core).values() if r.kind == ANNOUNCEMENT]) == 1


@pytest.mark.parametrize("first_run", [True, False], ids=["first-run", "later-run"])
def test_two_workers_running_the_job_at_once_queue_each_post_once(
    database_url: str, core: Core, clock: ManualClock, first_run: bool
) -> None:
    core = settled(core, clock)
    with session_scope(core.sessions) as session:
        add_project(session, "acme/not-ready")
    if not first_run:
        announce(core)
    with session_scope(core.sessions) as session:
        for n in range(6):
            ready(session, f"p{n}", NOW - n * D)

    def worker(start: threading.Barrier, reports: list[AnnounceReport]) -> None:
        engine = make_engine(database_url)  # a process of its own: its own connections
        try:
            start.wait(timeout=10)
            reports.append(Announcer(session_factory(engine), core.settings, clock).run())
        finally:
            engine.dispose()

    for _ in range(3):  # a few rounds: the two runs overlap differently each time
        start, reports = threading.Barrier(2), []
        threads = [threading.Thread(target=worker, args=(start, reports)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(reports) == 2
    expected = ["announce:summary"] if first_run else [f"announce:{k}" for k in announced(core)]
    assert sorted(posts(core)) == sorted(expected)
    assert len(announced(core)) == 6


@pytest.fixture
def sample(database_url: str) -> Iterator[tuple[Core, FakeSlack, ManualClock]]:
    for found in sample_organisation(database_url):
        with FakeSlack(clock=found.clock) as slack:
            settings = slack.settings_for(found.core.settings).model_copy(
                update={"announce_channel": "#innersource-announce"}
            )
            yield replace(found.core, settings=settings), slack, found.clock


def test_the_channel_receives_the_summary_then_a_post_per_new_project(
    sample: tuple[Core, FakeSlack, ManualClock],
) -> None:
    core, slack, clock = sample
    aurora = "acme/aurora-design-system"  # maintainers alice and bob; alice linked by e-mail
    link(core, SlackUser(user_id=member_id("alice"), user_name="alice"), "alice")
    with session_scope(core.sessions) as session:  # not ready at install: it will be announced later
        session.execute(update(Project).where(Project.full_name == aurora).values(ready=False))
    deliverer = build_deliverer(core, "test-worker")

    assert announce(core).known == 19  # the sample's ready projects but aurora and the private one
    assert deliverer.deliver_due().sent == 1
    [summary] = slack.channel_messages(CHANNEL)
    assert summary["text"] == "19 InnerSource projects are ready — try /innersource find or /innersource new"

    with session_scope(core.sessions) as session:
        session.execute(update(Project).where(Project.full_name == aurora).values(ready=True))
    assert announce(core).queued == 1
    clock.advance(timedelta(seconds=5))  # one post a second per channel
    assert deliverer.deliver_due().sent == 1
    assert announce(core).queued == 0

    post = slack.channel_messages(CHANNEL)[-1]
    shown = str(post["blocks"])
    assert post["text"].startswith(f"New InnerSource project: {aurora} — ")
    assert f"|{aurora}>*" in shown and "*Maintainers*\\n<@U0ALICE>, @bob" in shown
    assert "Contributing guide>" in shown and "*Good first issues* (" in shown
    assert {e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]} == {
        "project_details",
        "project_subscribe",
    }
    assert slack.outbox_keys() == ["announce:summary", _only_post(core)]


def _only_post(core: Core) -> str:
    [key] = [k for k, r in posts(core).items() if r.kind == ANNOUNCEMENT]
    return key


def test_a_post_for_a_project_unlisted_before_it_went_out_is_dropped(
    sample: tuple[Core, FakeSlack, ManualClock],
) -> None:
    core, slack, _clock = sample
    with session_scope(core.sessions) as session:
        session.execute(update(Project).where(Project.full_name == "acme/kafka-client").values(ready=False))
    announce(core)
    with session_scope(core.sessions) as session:
        session.execute(update(Project).where(Project.full_name == "acme/kafka-client").values(ready=True))
    announce(core)
    with session_scope(core.sessions) as session:
        session.execute(update(Project).where(Project.full_name == "acme/kafka-client").values(listed=False))
    report = build_deliverer(core, "test-worker").deliver_due()
    assert (report.sent, report.dropped) == (1, 1)  # the summary went; the post did not
    row = posts(core)[_only_post(core)]
    assert (row.status, row.last_error) == ("dropped", "project no longer listed")
    assert slack.outbox_keys() == ["announce:summary"]
