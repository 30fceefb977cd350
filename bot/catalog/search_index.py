"""The in-memory search index over listed projects: weighted fields, typo-tolerant terms, filters.

Why in memory: ranking needs every candidate's text weight, activity score and readiness at once,
and one index behaves the same on SQLite and PostgreSQL. Postings are NumPy arrays, so a word that
half of 50,000 projects use is scored in a millisecond, not a Python loop. A changed project gets a
new slot and its old slot is marked dead (appending is cheap, deleting from arrays is not); word
frequencies count live slots only, and `dead_share` tells the owner when a rebuild pays off.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.catalog.search_names import NameDirectory, SlotWords
from bot.catalog.search_text import (
    LANGUAGE_ALIASES,
    compact,
    fold,
    language_key,
    name_terms,
    terms,
    topic_key,
)

# How much a word counts by where it appears: a word in the name says more than one in the README.
FIELD_WEIGHTS = {
    "name": 5.0,
    "title": 3.0,
    "topics": 3.0,
    "description": 2.0,
    "skills": 1.5,
    "languages": 1.5,
    "motivation": 1.0,
    "namespace": 0.8,
    "readme": 0.5,
}
SATURATION = 2.0  # BM25's k: a term's weight levels off, so one field can't outvote the others
FUZZY_PENALTY = 0.75  # a typo-corrected term counts for less than the word as typed
EXACT_NAME_BOOST = 2.5  # the query is the project's name ("aurora design system")
NAME_COVERS_BOOST = 1.4  # every query term is in the name
MIN_COVERAGE = 0.34  # of the best match's coverage: below, a hit matched too few of the words
MAX_SCORE = 3000  # activity scores above this grow logarithmically (see score.py)
_FORGES = ("github", "gitlab")
_NAME, _LANGUAGE, _TOPIC = "\x00name:", "\x00lang:", "\x00topic:"  # posting keys apart from words

Slots = npt.NDArray[np.signedinteger[Any]]
Floats = npt.NDArray[np.floating[Any]]


@dataclass(frozen=True)
class SearchDocument:
    """What the index knows of one project."""

    project_id: int
    forge: str
    name: str
    full_name: str
    fields: dict[str, str]  # FIELD_WEIGHTS keys → text
    topics: tuple[str, ...]
    languages: tuple[str, ...]
    activity_score: int
    ready: bool


@dataclass(frozen=True)
class Filters:
    languages: tuple[str, ...] = ()  # any of these (language_key form)
    topics: tuple[str, ...] = ()  # any of these (topic_key form)
    forges: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.languages or self.topics or self.forges)


@dataclass(frozen=True)
class SearchOutcome:
    """Every match with its score; ordering is paid for only for the page asked for."""

    ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    scores: Floats = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    corrections: dict[str, str] = field(default_factory=dict)  # typed term → the word it was read as

    @property
    def total(self) -> int:
        return len(self.ids)

    def page(self, offset: int, size: int) -> list[int]:
        """Ids ranked offset..offset+size: best first, equal scores by id, so pages never overlap."""
        wanted, count = offset + size, len(self.ids)
        if offset >= count:
            return []
        top = np.arange(count)
        if wanted < count:  # everything scoring at least the wanted-th best (ties included)
            threshold = np.partition(self.scores, count - wanted)[count - wanted]
            top = np.flatnonzero(self.scores >= threshold)
        order = top[np.lexsort((self.ids[top], -self.scores[top]))]
        return [int(i) for i in self.ids[order][offset:wanted].tolist()]


@dataclass(frozen=True)
class _Prepared:
    """A document turned into postings, outside the index lock."""

    document: SearchDocument
    compact_name: str
    weights: dict[str, float]
    words: frozenset[str]  # name, topic and language words (typo vocabulary)
    topics: frozenset[str]
    quality: float


def quality(activity_score: int, ready: bool) -> float:
    """0..1: how lively and how welcoming a project is, independent of the query."""
    activity = min(1.0, math.log1p(max(activity_score, 0)) / math.log1p(MAX_SCORE))
    return 0.65 * activity + 0.35 * (1.0 if ready else 0.0)


def prepare(document: SearchDocument) -> _Prepared:
    languages = {language_key(lang) for lang in document.languages}
    topics = frozenset(topic_key(topic) for topic in document.topics)
    names = name_terms(document.name)
    weights = _term_weights({**document.fields, "name": " ".join(names), "languages": " ".join(languages)})
    weights.update({_NAME + t: 1.0 for t in names})
    weights.update({_LANGUAGE + lang: 1.0 for lang in languages})
    weights.update({_TOPIC + topic: 1.0 for topic in topics})
    words = {w for w in [*names, *languages, *terms(" ".join(topics))] if len(w) >= 3 and w.isalpha()}
    return _Prepared(
        document, compact(document.name), weights, frozenset(words), topics,
        quality(document.activity_score, document.ready),
    )  # fmt: skip


class SearchIndex:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._size = 0  # slots used
        self._project_ids = np.zeros(1024, dtype=np.int64)
        self._alive = np.zeros(1024, dtype=np.bool_)
        self._quality = np.zeros(1024, dtype=np.float32)
        self._forge = np.zeros(1024, dtype=np.int8)
        self._slot_words = SlotWords()  # to forget a dead slot's words
        self._postings: dict[str, tuple[Slots, npt.NDArray[np.float32]]] = {}
        self._pending: dict[str, tuple[array[int], array[float]]] = {}
        self._slot_of: dict[int, int] = {}
        self.names = NameDirectory()

    def __len__(self) -> int:
        return len(self._slot_of)

    @property
    def dead_share(self) -> float:
        return (self._size - len(self._slot_of)) / self._size if self._size else 0.0

    def upsert(self, documents: Iterable[SearchDocument]) -> None:
        prepared = [prepare(document) for document in documents]  # the slow part, done unlocked
        with self._lock:
            for item in prepared:
                self._remove(item.document.project_id)
                self._add(item)
            self._flush_pending()

    def remove(self, project_ids: Iterable[int]) -> None:
        with self._lock:
            for project_id in project_ids:
                self._remove(project_id)

    def _add(self, item: _Prepared) -> None:
        document = item.document
        slot = self._next_slot()
        self._project_ids[slot] = document.project_id
        self._alive[slot] = True
        self._quality[slot] = item.quality
        self._forge[slot] = _FORGES.index(document.forge) if document.forge in _FORGES else -1
        self._slot_of[document.project_id] = slot
        self._slot_words.append(item.words, item.topics)
        self.names.add(slot, item.compact_name, fold(document.full_name), item.words, item.topics)
        for key, weight in item.weights.items():
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = (array("i"), array("f"))
            pending[0].append(slot)
            pending[1].append(weight)

    def _next_slot(self) -> int:
        slot = self._size
        if slot == len(self._alive):  # grow by doubling: amortised O(1) appends
            grown = 2 * len(self._alive)
            self._project_ids = np.resize(self._project_ids, grown)
            self._alive = np.concatenate([self._alive, np.zeros(grown - slot, dtype=np.bool_)])
            self._quality = np.resize(self._quality, grown)
            self._forge = np.resize(self._forge, grown)
        self._size += 1
        return slot

    def _flush_pending(self) -> None:
        for key, (slots, weights) in self._pending.items():
            new_slots: Slots = np.frombuffer(slots, dtype=np.int32).copy()
            new_weights = np.frombuffer(weights, dtype=np.float32).copy()
            old = self._postings.get(key)
            if old is not None:
                new_slots = np.concatenate([old[0], new_slots])
                new_weights = np.concatenate([old[1], new_weights])
            self._postings[key] = (new_slots, new_weights)
        self._pending.clear()

    def _remove(self, project_id: int) -> None:
        slot = self._slot_of.pop(project_id, None)
        if slot is not None:
            self._alive[slot] = False
            self.names.forget(*self._slot_words[slot])

    def state(self) -> dict[str, Any]:
        """Everything the index holds as arrays and plain containers (bot/catalog/search_snapshot.py)."""
        with self._lock:
            size = self._size
            return {
                "project_ids": self._project_ids[:size].copy(),
                "alive": self._alive[:size].copy(),
                "quality": self._quality[:size].copy(),
                "forge": self._forge[:size].copy(),
                "slot_words": self._slot_words.state(),
                "postings": dict(self._postings),
                "names": self.names.state(),
            }

    @classmethod
    def restore(cls, state: dict[str, Any]) -> SearchIndex:
        """The index `state()` described, warmed and ready to search."""
        index = cls()
        size = len(state["project_ids"])
        capacity = max(1024, size)
        for name, dtype in (("_project_ids", np.int64), ("_alive", np.bool_), ("_quality", np.float32)):
            array_ = np.zeros(capacity, dtype=dtype)
            array_[:size] = state[name.lstrip("_")]
            setattr(index, name, array_)
        index._forge = np.zeros(capacity, dtype=np.int8)
        index._forge[:size] = state["forge"]
        index._size = size
        alive = state["alive"].tolist()
        index._slot_of = {p: s for s, p in enumerate(state["project_ids"].tolist()) if alive[s]}
        index._slot_words = SlotWords.restore(state["slot_words"])
        index._postings = state["postings"]
        index.names = NameDirectory.restore(state["names"])
        index.warm()
        return index

    def warm(self) -> None:
        with self._lock:
            # A list lookup per slot, not a NumPy scalar each: 50,000 names warm in a few milliseconds.
            self.names.warm(self._alive[: self._size].tolist().__getitem__)

    def _is_alive(self, slot: int) -> bool:
        return bool(self._alive[slot])

    # -- queries -----------------------------------------------------------------------------

    def search(self, query_terms: list[str], filters: Filters) -> SearchOutcome:
        with self._lock:
            resolved, corrections = self._resolve(query_terms)
            if query_terms and not resolved:  # words given, none known, not even with a typo
                return SearchOutcome(corrections=corrections)
            candidates = self._alive[: self._size] & self._filter_mask(filters)
            if not resolved:  # only filters (`find lang:go`): the liveliest matching projects first
                slots = np.flatnonzero(candidates)
                return SearchOutcome(
                    self._project_ids[slots], self._quality[slots].astype(np.float64), corrections
                )
            return self._rank(resolved, query_terms, candidates, corrections)

    def _resolve(self, query_terms: list[str]) -> tuple[list[tuple[str, float]], dict[str, str]]:
        """Each query term as itself when the catalog has it, else a language alias (`golang`),
        else the closest name, topic or language word (`auorra` → `aurora`)."""
        resolved: list[tuple[str, float]] = []
        corrections: dict[str, str] = {}
        for term in dict.fromkeys(query_terms):
            if term in self._postings:
                resolved.append((term, 1.0))
                continue
            alias = LANGUAGE_ALIASES.get(term)
            if alias in self._postings:
                corrections[term] = alias
                resolved.append((alias, 1.0))
                continue
            correction = self.names.closest_word(term)
            if correction is not None and correction in self._postings:
                corrections[term] = correction
                resolved.append((correction, FUZZY_PENALTY))
        return resolved, corrections

    def _rank(
        self,
        resolved: list[tuple[str, float]],
        query_terms: list[str],
        candidates: npt.NDArray[np.bool_],
        corrections: dict[str, str],
    ) -> SearchOutcome:
        size, alive = self._size, len(self._slot_of)
        scores = np.zeros(size, dtype=np.float32)
        covered = np.zeros(size, dtype=np.float32)
        in_name = np.zeros(size, dtype=np.int8)
        total_idf = 0.0
        for term, factor in resolved:
            slots, weights = self._postings[term]
            live = int(np.count_nonzero(self._alive[slots]))  # dead slots must not make a word look common
            idf = math.log(1 + (alive - live + 0.5) / (live + 0.5))
            total_idf += idf
            scores[slots] += (idf * factor * (SATURATION + 1)) * weights / (weights + SATURATION)
            covered[slots] += idf
            name_postings = self._postings.get(_NAME + term)
            if name_postings is not None:
                in_name[name_postings[0]] += 1
        slots = np.flatnonzero((scores > 0) & candidates)
        if not len(slots) or total_idf <= 0:
            return SearchOutcome(corrections=corrections)
        coverage = covered[slots] / total_idf
        kept = coverage >= coverage.max() * MIN_COVERAGE
        slots, coverage = slots[kept], coverage[kept]
        ranked = scores[slots] * coverage * coverage * (0.55 + 0.45 * self._quality[slots])
        ranked = np.where(in_name[slots] == len(resolved), ranked * NAME_COVERS_BOOST, ranked)
        exact = self.names.exact(compact("".join(query_terms)))
        if exact:
            ranked = np.where(np.isin(slots, exact), ranked * (EXACT_NAME_BOOST / NAME_COVERS_BOOST), ranked)
        return SearchOutcome(self._project_ids[slots], ranked.astype(np.float64), corrections)

    def _filter_mask(self, filters: Filters) -> npt.NDArray[np.bool_]:
        mask = np.ones(self._size, dtype=np.bool_)
        if filters.forges:
            codes = [_FORGES.index(f) for f in filters.forges if f in _FORGES]
            mask &= np.isin(self._forge[: self._size], codes)
        for prefix, values in ((_LANGUAGE, filters.languages), (_TOPIC, filters.topics)):
            if values:
                any_of = np.zeros(self._size, dtype=np.bool_)
                for value in values:
                    postings = self._postings.get(prefix + value)
                    if postings is not None:
                        any_of[postings[0]] = True
                mask &= any_of
        return mask

    # -- names, for `project` and suggestions --------------------------------------------------

    def by_name(self, text: str) -> list[int]:
        """Projects whose name is `text`, ignoring case, spaces and punctuation."""
        with self._lock:
            return self._live_ids(self.names.exact(compact(text)))

    def by_name_words(self, text: str) -> list[int]:
        """Projects whose name has every word of `text` (`kafka` → kafka-client), liveliest first."""
        words = terms(text)
        with self._lock:
            if not words or any(_NAME + w not in self._postings for w in words):
                return []
            common = set(self._postings[_NAME + words[0]][0].tolist())
            for word in words[1:]:
                common &= set(self._postings[_NAME + word][0].tolist())
            slots = sorted((s for s in common if self._alive[s]), key=lambda s: (-self._quality[s], s))
            return [int(self._project_ids[s]) for s in slots]

    def by_full_name(self, full_name: str) -> list[int]:
        with self._lock:
            return self._live_ids(self.names.full_name(fold(full_name)))

    def by_full_name_suffix(self, path: str) -> list[int]:
        """`security/cloud-guardrails` finds `platform/security/cloud-guardrails`."""
        with self._lock:
            return sorted(self._live_ids(self.names.full_name_suffix(fold(path))))

    def closest_names(self, text: str, limit: int = 3, cutoff: float = 70.0) -> list[int]:
        """Project ids whose names look most like `text` (for "did you mean")."""
        with self._lock:
            return self._live_ids(self.names.closest_names(compact(text), self._is_alive, limit, cutoff))

    def closest_topics(self, text: str, limit: int = 3) -> list[str]:
        with self._lock:
            return self.names.closest_topics(text, limit)

    def _live_ids(self, slots: Iterable[int]) -> list[int]:
        return [int(self._project_ids[s]) for s in slots if self._alive[s]]


def _term_weights(fields: dict[str, str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for field_name, text in fields.items():
        if not text:
            continue
        field_weight = FIELD_WEIGHTS[field_name]
        for term, count in Counter(terms(text)).items():
            weights[term] = weights.get(term, 0.0) + field_weight * (1 + math.log(count))
    return weights
