"""The search index on its own (no database): ranking rules, updates, dead slots and paging."""

from __future__ import annotations

from bot.catalog.search_index import Filters, SearchDocument, SearchIndex, SearchOutcome
from bot.catalog.search_text import name_terms, terms


def doc(
    project_id: int,
    name: str,
    description: str = "",
    languages: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
    score: int = 100,
    ready: bool = False,
) -> SearchDocument:
    return SearchDocument(
        project_id=project_id,
        forge="github",
        name=name,
        full_name=f"acme/{name}",
        fields={"name": name, "description": description, "topics": " ".join(topics),
                "languages": " ".join(languages)},
        topics=topics,
        languages=languages,
        activity_score=score,
        ready=ready,
    )  # fmt: skip


def search(index: SearchIndex, text: str, filters: Filters | None = None) -> list[int]:
    outcome = index.search(terms(text), filters or Filters())
    return outcome.page(0, 100)


def test_updates_leave_word_weights_intact() -> None:
    """Re-indexing a project leaves a dead slot behind; word frequency must count live ones only."""
    index = SearchIndex()
    documents = [doc(i, f"service-{i}", "a payments service") for i in range(1, 21)]
    index.upsert(documents)
    for round_ in range(5):  # every project re-scored, as each crawl does
        index.upsert([doc(d.project_id, d.name, "a payments service", score=200 + round_) for d in documents])
    assert index.dead_share > 0.8
    assert sorted(search(index, "payments service")) == list(range(1, 21))


def test_removed_projects_are_not_found() -> None:
    index = SearchIndex()
    index.upsert([doc(1, "kafka-client"), doc(2, "kafka-connect")])
    index.remove([1])
    assert search(index, "kafka") == [2]
    assert index.by_name("kafka-client") == []
    assert len(index) == 1


def test_language_names_are_words_not_camel_case_parts() -> None:
    index = SearchIndex()
    index.upsert([
        doc(1, "web-ui", "Shop front", languages=("JavaScript",)),
        doc(2, "billing", "Billing engine", languages=("Java",)),
        doc(3, "gateway", "GraphQL gateway", languages=("TypeScript",)),
    ])  # fmt: skip
    assert search(index, "java") == [2]
    assert search(index, "javascript") == [1]
    assert search(index, "graphql") == [3]
    assert search(index, "typescript") == [3]


def test_language_aliases_in_free_text() -> None:
    index = SearchIndex()
    index.upsert([doc(1, "flags", languages=("Go",)), doc(2, "ui", languages=("JavaScript",))])
    golang = index.search(terms("golang"), Filters())
    assert golang.page(0, 5) == [1] and golang.corrections == {"golang": "go"}
    assert search(index, "js") == [2]


def test_camel_case_names_match_their_parts_and_the_whole() -> None:
    assert set(name_terms("featureStore")) == {"featurestore", "feature", "store"}
    index = SearchIndex()
    index.upsert([doc(1, "featureStore"), doc(2, "store-front")])
    assert search(index, "feature store")[0] == 1
    assert search(index, "featurestore") == [1]


def test_name_words_and_ready_lively_projects_win_ties() -> None:
    index = SearchIndex()
    index.upsert([
        doc(1, "kafka-client", "Kafka wrapper", score=50),
        doc(2, "kafka-client-legacy", "Kafka wrapper", score=900, ready=True),
        doc(3, "events", "Mentions kafka once"),
    ])  # fmt: skip
    assert search(index, "kafka client") == [1, 2]  # the exact name beats liveliness
    assert search(index, "kafka")[-1] == 3  # a name match beats a description mention
    assert index.by_name_words("kafka") == [2, 1]  # liveliest first


def test_pages_never_overlap_even_with_equal_scores() -> None:
    index = SearchIndex()
    index.upsert([doc(i, f"tool-{i}", "same text") for i in range(1, 24)])
    outcome = index.search(terms("same text"), Filters())
    pages = [outcome.page(offset, 5) for offset in range(0, 25, 5)]
    seen = [i for page in pages for i in page]
    assert sorted(seen) == list(range(1, 24)) and outcome.total == 23
    assert outcome.page(30, 5) == []


def test_filters_combine_any_of_within_and_all_of_across() -> None:
    index = SearchIndex()
    index.upsert([
        doc(1, "a", languages=("Go",), topics=("kafka",)),
        doc(2, "b", languages=("Python",), topics=("kafka",)),
        doc(3, "c", languages=("Go",), topics=("cli",)),
    ])  # fmt: skip
    go_or_python_kafka = Filters(languages=("go", "python"), topics=("kafka",))
    assert sorted(search(index, "", go_or_python_kafka)) == [1, 2]
    assert search(index, "", Filters(languages=("go",), topics=("cli",))) == [3]
    assert search(index, "", Filters(forges=("gitlab",))) == []


def test_an_empty_outcome_pages_to_nothing() -> None:
    assert SearchOutcome().page(0, 5) == [] and SearchOutcome().total == 0
