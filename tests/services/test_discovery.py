"""Discovery over the crawled sample organisation: ranking a person would agree with, filters,
typos, paging, and `project` by name, owner/name and URL."""

from __future__ import annotations

import pytest

from bot.app import Core
from bot.catalog.search_catalog import CatalogSearch
from bot.catalog.store import new_project
from bot.db.engine import session_scope
from bot.forges.base import RepoSummary
from bot.services.discovery import Discovery
from bot.services.project_views import distinct_people
from bot.services.results import ProjectCard, ProjectChoice, ProjectNotFound
from tests.conftest import NOW


@pytest.fixture
def discovery(sample_catalog: Core) -> Discovery:
    return Discovery(sample_catalog.sessions, CatalogSearch(sample_catalog.sessions))


# What an engineer types, and the project they would expect at the top.
RANKING = [
    ("design system", "acme/aurora-design-system"),
    ("ui components", "acme/aurora-design-system"),
    ("react components", "acme/aurora-design-system"),
    ("design tokens", "acme/design-tokens"),
    ("kafka client", "acme/kafka-client"),
    ("kafka", "acme/kafka-client"),
    ("architecture decision records", "acme/architecture-decisions"),
    ("adr", "acme/architecture-decisions"),
    ("cloud security policies", "platform/security/cloud-guardrails"),
    ("ci templates", "platform/ci-cd/pipeline-templates"),
    ("pipeline templates", "platform/ci-cd/pipeline-templates"),
    ("feature flags", "acme/flagpole"),
    ("terraform modules", "platform/terraform-modules"),
    ("onboarding handbook", "acme/engineering-handbook"),
    ("observability", "platform/observability-charts"),
    ("aurora", "acme/aurora-design-system"),
]


@pytest.mark.parametrize(("query", "expected"), RANKING)
def test_the_project_a_person_expects_comes_first(discovery: Discovery, query: str, expected: str) -> None:
    result = discovery.find(query)
    assert result.hits, f"no hits for {query!r}"
    assert result.hits[0].project.full_name == expected, [h.project.full_name for h in result.hits]


def test_each_hit_says_why_it_matched(discovery: Discovery) -> None:
    hit = discovery.find("design system").hits[0]
    assert any(reason.startswith("name:") and "“design”" in reason for reason in hit.reasons), hit.reasons


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("auorra", "acme/aurora-design-system"), ("desing sytem", "acme/aurora-design-system"),
     ("kafak client", "acme/kafka-client"), ("flagpoll", "acme/flagpole")],
)  # fmt: skip
def test_typos_in_project_names_still_match(discovery: Discovery, typo: str, expected: str) -> None:
    hits = discovery.find(typo).hits
    assert hits and hits[0].project.full_name == expected
    assert any("(for “" in reason for reason in hits[0].reasons), hits[0].reasons


def test_filters_narrow_the_results(discovery: Discovery) -> None:
    go = discovery.find("lang:go")
    assert go.total >= 3
    assert all("Go" in hit.project.languages for hit in go.hits)
    assert all(reason == "language: Go" for hit in go.hits for reason in hit.reasons)
    gitlab = discovery.find("templates forge:gitlab")
    assert gitlab.hits and all(hit.project.forge == "gitlab" for hit in gitlab.hits)
    kafka = discovery.find("client topic:kafka")
    assert [hit.project.full_name for hit in kafka.hits] == ["acme/kafka-client"]
    assert discovery.find("design system lang:cobol").total == 0


def test_language_aliases_and_bad_filters(discovery: Discovery) -> None:
    assert discovery.find("lang:golang").total == discovery.find("lang:Go").total > 0
    result = discovery.find("kafka forge:bitbucket lang:")
    assert len(result.query.problems) == 2
    assert result.hits[0].project.full_name == "acme/kafka-client"


def test_more_pages_on_without_repeating(discovery: Discovery) -> None:
    first = discovery.find("python")
    assert first.total > 5 and first.has_more and len(first.hits) == 5
    second = discovery.find("python", offset=first.next_offset)
    assert second.offset == 5
    names = [h.project.full_name for h in (*first.hits, *second.hits)]
    assert len(names) == len(set(names))


def test_no_match_says_so_and_suggests(discovery: Discovery) -> None:
    nothing = discovery.find("zzzqqqxx")
    assert nothing.total == 0 and not nothing.hits and nothing.catalog_size > 30
    near = discovery.find("guardrail-cloudy")
    assert near.hits[0].project.full_name == "platform/security/cloud-guardrails"
    assert discovery.find("aurora-desgin-sistem-kit").hits[0].project.name == "aurora-design-system"
    suggested = discovery.find("flagpole2000")
    assert suggested.total == 0 and suggested.suggestions[0] == "flagpole"


