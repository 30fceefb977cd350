"""Project names for the search index: exact and path lookups, "did you mean", typo correction.

Everything here maps names and words to index slots; whether a slot is still alive is the index's
business, so lookups take an `alive` predicate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.catalog.search_text import topic_key

Alive = Callable[[int], bool]


class NameDirectory:
    def __init__(self) -> None:
        self._by_compact: dict[str, list[int]] = {}  # "auroradesignsystem" → slots
        self._by_full_name: dict[str, list[int]] = {}  # "acme/aurora-design-system" → slots
        self._vocabulary: Counter[str] = Counter()  # name, topic and language words, for typos
        self._vocabulary_list: list[str] | None = None
        self._topics: Counter[str] = Counter()
        # Compact names by first character: a misspelt name rarely gets its first letter wrong, and
        # comparing with 1/30th of 50,000 names keeps "did you mean" within a few milliseconds.
        self._names_by_initial: dict[str, list[str]] | None = None

    def state(self) -> dict[str, Any]:
        """Plain containers for the snapshot (bot/catalog/search_snapshot.py)."""
        return {
            "by_compact": self._by_compact,
            "by_full_name": self._by_full_name,
            "vocabulary": dict(self._vocabulary),
            "topics": dict(self._topics),
        }

    @classmethod
    def restore(cls, state: dict[str, Any]) -> NameDirectory:
        directory = cls()
        directory._by_compact = state["by_compact"]
        directory._by_full_name = state["by_full_name"]
        directory._vocabulary = Counter(state["vocabulary"])
        directory._topics = Counter(state["topics"])
        return directory

    def add(
        self, slot: int, compact_name: str, full_name: str, words: Iterable[str], topics: Iterable[str]
    ) -> None:
        self._by_compact.setdefault(compact_name, []).append(slot)
        self._by_full_name.setdefault(full_name, []).append(slot)
        self._vocabulary.update(words)
        self._topics.update(topics)
        self._vocabulary_list = None
        self._names_by_initial = None

    def forget(self, words: Iterable[str], topics: Iterable[str]) -> None:
        """A project's words no longer count (its slot is dead); the name maps keep dead slots."""
        self._vocabulary.subtract(words)
        self._topics.subtract(topics)
        self._vocabulary_list = None
        self._names_by_initial = None

    def warm(self, alive: Alive) -> None:
        """Build the lookup lists now (after a load) rather than on some unlucky request."""
        self._names_list(alive)
        self._words_list()

    def _names_list(self, alive: Alive) -> dict[str, list[str]]:
        if self._names_by_initial is None:
            buckets: dict[str, list[str]] = {}
            for name, slots in self._by_compact.items():
                if name and any(alive(s) for s in slots):
                    buckets.setdefault(name[0], []).append(name)
            self._names_by_initial = buckets
        return self._names_by_initial

    def _words_list(self) -> list[str]:
        if self._vocabulary_list is None:
            self._vocabulary_list = [w for w, n in self._vocabulary.items() if n > 0]
        return self._vocabulary_list

    def exact(self, compact_name: str) -> list[int]:
        return self._by_compact.get(compact_name, [])

    def full_name(self, folded: str) -> list[int]:
        return self._by_full_name.get(folded, [])

    def full_name_suffix(self, folded_path: str) -> list[int]:
        suffix = "/" + folded_path.strip("/")
        return [slot for key, slots in self._by_full_name.items() if key.endswith(suffix) for slot in slots]

    def closest_names(self, compact_name: str, alive: Alive, limit: int, cutoff: float) -> list[int]:
        if not compact_name:
            return []
        candidates = self._names_list(alive).get(compact_name[0], [])
        found = process.extract(compact_name, candidates, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
        return [slot for name, _, _ in found for slot in self._by_compact[name] if alive(slot)][:limit]

    def closest_word(self, term: str) -> str | None:
        """The catalog's name/topic/language word a typo most likely meant (1 edit, 2 for long words)."""
        if len(term) < 4 or not term.isalpha():
            return None
        max_edits = 1 if len(term) <= 5 else 2
        found = process.extractOne(term, self._words_list(), scorer=OSA.distance, score_cutoff=max_edits)
        return found[0] if found else None

    def closest_topics(self, text: str, limit: int) -> list[str]:
        topics = [t for t, n in self._topics.items() if n > 0]
        found = process.extract(topic_key(text), topics, scorer=fuzz.WRatio, score_cutoff=75.0, limit=limit)
        return [topic for topic, _, _ in found]
