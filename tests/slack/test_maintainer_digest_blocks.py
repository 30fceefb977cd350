"""The maintainer digest as Slack shows it (bot/slack/maintainer_digest_blocks.py): every section, escaped;
a long digest in parts that each fit Slack's limits; and the digest delivered by the real deliverer to
the fake Slack, a nomination decided in between not offered again."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_deliverer
from bot.catalog.readiness import CHECKLIST
from bot.db.engine import session_scope
from bot.db.operations import DROPPED, SENT, OutboxEntry
from bot.sandbox.slack.slack_directory import member_id
from bot.services.digests import KIND
from bot.services.digests_content import (
    DigestPart,
    NewContributor,
    PendingNomination,
    ProjectDigest,
    StaleIssue,
    split,
)
from bot.services.identity import SlackProfile
from bot.services.metrics import InnerSourceRatio, ProjectMetrics, Quantile, ResponseTimes, WindowMetrics
from bot.services.progression import ProgressionService
from bot.services.waiting import WaitingChange
from bot.slack import texts
from bot.slack.limits import MAX_BLOCKS_TEXT_TOTAL
from bot.slack.maintainer_digest_blocks import digest_message
from bot.slack.maintainer_digest_texts import CARD_INTRO, FOOTER, READINESS_FIXES
from bot.slack.nomination_blocks import ACTION_APPROVE, ACTION_DECLINE
from tests.services.digest_support import BERLIN_MONDAY_9, WEEK, Org, digest_rows, sample_maintainers
from tests.slack.test_blocks import EVIL, all_text, assert_inert, assert_within_limits, buttons

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _window(median_hours: float, total: int) -> WindowMetrics:
    quantile = Quantile(timedelta(hours=median_hours))
    response = ResponseTimes(quantile, Quantile(timedelta(hours=median_hours * 3)), total - 1, 1, total)
    return WindowMetrics(NOW - timedelta(days=90), NOW, response, InnerSourceRatio(3, 9), 2, 1)


def _metrics() -> ProjectMetrics:
    return ProjectMetrics(1, 90, _window(6, 12), _window(10, 8))


def _project(n: int = 1, title: str = "Fix the thing", **changes: Any) -> ProjectDigest:
    url = f"https://github.example/acme/p{n}"
    fields: dict[str, Any] = dict(
        project_id=n, full_name=f"acme/p{n}", web_url=url, forge="github", metrics=_metrics(),
        waiting=tuple(
            WaitingChange(n, f"acme/p{n}", url, k, f"{title} {k}", f"{url}/pull/{k}", f"outsider{k}",
                          NOW - timedelta(days=k), timedelta(days=k))
            for k in range(1, 4)
        ),
        waiting_total=3,
        new_contributors=(NewContributor("ana", "U0ANA", NOW - timedelta(days=2), 7, title, f"{url}/pull/7"),),  # noqa: E501
        stale_issues=(StaleIssue(5, title, f"{url}/issues/5", NOW - timedelta(days=90), True),),
        stale_total=1,
        nominations=(PendingNomination(11, "jasmine", 4, "U0JASMINE", NOW - timedelta(days=3)),),
        missing=("topics", "secret_detection"),
    )  # fmt: skip
    fields.update(changes)
    return ProjectDigest(**fields)


def _part(*projects: ProjectDigest, **changes: Any) -> DigestPart:
    fields: dict[str, Any] = dict(week=WEEK, part=1, parts=1, projects=projects, cards=1)
    fields.update(changes)
    return DigestPart(**fields)


def test_every_section_is_shown() -> None:
    shown = all_text(message := digest_message(_part(_project(), quiet=("acme/calm",))))
    assert_within_limits(message)
    assert message["blocks"][0]["text"]["text"] == "Your maintainer digest — week of 2 Nov 2026"
    assert "<https://github.example/acme/p1|acme/p1>" in shown
    assert "*Time to first response* (outside PRs/MRs, 90 days): median 6 h, p90 18 h" in shown
    assert "(▼ from 10 h, better)" in shown
    assert "3 outside contributions, oldest first" in shown
    assert "<https://github.example/acme/p1/pull/3|#3 Fix the thing 3> by `outsider3` — waiting 3 d" in shown
    assert "*New contributors this week* — welcome them!" in shown and "<@U0ANA> (`ana`)" in shown
    assert "no activity for 60+ days" in shown and "last activity 4 Aug 2026 · assigned" in shown
    assert "<@U0JASMINE> (`jasmine`), nominated 30 Oct 2026: decide with the card below" in shown
    assert f"✗ *Topics* — {READINESS_FIXES['topics']}" in shown
    assert f"✗ *Secret detection in CI* — {READINESS_FIXES['secret_detection']}" in shown
    assert "Nothing to report this week for acme/calm." in shown and FOOTER in shown
    assert message["text"].startswith("Your maintainer digest: 3 contributions waiting")
    assert not buttons(message)  # the nomination's buttons come with its own card


def test_every_readiness_item_says_how_to_fix_it() -> None:
    assert {key for key, _ in CHECKLIST} == set(READINESS_FIXES)
    assert all(fix.strip() for fix in READINESS_FIXES.values())


def test_a_decided_nomination_and_a_continued_project() -> None:
    decided = PendingNomination(11, "jasmine", 4, "U0JASMINE", NOW, status="approved", decided_by="U0ALICE")
    project = _project(nominations=(decided,), continued=True)
    shown = all_text(digest_message(_part(project, part=2, parts=3)))
    assert "<@U0JASMINE> (`jasmine`): approved by <@U0ALICE>" in shown and "decide with" not in shown
    assert "(continued)" in shown and "Time to first response" not in shown  # said in the part before
    assert digest_message(_part(project, part=2, parts=3))["blocks"][0]["text"]["text"].endswith(
        "(part 2 of 3)"
    )
    assert FOOTER not in shown  # the last part says how to stop it


def test_forge_strings_are_escaped() -> None:
    project = _project(title=EVIL, full_name=EVIL, waiting_total=3)
    hostile = NewContributor(EVIL, "not-a-user-id", NOW, 3, EVIL, "javascript:alert(1)")
    message = digest_message(_part(replace_login(project, hostile), quiet=(EVIL,)))
    assert_inert(message)
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in all_text(message)


def replace_login(project: ProjectDigest, contributor: NewContributor) -> ProjectDigest:
    waiting = tuple(replace(w, author=EVIL) for w in project.waiting)
    return replace(project, new_contributors=(contributor,), waiting=waiting)


def test_a_long_digest_fits_slack_in_every_part() -> None:
    long_title = "Make the thing work " * 15  # 300 characters, cut when shown
    projects = [
        _project(
            n,
            long_title,
            waiting=_project(n, long_title).waiting * 8,
            waiting_total=24,
            stale_issues=_project(n, long_title).stale_issues * 10,
            missing=tuple(key for key, _ in CHECKLIST),
        )
        for n in range(1, 9)
    ]
    chunks = split(projects)
    assert len(chunks) > 5
    for number, chunk in enumerate(chunks, start=1):
        message = digest_message(_part(*chunk, part=number, parts=len(chunks)))
        assert_within_limits(message)
        shown = all_text(message)
        assert texts.TRUNCATED not in shown  # split, not cut
        assert sum(len(t) for t in _block_texts(message)) <= MAX_BLOCKS_TEXT_TOTAL
        assert f"(part {number} of {len(chunks)})" in message["blocks"][0]["text"]["text"]


def _block_texts(message: dict[str, Any]) -> list[str]:
    found: list[str] = []
    stack: list[Any] = list(message["blocks"])
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found += [v for k, v in item.items() if k == "text" and isinstance(v, str)]
            stack += [v for k, v in item.items() if not (k == "text" and isinstance(v, str))]
        elif isinstance(item, list):
            stack += item
    return found


# -- delivered ----------------------------------------------------------------------------------------
def _deliver(org: Org) -> None:
    deliverer = build_deliverer(org.core, "digest-test")
    for _ in range(10):  # one post a second per DM: the clock moves on between passes
        org.clock.advance(timedelta(seconds=5))
        if deliverer.deliver_due().claimed == 0:
            break


def _dm(org: Org, login: str) -> list[dict[str, Any]]:
    return org.slack.channel_messages("D" + member_id(login)[1:])


@pytest.mark.integration
def test_the_digest_reaches_the_maintainer_and_a_decided_nomination_is_not_offered(database_url: str) -> None:
    with sample_maintainers(database_url) as org:
        org.clock.set(BERLIN_MONDAY_9)
        org.digests().run()
        _deliver(org)
        digests = [m for m in _dm(org, "alice") if "maintainer digest" in m["text"].casefold()]
        overview, card = digests[-2:]
        keys = [m["metadata"]["event_payload"]["key"] for m in (overview, card)]
        assert keys[0].startswith("mdigest:") and keys[0].endswith(WEEK) and keys[1] == f"{keys[0]}:2"
        shown = all_text(overview)
        assert "acme/aurora-design-system" in shown and "acme/aurora-icons" in shown
        assert "by `oscar` — waiting" in shown and "Time to first response" in shown
        assert READINESS_FIXES["contributing"] in shown and "decide with the card below" in shown
        assert CARD_INTRO in all_text(card) and "Trusted-committer nomination" in all_text(card)
        approve, decline = (b for b in buttons(card) if b["action_id"] in (ACTION_APPROVE, ACTION_DECLINE))
        assert approve["value"] == decline["value"]
        assert all(row.status == SENT for row in digest_rows(org.core, member_id("alice")))

        # A week later the nomination still waits; it is approved after the digest was written.
        org.clock.set(BERLIN_MONDAY_9 + timedelta(days=7))
        org.digests().run()
        progression = ProgressionService(org.core.sessions, org.core.settings, org.clock)
        decision = progression.decide(int(approve["value"]), SlackProfile(member_id("alice")), approve=True)
        assert decision.outcome == "approved"
        _deliver(org)
        latest = _dm(org, "bob")[-1]
        assert "2026-W46" in latest["metadata"]["event_payload"]["key"]
        assert f"`jasmine`): approved by <@{member_id('alice')}>" in all_text(latest)
        assert not buttons(latest)
        with session_scope(org.core.sessions) as session:
            cards = session.scalars(
                select(OutboxEntry).where(OutboxEntry.kind == KIND, OutboxEntry.key.like("%2026-W46:2"))
            ).all()
            assert cards and {(c.status, c.last_error) for c in cards} == {
                (DROPPED, "nomination already approved")
            }
        assert json.dumps(latest).count("nomination_approve") == 0
