"""`me` and `admin` over signed slash commands to the real server: linked, unlinked and self-declared
callers; admins promote and crawl, everyone else is refused before anything happens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.db.engine import session_scope
from bot.db.operations import JobRun
from bot.db.progression import TrustedCommitter
from bot.sandbox.slack.slack_directory import member_id
from bot.sandbox.slack.slack_requests import SlackUser
from bot.slack.issue_blocks import ACTION_CLAIM
from tests.handlers.conftest import text_of
from tests.handlers.progression_support import JASMINE, PROJECT, SAM, Served, answer_to, link, serving
from tests.services.test_routing import add_person, sample_organisation

ADMIN = SlackUser(user_id=member_id("priya"), user_name="priya")
MATEO = SlackUser(user_id=member_id("mateo"), user_name="mateo")


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    for sample in sample_organisation(database_url):
        link(sample.core, JASMINE, "jasmine")
        link(sample.core, MATEO, "mateo", verified=False)
        add_person(sample.core, ADMIN.user_id, "project:acme/kafka-client")
        with serving(sample, admins=(ADMIN.user_id,)) as running:
            yield running


def _count(served: Served, model: type[TrustedCommitter] | type[JobRun]) -> int:
    with session_scope(served.core.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_me_for_a_linked_candidate(served: Served) -> None:
    answer = text_of(answer_to(served.bot, "me", JASMINE))
    assert "Your level: *Trusted-committer candidate*" in answer
    assert "GitHub `jasmine`" in answer and "unverified" not in answer
    assert f"|{PROJECT}>* (trusted-committer candidate) — 11 merged PRs and 10 reviews" in answer
    assert f"*Next: Trusted committer* — a maintainer of {PROJECT} approving your nomination" in answer


def test_me_for_an_unlinked_caller_says_how_to_link(served: Served) -> None:
    answer = text_of(answer_to(served.bot, "me", SAM))
    assert "/innersource link github LOGIN" in answer and "/innersource link gitlab LOGIN" in answer
    assert "e-mail" in answer and "Your contributions" not in answer


def test_me_marks_a_self_declared_account_and_says_what_is_next(served: Served) -> None:
    answer = text_of(answer_to(served.bot, "me", MATEO))
    assert "GitHub `mateo` (unverified — self-declared with `link`)" in answer
    assert "Your level: *Regular*" in answer
    assert "more merged PRs in acme/" in answer and "more reviews" in answer


def test_me_recommends_issues_from_subscriptions(served: Served) -> None:
    wen = SlackUser(user_id=member_id("wen"), user_name="wen")
    add_person(served.core, wen.user_id, "project:acme/kafka-client")
    link(served.core, wen, "wen")
    answer = answer_to(served.bot, "me", wen)
    assert "*Subscriptions:* `acme/kafka-client`" in text_of(answer)
    assert "Good first issues for you" in text_of(answer) and "Expose consumer lag" in text_of(answer)
    claims = [b for b in answer["blocks"] if b.get("accessory", {}).get("action_id") == ACTION_CLAIM]
    assert len(claims) == 2  # kafka-client's two open good first issues


def test_admin_is_refused_to_non_admins_and_nothing_changes(served: Served) -> None:
    for command in (f"admin promote <@{JASMINE.user_id}|jasmine> {PROJECT}", "admin crawl", "admin"):
        answer = text_of(answer_to(served.bot, command, SAM))
        assert "admins only" in answer and "Made a trusted committer" not in answer
    assert _count(served, TrustedCommitter) == 0
    assert _count(served, JobRun) == 0


def test_admin_promotes_and_crawls(served: Served) -> None:
    assert "admin promote @user PROJECT" in text_of(answer_to(served.bot, "admin", ADMIN))
    answer = text_of(answer_to(served.bot, f"admin promote <@{JASMINE.user_id}|jasmine> {PROJECT}", ADMIN))
    assert f"Made a trusted committer: jasmine on {PROJECT}" in answer
    assert _count(served, TrustedCommitter) == 1
    again = text_of(answer_to(served.bot, f"admin promote <@{JASMINE.user_id}> {PROJECT}", ADMIN))
    assert "Already a trusted committer" in again
    # Slack escapes what was typed (should_escape): `acme/<!channel>` arrives as entities.
    typed = f"admin promote <@{JASMINE.user_id}> acme/&lt;!channel&gt;"
    missing = text_of(answer_to(served.bot, typed, ADMIN))
    assert "couldn't find a project called “acme/&lt;!channel&gt;”" in missing and "<!channel>" not in missing

    status, body, url = served.bot.command("admin crawl", ADMIN)
    assert status == 200 and "Crawl started" in text_of(body)
    (done,) = served.slack.wait_for_responses(url, 1, timeout=60)
    assert "Crawl finished: crawl ok" in text_of(done)
    assert _count(served, JobRun) == 1


def test_help_lists_me_and_admin(served: Served) -> None:
    answer = text_of(answer_to(served.bot, "help", SAM))
    assert "/innersource me" in answer and "admins only" in answer


def test_stats_over_a_signed_slash_command(served: Served) -> None:
    from bot.services.progression import ProgressionService

    ProgressionService(served.core.sessions, served.core.settings, served.core.now).recompute()
    answer = text_of(answer_to(served.bot, "stats", SAM))
    assert "InnerSource program" in answer and "projects listed" in answer
    assert "Trusted-committer candidates: 1" in answer  # jasmine, on kafka-client
    assert "*Time to first response*" in answer and "*InnerSource ratio*" in answer
    assert "*New contributors* (30 days)" in answer and "*Contributor absence factor*" in answer


def test_the_project_card_shows_its_metrics(served: Served) -> None:
    answer = text_of(answer_to(served.bot, f"project {PROJECT}", SAM))
    assert "*Time to first response*" in answer and "*Contributor absence factor*" in answer
