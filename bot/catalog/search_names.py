"""Project names for the search index: exact and path lookups, "did you mean", typo correction.

Everything here maps names and words to index slots; whether a slot is still alive is the index's
business, so lookups take an `alive` predicate.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.catalog.search_text import topic_key

Alive = Callable[[int], bool]


class SlotWords:
    """Each slot's name/topic/language words and topics, to forget when the slot dies.

    Kept as word numbers in flat arrays (with where each slot's run starts), not as a set per slot:
    50,000 small sets cost tens of MB, and arrays go to and from the snapshot without parsing."""

    def __init__(self) -> None:
        self._vocabulary: list[str] = []
        self._numbers: dict[str, int] = {}
        self._words, self._word_bounds = array("i"), array("q", [0])
        self._topics, self._topic_bounds = array("i"), array("q", [0])

    def __len__(self) -> int:
        return len(self._word_bounds) - 1

    def append(self, words: Iterable[str], topics: Iterable[str]) -> None:
        self._words.extend(self._number(w) for w in sorted(words))
        self._word_bounds.append(len(self._words))
        self._topics.extend(self._number(t) for t in sorted(topics))
        self._topic_bounds.append(len(self._topics))

    def __getitem__(self, slot: int) -> tuple[list[str], list[str]]:
        vocabulary = self._vocabulary
        words = self._words[self._word_bounds[slot] : self._word_bounds[slot + 1]]
        topics = self._topics[self._topic_bounds[slot] : self._topic_bounds[slot + 1]]
        return [vocabulary[n] for n in words], [vocabulary[n] for n in topics]

    def _number(self, word: str) -> int:
        number = self._numbers.get(word)
        if number is None:
            number = self._numbers[word] = len(self._vocabulary)
            self._vocabulary.append(word)
        return number

    def state(self) -> dict[str, Any]:
        """The vocabulary and the four flat arrays (as `array`s; the snapshot writes their bytes)."""
        return {
            "vocabulary": list(self._vocabulary),
            "words": array("i", self._words),
            "word_bounds": array("q", self._word_bounds),
            "topics": array("i", self._topics),
            "topic_bounds": array("q", self._topic_bounds),
        }

    @classmethod
    def restore(cls, state: dict[str, Any]) -> SlotWords:
        """From `state()`'s shape; the arrays may be NumPy arrays (copied as bytes, not element-wise)."""
        slot_words = cls()
        slot_words._vocabulary = list(state["vocabulary"])
        slot_words._numbers = {word: n for n, word in enumerate(slot_words._vocabulary)}
        for name, code in (("words", "i"), ("word_bounds", "q"), ("topics", "i"), ("topic_bounds", "q")):
            setattr(slot_words, "_" + name, _array(code, state[name]))
        return slot_words


def _array(code: str, values: Any) -> array[Any]:
    if isinstance(values, array):
        return array(code, values)
    copied = array(code)
    copied.frombytes(memoryview(values).cast("B"))
    return copied


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