def test_non_ascii_and_long_queries_are_safe(discovery: Discovery) -> None:
    assert discovery.find("Zürich 東京 déjà-vu").total == 0
    long = discovery.find("design " * 400)
    assert long.hits[0].project.full_name == "acme/aurora-design-system"
    assert len(long.query.text) <= 500


def test_project_by_name_owner_name_and_url(discovery: Discovery) -> None:
    by_name = discovery.project("aurora-design-system")
    assert isinstance(by_name, ProjectCard)
    assert by_name.summary.full_name == "acme/aurora-design-system"
    assert discovery.project("acme/aurora-design-system") == by_name
    assert discovery.project("Aurora Design System") == by_name
    url = by_name.summary.web_url
    assert discovery.project(url) == by_name
    assert discovery.project(f"<{url}/tree/main/src|aurora>") == by_name
    nested = discovery.project("security/cloud-guardrails")
    assert isinstance(nested, ProjectCard)
    assert nested.summary.full_name == "platform/security/cloud-guardrails"


def test_project_card_has_the_details(discovery: Discovery) -> None:
    card = discovery.project("aurora-design-system")
    assert isinstance(card, ProjectCard)
    assert card.motivation and "accessible" in card.motivation
    assert {"React", "TypeScript"} <= set(card.skills)
    assert [p.forge_login for p in card.maintainers]
    assert len(card.checklist) == 11 and all(item.ok for item in card.checklist if item.key == "readme")
    assert card.good_first_issues and all(issue.url.startswith("http") for issue in card.good_first_issues)
    assert card.contributing_url and card.contributing_url.endswith("CONTRIBUTING.md")
    assert card.chat_channel == "#design-system-maintainers"
    assert any(part.label.startswith("Popularity") for part in card.score_parts)
    # The assigned good-first-issue is not offered to newcomers.
    assert all("defaultProps" not in issue.title for issue in card.good_first_issues)


def test_misspelt_and_ambiguous_project_names(discovery: Discovery) -> None:
    guess = discovery.project("aurora-desing-sytem")
    assert isinstance(guess, ProjectNotFound)
    assert guess.suggestion is not None and guess.suggestion.full_name == "acme/aurora-design-system"
    assert isinstance(discovery.project("no-such-thing-at-all-xyz"), ProjectNotFound)


def add_project(core: Core, full_name: str, forge: str = "github", description: str = "") -> None:
    namespace, _, name = full_name.rpartition("/")
    summary = RepoSummary(
        forge=forge, host=f"{forge}.example.com", forge_id=str(abs(hash(full_name)) % 10**9),
        full_name=full_name, name=name, namespace=namespace,
        web_url=f"https://{forge}.example.com/{full_name}", description=description, topics=(),
        visibility="internal", archived=False, fork=False, empty=False, default_branch="main",
        primary_language=None, stars=0, forks=0, open_issues=0, created_at=NOW, updated_at=NOW,
        pushed_at=NOW,
    )  # fmt: skip
    with session_scope(core.sessions) as session:
        session.add(new_project(summary, namespace, NOW))


def test_an_ambiguous_name_offers_a_choice(core: Core) -> None:
    add_project(core, "payments/sdk", description="Payments SDK")
    add_project(core, "identity/sdk", forge="gitlab", description="Identity SDK")
    add_project(core, "identity/sdk-docs")
    discovery = Discovery(core.sessions, CatalogSearch(core.sessions))
    choice = discovery.project("sdk")
    assert isinstance(choice, ProjectChoice)
    assert sorted(p.full_name for p in choice.candidates) == ["identity/sdk", "payments/sdk"]
    picked = discovery.project("https://gitlab.example.com/identity/sdk/-/issues")
    assert isinstance(picked, ProjectCard) and picked.summary.forge == "gitlab"


def test_empty_catalog(core: Core) -> None:
    empty = Discovery(core.sessions, CatalogSearch(core.sessions))
    result = empty.find("design system")
    assert result.catalog_size == 0 and not result.hits
    assert isinstance(empty.project("aurora"), ProjectNotFound)


def test_maintainers_named_twice_are_shown_once() -> None:
    assert distinct_people(["alice", "bob", "@acme/design", "@Alice", "@bob", "kim@acme.example", ""]) == [
        "@alice",
        "@bob",
        "@acme/design",
        "kim@acme.example",
    ]


def test_project_by_a_word_of_its_name(discovery: Discovery) -> None:
    kafka = discovery.project("kafka")
    assert isinstance(kafka, ProjectCard) and kafka.summary.full_name == "acme/kafka-client"
    aurora = discovery.project("aurora")
    assert isinstance(aurora, ProjectChoice)
    assert [p.full_name for p in aurora.candidates] == ["acme/aurora-design-system", "acme/aurora-icons"]


def test_java_is_not_javascript(discovery: Discovery) -> None:
    java = discovery.find("java")
    assert java.hits and all(
        "Java" in hit.project.languages or "java" in hit.project.topics for hit in java.hits
    )
    assert discovery.find("javascript").total > 0
