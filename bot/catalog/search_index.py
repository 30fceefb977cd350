"""The in-memory search index over listed projects: weighted fields, typo-tolerant terms, filters.

Why in memory: ranking needs every candidate's text weight, activity score and readiness at once,
and one index behaves the same on SQLite and PostgreSQL. Postings are NumPy arrays, so a word that
half of 50,000 projects use is scored in a millisecond, not a Python loop. A changed project gets a
new slot and its old slot is marked dead (appending is cheap, deleting from arrays is not); new
postings wait in small buffers until the end of each `upsert`. `dead_share` tells the owner when a
rebuild pays off.
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
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.catalog.search_text import compact, fold, language_key, terms, topic_key

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
MAX_SCORE = 3000  # activity scores above this grow logarithmically (see score.py)
_FORGES = ("github", "gitlab")
_NAME = "\x00name:"  # posting keys for name words and filters, apart from text terms
_LANGUAGE = "\x00lang:"
_TOPIC = "\x00topic:"

Slots = npt.NDArray[np.signedinteger[Any]]


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
    project_ids: list[int]  # every match, best first
    corrections: dict[str, str] = field(default_factory=dict)  # typed term → the name word it matched


def quality(activity_score: int, ready: bool) -> float:
    """0..1: how lively and how welcoming a project is, independent of the query."""
    activity = min(1.0, math.log1p(max(activity_score, 0)) / math.log1p(MAX_SCORE))
    return 0.65 * activity + 0.35 * (1.0 if ready else 0.0)


class SearchIndex:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._size = 0  # slots used
        self._project_ids = np.zeros(1024, dtype=np.int64)
        self._alive = np.zeros(1024, dtype=np.bool_)
        self._quality = np.zeros(1024, dtype=np.float32)
        self._forge = np.zeros(1024, dtype=np.int8)
        self._slot_words: list[tuple[frozenset[str], frozenset[str]]] = []  # (fuzzy words, topics) per slot
        self._postings: dict[str, tuple[Slots, npt.NDArray[np.float32]]] = {}
        self._pending: dict[str, tuple[array[int], array[float]]] = {}
        self._slot_of: dict[int, int] = {}
        self._by_compact_name: dict[str, list[int]] = {}
        self._by_full_name: dict[str, list[int]] = {}
        self._fuzzy_vocabulary: Counter[str] = Counter()  # name, topic and language words
        self._fuzzy_list: list[str] | None = None
        self._name_list: list[str] | None = None
        self._topic_counts: Counter[str] = Counter()

    # -- maintenance -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot_of)

    @property
    def dead_share(self) -> float:
        return (self._size - len(self._slot_of)) / self._size if self._size else 0.0

    def upsert(self, documents: Iterable[SearchDocument]) -> None:
        with self._lock:
            for document in documents:
                self._remove(document.project_id)
                self._add(document)
            self._flush_pending()

    def remove(self, project_ids: Iterable[int]) -> None:
        with self._lock:
            for project_id in project_ids:
                self._remove(project_id)
            self._fuzzy_list = self._name_list = None

    def _add(self, document: SearchDocument) -> None:
        slot = self._next_slot()
        self._project_ids[slot] = document.project_id
        self._alive[slot] = True
        self._quality[slot] = quality(document.activity_score, document.ready)
        self._forge[slot] = _FORGES.index(document.forge) if document.forge in _FORGES else -1
        self._slot_of[document.project_id] = slot
        self._by_compact_name.setdefault(compact(document.name), []).append(slot)
        self._by_full_name.setdefault(fold(document.full_name), []).append(slot)
        name_terms = set(terms(document.name))
        languages = {language_key(lang) for lang in document.languages}
        topics = frozenset(topic_key(topic) for topic in document.topics)
        weights = _term_weights(document.fields)
        weights.update({_NAME + t: 1.0 for t in name_terms})
        weights.update({_LANGUAGE + lang: 1.0 for lang in languages})
        weights.update({_TOPIC + topic: 1.0 for topic in topics})
        for key, weight in weights.items():
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = (array("i"), array("f"))
            pending[0].append(slot)
            pending[1].append(weight)
        fuzzy_words = frozenset(
            w for w in name_terms | languages | set(terms(" ".join(topics))) if len(w) >= 3
        )
        self._slot_words.append((fuzzy_words, topics))
        self._fuzzy_vocabulary.update(fuzzy_words)
        self._topic_counts.update(topics)

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
            new_slots = np.frombuffer(slots, dtype=np.int32).copy()
            new_weights = np.frombuffer(weights, dtype=np.float32).copy()
            old = self._postings.get(key)
            if old is not None:
                new_slots = np.concatenate([old[0], new_slots])
                new_weights = np.concatenate([old[1], new_weights])
            self._postings[key] = (new_slots, new_weights)
        self._pending.clear()
        self._fuzzy_list = self._name_list = None

    def _remove(self, project_id: int) -> None:
        slot = self._slot_of.pop(project_id, None)
        if slot is None:
            return
        self._alive[slot] = False
        fuzzy_words, topics = self._slot_words[slot]
        self._fuzzy_vocabulary.subtract(fuzzy_words)
        self._topic_counts.subtract(topics)

    # -- queries -----------------------------------------------------------------------------

    def search(self, query_terms: list[str], filters: Filters) -> SearchOutcome:
        with self._lock:
            resolved, corrections = self._resolve(query_terms)
            if query_terms and not resolved:  # words given, none known, not even with a typo
                return SearchOutcome([], corrections)
            candidates = self._alive[: self._size] & self._filter_mask(filters)
            if not resolved:  # only filters (`find lang:go`): the liveliest matching projects first
                slots = np.flatnonzero(candidates)
                return SearchOutcome(self._ordered(slots, self._quality[slots]), corrections)
            return SearchOutcome(self._rank(resolved, query_terms, candidates), corrections)

    def _resolve(self, query_terms: list[str]) -> tuple[list[tuple[str, float]], dict[str, str]]:
        """Each query term as itself when the catalog has it, else its closest name word."""
        resolved: list[tuple[str, float]] = []
        corrections: dict[str, str] = {}
        for term in dict.fromkeys(query_terms):
            if term in self._postings:
                resolved.append((term, 1.0))
                continue
            correction = self._closest_word(term)
            if correction is not None and correction in self._postings:
                corrections[term] = correction
                resolved.append((correction, FUZZY_PENALTY))
        return resolved, corrections

    def _closest_word(self, term: str) -> str | None:
        if len(term) < 4 or not term.isalpha():
            return None
        if self._fuzzy_list is None:
            self._fuzzy_list = [w for w, n in self._fuzzy_vocabulary.items() if n > 0]
        max_edits = 1 if len(term) <= 5 else 2
        found = process.extractOne(term, self._fuzzy_list, scorer=OSA.distance, score_cutoff=max_edits)
        return found[0] if found else None

    def _rank(
        self, resolved: list[tuple[str, float]], query_terms: list[str], candidates: npt.NDArray[np.bool_]
    ) -> list[int]:
        size = self._size
        alive = len(self._slot_of)
        scores = np.zeros(size, dtype=np.float32)
        covered = np.zeros(size, dtype=np.float32)
        in_name = np.zeros(size, dtype=np.int8)
        total_idf = 0.0
        for term, factor in resolved:
            slots, weights = self._postings[term]
            idf = math.log(1 + (alive - len(slots) + 0.5) / (len(slots) + 0.5))
            total_idf += idf
            scores[slots] += (idf * factor * (SATURATION + 1)) * weights / (weights + SATURATION)
            covered[slots] += idf
            name_slots = self._postings.get(_NAME + term)
            if name_slots is not None:
                in_name[name_slots[0]] += 1
        slots = np.flatnonzero((scores > 0) & candidates)
        if not len(slots):
            return []
        coverage = covered[slots] / total_idf
        # When some projects match every word, projects matching only a few are noise.
        kept = coverage >= coverage.max() * 0.5
        slots, coverage = slots[kept], coverage[kept]
        ranked = scores[slots] * coverage * coverage * (0.55 + 0.45 * self._quality[slots])
        ranked = np.where(in_name[slots] == len(resolved), ranked * NAME_COVERS_BOOST, ranked)
        exact = self._by_compact_name.get(compact("".join(query_terms)), [])
        if exact:
            ranked = np.where(np.isin(slots, exact), ranked * (EXACT_NAME_BOOST / NAME_COVERS_BOOST), ranked)
        return self._ordered(slots, ranked)

    def _ordered(self, slots: Slots, scores: npt.NDArray[np.float32]) -> list[int]:
        ids = self._project_ids[slots]
        order = np.lexsort((ids, -scores))  # best first; equal scores by id, so pages are stable
        return [int(i) for i in ids[order].tolist()]

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
            return self._live_ids(self._by_compact_name.get(compact(text), []))

    def by_full_name(self, full_name: str) -> list[int]:
        with self._lock:
            return self._live_ids(self._by_full_name.get(fold(full_name), []))

    def by_full_name_suffix(self, path: str) -> list[int]:
        """`security/cloud-guardrails` finds `platform/security/cloud-guardrails`."""
        suffix = "/" + fold(path).strip("/")
        with self._lock:
            slots = [s for key, found in self._by_full_name.items() if key.endswith(suffix) for s in found]
            return sorted(self._live_ids(slots))

    def closest_names(self, text: str, limit: int = 3, cutoff: float = 70.0) -> list[int]:
        """Project ids whose names look most like `text` (for "did you mean")."""
        key = compact(text)
        if not key:
            return []
        with self._lock:
            if self._name_list is None:
                self._name_list = [
                    name for name, slots in self._by_compact_name.items() if self._live_ids(slots)
                ]
            found = process.extract(key, self._name_list, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
            return self._live_ids([s for name, _, _ in found for s in self._by_compact_name[name]])[:limit]

    def closest_topics(self, text: str, limit: int = 3) -> list[str]:
        key = topic_key(text)
        with self._lock:
            topics = [t for t, n in self._topic_counts.items() if n > 0]
        found = process.extract(key, topics, scorer=fuzz.WRatio, score_cutoff=75.0, limit=limit)
        return [topic for topic, _, _ in found]

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
