"""Levels over a hand-built ledger (SQLite and PostgreSQL): maintainers' own work, bots, reviews only,
work older than the window, unlisted projects, several accounts; incremental = full recompute."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.app import Core, build_core
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.models import Contribution, Project
from bot.db.operations import OutboxEntry
from bot.db.people import Identity, Person
from bot.db.progression import ContributorLevel, Milestone, Nomination
from bot.services.identity import SlackProfile
from bot.services.progression import ProgressionService
from bot.services.progression_views import ALREADY_DECIDED, APPROVED, DECLINED, NOT_A_MAINTAINER
from tests.services.progression_support import NOW, add_person, add_project, link, merged, reviewed


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def core(database_url: str, clock: ManualClock) -> Iterator[Core]:
    built = build_core(Settings(database_url=database_url, bot_logins=("CI-Runner",)), now=clock)
    yield built
    built.engine.dispose()


def service(core: Core) -> ProgressionService:
    return ProgressionService(core.sessions, core.settings, core.now)


def levels(core: Core) -> dict[str, str]:
    with session_scope(core.sessions) as session:
        rows = session.execute(select(ContributorLevel.contributor, ContributorLevel.level))
        return {contributor: level for contributor, level in rows}


def level_rows(core: Core) -> set[tuple[object, ...]]:
    """Every stored figure, not only the level: an incremental run must store what a full one does."""
    with session_scope(core.sessions) as session:
        rows = session.execute(
            select(
                ContributorLevel.contributor, ContributorLevel.person_id, ContributorLevel.level,
                ContributorLevel.merged_outside, ContributorLevel.merged_window,
                ContributorLevel.reviews_window,
            )
        )  # fmt: skip
        return {tuple(row) for row in rows}


def profile(user_id: str) -> SlackProfile:
    return SlackProfile(user_id=user_id, team_id="T1", name=user_id.lower(), email=None, tz="UTC")


def gh(login: str) -> str:
    return f"a:github:api.github.com:{login}"


def first_half(session: Session) -> None:
    kafka = add_project(session, "acme/kafka", ("@maya",), trusted=("Tess",))
    web = add_project(session, "acme/web", ("maya", "@acme/web-team"))
    legacy = add_project(session, "acme/legacy", (), listed=False)
    etl = add_project(session, "data/etl", ("gina",), forge="gitlab")
    reviewed(session, kafka, "newt", 3, count=3)  # reviews only: still a newcomer
    merged(session, kafka, "maya", 10, count=20)  # her own project
    merged(session, kafka, "cora", 300)  # once, long ago: a contributor for good
    merged(session, web, "reggie", 20, count=5)
    merged(session, web, "olga", 200, count=5)  # five, but outside the 180-day window
    merged(session, kafka, "Cand", 30, count=6)
    reviewed(session, kafka, "cand", 30, count=5)
    merged(session, kafka, "almost", 30, count=10)
    reviewed(session, kafka, "almost", 30, count=4)
    merged(session, web, "dependabot[bot]", 5, bot=True, count=30)
    merged(session, web, "ci-runner", 5, count=30)  # a bot by the bot_logins setting
    merged(session, legacy, "ulli", 5, count=10)  # unlisted: does not count
    merged(session, kafka, "tess", 40, count=2)
    pat = add_person(session, "UPAT")
    link(session, pat, "pat-gh")
    link(session, pat, "pat-gl", forge="gitlab", verified=False)
    merged(session, web, "pat-gh", 10, count=3)
    merged(session, etl, "pat-gl", 10, count=1)


def second_half(session: Session) -> None:
    projects = {p.full_name: p for p in session.scalars(select(Project))}
    merged(session, projects["acme/kafka"], "cand", 10, count=4)  # now 10 merged and 5 reviews: a candidate
    merged(session, projects["data/etl"], "pat-gl", 2, count=1)  # 5 in the window across two forges
    merged(session, projects["acme/web"], "olga", 10)  # six in all, one of them in the window


EXPECTED = {
    gh("newt"): "newcomer",
    gh("maya"): "newcomer",
    gh("cora"): "contributor",
    gh("reggie"): "regular",
    gh("olga"): "contributor",
    gh("cand"): "candidate",
    gh("almost"): "regular",
    gh("tess"): "trusted",
}


def test_level_table_over_a_hand_built_ledger(core: Core) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)
        second_half(session)
    report = service(core).recompute()
    assert report.full
    found = levels(core)
    person = next(key for key in found if key.startswith("p:"))
    assert {k: v for k, v in found.items() if k.startswith("a:")} == EXPECTED
    assert found[person] == "regular"  # 3 on GitHub + 2 on GitLab, one person
    assert not any("dependabot" in k or "ci-runner" in k or "ulli" in k for k in found)
    assert not any("pat-g" in k for k in found)  # their work counts once, as the person


def test_incremental_recompute_equals_a_full_one(core: Core, clock: ManualClock) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)
    progression = service(core)
    progression.recompute()
    before = levels(core)
    assert before[gh("cand")] == "regular"
    clock.advance(timedelta(hours=1))
    with session_scope(core.sessions) as session:
        second_half(session)
    report = ProgressionService(core.sessions, core.settings, core.now, ledger_margin=0).recompute(full=False)
    assert not report.full and report.contributors < len(before)  # only those with new rows
    incremental, stored = levels(core), level_rows(core)
    assert incremental[gh("cand")] == "candidate"
    assert (gh("olga"), None, "contributor", 6, 1, 0) in stored
    service(core).recompute(full=True)
    assert levels(core) == incremental and level_rows(core) == stored


def test_a_person_linking_later_takes_over_the_accounts_work(core: Core, clock: ManualClock) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)
    progression = service(core)
    progression.recompute()
    assert levels(core)[gh("reggie")] == "regular"
    clock.advance(timedelta(minutes=5))
    with session_scope(core.sessions) as session:
        link(session, add_person(session, "UREG", created=clock()), "Reggie", at=clock())
    progression.recompute(full=False)
    incremental = levels(core)
    assert gh("reggie") not in incremental
    assert "regular" in {incremental[k] for k in incremental if k.startswith("p:")}
    progression.recompute(full=True)
    assert levels(core) == incremental


def test_the_window_slides_on_the_full_recompute(core: Core, clock: ManualClock) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)
    progression = service(core)
    progression.recompute()
    clock.advance(timedelta(days=170))  # reggie's five are now 190 days old
    report = progression.recompute()  # more than a day since the last full: a full one
    assert report.full
    assert levels(core)[gh("reggie")] == "contributor"


# -- milestones ------------------------------------------------------------------------------------
def outbox(core: Core, kind: str) -> list[OutboxEntry]:
    with session_scope(core.sessions) as session:
        rows = session.scalars(
            select(OutboxEntry).where(OutboxEntry.kind == kind).order_by(OutboxEntry.id)
        ).all()
        session.expunge_all()
        return list(rows)


def test_milestones_are_told_once_recent_only_and_never_to_refused_people(
    core: Core, clock: ManualClock
) -> None:
    with session_scope(core.sessions) as session:
        web = add_project(session, "acme/web", ("maya",))
        fresh, veteran, guest = (
            add_person(session, "UNEW"),
            add_person(session, "UOLD"),
            add_person(session, "UGST", refusal="guest"),
        )
        link(session, fresh, "fresh")
        link(session, veteran, "veteran")
        link(session, guest, "guest")
        merged(session, web, "fresh", 2)
        merged(session, web, "veteran", 100, count=5)
        merged(session, web, "guest", 2)
    progression = service(core)
    progression.recompute()
    sent = outbox(core, "milestone")
    assert [(row.recipient, row.payload["names"]) for row in sent] == [
        ("UNEW", ["first-merged", "level:contributor"]),
    ]
    with session_scope(core.sessions) as session:
        recorded = {(m.person_id, m.name): m.told for m in session.scalars(select(Milestone))}
    assert len(recorded) == 2 + 3 + 2  # veteran: first-merged, contributor, regular (told: no)
    assert sum(recorded.values()) == 2
    progression.recompute(full=True)
    clock.advance(timedelta(hours=1))
    progression.recompute(full=False)
    assert len(outbox(core, "milestone")) == 1


# -- nominations -----------------------------------------------------------------------------------
def candidate_world(session: Session) -> None:
    kafka = add_project(session, "acme/kafka", ("maya", "@mo", "unverified-ulf"))
    maya, mo, ulf = add_person(session, "UMAYA"), add_person(session, "UMO"), add_person(session, "UULF")
    link(session, maya, "maya")
    link(session, mo, "MO")
    link(session, ulf, "unverified-ulf", verified=False)
    cand = add_person(session, "UCAND")
    link(session, cand, "cand")
    merged(session, kafka, "cand", 20, count=10)
    reviewed(session, kafka, "cand", 15, count=5)


def test_a_candidate_is_nominated_once_to_verified_maintainers(core: Core) -> None:
    with session_scope(core.sessions) as session:
        candidate_world(session)
    progression = service(core)
    report = progression.recompute()
    assert report.nominations == 1 and report.cards == 2
    assert sorted(row.recipient for row in outbox(core, "nomination")) == ["UMAYA", "UMO"]
    progression.recompute(full=True)
    assert len(outbox(core, "nomination")) == 2
    card = progression.card(outbox(core, "nomination")[0].payload["nomination_id"])
    assert card is not None and card.login == "cand" and card.merged_window == 10 and card.reviews_window == 5
    assert len(card.latest) == 3 and card.slack_user_id == "UCAND"


def test_only_a_maintainer_decides_and_the_first_decision_wins(core: Core) -> None:
    with session_scope(core.sessions) as session:
        candidate_world(session)
    progression = service(core)
    progression.recompute()
    nomination_id = outbox(core, "nomination")[0].payload["nomination_id"]
    assert progression.decide(nomination_id, profile("UULF"), approve=True).outcome == NOT_A_MAINTAINER
    assert progression.decide(nomination_id, profile("USTRANGER"), approve=True).outcome == NOT_A_MAINTAINER
    approved = progression.decide(nomination_id, profile("UMAYA"), approve=True)
    assert approved.outcome == APPROVED and approved.card is not None and approved.card.decided_by == "UMAYA"
    late = progression.decide(nomination_id, profile("UMO"), approve=False, reason="too soon")
    assert late.outcome == ALREADY_DECIDED and late.card is not None and late.card.status == "approved"
    assert "trusted" in levels(core).values()
    told = outbox(core, "milestone")
    assert told[-1].recipient == "UCAND" and "level:trusted" in told[-1].payload["names"]
    progression.recompute(full=True)
    assert "trusted" in levels(core).values()
    with session_scope(core.sessions) as session:
        assert session.scalars(select(Nomination.status)).all() == ["approved"]


def test_a_declined_candidate_is_not_nominated_again_for_renominate_days(
    core: Core, clock: ManualClock
) -> None:
    with session_scope(core.sessions) as session:
        candidate_world(session)
    progression = service(core)
    progression.recompute()
    nomination_id = outbox(core, "nomination")[0].payload["nomination_id"]
    declined = progression.decide(
        nomination_id, profile("UMO"), approve=False, reason="needs more reviews first"
    )
    assert (
        declined.outcome == DECLINED
        and declined.card is not None
        and declined.card.reason == "needs more reviews first"
    )
    clock.advance(timedelta(days=30))
    with session_scope(core.sessions) as session:
        kafka = session.scalars(select(Project)).one()
        merged(session, kafka, "cand", -29, count=2)  # fresh work (29 days after NOW, i.e. 1 day ago)
    progression.recompute(full=True)
    with session_scope(core.sessions) as session:
        assert session.scalars(select(Nomination.status)).all() == ["declined"]
    clock.advance(timedelta(days=61))
    with session_scope(core.sessions) as session:
        merged(session, kafka, "cand", -90, count=10)
        reviewed(session, kafka, "cand", -90, count=5)
    progression.recompute(full=True)
    with session_scope(core.sessions) as session:
        assert sorted(session.scalars(select(Nomination.status)).all()) == ["declined", "pending"]


def test_the_project_card_lists_listed_and_approved_trusted_committers(core: Core) -> None:
    from bot.services.project_views import card_of

    with session_scope(core.sessions) as session:
        candidate_world(session)
        kafka = session.scalars(select(Project)).one()
        kafka.trusted_committers = ["@Tess", "tess"]
    progression = service(core)
    progression.recompute()
    nomination_id = outbox(core, "nomination")[0].payload["nomination_id"]
    progression.decide(nomination_id, profile("UMAYA"), approve=True)
    with session_scope(core.sessions) as session:
        card = card_of(session, session.scalars(select(Project)).one())
    assert [(p.forge_login, p.slack_user_id) for p in card.trusted_committers] == [
        ("@Tess", None),
        ("@cand", "UCAND"),
    ]


# -- me and admin promote --------------------------------------------------------------------------
def test_me_for_a_linked_regular_says_what_candidacy_needs(core: Core) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)
        reggie = add_person(session, "UREG")
        link(session, reggie, "reggie")
        link(session, reggie, "reggie-lab", forge="gitlab", verified=False)
        web = session.scalars(select(Project).where(Project.full_name == "acme/web")).one()
        reviewed(session, web, "reggie", 3, count=2)
    me = service(core).me(profile("UREG"))
    assert me.level == "regular" and me.next_level == "candidate"
    assert [(a.forge, a.login, a.verified) for a in me.accounts] == [
        ("github", "reggie", True),
        ("gitlab", "reggie-lab", False),
    ]
    assert [(p.full_name, p.role, p.merged_window, p.reviews_window) for p in me.projects] == [
        ("acme/web", "contributor", 5, 2)
    ]
    assert [(n.count, n.what, n.project) for n in me.needs] == [
        (5, "merged", "acme/web"),
        (3, "reviews", "acme/web"),
    ]


def test_me_for_a_maintainer_with_nothing_outside_is_a_newcomer_who_maintains(core: Core) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)
        link(session, add_person(session, "UMAYA"), "Maya")
    me = service(core).me(profile("UMAYA"))
    assert me.level == "newcomer" and me.maintains == ("acme/kafka", "acme/web")
    assert (me.projects[0].full_name, me.projects[0].role, me.projects[0].merged_all) == (
        "acme/kafka",
        "maintainer",
        20,
    )
    assert [(n.count, n.what, n.project) for n in me.needs] == [(1, "merged", None)]


def test_me_for_an_unknown_caller_has_no_accounts(core: Core) -> None:
    me = service(core).me(profile("UNOBODY"))
    assert me.accounts == () and me.level == "newcomer" and me.projects == ()


def test_admin_promote_is_for_admins_only(database_url: str, clock: ManualClock) -> None:
    built = build_core(Settings(database_url=database_url, admins=("UADMIN",)), now=clock)
    try:
        with session_scope(built.sessions) as session:
            candidate_world(session)
            add_project(session, "other/kafka")
        progression = ProgressionService(built.sessions, built.settings, built.now)
        assert progression.promote(profile("UMAYA"), "<@UCAND|cand> acme/kafka").outcome == "not_admin"
        assert progression.promote(profile("UADMIN"), "acme/kafka").outcome == "usage"
        assert progression.promote(profile("UADMIN"), "<@UCAND> nope").outcome == "no_such_project"
        ambiguous = progression.promote(profile("UADMIN"), "<@UCAND> kafka")
        assert ambiguous.outcome == "ambiguous_project" and ambiguous.choices == ("acme/kafka", "other/kafka")
        assert progression.promote(profile("UADMIN"), "<@UNOBODY> acme/kafka").outcome == "not_linked"
        done = progression.promote(profile("UADMIN"), "<@UCAND|cand> ACME/Kafka")
        assert done.outcome == "promoted" and done.detail == "cand on acme/kafka"
        assert progression.promote(profile("UADMIN"), "<@UCAND> acme/kafka").outcome == "already_trusted"
        with session_scope(built.sessions) as session:
            rows = session.execute(select(ContributorLevel.person_id, ContributorLevel.level)).all()
            told = session.scalars(select(OutboxEntry.recipient).where(OutboxEntry.kind == "milestone")).all()
        assert ("trusted" in {level for _, level in rows}) and told == ["UCAND"]
    finally:
        built.engine.dispose()


def test_a_fresh_install_tells_only_levels_crossed_recently(core: Core) -> None:
    with session_scope(core.sessions) as session:
        web = add_project(session, "acme/web", ("maya",), trusted=("yuki",))
        steady, newly, yuki = (
            add_person(session, "USTEADY"),
            add_person(session, "UNEWLY"),
            add_person(session, "UYUKI"),
        )
        link(session, steady, "steady")
        link(session, newly, "newly")
        link(session, yuki, "yuki")
        for days in (150, 120, 90, 60, 40, 10, 3):  # regular for months, still active this week
            merged(session, web, "steady", days)
        merged(session, web, "newly", 100, count=4)
        merged(session, web, "newly", 2)  # the fifth in the window: Regular as of two days ago
        merged(session, web, "yuki", 5)  # listed as trusted by the project, never a candidate
    service(core).recompute()
    told = {row.recipient: row.payload["names"] for row in outbox(core, "milestone")}
    assert "level:regular" not in told.get("USTEADY", [])
    assert told["UNEWLY"] == ["level:regular"]
    with session_scope(core.sessions) as session:
        yukis = set(session.scalars(select(Milestone.name).where(Milestone.person_id == yuki.id)))
    assert "level:candidate" not in yukis and "level:trusted" in yukis


def _maintainer_added(session: Session) -> None:
    web = session.scalars(select(Project).where(Project.full_name == "acme/web")).one()
    web.maintainers = [*web.maintainers, "reggie"]  # a crawl read a new CODEOWNERS


def _unlisted(session: Session) -> None:
    session.scalars(select(Project).where(Project.full_name == "acme/web")).one().listed = False


def _trusted_removed(session: Session) -> None:
    session.scalars(select(Project).where(Project.full_name == "acme/kafka")).one().trusted_committers = []


def _issue_only(session: Session) -> None:
    kafka = session.scalars(select(Project).where(Project.full_name == "acme/kafka")).one()
    session.add(
        Contribution(
            key="github:api.github.com:issue_opened:1", project_id=kafka.id, forge="github",
            host="api.github.com",
            kind="issue_opened", author="ivy", author_is_bot=False, number=1, occurred_at=NOW,
        )
    )  # fmt: skip


def _unlinked(session: Session) -> None:
    session.execute(delete(Identity).where(Identity.login_key == "pat-gh"))


def _relinked(session: Session) -> None:
    identity = session.scalars(select(Identity).where(Identity.login_key == "pat-gh")).one()
    session.delete(identity)
    session.flush()
    link(session, session.get(Person, identity.person_id), "reggie", at=NOW + timedelta(hours=1))


def _moved(session: Session) -> None:
    identity = session.scalars(select(Identity).where(Identity.login_key == "pat-gh")).one()
    session.delete(identity)
    session.flush()
    link(
        session,
        add_person(session, "UOTHER", created=NOW - timedelta(days=1)),
        "pat-gh",
        at=NOW - timedelta(days=1),
    )


@pytest.mark.parametrize(
    "change",
    [_maintainer_added, _unlisted, _trusted_removed, _issue_only, _unlinked, _relinked, _moved],
    ids=lambda change: change.__name__.strip("_"),
)
def test_what_an_incremental_run_cannot_see_still_ends_as_a_full_recompute_would(
    core: Core, clock: ManualClock, change: Callable[[Session], None]
) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)
        second_half(session)
    progression = service(core)
    progression.recompute()
    clock.advance(timedelta(hours=2))
    with session_scope(core.sessions) as session:
        change(session)
    # Less than a day since the full one: incremental unless it must not be (no margin: in a ledger
    # this small the re-read margin would touch everyone and hide what incremental misses).
    ProgressionService(core.sessions, core.settings, core.now, ledger_margin=0).recompute()
    after = levels(core)
    progression.recompute(full=True)
    assert after == levels(core)


def test_a_maintainer_listed_as_trusted_committer_of_their_own_project_is_not_trusted_for_it(
    core: Core,
) -> None:
    with session_scope(core.sessions) as session:
        kafka = add_project(session, "acme/kafka", ("maya",), trusted=("maya", "tess"))
        merged(session, kafka, "maya", 5, count=3)
        merged(session, kafka, "tess", 5)
    service(core).recompute()
    assert levels(core) == {gh("maya"): "newcomer", gh("tess"): "trusted"}


def test_a_nomination_waits_for_a_linked_maintainer_and_reaches_them_once_linked(
    core: Core, clock: ManualClock
) -> None:
    with session_scope(core.sessions) as session:
        kafka = add_project(session, "acme/kafka", ("maya",))
        link(session, add_person(session, "UCAND"), "cand")
        merged(session, kafka, "cand", 20, count=10)
        reviewed(session, kafka, "cand", 15, count=5)
    progression = ProgressionService(core.sessions, core.settings, core.now, ledger_margin=0)
    first = progression.recompute()
    assert first.nominations == 1 and first.cards == 0  # nobody to ask yet: it waits
    clock.advance(timedelta(hours=1))
    quiet = progression.recompute()
    assert not quiet.full and quiet.cards == 0
    clock.advance(timedelta(hours=1))
    with session_scope(core.sessions) as session:
        link(session, add_person(session, "UMAYA", created=clock()), "maya", at=clock())
    linked = progression.recompute()
    assert not linked.full and linked.nominations == 0 and linked.cards == 1
    assert [row.recipient for row in outbox(core, "nomination")] == ["UMAYA"]
